"""The supervisor's screens on a big warehouse: each page as a supervisor's phone asks for it.

    .venv/bin/python benchmarks/supervisor.py [--backend postgresql|sqlite] [--shelves 10000] [--lines 50000]
                                              [--repeat 7]

The store: one warehouse of N storage shelves and M stock lines (quants; 2,000 products, received
through the ledger, a tenth of them lot + expiry), 20,000 picks over the ledger (ABC classes), a count
history of one finished count per shelf spread within about one interval of its class (so a day's
worth is due, as in a warehouse that counts every day), 200 counts waiting for review and 100 for a
recount (made through the count rules: counted, recounted), 100,000 discrepancies of every source over
12 weeks and 50,000 finished pick lines (a few short). History rows (count tasks, discrepancies, pick
lines) are inserted in bulk; stock only ever moves through the ledger.

Measured, in this process through the Flask test client (request, queries, template), each page
`--repeat` times after one warm-up; printed: median and slowest in ms, and the answer's size:
- the ABC schedule: the count-task page (which works out what is due), then the schedule run making
  the tasks of the due shelves (one day's worth, then every shelf due on a first run as a worst case);
- the review queue (page and the fragment it polls every 4 s) and one count's review;
- the discrepancy list (first page; filtered by source, zone and dates) and its CSV of one week;
- the KPI page; the alerts page.
Afterwards the ledger is verified. PostgreSQL by default (TEST_POSTGRES_URL); --backend sqlite uses a
file in a temporary folder.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.floor_scan import app_for, database, drop  # noqa: E402

PRODUCTS = 2_000
PICKS = 20_000
REVIEWS = 200
RECOUNTS = 100
DISCREPANCIES = 100_000
PICK_LINES = 50_000
PASSWORD = "bench-pass-1234"
ZONES = string.ascii_uppercase  # 1,000 shelves a zone: at most 26,000 shelves


# --- the store -----------------------------------------------------------------------------------


def build(session, shelves: int, lines: int) -> dict:
    from app.auth.models import Role, User, UserRole
    from app.database import write_transaction
    from app.stock.models import Location, LocationKind, Product, Tracking
    from app.stock.warehouses import create_warehouse

    started = time.perf_counter()
    with write_transaction(session):
        warehouse = create_warehouse(session, "BIG", "大型倉庫")
        session.execute(sa.insert(Location), [
            {"warehouse_id": warehouse.id, "code": f"{ZONES[n // 1000]}-{n // 100 % 10 + 1:02d}-{n // 10 % 10 + 1:02d}-"
                                                   f"{n % 10 + 1}",
             "kind": LocationKind.STORAGE, "zone": ZONES[n // 1000], "sellable": True, "active": True,
             "pick_sequence": n + 1} for n in range(shelves)])
        rng = random.Random(12)
        session.execute(sa.insert(Product), [
            {"sku": f"SKU-{n:05d}", "name": f"商品 {n}", "tracking": Tracking.LOT_EXPIRY if n % 10 == 0 else Tracking.NONE,
             "min_shelf_life_days": 0, "reorder_point": rng.randint(0, 60), "safety_stock": rng.randint(0, 20),
             "cost_price": rng.choice((80, 150, 300, 600, 1200, 2400)), "lead_time_days": rng.choice((3, 7, 14)),
             "is_kit": False, "active": True} for n in range(PRODUCTS)])
        users = []
        for login, role in (("boss", Role.SUPERVISOR), ("counter1", Role.PICKER), ("counter2", Role.RECEIVER),
                            ("counter3", Role.PICKER)):
            user = User(login=login, name=login, all_warehouses=True, active=True)
            user.set_password(PASSWORD)
            user.role_rows = [UserRole(role=role)]
            session.add(user)
            users.append(user)
        session.flush()
        ids = {"warehouse": warehouse.id, **{u.login: u.id for u in users}}
    _stock(session, ids["warehouse"], lines)
    _picks(session, ids["warehouse"])
    _history(session, ids)
    _reviews(session, ids)
    _discrepancies(session, ids)
    _pick_lines(session, ids)
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    return ids


def _stock(session, warehouse_id: int, lines: int) -> None:
    from app.database import write_transaction
    from app.stock import ledger
    from app.stock.models import Location, LocationKind, MoveReason, Product, Tracking
    from app.stock.warehouses import warehouse_ref

    supplier = warehouse_ref(session, warehouse_id).place(LocationKind.SUPPLIER)
    shelves = session.scalars(sa.select(Location.id).where(Location.warehouse_id == warehouse_id,
                                                           Location.kind == LocationKind.STORAGE)).all()
    products = session.execute(sa.select(Product.id, Product.tracking).order_by(Product.id)).all()
    rng = random.Random(7)
    today = date.today()
    moves, used = [], set()
    while len(moves) < lines:
        product_id, tracking = rng.choice(products)
        shelf = rng.choice(shelves)
        if (product_id, shelf) in used:
            continue
        used.add((product_id, shelf))
        batch = shelf % 7  # a lot's expiry is the same wherever it is stored
        lot = (ledger.LotSpec(f"L{product_id}-{batch}", today + timedelta(days=(product_id * 37 + batch * 53) % 420 - 20))
               if tracking is Tracking.LOT_EXPIRY else None)
        moves.append(ledger.Move(product_id, rng.randint(5, 60), supplier, shelf, MoveReason.RECEIPT, lot=lot))
    for n in range(0, len(moves), 2000):
        with write_transaction(session):
            ledger.post(session, moves[n:n + 2000], key=f"bench-receipt-{n}")
    print(f"  {len(moves):,} stock lines on {len(shelves):,} shelves", flush=True)


def _picks(session, warehouse_id: int) -> None:
    """Picks through the ledger, skewed (a few products picked often: ABC)."""
    from app.database import write_transaction
    from app.stock import ledger
    from app.stock.models import Location, LocationKind, MoveReason, Quant
    from app.stock.warehouses import warehouse_ref

    customer = warehouse_ref(session, warehouse_id).place(LocationKind.CUSTOMER)
    quants = session.execute(
        sa.select(Quant.product_id, Quant.location_id, Quant.lot_id, Quant.on_hand)
        .join(Location, Location.id == Quant.location_id)
        .where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE)
        .order_by(Quant.product_id, Quant.location_id)).all()
    rng = random.Random(3)
    weights = [1.0 / (1 + q.product_id % 97) for q in quants]
    left = {(q.product_id, q.location_id, q.lot_id): q.on_hand for q in quants}
    moves = []
    for q in rng.choices(quants, weights=weights, k=PICKS * 2):
        key = (q.product_id, q.location_id, q.lot_id)
        if left[key] > 3:
            left[key] -= 1
            moves.append(ledger.Move(q.product_id, 1, q.location_id, customer, MoveReason.PICK, lot=q.lot_id))
        if len(moves) == PICKS:
            break
    for n in range(0, len(moves), 2000):
        with write_transaction(session):
            ledger.post(session, moves[n:n + 2000], key=f"bench-pick-{n}")
    print(f"  {len(moves):,} picks", flush=True)


def _history(session, ids: dict) -> None:
    """One finished count per shelf, within about one interval of its class (a day's worth is due)."""
    from app.database import write_transaction
    from app.stock.models import CountTask, Posting
    from app.supervisor.schedule import stocked_shelves
    from app.timeutil import utcnow

    intervals = {"A": 30, "B": 90, "C": 180}
    shelves = stocked_shelves(session, ids["warehouse"])
    posting = session.scalar(sa.select(Posting.id).limit(1))
    rng, now = random.Random(5), utcnow()
    rows = []
    for shelf in shelves:
        days = rng.uniform(0, intervals[shelf.abc] + 1)
        closed = now - timedelta(days=days)
        rows.append({"warehouse_id": ids["warehouse"], "location_id": shelf.location_id, "open_location_id": None,
                     "cause": "schedule", "status": "done", "version": 2, "created_at": closed - timedelta(hours=1),
                     "closed_at": closed, "posting_id": posting if rng.random() < 0.08 else None,
                     "reason_code": None, "variance_value": 0})
    with write_transaction(session):
        session.execute(sa.insert(CountTask), rows)
    classes = {abc: sum(1 for s in shelves if s.abc == abc) for abc in intervals}
    print(f"  {len(rows):,} finished counts (shelves A {classes['A']:,}, B {classes['B']:,}, C {classes['C']:,})",
          flush=True)


def _reviews(session, ids: dict) -> None:
    """Counts waiting for review and for a recount, made through the count rules."""
    from app.database import write_transaction
    from app.stock import counting
    from app.stock.models import CountTask, Quant

    held = session.execute(sa.select(Quant.location_id, Quant.product_id, Quant.lot_id, Quant.on_hand)
                           .where(Quant.on_hand > 1).order_by(Quant.location_id)).all()
    by_shelf: dict[int, list] = {}
    for row in held:
        by_shelf.setdefault(row.location_id, []).append(row)
    chosen = list(by_shelf)[::max(1, len(by_shelf) // (REVIEWS + RECOUNTS))][:REVIEWS + RECOUNTS]
    for n, shelf in enumerate(chosen):
        with write_transaction(session):
            counting.create_tasks(session, ids["warehouse"], [shelf], cause="manual", user_id=ids["boss"])
            task_id = session.scalar(sa.select(CountTask.id).where(CountTask.open_location_id == shelf))
            for user in ("counter1", "counter2") if n < REVIEWS else ("counter1",):
                count = counting.current_count(session, session.get(CountTask, task_id), ids[user])
                for i, line in enumerate(by_shelf[shelf]):
                    counting.add_units(session, count, line.product_id, line.lot_id,
                                       line.on_hand - (1 + n % 3 if i == 0 else 0))
                counting.submit(session, session.get(CountTask, task_id), count)
    print(f"  {REVIEWS} counts waiting for review, {RECOUNTS} for a recount", flush=True)


def _discrepancies(session, ids: dict) -> None:
    from app.database import write_transaction
    from app.stock.models import Discrepancy, Location, LocationKind, Product
    from app.timeutil import utcnow

    shelves = session.scalars(sa.select(Location.id).where(Location.warehouse_id == ids["warehouse"],
                                                           Location.kind == LocationKind.STORAGE)).all()
    products = session.scalars(sa.select(Product.id)).all()
    causes = {"receiving": ("short", "over", "damaged"), "picking": ("short_pick",),
              "packing": ("missing_at_packing",), "count": ("lost", "found", "damaged", "unknown"),
              "return": ("not_on_order", "more_than_shipped")}
    rng, now = random.Random(9), utcnow()
    rows = []
    for _ in range(DISCREPANCIES):
        source = rng.choice(list(causes))
        expected = rng.randint(1, 20)
        found = max(0, expected + rng.choice((-3, -2, -1, 1, 2)))
        at = now - timedelta(days=rng.uniform(0, 84))
        resolved = at + timedelta(hours=2) if rng.random() < 0.9 else None
        rows.append({"warehouse_id": ids["warehouse"], "source": source, "cause": rng.choice(causes[source]),
                     "product_id": rng.choice(products), "location_id": rng.choice(shelves), "expected_qty": expected,
                     "found_qty": found, "quantity": found - expected, "reference": f"REF-{rng.randint(1, 99999)}",
                     "status": "resolved" if resolved else "open", "user_id": ids[rng.choice(("counter1", "counter2"))],
                     "created_at": at, "resolved_at": resolved, "resolved_by_id": ids["boss"] if resolved else None})
    for n in range(0, len(rows), 10_000):
        with write_transaction(session):
            session.execute(sa.insert(Discrepancy), rows[n:n + 10_000])
    print(f"  {len(rows):,} discrepancies over 12 weeks", flush=True)


def _pick_lines(session, ids: dict) -> None:
    """Finished pick lines over 12 weeks (2 % short), all of one small order made through the services."""
    from app.database import write_transaction
    from app.orders import service as orders
    from app.orders.picklists import PickLine, PickListOrder
    from app.orders.waves import build_wave
    from app.stock.models import Location, Quant
    from app.timeutil import utcnow

    product_id, location_id = session.execute(
        sa.select(Quant.product_id, Quant.location_id).join(Location, Location.id == Quant.location_id)
        .where(Quant.on_hand - Quant.reserved > 2, Quant.lot_id.is_(None)).limit(1)).one()
    with write_transaction(session):
        order = orders.create_order(session, ids["warehouse"], orders.DraftOrder(
            "rakuten", "BENCH-1", "山田 花子", [orders.DraftLine(product_id, 1)]), user_id=None)
        orders.allocate_order(session, order.id, user_id=None)
        pick_list = build_wave(session, ids["warehouse"], [order.id], assigned_to_id=ids["counter1"], user_id=None)
        line_id = session.scalar(sa.select(PickLine.order_line_id).where(PickLine.pick_list_id == pick_list.id))
    rng, now = random.Random(4), utcnow()
    rows = [{"pick_list_id": pick_list.id, "order_id": order.id, "order_line_id": line_id, "product_id": product_id,
             "location_id": location_id, "quantity": 2, "picked_qty": 2, "walk": f"{n:08d}",
             "status": "short" if rng.random() < 0.02 else "done", "done_by_id": ids["counter1"],
             "done_at": now - timedelta(days=rng.uniform(0, 84))} for n in range(PICK_LINES)]
    with write_transaction(session):
        session.execute(sa.insert(PickLine), rows)
    assert session.scalar(sa.select(sa.func.count()).select_from(PickListOrder)) >= 1
    print(f"  {PICK_LINES:,} finished pick lines", flush=True)


# --- the measurements ----------------------------------------------------------------------------


def timed(client, method: str, path: str, repeat: int, data: dict | None = None) -> dict:
    client.open(path, method=method, data=data)  # warm-up
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.open(path, method=method, data=data)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 302), (path, response.status_code)
        size = len(response.data)
    return {"median": statistics.median(times), "max": max(times), "bytes": size}


def measure(app, ids: dict, repeat: int) -> list[tuple[str, dict]]:
    import re

    from app.extensions import db
    from app.stock.models import CountTask
    from app.supervisor.schedule import overdue, run_schedule, stocked_shelves
    from app.supervisor.settings import count_intervals
    from app.timeutil import utcnow

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/login", data={"login": "boss", "password": PASSWORD, "csrf_token": token})
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    today = date.today()
    with app.app_context():
        review_id = db.session.scalar(sa.select(CountTask.id).where(CountTask.status == "review").limit(1))
    week = f"since={(today - timedelta(days=6)).isoformat()}&until={today.isoformat()}"
    results = [
        ("count tasks page (what is due)", timed(client, "GET", "/counts/plan", repeat)),
        ("review queue page", timed(client, "GET", "/counts/review", repeat)),
        ("review queue fragment (polled)", timed(client, "GET", "/counts/review/live", repeat)),
        ("one count's review", timed(client, "GET", f"/counts/review/{review_id}", repeat)),
        ("discrepancy list, first page", timed(client, "GET", "/discrepancies", repeat)),
        ("discrepancy list, filtered", timed(client, "GET", f"/discrepancies?source=count&zone=C&{week}", repeat)),
        ("discrepancy CSV, one week", timed(client, "GET", f"/discrepancies/export?{week}", repeat)),
        ("KPI page", timed(client, "GET", "/kpis", repeat)),
        ("alerts page", timed(client, "GET", "/reports", repeat)),
    ]
    with app.app_context():
        intervals = count_intervals()
        shelves = stocked_shelves(db.session, ids["warehouse"])
        now = utcnow()  # the same moment for both: a shelf falling due in between would not be in `due`
        due = [s for s in overdue(shelves, intervals, now) if not s.open_task]
        started = time.perf_counter()
        made = run_schedule(db.session, ids["warehouse"], intervals, user_id=ids["boss"], now=now)
        results.append((f"ABC schedule run: {made.made:,} tasks of {len(shelves):,} shelves",
                        {"median": (time.perf_counter() - started) * 1000, "max": None, "bytes": None}))
        assert made.made == len(due)
        db.session.execute(sa.update(CountTask).where(CountTask.cause == "schedule", CountTask.status == "done")
                           .values(closed_at=None, status="cancelled"))
        db.session.commit()
        started = time.perf_counter()
        first = run_schedule(db.session, ids["warehouse"], intervals, user_id=ids["boss"])
        results.append((f"ABC schedule run, first ever: {first.made:,} tasks",
                        {"median": (time.perf_counter() - started) * 1000, "max": None, "bytes": None}))
    results.append(("count tasks page, after", timed(client, "GET", "/counts/plan", repeat)))
    assert token
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--shelves", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database (its URL is printed)")
    args = parser.parse_args()
    instance = tempfile.mkdtemp(prefix="tana-bench-")
    if args.backend == "postgresql":
        url = database(f"tana_bench_supervisor_{os.getpid()}")
    else:
        url = f"sqlite:///{Path(instance) / 'bench.db'}"
    try:
        app = app_for(url, instance)
        from flask_migrate import upgrade

        from app.extensions import db
        from app.stock.verify import verify

        with app.app_context():
            upgrade()
            print(f"{args.backend}: building {args.shelves:,} shelves, {args.lines:,} stock lines …", flush=True)
            ids = build(db.session, args.shelves, args.lines)
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        results = measure(app, ids, args.repeat)
        with app.app_context():
            problems = verify(db.session)
        report(args, results, problems)
        with app.app_context():
            db.engine.dispose()
    finally:
        if args.backend == "postgresql" and not args.keep:
            drop(url)
        elif args.keep:
            print(f"kept: {url}")
    return 0


def report(args, results: list[tuple[str, dict]], problems: list) -> None:
    print(f"\n{args.backend}, {args.shelves:,} shelves, {args.lines:,} stock lines, {DISCREPANCIES:,} discrepancies, "
          f"{PICK_LINES:,} pick lines; median and slowest of {args.repeat}")
    print(f"{'':<52}{'median ms':>10}{'max ms':>9}{'KB':>8}")
    for name, figures in results:
        slowest = "" if figures["max"] is None else f"{figures['max']:.0f}"
        size = "" if figures["bytes"] is None else f"{figures['bytes'] / 1024:.0f}"
        print(f"{name:<52}{figures['median']:>10.0f}{slowest:>9}{size:>8}")
    print(f"stock verify: {'clean' if not problems else problems[:3]}")


if __name__ == "__main__":
    sys.exit(main())
