"""resolve(): microseconds per scan over a floor-like mix, database lookups included.

    .venv/bin/python benchmarks/resolve_bench.py [--scans 10000] [--backends sqlite,postgresql] [--seed 7]

Builds a fresh database through the migrations (a temporary SQLite file; a temporary
PostgreSQL database on TEST_POSTGRES_URL's server, dropped afterwards) holding two warehouses,
~300 locations, ~500 products (JAN, some with a case GTIN-14, UPC-A, EAN-8 or an internal code),
lots with expiries and badges. Then it resolves a mix of 10,000 real-looking scans: JANs
(some with the scanner's CR/LF, some typed full-width), case GTINs, UPC-A with and without the
decoder's leading 0, GS1-128/DataMatrix labels with lot and expiry, printed GS1, bare and `ZL-`
locations, badges, document labels, internal codes, and what goes wrong (bad check digits,
unknown codes, lost GS1 separators, other warehouses' locations, noise).

Two timings per backend: "in request" resolves inside an open transaction, as the scan step
does after its first query; "fresh transaction" rolls back before every scan so each resolve
also pays its BEGIN. Target (DESIGN.md, issue 4): p50 ≤ 0.5 ms.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.auth.models import User  # noqa: E402
from app.barcodes import resolve  # noqa: E402
from app.barcodes.checkdigit import check_digit  # noqa: E402
from app.database import write_transaction  # noqa: E402
from app.extensions import db  # noqa: E402
from app.stock.models import BarcodeKind, Location, LocationKind, Lot, Product, ProductBarcode, Tracking  # noqa: E402
from app.stock.warehouses import create_warehouse  # noqa: E402
from tests.support import build_app, migrate_to_head  # noqa: E402

GS = "\x1d"
FULL_WIDTH = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ－")
LOCATIONS = 300
PRODUCTS = 500
USERS = 30


def with_check_digit(body: str) -> str:
    return body + str(check_digit(body))


class Catalog:
    """What the benchmark database holds, so scans can name real things."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.locations: list[str] = []
        self.other_locations: list[str] = []
        self.jans: list[str] = []
        self.cases: list[str] = []
        self.upcas: list[str] = []
        self.ean8s: list[str] = []
        self.internal: list[str] = []
        self.skus: list[str] = []
        self.lots: dict[str, list[tuple[str, date]]] = defaultdict(list)
        self.badges: list[str] = []


