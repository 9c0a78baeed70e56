"""Pickers over HTTP: full pick cycles against the thinnest Flask app doing one scan (the floor yardstick).

    .venv/bin/python benchmarks/pick_flow.py [--seconds 8] [--rounds 1] [--pickers 8,32,64] [--sizes 500,50000] [--pause 100]

The app runs under gunicorn (4 sync workers) on PostgreSQL. Each simulated picker logs in with
its own session and CSRF token, takes a pick list (次のピッキング) and walks it as a phone does:
shelf scan, item scan (a second item scan where the line asks for 2), line done, the next line
(the next list when one is finished); every scan carries a fresh scan_id and the step's hidden
fields from the answer before. The store is the demo grown to N stock lines (quants). In the same
run, the floor yardstick (`../shared/bench/floor/`) runs under the same gunicorn settings and the
same load generator (asyncio, one connection per request as gunicorn's sync workers want), in
interleaved rounds: on a shared, noisy machine the ratio is the figure to read. Printed: scans/s,
p50/p95/p99 per scan, the share of the floor's scans/s, latency at the largest size against the
smallest, and the SQL statements of a shelf scan and an item scan (counted in-process on the same
database). The ledger is verified afterwards.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.floor_scan import (  # noqa: E402
    BIN, FLOOR, ROOT, app_for, database, drop, grow, gunicorn, run, stop, verify,
)

PASSWORD = "picker-bench-pass"
WARM_UP_SECONDS = 2
PRODUCTS = 240
LINES_PER_ORDER = 6
ORDERS_PER_LIST = 8
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')
EXPECTED = re.compile(r'data-expected="([^"]*)"')
STAGE = re.compile(r'id="step" class="step pick" data-stage="([a-z]+)"')
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


# --- the store ---------------------------------------------------------------------------------


def prepare(url: str, instance: str, grow_to: int, pickers: int, lists: int) -> None:
    from app.extensions import db

    app = app_for(url, instance)
    with app.app_context():
        from app.demo import load_demo

        load_demo(db.session)
        from app.stock.models import Quant

        if grow_to > db.session.scalar(sa.select(sa.func.count()).select_from(Quant)):
            grow(db.session, grow_to)
        pick_material(db.session, pickers, lists)
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def pick_material(session, pickers: int, lists: int) -> None:
    """Products with a JAN each on their own shelf, pickers, and `lists` pick lists waiting, totes bound."""
    from app.auth.models import Role, User, UserRole
    from app.barcodes.checkdigit import with_check_digit
    from app.database import write_transaction
    from app.orders import service as orders
    from app.orders.waves import build_wave
    from app.picking import service as picking
    from app.stock import ledger
    from app.stock.models import BarcodeKind, Location, LocationKind, MoveReason, Product, ProductBarcode, Warehouse
    from app.stock.warehouses import warehouse_ref

    warehouse = session.scalar(sa.select(Warehouse).order_by(Warehouse.id))
    ref = warehouse_ref(session, warehouse.id)
    with write_transaction(session):
        start = session.scalar(sa.select(sa.func.max(Location.pick_sequence))) or 0
        session.execute(sa.insert(Location), [
            {"warehouse_id": warehouse.id, "code": f"P-{n // 90:02d}-{n // 9 % 10:02d}-{n % 9 + 1}",
             "kind": LocationKind.STORAGE, "zone": "P", "sellable": True, "active": True,
             "pick_sequence": start + 10 * (n + 1)} for n in range(PRODUCTS)])
        session.execute(sa.insert(Product), [
            {"sku": f"PICK-{n:04d}", "name": f"ピッキング品 {n}", "min_shelf_life_days": 0, "reorder_point": 0,
             "safety_stock": 0, "is_kit": False, "active": True} for n in range(PRODUCTS)])
        products = session.scalars(sa.select(Product.id).where(Product.sku.like("PICK-%")).order_by(Product.id)).all()
        session.execute(sa.insert(ProductBarcode), [
            {"product_id": pid, "code": with_check_digit(f"45{n:010d}"), "kind": BarcodeKind.EAN13, "pack_qty": 1}
            for n, pid in enumerate(products)])
        for n in range(pickers):
            user = User(login=f"bench{n:02d}", name=f"ピッカー {n}", all_warehouses=False)
            user.warehouses = [warehouse]
            user.set_password(PASSWORD)
            user.role_rows = [UserRole(role=Role.PICKER)]
            session.add(user)
    counter = session.scalar(sa.select(User).where(User.login == "bench00"))
    shelves = session.scalars(sa.select(Location.id).where(Location.zone == "P").order_by(Location.id)).all()
    with write_transaction(session):
        ledger.post(session, [ledger.Move(pid, 1_000_000, ref.place(LocationKind.SUPPLIER), shelf, MoveReason.RECEIPT)
                              for pid, shelf in zip(products, shelves, strict=True)], key="bench-pick-stock")
    rng = random.Random(11)
    for n in range(lists):
        order_ids = []
        for m in range(ORDERS_PER_LIST):
            lines = [orders.DraftLine(pid, rng.choice((1, 1, 1, 2)))
                     for pid in rng.sample(products, LINES_PER_ORDER)]
            order = orders.create_order(session, warehouse.id, orders.DraftOrder(
                "own", f"B{n:04d}-{m}", "ベンチ 太郎", lines), user_id=None)
            orders.allocate_order(session, order.id, user_id=None)
            order_ids.append(order.id)
        # the first list is bench00's: the in-process statement count walks it
        pick_list = build_wave(session, warehouse.id, order_ids, assigned_to_id=counter.id if n == 0 else None,
                               user_id=None)
        with write_transaction(session):
            for m in range(ORDERS_PER_LIST):
                view = picking.load_list(session, pick_list.id, warehouse.id)
                picking.bind_tote(session, view, f"ZT-{n:04d}{m}")
    print(f"  {lists} pick lists of {ORDERS_PER_LIST * LINES_PER_ORDER} lines for {pickers} pickers", flush=True)


# --- the load generator ------------------------------------------------------------------------


class Http:
    """A minimal HTTP/1.1 client, one connection per request (gunicorn's sync workers close each)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        body = urllib.parse.urlencode(form).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Connection: close"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        raw = await reader.read()
        writer.close()
        head, _, content = raw.partition(b"\r\n\r\n")
        head_lines = head.decode("latin-1").split("\r\n")
        status = int(head_lines[0].split()[1])
        location = None
        for line in head_lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "set-cookie":
                key, _, rest = value.strip().partition("=")
                self.cookies[key] = rest.split(";")[0]
            elif name.lower() == "location":
                location = value.strip()
        return status, content.decode("utf-8", "replace"), location


class Picker:
    def __init__(self, port: int, login: str, stats: dict):
        self.http = Http(port)
        self.login = login
        self.stats = stats
        self.page = ""
        self.list_path = ""
        self.csrf = ""

    async def start(self) -> None:
        _s, page, _l = await self.http.request("GET", "/login")
        token = CSRF.search(page).group(1)
        await self.http.request("POST", "/login", {"login": self.login, "password": PASSWORD, "csrf_token": token})
        await self.next_list()

    async def next_list(self) -> bool:
        _s, page, _l = await self.http.request("GET", "/picking")
        self.csrf = CSRF.search(page).group(1)
        status, _page, location = await self.http.request("POST", "/picking/next", {"csrf_token": self.csrf})
        if status != 302 or not location:
            return False
        self.list_path = urllib.parse.urlparse(location).path
        _s, self.page, _l = await self.http.request("GET", self.list_path)
        return True

    def fields(self) -> dict:
        form = self.page[self.page.index('<form class="scan"'):]
        return {k: v for k, v in HIDDEN.findall(form[:form.index("</form>")]) if k not in ("scan_id", "code")}

    async def scan(self, code: str, stage: str = "") -> None:
        form = {**self.fields(), "csrf_token": self.csrf, "code": code, "scan_id": os.urandom(12).hex()}
        started = time.perf_counter()
        status, html, _l = await self.http.request("POST", self.list_path + "/scan", form,
                                                   {"HX-Request": "true", "X-CSRFToken": self.csrf})
        took = (time.perf_counter() - started) * 1000
        self.stats["latencies"].append(took)
        self.stats.setdefault("by_stage", {}).setdefault(stage, []).append(took)
        if status != 200:
            self.stats["errors"] += 1
        if "<section" in html:
            self.page = html

    async def walk(self, until: float, barcodes: dict[str, str], pause: float = 0.0) -> None:
        while time.perf_counter() < until:
            stage = STAGE.search(self.page)
            stage = stage.group(1) if stage else "done"
            if stage == "done":
                if not await self.next_list():
                    return
                continue
            expected = EXPECTED.search(self.page).group(1)
            if pause:
                await asyncio.sleep(pause)
            await self.scan(expected if stage == "shelf" else barcodes.get(expected, expected), stage)


async def pickers_run(port: int, logins: list[str], seconds: float, pause: float = 0.0) -> dict:
    stats = {"latencies": [], "errors": 0}
    pickers = [Picker(port, login, stats) for login in logins]
    await asyncio.gather(*(p.start() for p in pickers))
    stats["latencies"].clear()
    stats.pop("by_stage", None)
    started = time.perf_counter()
    await asyncio.gather(*(p.walk(started + seconds, {}, pause) for p in pickers))
    stats["seconds"] = time.perf_counter() - started
    return stats


async def floor_run(port: int, clients: int, seconds: float, quants: int, pause: float = 0.0) -> dict:
    stats = {"latencies": [], "errors": 0}

    async def client() -> None:
        http = Http(port)
        while time.perf_counter() < until:
            if pause:
                await asyncio.sleep(pause)
            started = time.perf_counter()
            status, _h, _l = await http.request("POST", "/scan", {"code": random.randint(1, quants), "qty": 1})
            stats["latencies"].append((time.perf_counter() - started) * 1000)
            stats["errors"] += status != 200

    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(client() for _ in range(clients)))
    stats["seconds"] = time.perf_counter() - started
    return stats


