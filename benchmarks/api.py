"""The stock store's API for sales channels: availability reads, and how soon a change reaches the
channels (change feed and webhook) while the floor picks.

    .venv/bin/python benchmarks/api.py [--seconds 8] [--clients 8] [--workers 4] [--api-workers 2]
                                       [--probes 150] [--pickers 8] [--grow 20000]

On PostgreSQL, under gunicorn (`--workers` sync workers), the store being the demo grown to N stock
lines plus pick lists waiting for `--pickers` pickers:

1. Availability reads/s: `--clients` clients, back to back for `--seconds` each, one SKU per request
   (GET /api/v1/stock/items/<sku>) and 100 SKUs per request (POST /api/v1/stock/lookup), each with a
   token; SKUs/s, p50/p99 per request.
2. Delay from a committed move to its change in the feed and to its webhook delivered, under pick-flow
   load: the pickers walk their lists over HTTP (benchmarks/pick_flow.py's phones) while a writer
   commits a receipt of one unit of a random product every 1/10 s (`--probes` in all). A follower
   reads /api/v1/stock/changes back to back (a 10 ms pause between empty answers); `flask webhooks
   deliver` runs beside gunicorn as `make run` starts it, posting to a receiver in this process. The
   delays are from the writer's COMMIT returning to the follower's answer holding the change, and to
   the receiver's having read the signed POST. Target: p99 ≤ 1 s. The follower asks a gunicorn of
   its own (`--api-workers`, as a deployment would route /api/ to its own workers so channels never
   queue behind scans); `--api-workers 0` makes it share the floor's gunicorn.

The machine is shared and noisy: read the numbers as an order of magnitude. Needs PostgreSQL.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.floor_scan import BIN, ROOT, app_for, database, drop, gunicorn, run, stop  # noqa: E402
from benchmarks.pick_flow import Http, pickers_run, prepare  # noqa: E402

PORT = 8095
API_PORT = 8096
LOOKUP_SIZE = 100


# --- the material -------------------------------------------------------------------------------


def api_material(url: str, instance: str, hook_url: str) -> dict:
    """A token, the SKUs to read, the webhook registered, and the shelves a probe receives onto."""
    from app.api import tokens, webhooks
    from app.extensions import db
    from app.stock.models import Location, Product, Quant, Warehouse

    app = app_for(url, instance)
    with app.app_context():
        warehouse = db.session.scalar(sa.select(Warehouse).order_by(Warehouse.id))
        token = tokens.create_token(db.session, "bench", ["stock:read"], [warehouse.code]).secret
        webhooks.register(db.session, "bench", hook_url, [warehouse.code])
        skus = list(db.session.scalars(sa.select(Product.sku).where(Product.is_kit.is_(False)).order_by(Product.sku)))
        stocked = db.session.execute(
            sa.select(Quant.product_id, Quant.location_id).join(Location, Location.id == Quant.location_id)
            .where(Location.warehouse_id == warehouse.id, Location.sellable.is_(True), Location.zone == "X")
        ).all()
        return {"token": token, "skus": skus, "warehouse": warehouse.id, "stocked": [tuple(r) for r in stocked]}


# --- availability reads -------------------------------------------------------------------------


async def reads_run(port: int, token: str, skus: list[str], per_request: int, clients: int, seconds: float) -> dict:
    stats = {"latencies": [], "errors": 0}
    auth = {"Authorization": f"Bearer {token}"}

    async def client(n: int) -> None:
        rng = random.Random(n)
        http = Http(port)
        while time.perf_counter() < until:
            started = time.perf_counter()
            if per_request == 1:
                status, _b, _l = await http.request("GET", f"/api/v1/stock/items/{rng.choice(skus)}", None, auth)
            else:
                body = json.dumps({"skus": rng.sample(skus, per_request)})
                status, _b, _l = await json_post(http, "/api/v1/stock/lookup", body, auth)
            stats["latencies"].append((time.perf_counter() - started) * 1000)
            stats["errors"] += status != 200

    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(client(n) for n in range(clients)))
    stats["seconds"] = time.perf_counter() - started
    return stats


async def json_post(http: Http, path: str, body: str, headers: dict):
    reader, writer = await asyncio.open_connection("127.0.0.1", http.port)
    data = body.encode()
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{http.port}", "Connection: close",
            "Content-Type: application/json", f"Content-Length: {len(data)}", *[f"{k}: {v}" for k, v in headers.items()]]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    return int(raw.split(b" ", 2)[1]), raw, None


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


# --- delays under pick-flow load ----------------------------------------------------------------


class Arrivals:
    """When each event id was first seen (monotonic seconds)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.at: dict[int, float] = {}

    def saw(self, event_id: int, when: float) -> None:
        with self.lock:
            self.at.setdefault(event_id, when)


