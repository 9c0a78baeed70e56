"""Putaway (格納): from the dock to a storage shelf, following a suggestion the person may override.

Stock on the dock is not sellable; availability rises when the move dock → shelf posts.
A shelf scan reads everything it decides by in one statement (`shelf_facts`): the shelf, what
it already holds, the product's rules and what waits on the dock — and the answer's dock list
is that read less what was just put away.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from sqlalchemy import Integer, String, bindparam, case, cast, literal, null, select, union_all
from sqlalchemy.orm import Session

from app.floor.refusals import LocationNotActive, NotAStorageLocation
from app.putaway import errors
from app.stock import ledger
from app.stock.models import Location, LocationKind, Lot, LotMixing, MoveReason, Product, Quant, Tracking, lots_may_mix
from app.stock.suggest import Suggestion, suggest_location  # noqa: F401  (the suggestion lives with the stock)
from app.stock.warehouses import WarehouseRef


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
class Shelf:
    location_id: int
    code: str
    kind: LocationKind
    active: bool
    other_product: str | None  # the SKU of another product on the shelf, if any
    other_lot: str | None  # another lot of the same product on the shelf, if any


@dataclass(frozen=True)
class ShelfFacts:
    """What a shelf scan decides by, read in one statement."""

    goods: DockItem | None  # the held goods, as they still wait on the dock (None: nothing left)
    tracking: Tracking | None
    mixed_lots: bool | None
    shelf: Shelf | None  # None: no location with that code in this warehouse
    dock: tuple[DockItem, ...]
    mixing_default: LotMixing = LotMixing.BY_TRACKING  # the warehouse's, for products without their own rule

    @property
    def allows_mixed_lots(self) -> bool:
        return lots_may_mix(self.mixed_lots, self.tracking or Tracking.NONE, self.mixing_default)


@dataclass(frozen=True)
class PutAway:
    sku: str
    lot: str | None
    quantity: int
    location: str
    suggested: str | None
    overridden: bool
    location_id: int


@dataclass(frozen=True)
class NeedsConfirmation:
    """The shelf holds another product, or another lot where lots may not mix: ask first."""

    reason: str  # "other_product" or "other_lot"
    shelf: Shelf
    goods: DockItem
    quantity: int


# --- what waits on the dock --------------------------------------------------------------------

_quant = Quant.__table__
_lot = Lot.__table__
_product = Product.__table__
_location = Location.__table__
_DOCK_COLUMNS = (_product.c.id, _product.c.sku, _product.c.name, _lot.c.id, _lot.c.number, _lot.c.expiry,
                 (_quant.c.on_hand - _quant.c.reserved))


def _dock_rows(dock_id):
    return (
        select(*_DOCK_COLUMNS)
        .select_from(_quant)
        .join(_product, _product.c.id == _quant.c.product_id)
        .outerjoin(_lot, _lot.c.id == _quant.c.lot_id)
        .where(_quant.c.location_id == dock_id, _quant.c.on_hand > _quant.c.reserved)
    )


def dock_items(session: Session, warehouse: WarehouseRef, product_id: int | None = None) -> list[DockItem]:
    """What waits on the dock for putaway (free quantity per product and lot), by SKU, oldest expiry first."""
    stmt = _dock_rows(warehouse.place(LocationKind.DOCK)).order_by(_product.c.sku, _lot.c.expiry, _lot.c.number)
    if product_id is not None:
        stmt = stmt.where(_quant.c.product_id == product_id)
    return [DockItem(*row) for row in session.execute(stmt)]


# --- one shelf scan, one read -------------------------------------------------------------------

@lru_cache(maxsize=None)
def _shelf_facts_statement():
    """Rows of three kinds: 'D' dock items, 'P' the held product's rules, 'S' the scanned shelf."""
    p_product, p_lot_key = bindparam("product_id"), bindparam("lot_key")
    dock = (
        select(literal("D").label("kind"), *[c.label(f"c{i}") for i, c in enumerate(_DOCK_COLUMNS)],
               cast(null(), String).label("c7"), cast(null(), String).label("c8"), cast(null(), String).label("c9"))
        .select_from(_quant)
        .join(_product, _product.c.id == _quant.c.product_id)
        .outerjoin(_lot, _lot.c.id == _quant.c.lot_id)
        .where(_quant.c.location_id == bindparam("dock_id"), _quant.c.on_hand > _quant.c.reserved)
    )
    rules = select(
        literal("P"), _product.c.id, _product.c.sku, _product.c.name, cast(null(), Integer), cast(null(), String),
        null(), case((_product.c.mixed_lots.is_(None), -1), (_product.c.mixed_lots.is_(True), 1), else_=0),
        cast(_product.c.tracking, String), cast(null(), String), cast(null(), String),
    ).where(_product.c.id == p_product)
    other_product = (
        select(_product.c.sku).select_from(_quant).join(_product, _product.c.id == _quant.c.product_id)
        .where(_quant.c.location_id == _location.c.id, _quant.c.product_id != p_product, _quant.c.on_hand > 0)
        .order_by(_product.c.sku).limit(1).scalar_subquery()
    )
    other_lot = (
        select(_lot.c.number).select_from(_quant).join(_lot, _lot.c.id == _quant.c.lot_id)
        .where(_quant.c.location_id == _location.c.id, _quant.c.product_id == p_product,
               _quant.c.lot_key != p_lot_key, _quant.c.on_hand > 0)
        .order_by(_lot.c.number).limit(1).scalar_subquery()
    )
    shelf = select(
        literal("S"), _location.c.id, _location.c.code, cast(_location.c.kind, String), cast(null(), Integer),
        cast(null(), String), null(), case((_location.c.active.is_(True), 1), else_=0),
        cast(other_product, String), cast(other_lot, String), cast(null(), String),
    ).where(_location.c.warehouse_id == bindparam("warehouse_id"), _location.c.code == bindparam("code"))
    return union_all(dock, rules, shelf)