def percentile(latencies: list[float], p: float) -> float:
    ordered = sorted(latencies) or [0.0]
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def summary(stats: dict) -> dict:
    lat = stats["latencies"]
    stages = {stage: (len(took), percentile(took, 0.5), percentile(took, 0.99))
              for stage, took in stats.get("by_stage", {}).items()}
    return {"rate": len(lat) / stats["seconds"], "p50": percentile(lat, 0.5), "p95": percentile(lat, 0.95),
            "p99": percentile(lat, 0.99), "errors": stats["errors"], "scans": len(lat), "stages": stages}


# --- statements per scan, in-process on the same database ----------------------------------------


def statements_per_scan(url: str, instance: str) -> dict[str, str]:
    from app.extensions import db

    app = app_for(url, instance)
    counted: list[str] = []

    def count(_c, _cur, statement, *_a):
        if not re.match(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", statement, re.I):
            counted.append(statement)

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"login": "bench00", "password": PASSWORD, "csrf_token": CSRF.search(page).group(1)})
    page = client.get("/picking").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    answer = client.post("/picking/next", data={"csrf_token": token})
    if "Location" not in answer.headers:
        import re as _re
        text = answer.get_data(as_text=True)
        raise SystemExit(f"no pick list for the statement count: {answer.status_code} {_re.sub(r'<[^>]+>', ' ', text[text.find('<main'):])[:400]}")
    location = answer.headers["Location"]
    path = urllib.parse.urlparse(location).path
    html = client.get(path).get_data(as_text=True)
    with app.app_context():
        engine = db.engine
    costs: dict[str, list[int]] = {"shelf": [], "item": []}
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(12):
            stage = STAGE.search(html).group(1)
            if stage not in costs:
                break
            form = html[html.index('<form class="scan"'):]
            fields = {k: v for k, v in HIDDEN.findall(form[:form.index("</form>")]) if k not in ("scan_id", "code")}
            counted.clear()
            html = client.post(path + "/scan", data={**fields, "csrf_token": token, "scan_id": os.urandom(12).hex(),
                                                     "code": EXPECTED.search(html).group(1)},
                               headers={"HX-Request": "true", "X-CSRFToken": token}).get_data(as_text=True)
            costs[stage].append(len(counted))
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return {stage: f"{sorted(values)[len(values) // 2]} (most {max(values)})" for stage, values in costs.items() if values}


