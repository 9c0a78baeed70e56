"""Real concurrency for ledger tests: several OS processes, each running several threads.

Every worker builds its own app (own engine, own connections) against the same database,
waits for a common start instant, runs one ledger call and reports what happened.
"""
from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from app.database import write_transaction
from app.extensions import db
from app.floor.refusals import FloorRefusal
from app.stock import errors, ledger
from app.stock.models import MoveReason


@dataclass(frozen=True)
class Outcome:
    worker: str
    result: str  # "ok" or the StockError code
    posting_id: int | None = None
    replayed: bool = False


def run_workers(url: str, instance_dir: str, job, *, processes: int, threads: int, args=()) -> list[Outcome]:
    """Run `job(session, worker_name, *args) -> ledger.Posted` in processes × threads workers."""
    start_at = time.time() + 1.5 + 0.4 * processes
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=ctx) as pool:
        futures = [
            pool.submit(_process_main, url, instance_dir, job, p, threads, start_at, args) for p in range(processes)
        ]
        return [outcome for fut in futures for outcome in fut.result(timeout=120)]


def _process_main(url, instance_dir, job, process_no, threads, start_at, args) -> list[Outcome]:
    from pathlib import Path

    from tests.support import build_app

    app = build_app(url, Path(instance_dir))
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def thread_main(thread_no: int) -> None:
        name = f"p{process_no}t{thread_no}"
        with app.app_context():
            db.session.execute(db.text("SELECT 1")).all()  # connect before the start line
            db.session.rollback()
            time.sleep(max(0.0, start_at - time.time()))
            try:
                with write_transaction(db.session):
                    posted = job(db.session, name, *args)
                outcome = Outcome(name, getattr(posted, "outcome", "ok"), getattr(posted, "posting_id", None),
                                  getattr(posted, "replayed", False))
            except (errors.StockError, FloorRefusal) as exc:
                outcome = Outcome(name, exc.code)
            finally:
                db.session.remove()
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=thread_main, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    with app.app_context():
        db.engine.dispose()
    return outcomes


# --- jobs (top-level so spawned processes can import them) ---------------------------------


def take_one(session, _name, product_id, from_id, to_id):
    return ledger.post(
        session, [ledger.Move(product_id, 1, from_id, to_id, MoveReason.PICK)], key=f"take-{_name}"
    )


def reserve(session, _name, product_id, location_id, quantity):
    return ledger.post(
        session, [ledger.Reserve(product_id, location_id, quantity, f"line-{_name}")], key=f"res-{_name}"
    )


def receive_new_lot(session, _name, product_id, from_id, to_id, lot_number):
    return ledger.post(
        session,
        [ledger.Move(product_id, 1, from_id, to_id, MoveReason.RECEIPT, lot=ledger.LotSpec(lot_number))],
        key=f"rcv-{_name}",
    )


def replay_same_key(session, _name, product_id, from_id, to_id, key):
    return ledger.post(
        session, [ledger.Move(product_id, 3, from_id, to_id, MoveReason.RECEIPT)], key=key
    )


def receive_on_receipt(session, _name, receipt_id, warehouse_id, product_id, user_id):
    from app.receiving.service import Goods, Handling, item_by_id, receive
    from app.stock.warehouses import warehouse_ref
    from app.timeutil import local_today

    return receive(session, receipt_id, Goods(product_id, 3), Handling(confirm_over=True),
                   item_by_id(session, product_id), warehouse=warehouse_ref(session, warehouse_id), user_id=user_id,
                   key=f"recv-{_name}", today=local_today())[0]


def receive_one_within_the_plan(session, _name, receipt_id, warehouse_id, product_id, user_id):
    """One unit, no confirmation given: received, or asked about because the line would go beyond its plan."""
    from types import SimpleNamespace

    from app.receiving.service import Goods, Handling, NeedsConfirmation, item_by_id, receive
    from app.stock.warehouses import warehouse_ref
    from app.timeutil import local_today

    outcome, _summary = receive(session, receipt_id, Goods(product_id, 1), Handling(), item_by_id(session, product_id),
                                warehouse=warehouse_ref(session, warehouse_id), user_id=user_id, key=f"one-{_name}",
                                today=local_today())
    return SimpleNamespace(outcome="asked" if isinstance(outcome, NeedsConfirmation) else "received")


def close_the_receipt(session, _name, receipt_id, user_id):
    """Close on whatever the figures are when the close gets the receipt."""
    from types import SimpleNamespace

    from app.receiving.errors import ReceiptClosed
    from app.receiving.service import close_receipt, lock_receipt_for_close, summarize

    time.sleep(0.45)  # start among the scans of the other workers (they start 0.4 s later than this one)
    try:
        lock_receipt_for_close(session, receipt_id)  # the figures seen are those the close will find
        close_receipt(session, receipt_id, user_id=user_id, seen=summarize(session, receipt_id).fingerprint)
    except ReceiptClosed:
        return SimpleNamespace(outcome="already closed")
    return SimpleNamespace(outcome="closed")
