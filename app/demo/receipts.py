"""The demo's open receipts: what the trucks will bring, so receiving can be tried at once.

Each warehouse gets a few expected receipts mixing JAN lines, case lines and lot/expiry lines
whose supplier labels are GS1-128. The labels' printed form `(01)…(17)…(10)…` is returned so
the demo summary can show it: typed into the scan field it reads like the real barcode.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.receipts.plans import PlannedLine, create_receipt
from app.stock.models import BarcodeKind, Product, ProductBarcode, Tracking

SUPPLIERS = ("伊藤園", "ハウス食品", "花王", "ライオン", "資生堂", "キッコーマン")


@dataclass(frozen=True)
class DemoReceipt:
    warehouse: str
    code: str
    supplier: str
    lines: int
    units: int
    labels: tuple[str, ...]  # GS1-128 supplier labels in printed form


def create_open_receipts(session: Session, warehouse_ids: dict[str, int], user_id: int | None, *, seed: int,
                         today: date) -> tuple[DemoReceipt, ...]:
    """Two open receipts in the first warehouse, one in each other warehouse (within the caller's unit of work)."""
    rng = random.Random(seed * 7 + 1)
    catalogue = _catalogue(session)
    made = []
    for index, (code, warehouse_id) in enumerate(warehouse_ids.items()):
        for number in range(2 if index == 0 else 1):
            made.append(_receipt(session, rng, catalogue, code, warehouse_id, user_id, today + timedelta(days=number)))
    return tuple(made)


@dataclass(frozen=True)
class _Item:
    product_id: int
    tracking: Tracking
    unit_code: str | None
    case_pack: int
    gtin14: str | None


def _catalogue(session: Session) -> list[_Item]:
    rows = session.execute(
        select(Product.id, Product.tracking, ProductBarcode.code, ProductBarcode.kind, ProductBarcode.pack_qty)
        .join(ProductBarcode, ProductBarcode.product_id == Product.id)
        .where(Product.is_kit.is_(False), Product.active.is_(True))
        .order_by(Product.id, ProductBarcode.id)
    ).all()
    items: dict[int, dict] = {}
    for product_id, tracking, code, kind, pack in rows:
        item = items.setdefault(product_id, {"tracking": tracking, "unit": None, "pack": 1})
        if pack == 1 and kind is BarcodeKind.EAN13 and item["unit"] is None:
            item["unit"] = code
        if pack > 1:
            item["pack"] = max(item["pack"], pack)
    return [
        _Item(pid, it["tracking"], it["unit"], it["pack"], ("0" + it["unit"]) if it["unit"] else None)
        for pid, it in items.items()
        if it["unit"] and it["tracking"] is not Tracking.SERIAL
    ]


def _receipt(session, rng, catalogue: list[_Item], warehouse: str, warehouse_id: int, user_id, expected: date):
    plain = [i for i in catalogue if i.tracking is Tracking.NONE]
    cases = [i for i in plain if i.case_pack > 1]
    dated = [i for i in catalogue if i.tracking is Tracking.LOT_EXPIRY]
    lines, labels = [], []
    for item in rng.sample(plain, 3):
        lines.append(PlannedLine(item.product_id, rng.randint(2, 12)))
    for item in rng.sample(cases, min(2, len(cases))):
        lines.append(PlannedLine(item.product_id, item.case_pack * rng.randint(1, 3)))
    for item in rng.sample(dated, min(3, len(dated))):
        lot = f"L{expected:%y%m}{rng.randint(100, 999)}"
        expiry = expected + timedelta(days=rng.randint(180, 540))
        lines.append(PlannedLine(item.product_id, rng.randint(6, 24), lot, expiry))
        labels.append(f"(01){item.gtin14}(17){expiry:%y%m%d}(10){lot}")
    lines = _one_line_per_product(lines)
    supplier = rng.choice(SUPPLIERS)
    receipt = create_receipt(session, warehouse_id, supplier, expected, lines, user_id)
    return DemoReceipt(warehouse, receipt.code, supplier, len(receipt.lines), sum(line.quantity for line in lines),
                       tuple(labels))


def _one_line_per_product(lines: list[PlannedLine]) -> list[PlannedLine]:
    seen: set[int] = set()
    kept = []
    for line in lines:
        if line.product_id not in seen:
            seen.add(line.product_id)
            kept.append(line)
    return kept
