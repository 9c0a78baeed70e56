"""gunicorn started by a test, as `make run` and production start it: the app from the outside."""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {process.stdout.read()}")
        try:
            urllib.request.urlopen(url + "/health", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


@contextmanager
def gunicorn(database_url: str, instance_dir: Path, *, workers: int = 3, extra: tuple[str, ...] = (), **env):
    """A gunicorn serving the app on a free port of 127.0.0.1; yields (base URL, process)."""
    port = free_port()
    environment = {"PATH": os.environ["PATH"], "DATABASE_URL": database_url, "TANA_INSTANCE_PATH": str(instance_dir),
                   **env}
    command = [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers), "--bind",
               f"127.0.0.1:{port}", "--no-control-socket", *extra, "app:create_app()"]
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies, the CSRF token of the last page read, no redirects followed; answers (status, headers, body)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect)
        self.token = ""

    def get(self, path: str, timeout: float = 30):
        return self._open(urllib.request.Request(self.base + path), timeout)

    def post(self, path: str, form: dict, headers: dict | None = None, timeout: float = 30):
        data = urllib.parse.urlencode({"csrf_token": self.token, **form}).encode()
        return self._open(urllib.request.Request(self.base + path, data=data, headers=headers or {}), timeout)

    def _open(self, request, timeout):
        try:
            with self.opener.open(request, timeout=timeout) as response:
                status, headers, body = response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read().decode(errors="replace")
        found = CSRF_META.search(body)
        if found:
            self.token = found.group(1)
        return status, headers, body

    def log_in(self, login: str, password: str = "pass-1234", headers: dict | None = None):
        self.get("/login")
        return self.post("/login", {"login": login, "password": password}, headers)