def shelf_facts(session: Session, warehouse: WarehouseRef, product_id: int, lot_id: int | None,
                shelf_code: str | None) -> ShelfFacts:
    """Everything a shelf scan decides by (module docstring), in one statement."""
    rows = session.execute(_shelf_facts_statement(), {
        "dock_id": warehouse.place(LocationKind.DOCK), "product_id": product_id, "lot_key": lot_id or 0,
        "warehouse_id": warehouse.id, "code": shelf_code or "",
    }).all()
    dock = tuple(sorted(
        (DockItem(r.c0, r.c1, r.c2, r.c3, r.c4, r.c5, int(r.c6)) for r in rows if r.kind == "D"),
        key=lambda item: (item.sku, item.expiry is None, item.expiry or date.min, item.lot or ""),
    ))
    goods = next((item for item in dock if item.product_id == product_id and item.lot_id == lot_id), None)
    rules = next((r for r in rows if r.kind == "P"), None)
    found = next((r for r in rows if r.kind == "S"), None)
    shelf = Shelf(found.c0, found.c1, LocationKind(found.c2), found.c6 == 1, found.c7, found.c8) if found else None
    return ShelfFacts(
        goods,
        Tracking(rules.c7) if rules else None,
        None if rules is None or rules.c6 == -1 else rules.c6 == 1,
        shelf,
        dock,
        warehouse.settings.lot_mixing,
    )


def put_away(session: Session, warehouse: WarehouseRef, facts: ShelfFacts, quantity: int, *,
             suggested: str | None, confirmed: bool, user_id: int | None, key: str) -> PutAway | NeedsConfirmation:
    """Post dock → shelf for `quantity` of the held goods (the ledger refuses more than waits there).

    A shelf other than the suggestion is allowed and recorded on the posting; a shelf that holds
    another product, or another lot where the product's lots may not mix, is asked about first.
    """
    shelf, goods = facts.shelf, facts.goods
    if goods is None:
        raise errors.NotOnDock("")
    check_shelf(shelf)
    reason = _needs_confirmation(facts)
    if reason is not None and not confirmed:
        return NeedsConfirmation(reason, shelf, goods, quantity)
    overridden = suggested is not None and suggested != shelf.code
    notes = [f"suggested {suggested}, put at {shelf.code}" if overridden else None,
             f"confirmed: shelf holds {shelf.other_product}" if reason == "other_product" else None,
             f"confirmed: mixed with lot {shelf.other_lot}" if reason == "other_lot" else None]
    ledger.post(
        session,
        [ledger.Move(goods.product_id, quantity, warehouse.place(LocationKind.DOCK), shelf.location_id,
                     MoveReason.PUTAWAY, lot=goods.lot_id, reference="putaway-override" if overridden else "putaway")],
        key=f"putaway:{key}", user_id=user_id, note="; ".join(n for n in notes if n) or None,
    )
    return PutAway(goods.sku, goods.lot, quantity, shelf.code, suggested, overridden, shelf.location_id)


def check_shelf(shelf: Shelf | None) -> None:
    """Refuse a place that is not an active storage shelf of this warehouse (the ledger refuses the rest)."""
    if shelf is None or shelf.kind is not LocationKind.STORAGE:
        raise NotAStorageLocation(shelf.code if shelf else "")
    if not shelf.active:
        raise LocationNotActive(shelf.code)


def _needs_confirmation(facts: ShelfFacts) -> str | None:
    if facts.shelf.other_product is not None:
        return "other_product"
    if facts.shelf.other_lot is not None and not facts.allows_mixed_lots:
        return "other_lot"
    return None


def dock_after(facts: ShelfFacts, done: PutAway) -> tuple[DockItem, ...]:
    """The dock list as it is after the putaway: the read before it, less what moved."""
    left = []
    for item in facts.dock:
        if facts.goods is not None and item == facts.goods:
            item = replace(item, quantity=item.quantity - done.quantity)
        if item.quantity > 0:
            left.append(item)
    return tuple(left)
