"""Ledger throughput: `ledger.post` against the same transaction in raw SQL, same run.

    .venv/bin/python benchmarks/ledger.py [--seconds 5] [--workers 1,8,32] [--backends sqlite,postgresql]

For each database it posts one shipment per transaction (storage → CUSTOMER, 1 unit, random
product out of 200, so both sides touch exactly one quant) from 1, 8 and 32 threads, and prints moves/s and p50/p99 latency
per post. The yardstick — measured in the same run, because this machine is shared and
noisy — is the same transaction written by hand: lock the quant (SELECT … FOR UPDATE),
update it, insert the move and the stock event, commit (psycopg on PostgreSQL, sqlite3
with BEGIN IMMEDIATE on SQLite). After every run the ledger is verified: nothing lost,
nothing negative. Target: single-threaded PostgreSQL ledger ≥ 40 % of the raw rate.
"""
from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app.database import write_transaction  # noqa: E402
from app.extensions import db  # noqa: E402
from app.stock import ledger  # noqa: E402
from app.stock.models import Location, LocationKind, MoveReason, Product, Quant, StockMove  # noqa: E402
from app.stock.verify import verify  # noqa: E402
from app.stock.warehouses import create_warehouse  # noqa: E402
from tests.support import build_app, migrate_to_head  # noqa: E402

PRODUCTS = 200
START_STOCK = 10_000_000
ROUNDS = 6


@dataclass
class Run:
    label: str
    workers: int
    latencies: list[float]
    seconds: float

    def add(self, other: Run) -> None:
        self.latencies.extend(other.latencies)
        self.seconds += other.seconds

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def setup(url: str):
    os.environ.setdefault("TANA_INSTANCE_PATH", tempfile.mkdtemp(prefix="tana-bench-"))
    app = build_app(url, Path(os.environ["TANA_INSTANCE_PATH"]), SQLITE_SYNCHRONOUS="FULL")
    migrate_to_head(app)
    with app.app_context():
        session = db.session
        with write_transaction(session):
            wh = create_warehouse(session, "BENCH", "bench")
            shelf = Location(warehouse_id=wh.id, code="A-01-01-1", kind=LocationKind.STORAGE, sellable=True)
            session.add(shelf)
            products = [Product(sku=f"BENCH-{i:04d}", name=f"bench {i}") for i in range(PRODUCTS)]
            session.add_all(products)
            session.flush()
            supplier, customer = (
                session.scalar(select(Location.id).where(Location.code == code, Location.warehouse_id == wh.id))
                for code in ("SUPPLIER", "CUSTOMER")
            )
            ledger.post(session, [ledger.Move(p.id, START_STOCK, supplier, shelf.id, MoveReason.RECEIPT) for p in products],
                        key="bench-stock")
        ids = {"warehouse": wh.id, "shelf": shelf.id, "customer": customer, "products": [p.id for p in products]}
    return app, ids


def ledger_worker(app, ids, deadline, out: list[float]) -> None:
    rng = random.Random()
    with app.app_context():
        session = db.session
        while time.perf_counter() < deadline:
            product = rng.choice(ids["products"])
            start = time.perf_counter()
            with write_transaction(session):
                ledger.post(session, [ledger.Move(product, 1, ids["shelf"], ids["customer"], MoveReason.SHIP)],
                            key=uuid.uuid4().hex)
            out.append(time.perf_counter() - start)
        db.session.remove()


def raw_pg_worker(dsn: str, ids, deadline, out: list[float]) -> None:
    rng = random.Random()
    with psycopg.connect(dsn) as conn:
        posting = conn.execute("SELECT id FROM posting WHERE idempotency_key = 'bench-stock'").fetchone()[0]
        conn.commit()
        while time.perf_counter() < deadline:
            product = rng.choice(ids["products"])
            start = time.perf_counter()
            quant_id, = conn.execute(
                "SELECT id FROM quant WHERE product_id = %s AND location_id = %s AND lot_key = 0 FOR UPDATE",
                (product, ids["shelf"])).fetchone()
            conn.execute("UPDATE quant SET on_hand = on_hand - 1, updated_at = now() WHERE id = %s", (quant_id,))
            conn.execute(
                "INSERT INTO stock_move (posting_id, idempotency_key, product_id, quantity, from_location_id, to_location_id,"
                " reason, created_at) VALUES (%s, %s, %s, 1, %s, %s, 'ship', now())",
                (posting, uuid.uuid4().hex, product, ids["shelf"], ids["customer"]))
            conn.execute(
                "INSERT INTO stock_event (product_id, warehouse_id, available, cause, posting_id, created_at)"
                " VALUES (%s, %s, 0, 'ship', %s, now())", (product, ids["warehouse"], posting))
            conn.commit()
            out.append(time.perf_counter() - start)


