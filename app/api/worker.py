"""`flask webhooks deliver`: the long-running process beside gunicorn that delivers webhooks.

Every `poll` seconds it asks which endpoints have work (changes not yet queued, or deliveries
due) and hands each to a thread of its own, one round at a time per endpoint: a slow or dead
endpoint holds only its own thread, never the floor (which only appends stock events) nor the
other endpoints. Once a day (the warehouse's date) it also writes the availability that changed
because a date passed (app.stock.date_events), so `make run` needs no cron for it.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta

from flask import Flask

from app.api import delivery
from app.extensions import db
from app.stock.date_events import refresh_dates
from app.timeutil import local_today

log = logging.getLogger("tana.webhooks")
PRUNE_EVERY = timedelta(hours=1)


class Worker:
    def __init__(self, app: Flask, *, poll: float = 0.2, threads: int = 8,
                 timeout: float = delivery.TIMEOUT_SECONDS, dates: bool = True) -> None:
        self.app, self.poll, self.timeout, self.dates = app, poll, timeout, dates
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="webhook")
        self.running: dict[int, Future] = {}
        self.stop = threading.Event()
        self.dates_done: date | None = None
        self.pruned_at = 0.0

    def run(self, *, rounds: int | None = None) -> None:
        """Deliver until stopped (or for `rounds` rounds), then wait for the rounds under way."""
        done = 0
        try:
            while not self.stop.is_set() and (rounds is None or done < rounds):
                self.cycle()
                done += 1
                self.stop.wait(self.poll)
        finally:
            self.pool.shutdown(wait=True)

    def cycle(self) -> None:
        self.running = {eid: fut for eid, fut in self.running.items() if not fut.done()}
        with self.app.app_context():
            try:
                self._daily()
                ids = delivery.endpoints_with_work(db.session)
            except Exception:  # noqa: BLE001 - the database away for a moment: try again next round
                log.exception("webhooks: could not read the endpoints")
                ids = []
            finally:
                db.session.remove()
        for endpoint_id in ids:
            if endpoint_id not in self.running:
                self.running[endpoint_id] = self.pool.submit(self._round, endpoint_id)

    def wait(self) -> None:
        for future in list(self.running.values()):
            future.result()

    def _round(self, endpoint_id: int) -> None:
        with self.app.app_context():
            try:
                delivered, failed = delivery.deliver_endpoint(db.session, endpoint_id, timeout=self.timeout)
                if delivered or failed:
                    log.info("webhook %s: %s delivered, %s failed", endpoint_id, delivered, failed)
            except Exception:  # noqa: BLE001 - one endpoint's trouble never stops the others
                log.exception("webhook %s: round failed", endpoint_id)
            finally:
                db.session.remove()

    def _daily(self) -> None:
        today = local_today()
        if self.dates and self.dates_done != today:
            written = refresh_dates(db.session, today)
            log.info("stock refresh-dates %s: %s availability changes written", today, written)
            self.dates_done = today
        if time.monotonic() - self.pruned_at > PRUNE_EVERY.total_seconds():
            delivery.prune(db.session)
            self.pruned_at = time.monotonic()


__all__ = ["Worker"]
