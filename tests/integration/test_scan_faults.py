"""Faults under load on PostgreSQL (issue 14): while several people scan, a gunicorn worker is
killed with SIGKILL and every database connection is cut (pg_terminate_backend). No answer is
gunicorn's own bare 500, every scan sent again under its scan_id (as the floor page does) lands
exactly once, and the ledger verifies clean."""
from __future__ import annotations

import os
from collections import Counter
import signal
import threading
import time
import urllib.error
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from app.auth.models import Role
from app.database import write_transaction
from app.extensions import db
from app.floor.models import ScanRecord
from app.receipts.models import ReceiptEntry
from app.receipts.plans import create_receipt
from app.stock.verify import verify
from app.timeutil import local_today
from tests import factories as f
from tests.gunicorn_server import Browser, gunicorn

pytestmark = [pytest.mark.slow, pytest.mark.postgres_only]
JAN = "4901234567894"
CLERKS = 4
SCANS_EACH = 25
GIVE_UP_AFTER = 60.0


def workers_of(master: int) -> list[int]:
    """The gunicorn workers: the master's children, read from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                children.append(int(entry.name))
    return children


def cut_connections(postgres_server_url, database: str) -> None:
    with postgres_server_url.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": database})


class Clerk(threading.Thread):
    """Scans as the floor page does: one at a time, each under its own scan_id, sent again (with
    X-Scan-Retry) after a failure or a 5xx until it is answered."""

    def __init__(self, base: str, login: str, receipt_id: int, ready: threading.Barrier):
        super().__init__(daemon=True)
        self.ready = ready
        self.base, self.login, self.receipt_id = base, login, receipt_id
        self.answers: list[tuple[str, int, str]] = []  # (scan_id, status, body) of every answer received
        self.landed: list[str] = []
        self.failures = 0
        self.pages: list[int | None] = []

    def run(self) -> None:
        browser = self._logged_in()
        self.ready.wait(timeout=GIVE_UP_AFTER)  # every clerk scans while the faults happen
        for n in range(SCANS_EACH):
            scan_id = f"fault-{self.login}-{n:04d}"
            self._send_until_answered(browser, scan_id)
            time.sleep(0.02)

    def _logged_in(self) -> Browser:
        """Log in and open the receipt, as a person does, again until it works (the faults hit these too)."""
        deadline = time.monotonic() + GIVE_UP_AFTER
        while time.monotonic() < deadline:
            browser = Browser(self.base)
            try:
                if browser.log_in(self.login)[0] == 302:
                    status = browser.get(f"/receiving/{self.receipt_id}")[0]
                    self.pages.append(status)
                    if status == 200:
                        return browser
            except OSError:
                self.pages.append(None)
            time.sleep(0.2)
        raise AssertionError(f"{self.login} could not open the receipt")

    def _send_until_answered(self, browser: Browser, scan_id: str) -> None:
        deadline = time.monotonic() + GIVE_UP_AFTER
        retry = False
        while time.monotonic() < deadline:
            headers = {"HX-Request": "true", "X-CSRFToken": browser.token, **({"X-Scan-Retry": "1"} if retry else {})}
            try:
                status, _headers, body = browser.post(f"/receiving/{self.receipt_id}/scan",
                                                      {"code": JAN, "scan_id": scan_id}, headers, timeout=20)
            except (OSError, urllib.error.URLError):
                status, body = None, ""  # the worker died under us: no answer at all
            if status is not None:
                self.answers.append((scan_id, status, body))
            if status is not None and status < 500:
                assert status == 200, (status, body[:300], self.pages, self.answers[-5:])
                self.landed.append(scan_id)
                return
            self.failures += 1
            retry = True
            time.sleep(0.2)
        raise AssertionError(f"{scan_id} was never answered")


@pytest.mark.parametrize("config", ["development", "production"])
def test_killed_workers_and_cut_connections_lose_and_double_no_scan(app, session, instance_dir, backend,
                                                                     postgres_server_url, config):
    wh = f.warehouse(session)
    f.product(session, sku="TEA-500", barcode=JAN)
    logins = [f.user(session, Role.RECEIVER, login=f"clerk{n}", warehouses=[wh], all_warehouses=False).login
              for n in range(CLERKS)]
    with write_transaction(session):
        receipt_id = create_receipt(session, wh.id, "-", local_today(), [], None, blind=True).id
    database = db.engine.url.database
    with gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], instance_dir, workers=3, extra=("--timeout", "20"),
                  TANA_CONFIG=config, SECRET_KEY="k" * 32, SESSION_COOKIE_SECURE="0") as (base, process):
        ready = threading.Barrier(CLERKS + 1)
        clerks = [Clerk(base, login, receipt_id, ready) for login in logins]
        for clerk in clerks:
            clerk.start()
        ready.wait(timeout=GIVE_UP_AFTER)
        for pause in (0.3, 0.5, 0.5):
            time.sleep(pause)
            victims = workers_of(process.pid)
            if victims:
                os.kill(victims[0], signal.SIGKILL)
            cut_connections(postgres_server_url, database)
        for clerk in clerks:
            clerk.join(timeout=GIVE_UP_AFTER + 30)
            assert not clerk.is_alive()
    answers = [answer for clerk in clerks for answer in clerk.answers]
    server_errors = [(status, body[:200]) for _id, status, body in answers if status >= 500]
    assert all('id="feedback"' in body for _status, body in server_errors), server_errors
    print(f"\n{config}: {sum(c.failures for c in clerks)} sends failed, answers {Counter(s for _i, s, _b in answers)}")
    assert sum(clerk.failures for clerk in clerks) > 0, "the faults did not hit any scan: nothing was tested"
    landed = [scan_id for clerk in clerks for scan_id in clerk.landed]
    assert len(landed) == len(set(landed)) == CLERKS * SCANS_EACH
    session.close()
    db.engine.dispose()  # the test's own pooled connections were cut too
    assert session.scalar(select(func.count()).select_from(ReceiptEntry)) == CLERKS * SCANS_EACH
    recorded = session.scalar(select(func.count(func.distinct(ScanRecord.scan_id))).where(ScanRecord.scan_id.like("fault-%")))
    assert recorded == CLERKS * SCANS_EACH
    assert verify(session) == []