def receiver(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            arrivals.saw(int(self.headers["X-Tana-Event-Id"]), time.monotonic())
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def follow_feed(port: int, token: str, cursor: int, arrivals: Arrivals, stop_at: list[float]) -> None:
    while not stop_at or time.monotonic() < stop_at[0]:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/stock/changes?after={cursor}&limit=1000",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            page = json.load(answer)
        now = time.monotonic()
        for change in page["changes"]:
            arrivals.saw(change["event_id"], now)
        cursor = page["next"]
        if not page["changes"]:
            time.sleep(0.01)


def probe(url: str, instance: str, material: dict, count: int, committed: dict[int, float]) -> None:
    """Commit a receipt of one unit every 1/10 s; note when each commit returned, by its events' ids."""
    from app.database import write_transaction
    from app.extensions import db
    from app.stock import ledger
    from app.stock.models import LocationKind, MoveReason, StockEvent
    from app.stock.warehouses import warehouse_ref

    app = app_for(url, instance)
    rng = random.Random(3)
    with app.app_context():
        supplier = warehouse_ref(db.session, material["warehouse"]).place(LocationKind.SUPPLIER)
        db.session.rollback()
        for n in range(count):
            product, shelf = rng.choice(material["stocked"])
            with write_transaction(db.session):
                posted = ledger.post(db.session, [ledger.Move(product, 1, supplier, shelf, MoveReason.RECEIPT)],
                                     key=f"bench-probe-{os.getpid()}-{n}")
            done = time.monotonic()
            for event_id in db.session.scalars(sa.select(StockEvent.id).where(StockEvent.posting_id == posted.posting_id)):
                committed[event_id] = done
            db.session.rollback()
            time.sleep(0.1)
        db.engine.dispose()


def delays(committed: dict[int, float], arrivals: Arrivals) -> dict:
    found = [arrivals.at[e] - t for e, t in committed.items() if e in arrivals.at]
    return {"n": len(found), "missing": len(committed) - len(found),
            "p50": percentile(found, 0.5) * 1000, "p99": percentile(found, 0.99) * 1000,
            "max": max(found, default=0) * 1000}


# --- the run -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--probes", type=int, default=150)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--pickers", type=int, default=8)
    parser.add_argument("--grow", type=int, default=20_000)
    args = parser.parse_args()

    url = database(f"tana_bench_api_{os.getpid()}")
    instance = tempfile.mkdtemp(prefix="tana-bench-api-")
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": url, "TANA_INSTANCE_PATH": instance}
    feed_seen, hooks = Arrivals(), Arrivals()
    hook_server = receiver(hooks)
    server = api_server = worker = None
    try:
        run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], ROOT, env)
        print("loading the demo, growing the store, making pick lists …", flush=True)
        lists = args.pickers + int(args.probes / 10 * 3)
        prepare(url, instance, args.grow, args.pickers + 1, lists)
        material = api_material(url, instance, f"http://127.0.0.1:{hook_server.server_port}/hook")
        server = gunicorn(ROOT, env, PORT, args.workers)
        api_server = gunicorn(ROOT, env, API_PORT, args.api_workers) if args.api_workers else None
        feed_port = API_PORT if api_server else PORT
        worker = subprocess.Popen([str(BIN / "flask"), "--app", "app", "webhooks", "deliver", "--no-dates"], cwd=ROOT,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

        print(f"{len(material['skus'])} products; reads with {args.clients} clients, {args.seconds:.0f} s each",
              flush=True)
        reads = {}
        for per_request in (1, LOOKUP_SIZE):
            asyncio.run(reads_run(PORT, material["token"], material["skus"], per_request, args.clients, 1.0))  # warm up
            stats = asyncio.run(reads_run(PORT, material["token"], material["skus"], per_request, args.clients,
                                          args.seconds))
            reads[per_request] = {"rate": len(stats["latencies"]) / stats["seconds"],
                                  "p50": percentile(stats["latencies"], 0.5), "p99": percentile(stats["latencies"], 0.99),
                                  "errors": stats["errors"]}

        print(f"delays: {args.probes} committed moves under the walk of {args.pickers} pickers …", flush=True)
        committed: dict[int, float] = {}
        stop_at: list[float] = []
        follower = threading.Thread(target=follow_feed, args=(feed_port, material["token"], 0, feed_seen, stop_at),
                                    daemon=True)
        follower.start()
        picking: dict = {}
        logins = [f"bench{i:02d}" for i in range(1, args.pickers + 1)]
        walk = threading.Thread(target=lambda: picking.update(
            asyncio.run(pickers_run(PORT, logins, args.probes / 10 + 2))), daemon=True)
        walk.start()
        time.sleep(1.0)
        probe(url, instance, material, args.probes, committed)
        time.sleep(3.0)
        stop_at.append(time.monotonic())
        walk.join(60)
        follower.join(15)
        report(reads, delays(committed, feed_seen), delays(committed, hooks), picking, args)
    finally:
        for process in (worker, api_server, server):
            if process is not None:
                stop(process)
        hook_server.shutdown()
        drop(url)
    return 0


def report(reads: dict, feed: dict, hook: dict, picking: dict, args) -> None:
    print("\nAvailability reads (PostgreSQL, gunicorn "
          f"{args.workers} workers, {args.clients} clients, one connection per request)")
    print(f"{'SKUs/request':>13}{'requests/s':>12}{'SKUs/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for per_request, r in reads.items():
        print(f"{per_request:>13}{r['rate']:>12.0f}{r['rate'] * per_request:>10.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}"
              f"{r['errors']:>8}")
    scans = len(picking.get("latencies", []))
    rate = scans / picking["seconds"] if picking.get("seconds") else 0
    print(f"\nFrom a committed move to the channels, under the pick flow ({args.pickers} pickers, "
          f"{rate:.0f} scans/s, p99 scan {percentile(picking.get('latencies', []), 0.99):.0f} ms); the feed read "
          + (f"from a gunicorn of its own ({args.api_workers} workers)" if args.api_workers else "from the floor's gunicorn"))
    print(f"{'':>22}{'n':>6}{'missing':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, d in (("change feed", feed), ("webhook delivered", hook)):
        print(f"{name:>22}{d['n']:>6}{d['missing']:>9}{d['p50']:>9.0f}{d['p99']:>9.0f}{d['max']:>9.0f}")
    target = "met" if max(feed["p99"], hook["p99"]) <= 1000 and not feed["missing"] and not hook["missing"] else "NOT met"
    print(f"target p99 ≤ 1 s, nothing missing: {target}")


if __name__ == "__main__":
    sys.exit(main())
