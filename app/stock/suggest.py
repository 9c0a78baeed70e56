"""Where goods should go on a shelf: the putaway suggestion, shared by every flow that brings
goods back to storage (putaway from the dock, returns, put-backs after a cancellation).

Read only: the person confirms by scanning the shelf, and the workflow posts the move.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.stock.models import Location, LocationKind, LotMixing, Product, Quant


@dataclass(frozen=True)
class Suggestion:
    location_id: int
    code: str
    why: str  # "same_lot", "same_product", "empty_in_zone", "empty"


def _storage(warehouse_id: int):
    return (
        select(Location.id, Location.code)
        .where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE, Location.active.is_(True))
        .order_by(Location.pick_sequence.is_(None), Location.pick_sequence, Location.code)
        .limit(1)
    )


def _holding_shelf(warehouse_id: int, product_id: int, lot_id: int | None):
    """The nearest active storage shelf that holds the product (and lot): driven by the product's quants."""
    stmt = (
        select(Location.id, Location.code)
        .join(Quant, Quant.location_id == Location.id)
        .where(Quant.product_id == product_id, Quant.on_hand > 0, Location.warehouse_id == warehouse_id,
               Location.kind == LocationKind.STORAGE, Location.active.is_(True))
        .order_by(Location.pick_sequence.is_(None), Location.pick_sequence, Location.code)
        .limit(1)
    )
    return stmt.where(Quant.lot_key == (lot_id or 0)) if lot_id is not None else stmt


def _empty():
    return ~exists().where(Quant.location_id == Location.id, Quant.on_hand > 0)


def suggest_location(session: Session, warehouse_id: int, product: Product, lot_id: int | None,
                     mixing: LotMixing = LotMixing.BY_TRACKING) -> Suggestion | None:
    """Where the goods should go, first match wins:

    1. a storage shelf that already holds this product and lot;
    2. where the product allows mixed lots on one shelf (its own rule, else the warehouse's `mixing`
       default: by tracking mode, not expiry- or serial-tracked products, since mixed lots cause
       wrong-lot picks), a shelf that holds the product;
    3. the nearest empty storage shelf in the product's zone (lowest pick sequence);
    4. the nearest empty storage shelf anywhere in the warehouse.
    Only active storage shelves of the warehouse are considered; None when nothing fits.
    """
    candidates = []
    if lot_id is not None or not product.tracking.needs_lot:
        candidates.append(("same_lot", _holding_shelf(warehouse_id, product.id, lot_id)))
    if product.mixes_lots(mixing):
        candidates.append(("same_product", _holding_shelf(warehouse_id, product.id, None)))
    if product.zone:
        candidates.append(("empty_in_zone", _storage(warehouse_id).where(Location.zone == product.zone, _empty())))
    candidates.append(("empty", _storage(warehouse_id).where(_empty())))
    for why, stmt in candidates:
        row = session.execute(stmt).first()
        if row is not None:
            return Suggestion(row.id, row.code, why)
    return None


__all__ = ["Suggestion", "suggest_location"]