def fill(session, rng: random.Random) -> tuple[int, Catalog]:
    catalog = Catalog(rng)
    with write_transaction(session):
        wh = create_warehouse(session, "BENCH", "ベンチ倉庫")
        other = create_warehouse(session, "OTHER", "別倉庫")
        for n in range(LOCATIONS):
            zone, aisle, rack, level = "ABCDE"[n // 60], n // 12 % 5 + 1, n % 12 + 1, n % 4 + 1
            code = f"{zone}-{aisle:02d}-{rack:02d}-{level}"
            session.add(Location(warehouse_id=wh.id, code=code, kind=LocationKind.STORAGE, zone=zone,
                                 sellable=True, pick_sequence=n))
            catalog.locations.append(code)
        for n in range(40):
            code = f"K-{n // 10 + 1:02d}-{n % 10 + 1:02d}-1"
            session.add(Location(warehouse_id=other.id, code=code, kind=LocationKind.STORAGE, zone="K", sellable=True))
            catalog.other_locations.append(code)
        for n in range(PRODUCTS):
            tracking = rng.choice([Tracking.NONE, Tracking.NONE, Tracking.LOT, Tracking.LOT_EXPIRY])
            product = Product(sku=f"SKU-{n:05d}", name=f"商品 {n}", tracking=tracking)
            session.add(product)
            session.flush()
            catalog.skus.append(product.sku)
            jan = with_check_digit(f"49{rng.randrange(10**10):010d}")
            session.add(ProductBarcode(product_id=product.id, code=jan, kind=BarcodeKind.EAN13, pack_qty=1))
            catalog.jans.append(jan)
            if n % 3 == 0:
                case = with_check_digit("1" + jan[:-1])
                session.add(ProductBarcode(product_id=product.id, code=case, kind=BarcodeKind.GTIN14,
                                           pack_qty=rng.choice([6, 12, 24, 48])))
                catalog.cases.append(case)
            if n % 10 == 1:
                upca = with_check_digit(f"0{rng.randrange(10**10):010d}")
                session.add(ProductBarcode(product_id=product.id, code=upca, kind=BarcodeKind.UPCA))
                catalog.upcas.append(upca)
            if n % 17 == 2:
                ean8 = with_check_digit(f"49{rng.randrange(10**5):05d}")
                session.add(ProductBarcode(product_id=product.id, code=ean8, kind=BarcodeKind.EAN8))
                catalog.ean8s.append(ean8)
            if n % 5 == 3:
                internal = f"INT-{n:05d}"
                session.add(ProductBarcode(product_id=product.id, code=internal, kind=BarcodeKind.INTERNAL))
                catalog.internal.append(internal)
            if tracking is not Tracking.NONE:
                for _ in range(rng.randint(1, 3)):
                    number = f"L{rng.randrange(10**6):06d}"
                    expiry = date(2026, 1, 1) + timedelta(days=rng.randrange(900))
                    session.add(Lot(product_id=product.id, number=number, expiry=expiry))
                    catalog.lots[jan].append((number, expiry))
        for n in range(USERS):
            badge = "ZU-" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
            session.add(User(login=f"user{n}", name=f"作業者 {n}", badge_code=badge))
            catalog.badges.append(badge)
        session.flush()
        return wh.id, catalog


def make_scans(catalog: Catalog, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind of scan, text) pairs in floor-like proportions."""
    def jan():
        code = rng.choice(catalog.jans)
        return rng.choice([code, code, code + "\r\n", code + "\n", code.translate(FULL_WIDTH)])

    def gs1_label():
        code = rng.choice([c for c in catalog.jans if catalog.lots[c]] or catalog.jans)
        lot, expiry = rng.choice(catalog.lots[code]) if catalog.lots[code] and rng.random() < 0.7 else (
            f"N{rng.randrange(10**5):05d}", date(2027, 6, 30))
        gtin = rng.choice([with_check_digit("1" + code[:-1]), "0" + code])
        yymmdd = expiry.strftime("%y%m%d")
        return rng.choice([
            f"]C101{gtin}17{yymmdd}10{lot}",
            f"]C101{gtin}10{lot}{GS}17{yymmdd}",
            f"]d201{gtin}17{yymmdd}10{lot}{GS}21S{rng.randrange(10**6)}",
            f"]C101{gtin}17{yymmdd}10{lot}{GS}30{rng.randint(1, 48)}",
        ])

    def printed():
        code = rng.choice(catalog.jans)
        return f"(01)0{code}(17)271200(10)P{rng.randrange(10**4)}"

    def location():
        return rng.choice(catalog.locations)

    def bad():
        code = rng.choice(catalog.jans)
        return rng.choice([
            code[:-1] + str((int(code[-1]) + 1) % 10),                   # bad check digit
            with_check_digit(f"45{rng.randrange(10**10):010d}"),         # JAN nobody registered
            f"]C101{'0' + code}10LOT4217271231",                         # separator lost
            rng.choice(catalog.other_locations),                         # another warehouse's shelf
            "ZL-" + rng.choice(catalog.other_locations),
            "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(rng.randint(4, 12))),
            f"10D{rng.randrange(10**3)}",
            "]C1ABC",
            "",
        ])

    mix = [
        ("jan", 33, jan),
        ("case_gtin14", 8, lambda: rng.choice(catalog.cases)),
        ("upca", 3, lambda: rng.choice([c for c in catalog.upcas] + ["0" + c for c in catalog.upcas])),
        ("ean8", 1, lambda: rng.choice(catalog.ean8s)),
        ("gs1_label", 14, gs1_label),
        ("gs1_printed", 1, printed),
        ("location_bare", 12, location),
        ("location_zl", 8, lambda: "ZL-" + location()),
        ("badge", 3, lambda: rng.choice(catalog.badges)),
        ("document", 6, lambda: rng.choice(["ZT-", "ZR-", "ZO-", "ZK-", "ZC-"]) + f"{rng.randrange(10**6):06d}"),
        ("internal", 3, lambda: rng.choice(catalog.internal + catalog.skus)),
        ("unknown_or_malformed", 8, bad),
    ]
    kinds = rng.choices([m[0] for m in mix], weights=[m[1] for m in mix], k=count)
    makers = {name: maker for name, _, maker in mix}
    return [(kind, makers[kind]()) for kind in kinds]


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(session, warehouse, scans, fresh_transaction: bool) -> tuple[list[float], dict[str, list[float]], Counter]:
    timings: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    outcomes: Counter = Counter()
    for kind, text in scans:
        if fresh_transaction:
            session.rollback()
        start = time.perf_counter_ns()
        result = resolve(text, warehouse, session)
        elapsed = (time.perf_counter_ns() - start) / 1000
        timings.append(elapsed)
        by_kind[kind].append(elapsed)
        outcomes[result.scan_kind if result.scan_kind != "unresolved" else f"unresolved:{result.reason}"] += 1
    session.rollback()
    return timings, by_kind, outcomes


def report(label: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    return (f"{label:<34} p50 {percentile(ordered, 0.50):7.1f} µs   p90 {percentile(ordered, 0.90):7.1f} µs   "
            f"p99 {percentile(ordered, 0.99):7.1f} µs   mean {sum(ordered) / len(ordered):7.1f} µs")


def database_url(backend: str) -> tuple[str, callable]:
    if backend == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="tana-resolve-")) / "bench.db"
        return f"sqlite:///{path}", lambda: None
    server = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    server = server.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"tana_bench_resolve_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server).set(database=name).render_as_string(hide_password=False), drop


def bench_backend(backend: str, scan_count: int, seed: int) -> None:
    url, drop = database_url(backend)
    try:
        os.environ.setdefault("TANA_INSTANCE_PATH", tempfile.mkdtemp(prefix="tana-bench-"))
        app = build_app(url, Path(os.environ["TANA_INSTANCE_PATH"]))
        migrate_to_head(app)
        with app.app_context():
            session = db.session
            rng = random.Random(seed)
            warehouse_id, catalog = fill(session, rng)
            session.commit()
            from app.stock.models import Warehouse

            warehouse = session.get(Warehouse, warehouse_id)
            scans = make_scans(catalog, scan_count, rng)
            measure(session, warehouse, scans[:1000], fresh_transaction=False)  # warm the statement caches
            print(f"\n{backend}: {LOCATIONS} locations, {PRODUCTS} products, {len(scans)} scans")
            for fresh in (False, True):
                timings, by_kind, outcomes = measure(session, warehouse, scans, fresh_transaction=fresh)
                print(report("all scans, " + ("fresh transaction" if fresh else "in request"), timings))
                if not fresh:
                    for kind in sorted(by_kind):
                        print(report(f"  {kind} ({len(by_kind[kind])})", by_kind[kind]))
                    print("  outcomes:", ", ".join(f"{k} {v}" for k, v in outcomes.most_common()))
            db.engine.dispose()
    finally:
        drop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for backend in args.backends.split(","):
        bench_backend(backend.strip(), args.scans, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
