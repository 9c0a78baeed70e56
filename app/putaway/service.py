"""Putaway (格納): from the dock to a storage shelf, following a suggestion the person may override.

Stock on the dock is not sellable; availability rises when the move dock → shelf posts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from app.receiving import errors
from app.stock import ledger
from app.stock.models import Location, LocationKind, Lot, MoveReason, Product, Quant
from app.stock.warehouses import standard_location


@dataclass(frozen=True)
class DockItem:
    product_id: int
    sku: str
    name: str
    lot_id: int | None
    lot: str | None
    expiry: date | None
    quantity: int


@dataclass(frozen=True)
class Suggestion:
    location_id: int
    code: str
    why: str  # "same_lot", "same_product", "empty_in_zone", "empty"


@dataclass(frozen=True)
class PutAway:
    sku: str
    lot: str | None
    quantity: int
    location: str
    suggested: str | None
    overridden: bool


def dock_items(session: Session, warehouse_id: int, product_id: int | None = None) -> list[DockItem]:
    """What waits on the dock for putaway (free quantity per product and lot), oldest expiry first."""
    dock = standard_location(session, warehouse_id, LocationKind.DOCK)
    stmt = (
        select(Product.id, Product.sku, Product.name, Lot.id, Lot.number, Lot.expiry, Quant.on_hand - Quant.reserved)
        .join(Product, Product.id == Quant.product_id)
        .outerjoin(Lot, Lot.id == Quant.lot_id)
        .where(Quant.location_id == dock.id, Quant.on_hand > Quant.reserved)
        .order_by(Product.sku, Lot.expiry, Lot.number)
    )
    if product_id is not None:
        stmt = stmt.where(Quant.product_id == product_id)
    return [DockItem(*row) for row in session.execute(stmt)]


def _storage(warehouse_id: int):
    return (
        select(Location.id, Location.code)
        .where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE, Location.active.is_(True))
        .order_by(Location.pick_sequence.is_(None), Location.pick_sequence, Location.code)
        .limit(1)
    )


def _holding(product_id: int, lot_id: int | None = None):
    condition = and_(Quant.location_id == Location.id, Quant.product_id == product_id, Quant.on_hand > 0)
    if lot_id is not None:
        condition = and_(condition, Quant.lot_id == lot_id)
    return exists().where(condition)


def _empty():
    return ~exists().where(Quant.location_id == Location.id, Quant.on_hand > 0)


def suggest_location(session: Session, warehouse_id: int, product: Product, lot_id: int | None) -> Suggestion | None:
    """Where the goods should go, first match wins:

    1. a storage shelf that already holds this product and lot;
    2. where the product allows mixed lots on one shelf (not, by default, expiry- or serial-
       tracked products: mixed lots cause wrong-lot picks), a shelf that holds the product;
    3. the nearest empty storage shelf in the product's zone (lowest pick sequence);
    4. the nearest empty storage shelf anywhere in the warehouse.
    Only active storage shelves of the warehouse are considered; None when nothing fits.
    """
    candidates = []
    if lot_id is not None or not product.tracking.needs_lot:
        candidates.append(("same_lot", _storage(warehouse_id).where(_holding(product.id, lot_id))))
    if product.allows_mixed_lots:
        candidates.append(("same_product", _storage(warehouse_id).where(_holding(product.id))))
    if product.zone:
        candidates.append(("empty_in_zone", _storage(warehouse_id).where(Location.zone == product.zone, _empty())))
    candidates.append(("empty", _storage(warehouse_id).where(_empty())))
    for why, stmt in candidates:
        row = session.execute(stmt).first()
        if row is not None:
            return Suggestion(row.id, row.code, why)
    return None


def check_shelf(session: Session, warehouse_id: int, location: Location, product: Product, lot_id: int | None) -> None:
    """Refuse a shelf that may not take these goods (the ledger refuses the rest)."""
    if location.warehouse_id != warehouse_id or location.kind is not LocationKind.STORAGE:
        raise errors.NotAStorageLocation(location.code)
    if not location.active:
        raise errors.LocationNotActive(location.code)
    if not product.allows_mixed_lots:
        other = session.scalar(
            select(Lot.number)
            .join(Quant, Quant.lot_id == Lot.id)
            .where(Quant.location_id == location.id, Quant.product_id == product.id, Quant.on_hand > 0,
                   Quant.lot_id != lot_id if lot_id is not None else Quant.lot_id.is_not(None))
            .limit(1)
        )
        if other is not None:
            raise errors.MixedLotsRefused(location.code, product.sku, other)


def put_away(session: Session, warehouse_id: int, product: Product, lot_id: int | None, quantity: int,
             location: Location, *, suggested: str | None, user_id: int | None, key: str) -> PutAway:
    """Post dock → shelf for `quantity` (refused beyond what waits on the dock); a shelf other than
    the suggestion is allowed and recorded on the posting."""
    check_shelf(session, warehouse_id, location, product, lot_id)
    dock = standard_location(session, warehouse_id, LocationKind.DOCK)
    overridden = suggested is not None and suggested != location.code
    note = f"suggested {suggested}, put at {location.code}" if overridden else None
    ledger.post(
        session,
        [ledger.Move(product.id, quantity, dock.id, location.id, MoveReason.PUTAWAY, lot=lot_id,
                     reference="putaway-override" if overridden else "putaway")],
        key=f"putaway:{key}", user_id=user_id, note=note,
    )
    lot = session.get(Lot, lot_id).number if lot_id else None
    return PutAway(product.sku, lot, quantity, location.code, suggested, overridden)