# --- the run ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--pickers", default="8,32,64")
    parser.add_argument("--sizes", default="500,50000", help="stock lines (quants) the store is grown to")
    parser.add_argument("--pause", type=int, default=100,
                        help="ms each of 8 pickers waits before a scan in the paced rounds (0: no paced rounds)")
    args = parser.parse_args()
    counts = [int(n) for n in args.pickers.split(",")]
    sizes = args.sizes.split(",")
    floor_url = database(f"tana_bench_floor_{os.getpid()}")
    floor_env = {"PATH": os.environ["PATH"], "DATABASE_URL": floor_url}
    run([str(BIN / "flask"), "--app", "app", "init-db"], FLOOR, floor_env)
    floor = gunicorn(FLOOR, floor_env, 8094, args.workers)
    quants = int(os.environ.get("QUANTS", "50000"))
    results: dict[tuple, list[dict]] = {}
    costs = {}
    try:
        for size in sizes:
            url = database(f"tana_bench_pick_{size}_{os.getpid()}")
            instance = tempfile.mkdtemp(prefix="tana-bench-")
            env = {"PATH": os.environ["PATH"], "DATABASE_URL": url, "TANA_INSTANCE_PATH": instance}
            run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], ROOT, env)
            lists = 2 * max(counts) + int((args.seconds * args.rounds * (len(counts) + 1) + WARM_UP_SECONDS) * 4)
            print(f"size {size}: loading …", flush=True)
            prepare(url, instance, int(size), max(counts) + 1, lists)
            ours = gunicorn(ROOT, env, 8093, args.workers)
            try:
                # unrecorded: every worker compiles its templates and opens its connections first
                asyncio.run(floor_run(8094, max(counts), WARM_UP_SECONDS, quants))
                asyncio.run(pickers_run(8093, [f"bench{i:02d}" for i in range(1, max(counts) + 1)], WARM_UP_SECONDS))
                for n in counts:
                    for _ in range(args.rounds):
                        results.setdefault(("floor", size, n), []).append(
                            summary(asyncio.run(floor_run(8094, n, args.seconds, quants))))
                        results.setdefault(("pick", size, n), []).append(
                            summary(asyncio.run(pickers_run(8093, [f"bench{i:02d}" for i in range(1, n + 1)],
                                                            args.seconds))))
                for _ in range(args.rounds if args.pause else 0):  # 8 pickers at a pace
                    results.setdefault(("floor", size, "paced"), []).append(
                        summary(asyncio.run(floor_run(8094, 8, args.seconds, quants, args.pause / 1000))))
                    results.setdefault(("pick", size, "paced"), []).append(
                        summary(asyncio.run(pickers_run(8093, [f"bench{i:02d}" for i in range(1, 9)],
                                                        args.seconds, args.pause / 1000))))
            finally:
                stop(ours)
            costs[size] = statements_per_scan(url, instance)
            print(f"size {size}: ledger after the run: {verify(url)}", flush=True)
            drop(url)
    finally:
        stop(floor)
        drop(floor_url)
    report(results, sizes, counts, costs)
    if args.pause:
        print(f"\npaced: 8 pickers, each waiting {args.pause} ms before a scan (a fast picker scans every 2-3 s)")
        for size in sizes:
            for name in ("floor", "pick"):
                row = merged(results[(name, size, "paced")])
                print(f"{name:<7}{size:>7}{row['rate']:>9.0f} scans/s  p50 {row['p50']:.2f}  p95 {row['p95']:.2f}"
                      f"  p99 {row['p99']:.2f} ms  errors {row['errors']}")
            for stage, (n, p50, p99) in results[("pick", size, "paced")][0]["stages"].items():
                print(f"  {stage} scans (first round): {n}, p50 {p50:.2f}, p99 {p99:.2f} ms")
    return 0


