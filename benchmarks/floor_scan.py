"""Three floor scans over HTTP against the thinnest Flask app doing one scan (the floor yardstick).

    .venv/bin/python benchmarks/floor_scan.py [--seconds 8] [--rounds 2] [--workers 4] [--sizes demo,50000] [--pause 100]

The scans, each as a phone sends it (session cookie, CSRF header, a fresh scan_id):
- receive: a JAN of a planned line on an open receipt of 60 lines (RECEIPT_LINES) (the receipt,
  its lines and the JAN's product in one locked read, post SUPPLIER → dock, record the entry and
  the line's figures and the scan, render the step);
- putaway: a shelf label at the shelf stage (the shelf, what it holds and what waits on the dock
  in one read, post dock → shelf with its availability event, record the scan);
- lookup: a JAN on 在庫照会 (resolve, stock by shelf, availability, record the scan).
Each runs at the demo's size and again after the store is grown to N stock lines (quants), to
show whether a scan stays flat as the warehouse fills. The floor app (`../shared/bench/floor/`:
lock one quant, change it, append a move and an event, render ~1 KB) runs under the same
gunicorn settings and the same wrk in interleaved rounds: on a shared, noisy machine the ratio is
the figure to read. Before the measured rounds every scan runs two unrecorded seconds (warm_up).
Then the paced rounds: 8 phones each waiting --pause ms between scans, for the wait a person sees
at a given pace (at 8 connections without a pause, 8 scans are always in flight and the wait is
8 ÷ scans/s by Little's law, whatever a scan costs). Afterwards the ledger is verified. Needs wrk
and PostgreSQL.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
FLOOR = ROOT.parent / "shared" / "bench" / "floor"
SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BIN = Path(sys.executable).parent
SCANS = ("receive", "putaway", "lookup")
RECEIPT_LINES = int(os.environ.get("RECEIPT_LINES", "60"))
WARM_UP_SECONDS = 2

LUA = """
local bodies = {%(bodies)s}
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function init(args)
  math.randomseed(os.time() * 100 + (tid or 0))
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "%(cookie)s"
  wrk.headers["X-CSRFToken"] = "%(csrf)s"
  wrk.headers["HX-Request"] = "true"
