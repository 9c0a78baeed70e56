"""End to end, on both databases: a short pick on the phone's picking screen (the shelf holds less than
the records say) shows up in the change feed and as a delivered, correctly signed webhook — sent by
`flask webhooks deliver` running as its own process, to a receiver on loopback — within a second.

Why a short pick: picking reserved stock moves on-hand and reserved together, so what channels may
sell does not change and no event is written (the ledger's rule, checked here too). A short pick
does change it: the missing units stay held for the count, and the order takes the same number
again from another shelf, so the warehouse has that many fewer to sell — channels must hear of it.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.api import signing, webhooks
from app.auth.models import Role
from app.orders import service as orders
from app.orders.waves import build_wave
from app.stock.models import StockEvent
from tests import factories as f
from tests.api.receiver import receiver
from tests.api.support import bearer, make_token
from tests.support import csrf_token, log_in

ROOT = Path(__file__).resolve().parents[2]
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')
_scan_ids = itertools.count(1)


@pytest.fixture
def floor(client, session):
    wh = f.warehouse(session, code="TKY")
    picker = f.user(session, Role.PICKER, login="picker", warehouses=[wh], all_warehouses=False)
    shelf = f.location(session, wh, code="A-01-01-1", pick_sequence=10)
    spare = f.location(session, wh, code="B-01-01-1", pick_sequence=30)
    tea = f.product(session, sku="TEA", name="緑茶", barcode="4901234567894")
    f.receive(session, tea, shelf, 10)
    f.receive(session, tea, spare, 5)
    order = orders.create_order(session, wh.id, orders.DraftOrder("rakuten", "R-1", "山田", [
        orders.DraftLine(tea.id, 2)]), user_id=None)
    orders.allocate_order(session, order.id, user_id=None)
    wave = build_wave(session, wh.id, [order.id], assigned_to_id=picker.id, user_id=None)
    return {"wave": wave, "token": make_token(session, "stock:read")}


class Phone:
    """The picking screen as the phone drives it: each scan carries the hidden fields of the step shown."""

    def __init__(self, client, wave_id: int):
        self.client, self.wave_id = client, wave_id
        log_in(client, "picker")
        self.csrf = csrf_token(client, f"/picking/{wave_id}")
        self.step = client.get(f"/picking/{wave_id}").get_data(as_text=True)

    def scan(self, code: str = "", **form):
        page = self.step[self.step.index('<form class="scan"'):]
        carried = {k: v for k, v in HIDDEN.findall(page[:page.index("</form>")])
                   if k not in ("csrf_token", "scan_id", "code")}
        answer = self.client.post(f"/picking/{self.wave_id}/scan", data={
            **carried, "csrf_token": self.csrf, "scan_id": f"e2e-{next(_scan_ids):08d}", "code": code, **form},
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf})
        html = answer.get_data(as_text=True)
        if '<form class="scan"' in html:
            self.step = html
        assert answer.status_code == 200, html
        return html


def events(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(StockEvent))


def start_worker(database_url: str, instance_dir: Path):
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": database_url, "TANA_INSTANCE_PATH": str(instance_dir)}
    command = [str(Path(sys.executable).with_name("flask")), "--app", "app", "webhooks", "deliver", "--poll", "0.05",
               "--no-dates"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = process.stdout.readline()
    assert "delivering" in first, first + (process.stdout.read() if process.poll() is not None else "")
    return process


def test_a_short_pick_on_the_phone_reaches_the_feed_and_a_signed_webhook_within_a_second(
        app, client, session, floor, database_url, instance_dir):
    with receiver() as hook:
        endpoint = webhooks.register(session, "shop", hook.url, ["TKY"])
        worker = start_worker(database_url, instance_dir)
        try:
            phone = Phone(client, floor["wave"].id)
            phone.scan("ZT-0001")
            phone.scan("A-01-01-1")
            before = events(session)
            phone.scan("4901234567894")  # one of two picked: reserved stock, availability unchanged
            assert events(session) == before, "a pick of reserved stock wrote a stock event"
            cursor = client.get("/api/v1/stock/changes?after=0&limit=1000",
                                headers=bearer(floor["token"])).get_json()["next"]

            assert 'data-result="confirm"' in phone.scan("", short="1")  # 「ここに足りない」
            phone.scan("", confirm="1")
            committed = time.monotonic()

            change, seen = None, None
            while time.monotonic() - committed < 2 and change is None:
                page = client.get(f"/api/v1/stock/changes?after={cursor}", headers=bearer(floor["token"])).get_json()
                if page["changes"]:
                    change, seen = page["changes"][0], time.monotonic()
                time.sleep(0.01)
            got = hook.wait_for(1, timeout=2.0)
        finally:
            worker.terminate()
            worker.wait(10)

    assert change is not None and seen - committed < 1.0
    assert (change["sku"], change["available"], change["cause"]) == ("TEA", 12, "reserve")
    assert len(got) == 1 and got[0].at - committed < 1.0
    body = got[0].body
    assert signing.verify(endpoint.secret, got[0].headers[signing.HEADER], body)
    payload = json.loads(body)
    assert (payload["event_id"], payload["sku"], payload["available"]) == (change["event_id"], "TEA", 12)
    assert got[0].headers["X-Tana-Event-Id"] == str(change["event_id"])
