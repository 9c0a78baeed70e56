"""With nothing but DATABASE_URL set, several gunicorn workers serve a working login over HTTP."""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from app.auth.models import Role
from tests import factories as f

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


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


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_several_workers_share_one_secret_and_serve_a_working_login(app, session):
    f.warehouse(session)
    f.user(session, Role.PICKER, login="gunicorn-user")
    port = free_port()
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [gunicorn, "--workers", "3", "--bind", f"127.0.0.1:{port}", "--no-control-socket", "app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        login_page = browser.open(base + "/login").read().decode()
        token = re.search(r'name="csrf-token" content="([^"]+)"', login_page).group(1)
        form = urllib.parse.urlencode({"login": "gunicorn-user", "password": "pass-1234", "csrf_token": token}).encode()
        try:
            browser.open(base + "/login", data=form)
            raise AssertionError("login did not redirect")
        except urllib.error.HTTPError as redirect:
            assert redirect.code == 302 and redirect.headers["Location"] == "/"
            assert "Secure" not in redirect.headers.get("Set-Cookie", "")
        for _ in range(12):
            home = browser.open(base + "/").read().decode()
            assert 'id="current-login">gunicorn-user<' in home
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert (ROOT / "instance" / "secret_key").exists()