def merged(runs: list[dict]) -> dict:
    return {
        "rate": sum(r["rate"] for r in runs) / len(runs),
        **{p: sorted(r[p] for r in runs)[len(runs) // 2] for p in ("p50", "p95")},
        "p99": max(r["p99"] for r in runs), "errors": sum(r["errors"] for r in runs),
    }


def report(results: dict, sizes: list[str], counts: list[int], costs: dict) -> None:
    print(f"\n{'what':<7}{'stock':>7}{'pickers':>8}{'scans/s':>9}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
          f"{'errors':>7}{'vs floor':>9}")
    for n in counts:
        for size in sizes:
            floor, pick = merged(results[("floor", size, n)]), merged(results[("pick", size, n)])
            for name, row in (("floor", floor), ("pick", pick)):
                share = f"{row['rate'] / floor['rate']:.0%}" if name == "pick" else ""
                print(f"{name:<7}{size:>7}{n:>8}{row['rate']:>9.0f}{row['p50']:>8.2f}{row['p95']:>8.2f}"
                      f"{row['p99']:>8.2f}{row['errors']:>7}{share:>9}")
    if len(sizes) > 1:
        print(f"\nflat with size: {sizes[-1]} vs {sizes[0]} stock lines (pick p50 and p99)")
        for n in counts:
            small, large = merged(results[("pick", sizes[0], n)]), merged(results[("pick", sizes[-1], n)])
            print(f"  {n:>3} pickers: p50 {large['p50'] / small['p50']:.2f}×, p99 {large['p99'] / small['p99']:.2f}×")
    for size, cost in costs.items():
        print(f"SQL statements per scan at {size} stock lines: " + ", ".join(f"{k} {v}" for k, v in cost.items()))


if __name__ == "__main__":
    raise SystemExit(main())