def raw_sqlite_worker(path: str, ids, deadline, out: list[float]) -> None:
    rng = random.Random()
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    posting = conn.execute("SELECT id FROM posting WHERE idempotency_key = 'bench-stock'").fetchone()[0]
    while time.perf_counter() < deadline:
        product = rng.choice(ids["products"])
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        quant_id, = conn.execute("SELECT id FROM quant WHERE product_id = ? AND location_id = ? AND lot_key = 0",
                                 (product, ids["shelf"])).fetchone()
        conn.execute("UPDATE quant SET on_hand = on_hand - 1, updated_at = datetime('now') WHERE id = ?", (quant_id,))
        conn.execute(
            "INSERT INTO stock_move (posting_id, idempotency_key, product_id, quantity, from_location_id, to_location_id,"
            " reason, created_at) VALUES (?, ?, ?, 1, ?, ?, 'ship', datetime('now'))",
            (posting, uuid.uuid4().hex, product, ids["shelf"], ids["customer"]))
        conn.execute("INSERT INTO stock_event (product_id, warehouse_id, available, cause, posting_id, created_at)"
                     " VALUES (?, ?, 0, 'ship', ?, datetime('now'))", (product, ids["warehouse"], posting))
        conn.execute("COMMIT")
        out.append(time.perf_counter() - start)
    conn.close()


def run_threads(label: str, workers: int, seconds: float, target, *args) -> Run:
    latencies: list[list[float]] = [[] for _ in range(workers)]
    deadline = time.perf_counter() + seconds
    threads = [threading.Thread(target=target, args=(*args, deadline, latencies[i])) for i in range(workers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Run(label, workers, [x for part in latencies for x in part], time.perf_counter() - start)


def check_ledger(app, ids, expected_moves: int) -> str:
    with app.app_context():
        session = db.session
        picked = session.scalar(select(func.count()).select_from(StockMove).where(StockMove.reason == MoveReason.SHIP))
        on_shelf = session.scalar(select(func.sum(Quant.on_hand)).where(Quant.location_id == ids["shelf"]))
        problems = verify(session)
        db.session.remove()
    lost = PRODUCTS * START_STOCK - on_shelf - picked
    status = "OK" if not problems and lost == 0 and picked == expected_moves else "BROKEN"
    return f"{status}: {picked} shipments posted, {lost} lost, {len(problems)} invariant problems"


def postgres_url(server: str) -> tuple[str, str]:
    name = f"tana_bench_{os.getpid()}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = sa.engine.make_url(server).set(database=name)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return url.render_as_string(hide_password=False), dsn


def bench_backend(backend: str, seconds: float, worker_counts: list[int]) -> list[tuple[Run, Run | None, str]]:
    if backend == "postgresql":
        server = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
        url, dsn = postgres_url(server)
        raw = (raw_pg_worker, dsn)
    else:
        path = Path(tempfile.mkdtemp(prefix="tana-bench-")) / "bench.db"
        url = f"sqlite:///{path}"
        raw = (raw_sqlite_worker, str(path))
    app, ids = setup(url)
    results = []
    for workers in worker_counts:
        raw_run = Run(f"{backend} raw SQL", workers, [], 0.0)
        ledger_run = Run(f"{backend} ledger.post", workers, [], 0.0)
        for _ in range(ROUNDS):  # interleaved slices, so a noisy neighbour hurts both sides alike
            raw_run.add(run_threads(raw_run.label, workers, seconds / ROUNDS, raw[0], raw[1], ids))
            ledger_run.add(run_threads(ledger_run.label, workers, seconds / ROUNDS, ledger_worker, app, ids))
        moves_so_far = sum(len(r[0].latencies) for r in results) + len(ledger_run.latencies)
        raw_moves = sum(len(r[1].latencies) for r in results) + len(raw_run.latencies)
        results.append((ledger_run, raw_run, check_ledger(app, ids, moves_so_far + raw_moves)))
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=6.0, help="per side and worker count, in 6 interleaved slices")
    parser.add_argument("--workers", default="1,8,32")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    print(f"{'run':<26}{'workers':>8}{'moves/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'vs raw':>8}  ledger check")
    for backend in args.backends.split(","):
        for ledger_run, raw_run, check in bench_backend(backend, args.seconds, counts):
            ratio = ledger_run.rate / raw_run.rate
            for run, extra in ((raw_run, ""), (ledger_run, f"{ratio:>7.0%}")):
                print(f"{run.label:<26}{run.workers:>8}{run.rate:>10.0f}{run.pct(.5):>9.2f}{run.pct(.99):>9.2f}{extra:>8}"
                      + (f"  {check}" if run is ledger_run else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
