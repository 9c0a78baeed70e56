"""`make run` (app.serve) starts the webhook worker beside gunicorn, starts it again if it stops, and
stops it with the servers. The processes are stand-ins; what is checked is how serve handles them."""
from __future__ import annotations

import signal
import sys

import pytest

from app import serve


class Fake:
    """A started process; the first server's wait() plays the script: the worker dies, then all ends."""

    def __init__(self, command, world):
        self.command, self.world, self.returncode = command, world, None
        world["started"].append(self)

    @property
    def is_worker(self) -> bool:
        return self.command[-2:] == ["webhooks", "deliver"]

    def poll(self):
        return self.returncode

    def terminate(self):
        self.returncode = 0

    def wait(self, timeout=None):
        if timeout is None or self.returncode is not None:
            return self.returncode
        step = self.world["script"].pop(0) if self.world["script"] else "end"
        workers = [p for p in self.world["started"] if p.is_worker and p.returncode is None]
        if step == "worker dies":
            workers[0].returncode = 1
        else:
            for process in self.world["started"]:
                if not process.is_worker:
                    process.returncode = 0
        raise serve.subprocess.TimeoutExpired(self.command, timeout)


@pytest.fixture
def world(monkeypatch, tmp_path):
    state = {"started": [], "script": []}
    monkeypatch.setattr(serve.subprocess, "Popen", lambda command: Fake(command, state))
    monkeypatch.setattr(serve, "instance_path", lambda: tmp_path)
    monkeypatch.setattr(serve, "lan_addresses", lambda: [])
    monkeypatch.setattr(signal, "signal", lambda *_: None)
    return state


def test_make_run_starts_the_webhook_worker_again_if_it_stops_and_stops_it_at_the_end(world):
    world["script"] = ["worker dies", "end"]
    assert serve.main(["--host", "127.0.0.1", "--https-port", "0"]) == 0
    workers = [p for p in world["started"] if p.is_worker]
    assert len(workers) == 2
    assert workers[0].command[0] == str(serve.Path(sys.executable).with_name("flask"))
    assert workers[0].returncode == 1 and workers[1].returncode == 0  # the second was stopped with the servers


def test_no_webhooks_leaves_the_worker_out(world):
    world["script"] = ["end"]
    serve.main(["--host", "127.0.0.1", "--https-port", "0", "--no-webhooks"])
    assert [p for p in world["started"] if p.is_worker] == []
