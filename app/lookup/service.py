"""在庫照会: what a scanned thing is and what we hold of it, read in a few indexed queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import bindparam, case, select
from sqlalchemy.orm import Session

from app.barcodes import resolve
from app.barcodes.results import BadgeHit, DocumentRef, Gs1Hit, LocationHit, ProductHit, Resolved, Unresolved
from app.stock.availability import available as stock_available
from app.stock.models import Location, LocationKind, Lot, Product, Quant
from app.stock.warehouses import WarehouseRef
from app.timeutil import local_today

MAX_LINES = 20


@dataclass(frozen=True)
class StockLine:
    location: str
    location_kind: LocationKind
    sku: str
    name: str
    lot: str | None
    expiry: date | None
    expiry_state: str | None  # "expired", "near" (inside the minimum remaining shelf life) or None
    on_hand: int
    reserved: int


@dataclass(frozen=True)
class ProductStock:
    kind = "product"
    sku: str
    name: str
    barcode: str
    pack_qty: int
    tracking: str
    available: int
    on_hand: int
    lines: tuple[StockLine, ...]
    more: int
    active: bool
    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None
    quantity: int | None = None
    lot_known: bool = True


@dataclass(frozen=True)
class LocationContents:
    kind = "location"
    code: str
    location_kind: LocationKind
    active: bool
    lines: tuple[StockLine, ...]
    more: int


@dataclass(frozen=True)
class Person:
    kind = "badge"
    name: str


@dataclass(frozen=True)
class Document:
    kind = "document"
    document_kind: str
    code: str


@dataclass(frozen=True)
class UnknownGtin:
    kind = "unknown_gtin"
    gtin: str | None
    lot: str | None
    expiry: date | None
    sscc: str | None


Found = ProductStock | LocationContents | Person | Document | UnknownGtin


def look_up(session: Session, code: str, warehouse: WarehouseRef, today: date | None = None) -> Found | Unresolved:
    """Resolve `code` in `warehouse` and gather what the lookup screen shows for it."""
    today = today or local_today()
    hit = resolve(code, warehouse, session)
    return describe(session, hit, warehouse, today)


def describe(session: Session, hit: Resolved, warehouse: WarehouseRef, today: date) -> Found | Unresolved:
    if isinstance(hit, ProductHit):
        return _product_stock(session, hit, warehouse, today)
    if isinstance(hit, Gs1Hit):
        return _gs1_stock(session, hit, warehouse, today)
    if isinstance(hit, LocationHit):
        return _location_contents(session, hit, today)
    if isinstance(hit, BadgeHit):
        return Person(hit.name)
    if isinstance(hit, DocumentRef):
        return Document(hit.kind.value, hit.code)
    return hit


_LINE_COLUMNS = (
    Location.code, Location.kind, Product.sku, Product.name, Lot.number, Lot.expiry, Quant.on_hand, Quant.reserved,
    Product.min_shelf_life_days,
)
_STOCK = (
    select(*_LINE_COLUMNS)
    .join(Location, Location.id == Quant.location_id)
    .join(Product, Product.id == Quant.product_id)
    .outerjoin(Lot, Lot.id == Quant.lot_id)
    .where(Quant.on_hand > 0)
    .limit(MAX_LINES + 1)
)
# Where to find it: storage shelves in walking order first, then dock, quarantine, …
_WALK_ORDER = (
    case((Location.kind == LocationKind.STORAGE, 0), else_=1), Location.pick_sequence.is_(None),
    Location.pick_sequence, Location.code, Lot.expiry,
)
_OF_PRODUCT = (_STOCK.where(Quant.product_id == bindparam("product_id"), Location.warehouse_id == bindparam("warehouse_id"))
               .order_by(*_WALK_ORDER))
_OF_LOT = _OF_PRODUCT.where(Quant.lot_id == bindparam("lot_id"))
_ON_LOCATION = _STOCK.where(Quant.location_id == bindparam("location_id")).order_by(Product.sku, Lot.expiry)


def _lines(session: Session, stmt, params: dict, today: date) -> tuple[tuple[StockLine, ...], int]:
    rows = session.execute(stmt, params).all()
    lines = tuple(
        StockLine(r.code, r.kind, r.sku, r.name, r.number, r.expiry, expiry_state(r.expiry, r.min_shelf_life_days, today),
                  r.on_hand, r.reserved)
        for r in rows[:MAX_LINES]
    )
    return lines, max(0, len(rows) - MAX_LINES)


def expiry_state(expiry: date | None, min_shelf_life_days: int, today: date) -> str | None:
    if expiry is None:
        return None
    if expiry < today:
        return "expired"
    if expiry < today + timedelta(days=min_shelf_life_days):
        return "near"
    return None


def _product_stock(session, hit: ProductHit, warehouse, today, lot_id: int | None = None, **scanned) -> ProductStock:
    params = {"product_id": hit.product_id, "warehouse_id": warehouse.id, "lot_id": lot_id}
    lines, more = _lines(session, _OF_LOT if lot_id is not None else _OF_PRODUCT, params, today)
    available = stock_available(session, warehouse.id, hit.product_id, today)
    return ProductStock(
        sku=hit.sku, name=hit.name, barcode=hit.barcode, pack_qty=hit.pack_qty, tracking=hit.tracking.value,
        available=available, on_hand=sum(line.on_hand for line in lines), lines=lines, more=more,
        active=hit.active, **scanned,
    )


def _gs1_stock(session, hit: Gs1Hit, warehouse, today) -> ProductStock | UnknownGtin:
    """A GS1 label: the stock of its lot when we know the lot, else of its product, saying so."""
    if hit.product is None:
        return UnknownGtin(hit.gtin, hit.lot, hit.expiry, hit.sscc)
    known = hit.known_lot
    return _product_stock(
        session, hit.product, warehouse, today,
        lot_id=known.lot_id if known else None,
        lot=hit.lot,
        expiry=hit.expiry_or(known.expiry if known else None),
        serial=hit.serial,
        quantity=hit.quantity,
        lot_known=hit.lot is None or known is not None,
    )


def _location_contents(session, hit: LocationHit, today) -> LocationContents:
    lines, more = _lines(session, _ON_LOCATION, {"location_id": hit.location_id}, today)
    return LocationContents(hit.code, hit.kind, hit.active, lines, more)
