"""A webhook receiver on loopback for tests: records what arrives and when, answers as told."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    at: float
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    url: str
    status: int = 200
    delay: float = 0.0
    got: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.got) < count and time.monotonic() < deadline:
                self.arrived.wait(max(0.0, deadline - time.monotonic()))
            return list(self.got)


@contextmanager
def receiver(status: int = 200, delay: float = 0.0):
    """A server on 127.0.0.1 (free port) in a thread; yields its Receiver."""
    box: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            target: Receiver = box["receiver"]
            if target.delay:
                time.sleep(target.delay)
            with target.arrived:
                target.got.append(Received(time.monotonic(), self.path, dict(self.headers), body))
                target.arrived.notify_all()
            self.send_response(target.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    box["receiver"] = Receiver(f"http://127.0.0.1:{server.server_port}/hook", status, delay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box["receiver"]
    finally:
        server.shutdown()
        server.server_close()