end
local n = 0
function request()
  n = n + 1
  local id = string.format("bench%%d-%%d-%%d", tid or 0, n, math.random(1, 1000000000))
  return wrk.format(nil, "%(path)s", nil, bodies[math.random(1, #bodies)] .. "&scan_id=" .. id)
end
"""

# A phone's pace: each connection waits this long before its next scan (wrk's delay()), so the
# figures are those of phones at work rather than of 8 requests always in flight.
PACED = """
function delay() return %(pause)d end
"""


def database(name: str) -> str:
    engine = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.engine.make_url(SERVER).set(database=name).render_as_string(hide_password=False)


def drop(url: str) -> None:
    name = sa.engine.make_url(url).database
    engine = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def run(cmd: list[str], cwd: Path, env: dict) -> None:
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)


def gunicorn(cwd: Path, env: dict, port: int, workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--no-control-socket",
         "app:create_app()"],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ping" if cwd == FLOOR else f"http://127.0.0.1:{port}/health")
            return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn on {port} did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait()


# --- the store: the demo, a receipt and dock stock to scan against, and growth to N stock lines --------


def app_for(url: str, instance: str):
    """The app on the benchmark's database, built in this process."""
    os.environ["TANA_INSTANCE_PATH"] = instance
    from app import create_app
    from app.config import load_config

    config = load_config("development")
    config.SQLALCHEMY_DATABASE_URI = url
    return create_app(config)


def prepare(url: str, instance: str, grow_to: int | None) -> dict:
    """Load the demo (and grow it); return the ids the scans need. Runs in this process."""
    from app.extensions import db

    app = app_for(url, instance)
    with app.app_context():
        from app.demo import load_demo

        load_demo(db.session)
        if grow_to:
            grow(db.session, grow_to)
        material = scan_material(db.session)
        db.session.execute(sa.text("ANALYZE"))  # as autovacuum would, before the floor starts
        db.session.commit()
        return material


def grow(session, stock_lines: int) -> None:
    """Grow the store to `stock_lines` quants: new products on new shelves, received through the ledger.

    The products the scans use keep their demo stock, so a scan touches as many rows as before:
    what grows is everything else (tables, indexes), as in a warehouse that fills up.
    """
    from app.database import write_transaction
    from app.stock import ledger
    from app.stock.models import Location, LocationKind, MoveReason, Product, Quant, Warehouse
    from app.stock.warehouses import warehouse_ref

    warehouse = session.scalar(sa.select(Warehouse).order_by(Warehouse.id))
    ref = warehouse_ref(session, warehouse.id)
    have = session.scalar(sa.select(sa.func.count()).select_from(Quant))
    per_product = 25
    new_products = (stock_lines - have) // per_product + 1
    shelves_needed = new_products  # each shelf ends up with 25 products too
    with write_transaction(session):
        start = session.scalar(sa.select(sa.func.max(Location.pick_sequence))) or 0
        session.execute(sa.insert(Location), [
            {"warehouse_id": warehouse.id, "code": f"X-{n // 900:02d}-{n // 9 % 100:02d}-{n % 9 + 1}",
             "kind": LocationKind.STORAGE, "zone": "X", "sellable": True, "active": True,
             "pick_sequence": start + 10 * (n + 1)} for n in range(shelves_needed)])
        session.execute(sa.insert(Product), [
            {"sku": f"BULK-{n:06d}", "name": f"在庫品 {n}", "min_shelf_life_days": 0, "reorder_point": 0,
             "safety_stock": 0, "is_kit": False, "active": True} for n in range(new_products)])
    shelves = session.scalars(sa.select(Location.id).where(Location.zone == "X").order_by(Location.id)).all()
    products = session.scalars(sa.select(Product.id).where(Product.sku.like("BULK-%")).order_by(Product.id)).all()
    rng = random.Random(7)
    moves = [ledger.Move(product, rng.randint(1, 50), ref.place(LocationKind.SUPPLIER), shelf, MoveReason.RECEIPT)
             for product in products for shelf in rng.sample(shelves, per_product)]
    for n in range(0, len(moves), 2000):
        with write_transaction(session):
            ledger.post(session, moves[n:n + 2000], key=f"bench-grow-{n}")
    print(f"  grown to {session.scalar(sa.select(sa.func.count()).select_from(Quant)):,} stock lines, "
          f"{session.scalar(sa.select(sa.func.count()).select_from(Product)):,} products "
          f"on {session.scalar(sa.select(sa.func.count()).select_from(Location)):,} locations", flush=True)


def scan_material(session) -> dict:
    """A receipt planning every plain product, dock stock for putaway onto shelves that hold nothing else."""
    from app.database import write_transaction
    from app.receipts.plans import PlannedLine, create_receipt
    from app.stock import ledger
    from app.stock.models import (
        Location, LocationKind, MoveReason, Product, ProductBarcode, Quant, Tracking, Warehouse,
    )
    from app.stock.warehouses import warehouse_ref

    warehouse = session.scalar(sa.select(Warehouse).order_by(Warehouse.id))
    ref = warehouse_ref(session, warehouse.id)
    plain = session.execute(
        sa.select(Product.id, ProductBarcode.code).join(ProductBarcode, ProductBarcode.product_id == Product.id)
        .where(Product.tracking == Tracking.NONE, Product.is_kit.is_(False), Product.active.is_(True),
               ProductBarcode.pack_qty == 1, ProductBarcode.kind == "ean13")
        .order_by(Product.id)
    ).all()
    with write_transaction(session):  # a large delivery: RECEIPT_LINES products on one receipt
        receipt = create_receipt(session, warehouse.id, "bench", None,
                                 [PlannedLine(pid, 1_000_000) for pid, _code in plain[:RECEIPT_LINES]], None)
    empty = session.scalars(
        sa.select(Location.code).where(Location.warehouse_id == warehouse.id, Location.kind == LocationKind.STORAGE,
                                       Location.active.is_(True),
                                       ~sa.exists().where(Quant.location_id == Location.id, Quant.on_hand > 0))
        .order_by(Location.pick_sequence).limit(40)
    ).all()
    pairs = []
    for (product_id, _code), shelf in zip(plain[:40], empty, strict=False):
        pairs.append((product_id, shelf))
    with write_transaction(session):
        ledger.post(session, [ledger.Move(pid, 1_000_000, ref.place(LocationKind.SUPPLIER), ref.place(LocationKind.DOCK),
                                          MoveReason.RECEIPT) for pid, _shelf in pairs], key="bench-dock")
    return {"receipt_id": receipt.id, "jans": [code for _pid, code in plain[:RECEIPT_LINES]],
            "lookups": [code for _pid, code in plain], "pairs": pairs}


def our_session(port: int) -> tuple[str, str]:
    """Log in as the demo receiver: (cookie, csrf token)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    token = re.search(r'name="csrf-token" content="([^"]+)"', opener.open(base + "/login").read().decode()).group(1)
    form = {"login": "receiver1", "password": "receiver1-pass", "csrf_token": token}
    opener.open(base + "/login", data=urllib.parse.urlencode(form).encode())
    token = re.search(r'name="csrf-token" content="([^"]+)"', opener.open(base + "/lookup").read().decode()).group(1)
    return "; ".join(f"{c.name}={c.value}" for c in jar), token


def scripts(folder: Path, material: dict, cookie: str, csrf: str) -> dict[str, Path]:
    def lua(name: str, path: str, bodies: list[str]) -> Path:
        script = folder / f"{name}.lua"
        script.write_text(LUA % {"bodies": ",".join(f'"{b}"' for b in bodies), "cookie": cookie, "csrf": csrf,
                                 "path": path})
        return script

    quote = urllib.parse.quote
    return {
        "receive": lua("receive", f"/receiving/{material['receipt_id']}/scan",
                       [f"code={code}" for code in material["jans"]]),
        "putaway": lua("putaway", "/putaway/scan", [
            f"stage=location&product_id={pid}&lot_id=&qty=1&suggested={quote(shelf)}&code=ZL-{quote(shelf)}"
            for pid, shelf in material["pairs"]]),
        "lookup": lua("lookup", "/lookup", [f"code={code}" for code in material["lookups"]]),
    }


def wrk(port: int, script: Path, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    ).stdout

    def latency(pct: str) -> float:
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(\w+)", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": latency("50"), "p99": latency("99"), "errors": int(errors.group(1)) if errors else 0,
    }


def paced(script: Path, pause_ms: int, folder: Path) -> Path:
    """`script` with a pause of `pause_ms` before each request of a connection (a phone at work)."""
    wrapper = folder / f"{script.stem}-paced-{pause_ms}.lua"
    if not wrapper.exists():
        wrapper.write_text(f'dofile("{script}")\n' + PACED % {"pause": pause_ms})
    return wrapper


def warm_up(lua: dict[str, Path], scans: list[str]) -> None:
    """Two unrecorded seconds of every scan (and of the floor) at 8 connections, so that each gunicorn
    worker has compiled its templates, built its statements and opened its connections before the
    measured rounds: the tail a freshly started worker adds once is not the tail a floor sees all day."""
    wrk(8092, FLOOR / "wrk" / "scan.lua", WARM_UP_SECONDS, 8)
    for scan in scans:
        wrk(8091, lua[scan], WARM_UP_SECONDS, 8)


def merged(runs: list[dict]) -> dict:
    return {
        "rate": sum(r["rate"] for r in runs) / len(runs),
        "p50": sorted(r["p50"] for r in runs)[len(runs) // 2],
        "p99": max(r["p99"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
    }


def verify(url: str) -> str:
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": url, "TANA_INSTANCE_PATH": tempfile.mkdtemp()}
    done = subprocess.run([str(BIN / "flask"), "--app", "app", "stock", "verify"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    return (done.stdout or done.stderr).strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sizes", default="demo,50000", help="comma-separated: demo, or a number of stock lines")
    parser.add_argument("--scans", default=",".join(SCANS), help="comma-separated: which of receive, putaway, lookup")
    parser.add_argument("--pause", type=int, default=100,
                        help="ms each of 8 phones waits between scans in the paced rounds (0: no paced rounds)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    floor_url = database(f"tana_bench_floor_{os.getpid()}")
    floor_env = {"PATH": os.environ["PATH"], "DATABASE_URL": floor_url}
    run([str(BIN / "flask"), "--app", "app", "init-db"], FLOOR, floor_env)
    floor = gunicorn(FLOOR, floor_env, 8092, args.workers)
    results: dict[tuple, list[dict]] = {}
    try:
        for size in args.sizes.split(","):
            grow_to = None if size == "demo" else int(size)
            url = database(f"tana_bench_{size}_{os.getpid()}")
            instance = tempfile.mkdtemp(prefix="tana-bench-")
            env = {"PATH": os.environ["PATH"], "DATABASE_URL": url, "TANA_INSTANCE_PATH": instance}
            run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], ROOT, env)
            print(f"size {size}: loading …", flush=True)
            material = prepare(url, instance, grow_to)
            ours = gunicorn(ROOT, env, 8091, args.workers)
            try:
                cookie, csrf = our_session(8091)
                lua = scripts(Path(instance), material, cookie, csrf)
                warm_up(lua, args.scans.split(","))
                for connections in (1, 8):
                    for _ in range(args.rounds):
                        results.setdefault(("floor", size, connections), []).append(
                            wrk(8092, FLOOR / "wrk" / "scan.lua", args.seconds, connections))
                        for scan in args.scans.split(","):
                            results.setdefault((scan, size, connections), []).append(
                                wrk(8091, lua[scan], args.seconds, connections))
                for _ in range(args.rounds if args.pause else 0):
                    results.setdefault(("floor", size, "paced"), []).append(
                        wrk(8092, paced(FLOOR / "wrk" / "scan.lua", args.pause, Path(instance)), args.seconds, 8))
                    for scan in args.scans.split(","):
                        results.setdefault((scan, size, "paced"), []).append(
                            wrk(8091, paced(lua[scan], args.pause, Path(instance)), args.seconds, 8))
            finally:
                stop(ours)
            print(f"size {size}: ledger after the run: {verify(url)}", flush=True)
            drop(url)
    finally:
        stop(floor)
        drop(floor_url)
    report(results, args.sizes.split(","), args.scans.split(","))
    if args.pause:
        report_paced(results, args.sizes.split(","), args.scans.split(","), args.pause)
    return 0


def report(results: dict, sizes: list[str], scans: list[str]) -> None:
    """Each scan against the floor measured in the same phase (same size, same minutes of the run)."""
    print(f"\n{'scan':<9}{'size':>7}{'conns':>6}{'scans/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}{'vs floor':>9}")
    for connections in (1, 8):
        for size in sizes:
            floor = merged(results[("floor", size, connections)])
            print(f"{'floor':<9}{size:>7}{connections:>6}{floor['rate']:>9.0f}{floor['p50']:>8.2f}{floor['p99']:>8.2f}"
                  f"{floor['errors']:>7}{'':>9}")
            for scan in scans:
                row = merged(results[(scan, size, connections)])
                print(f"{scan:<9}{size:>7}{connections:>6}{row['rate']:>9.0f}{row['p50']:>8.2f}{row['p99']:>8.2f}"
                      f"{row['errors']:>7}{row['rate'] / floor['rate']:>9.0%}")
    if len(sizes) > 1:
        print(f"\nflat with size: {sizes[-1]} vs {sizes[0]} (p50 at 1 connection; share of the floor's scans/s at 8)")
        for scan in scans:
            small1, large1 = merged(results[(scan, sizes[0], 1)]), merged(results[(scan, sizes[-1], 1)])
            share = [merged(results[(scan, size, 8)])["rate"] / merged(results[("floor", size, 8)])["rate"]
                     for size in (sizes[0], sizes[-1])]
            print(f"  {scan:<8} p50 {large1['p50'] / small1['p50']:.2f}×   share of the floor {share[0]:.0%} → {share[1]:.0%}")


def report_paced(results: dict, sizes: list[str], scans: list[str], pause: int) -> None:
    """8 phones each waiting `pause` ms between scans: what a person waits at that pace."""
    print(f"\npaced: 8 phones, each waiting {pause} ms between scans (a fast floor scans every 2-3 s)")
    print(f"{'scan':<9}{'size':>7}{'scans/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}{'p99 vs floor':>13}")
    for size in sizes:
        floor = merged(results[("floor", size, "paced")])
        print(f"{'floor':<9}{size:>7}{floor['rate']:>9.0f}{floor['p50']:>8.2f}{floor['p99']:>8.2f}{floor['errors']:>7}")
        for scan in scans:
            row = merged(results[(scan, size, "paced")])
            print(f"{scan:<9}{size:>7}{row['rate']:>9.0f}{row['p50']:>8.2f}{row['p99']:>8.2f}{row['errors']:>7}"
                  f"{row['p99'] / floor['p99']:>12.1f}×")


if __name__ == "__main__":
    sys.exit(main())
