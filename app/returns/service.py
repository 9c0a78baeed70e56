"""返品 (returns) and 戻し (put-backs): goods coming back to the shelves, through the ledger.

Returns, by order (found by its label ZO-… or the slip's tracking number; only a shipped order
takes returns):
* What may come back is what was shipped: per order line, product and lot, the units checked
  into the box (packed units) less those already returned (return lines).
* A resaleable unit goes CUSTOMER → the shelf scanned (reason `return`): sellable again.
* A damaged unit is taken in and written off in one unit of work: CUSTOMER → QUARANTINE
  (`return`), then QUARANTINE → SCRAP (`scrap`, with the reason). The ledger never moves
  between two virtual places, and this way it tells the truth: the unit came back into the
  warehouse, then it was scrapped. Quarantine holds it only inside the transaction, so what
  quarantine held before is as it was.
* An item that was not shipped with the order (another product, another lot), or more than was
  shipped, is recorded as a discrepancy (source `return`) and nothing moves: a return never
  changes stock it has not moved.

Put-backs: what a cancelled order left in a tote, at packing or at OUTBOUND (app.orders.cancel
made one task per product, lot and place) goes from that place → the shelf scanned (reason
`cancel`); the task is done when all of it is back.

Every posting's key is the scan's, so a replayed scan moves nothing twice.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, literal, or_, select, update
from sqlalchemy.orm import Session

from app.barcodes.tracking import slip_number
from app.floor.refusals import LocationNotActive, NotAStorageLocation
from app.orders.models import Order, OrderLine, OrderStatus
from app.orders.shipments import PackedUnit, PutBackStatus, PutBackTask, ReturnCondition, ReturnLine
from app.returns import errors
from app.stock import ledger
from app.stock.models import (
    Discrepancy, DiscrepancySource, KitComponent, Location, LocationKind, Lot, MoveReason, Posting, Product,
)
from app.stock.suggest import Suggestion, suggest_location
from app.stock.warehouses import WarehouseRef
from app.timeutil import utcnow

# Why a returned unit cannot be sold again: the short list the floor chooses from.
DAMAGE_REASONS = ("broken", "soiled", "opened", "expired")


# --- returns: the order and what it shipped ------------------------------------------------


@dataclass(frozen=True)
class ShippedItem:
    """Units of one order line, product and lot that left in the box, and how many came back."""

    order_line_id: int
    line_no: int
    product_id: int
    sku: str
    name: str
    lot_id: int | None
    lot: str | None
    expiry: date | None
    shipped: int
    returned: int

    @property
    def returnable(self) -> int:
        return self.shipped - self.returned


@dataclass(frozen=True)
class ReturnOrder:
    id: int
    code: str
    ship_to_name: str
    tracking_number: str | None
    items: tuple[ShippedItem, ...]

    @property
    def shipped(self) -> int:
        return sum(item.shipped for item in self.items)

    @property
    def returned(self) -> int:
        return sum(item.returned for item in self.items)


@dataclass(frozen=True)
class LotChoice:
    """One lot of the scanned product that this order shipped and may still take back."""

    lot_id: int | None
    lot: str | None
    expiry: date | None
    returnable: int


@dataclass(frozen=True)
class Mismatch:
    """What came back does not match what was shipped: recorded as a discrepancy, nothing moves."""

    cause: str  # "not_on_order" | "lot_not_shipped" | "more_than_shipped"
    expected: int  # what may still come back of it
    found: int  # what was scanned

    @property
    def quantity(self) -> int:
        return self.found - self.expected


@dataclass(frozen=True)
class Returned:
    sku: str
    lot: str | None
    quantity: int
    condition: ReturnCondition
    location: str  # the shelf, or SCRAP
    reason: str | None = None
    suggested: str | None = None

    @property
    def overridden(self) -> bool:
        return self.suggested is not None and self.suggested != self.location


def find_order(session: Session, warehouse_id: int, text: str) -> ReturnOrder:
    """The shipped order whose label or tracking number was scanned or typed."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    if not cleaned:
        raise errors.NoSuchOrder("")
    compact = slip_number(cleaned)  # as packing stores a slip: NW-7 letters, spaces and hyphens dropped
    found = session.execute(
        select(Order.id, Order.code, Order.status)
        .where(Order.warehouse_id == warehouse_id,
               or_(Order.code == cleaned.upper(), Order.tracking_number.in_(sorted({cleaned, compact}))))
        .order_by((Order.code == cleaned.upper()).desc(), (Order.status == OrderStatus.SHIPPED.value).desc(),
                  Order.shipped_at.desc(), Order.id.desc())
        .limit(1)
    ).one_or_none()
    if found is None:
        raise errors.NoSuchOrder(cleaned[:60])
    if found.status != OrderStatus.SHIPPED:
        raise errors.NotShipped(found.code, OrderStatus(found.status).value)
    return load_order(session, warehouse_id, found.id)


def load_order(session: Session, warehouse_id: int, order_id: int | None) -> ReturnOrder | None:
    """A shipped order of the warehouse with what it shipped and what came back; None otherwise."""
    if order_id is None:
        return None
    order = session.execute(
        select(Order.id, Order.code, Order.ship_to_name, Order.tracking_number, Order.status)
        .where(Order.id == order_id, Order.warehouse_id == warehouse_id)
    ).one_or_none()
    if order is None:
        return None
    if order.status != OrderStatus.SHIPPED:
        raise errors.NotShipped(order.code, OrderStatus(order.status).value)
    return ReturnOrder(order.id, order.code, order.ship_to_name, order.tracking_number,
                       shipped_items(session, order.id))


def shipped_items(session: Session, order_id: int) -> tuple[ShippedItem, ...]:
    returned = {
        (line_id, product_id, lot_id): int(quantity)
        for line_id, product_id, lot_id, quantity in session.execute(
            select(ReturnLine.order_line_id, ReturnLine.product_id, ReturnLine.lot_id, func.sum(ReturnLine.quantity))
            .where(ReturnLine.order_id == order_id)
            .group_by(ReturnLine.order_line_id, ReturnLine.product_id, ReturnLine.lot_id)
        )
    }
    rows = session.execute(
        select(PackedUnit.order_line_id, OrderLine.line_no, PackedUnit.product_id, Product.sku, Product.name,
               PackedUnit.lot_id, Lot.number, Lot.expiry, func.sum(PackedUnit.quantity))
        .join(OrderLine, OrderLine.id == PackedUnit.order_line_id)
        .join(Product, Product.id == PackedUnit.product_id)
        .outerjoin(Lot, Lot.id == PackedUnit.lot_id)
        .where(PackedUnit.order_id == order_id)
        .group_by(PackedUnit.order_line_id, OrderLine.line_no, PackedUnit.product_id, Product.sku, Product.name,
                  PackedUnit.lot_id, Lot.number, Lot.expiry)
        .order_by(OrderLine.line_no, Product.sku, Lot.number)
    )
    return tuple(
        ShippedItem(line_id, line_no, product_id, sku, name, lot_id, lot, expiry, int(shipped),
                    returned.get((line_id, product_id, lot_id), 0))
        for line_id, line_no, product_id, sku, name, lot_id, lot, expiry, shipped in rows
    )


def lots_to_take_back(order: ReturnOrder, product_id: int, lot_number: str | None,
                      units: int) -> list[LotChoice] | Mismatch:
    """The lots this scan may be taken back as (one: no question), or why it does not match."""
    items = [item for item in order.items if item.product_id == product_id]
    if not items:
        return Mismatch("not_on_order", 0, units)
    if lot_number is not None:
        items = [item for item in items if item.lot == lot_number]
        if not items:
            return Mismatch("lot_not_shipped", 0, units)
    by_lot: dict[int | None, list[ShippedItem]] = defaultdict(list)
    for item in items:
        by_lot[item.lot_id].append(item)
    choices = [LotChoice(lot_id, group[0].lot, group[0].expiry, sum(i.returnable for i in group))
               for lot_id, group in by_lot.items()]
    left = sum(choice.returnable for choice in choices)
    if units > left:
        return Mismatch("more_than_shipped", left, units)
    return [choice for choice in choices if choice.returnable > 0]


def record_mismatch(session: Session, warehouse_id: int, order: ReturnOrder, product_id: int, lot_id: int | None,
                    lot_number: str | None, mismatch: Mismatch, *, user_id: int | None) -> Discrepancy:
    """A discrepancy of source return; nothing moves."""
    discrepancy = Discrepancy(
        warehouse_id=warehouse_id, source=DiscrepancySource.RETURN, cause=mismatch.cause, product_id=product_id,
        lot_id=lot_id, expected_qty=mismatch.expected, found_qty=mismatch.found, quantity=mismatch.quantity,
        reference=order.code, note=f"lot {lot_number}" if lot_number and lot_id is None else None, user_id=user_id,
    )
    session.add(discrepancy)
    session.flush()
    return discrepancy


def restock(session: Session, warehouse: WarehouseRef, order_id: int, product_id: int, lot_id: int | None,
            units: int, shelf: Location, *, suggested: str | None, user_id: int | None, key: str) -> Returned:
    """Resaleable: CUSTOMER → the shelf (another storage shelf than the suggestion is allowed)."""
    check_shelf(shelf)
    order = _shipped_order(session, warehouse.id, order_id)
    note = f"suggested {suggested}, put at {shelf.code}" if suggested and suggested != shelf.code else None
    posted = ledger.post(session, [
        ledger.Move(product_id, units, warehouse.place(LocationKind.CUSTOMER), shelf.id, MoveReason.RETURN,
                    lot=lot_id, reference=order.code),
    ], key=f"return:{key}", user_id=user_id, reference=order.code, note=note)
    items = _still_returnable(session, order, product_id, lot_id, units, replayed=posted.replayed)
    if not posted.replayed:
        _record(session, order, items, units, ReturnCondition.RESALEABLE, None, shelf.id, posted.posting_id, user_id)
    return Returned(items[0].sku, items[0].lot, units, ReturnCondition.RESALEABLE, shelf.code, None, suggested)


def scrap(session: Session, warehouse: WarehouseRef, order_id: int, product_id: int, lot_id: int | None,
          units: int, reason: str, *, user_id: int | None, key: str) -> Returned:
    """Damaged: CUSTOMER → QUARANTINE → SCRAP in one unit of work (module docstring)."""
    if reason not in DAMAGE_REASONS:
        raise ValueError(reason)
    order = _shipped_order(session, warehouse.id, order_id)
    quarantine, scrapped = warehouse.place(LocationKind.QUARANTINE), warehouse.place(LocationKind.SCRAP)
    taken_in = ledger.post(session, [
        ledger.Move(product_id, units, warehouse.place(LocationKind.CUSTOMER), quarantine, MoveReason.RETURN,
                    lot=lot_id, reference=order.code),
    ], key=f"return:{key}", user_id=user_id, reference=order.code, note=f"damaged: {reason}")
    posted = ledger.post(session, [
        ledger.Move(product_id, units, quarantine, scrapped, MoveReason.SCRAP, lot=lot_id, reference=order.code),
    ], key=f"return-scrap:{key}", user_id=user_id, reference=order.code, note=f"returned damaged: {reason}")
    items = _still_returnable(session, order, product_id, lot_id, units, replayed=taken_in.replayed)
    if not taken_in.replayed:
        _record(session, order, items, units, ReturnCondition.DAMAGED, reason, scrapped, posted.posting_id, user_id)
    return Returned(items[0].sku, items[0].lot, units, ReturnCondition.DAMAGED, "SCRAP", reason)


def _shipped_order(session: Session, warehouse_id: int, order_id: int) -> Order:
    """The order, locked (returns of one order are taken one after another), if it shipped."""
    stmt = select(Order).where(Order.id == order_id, Order.warehouse_id == warehouse_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Order)
    order = session.execute(stmt.execution_options(populate_existing=True)).scalar_one_or_none()
    if order is None:
        raise errors.ScanTheOrderFirst()
    if order.status is not OrderStatus.SHIPPED:
        raise errors.NotShipped(order.code, order.status.value)
    return order


def _still_returnable(session: Session, order: Order, product_id: int, lot_id: int | None, units: int, *,
                      replayed: bool) -> list[ShippedItem]:
    """The order's shipped items of that product and lot, if they may still take `units` back: another
    device may have taken them back meanwhile (refused: the caller's unit of work rolls back its
    posting). A replayed posting recorded its return the first time: nothing is checked again."""
    items = [item for item in shipped_items(session, order.id) if item.product_id == product_id
             and item.lot_id == lot_id]
    if not replayed and (not items or sum(item.returnable for item in items) < units):
        sku = items[0].sku if items else session.scalar(select(Product.sku).where(Product.id == product_id))
        raise errors.AlreadyReturned(sku or "?")
    return items


def _record(session: Session, order: Order, items: Sequence[ShippedItem], units: int, condition: ReturnCondition,
            reason: str | None, location_id: int, posting_id: int, user_id: int | None) -> None:
    """Return lines, taking the units from the order's lines in turn, and their returned figures."""
    left = units
    for item in items:
        take = min(left, item.returnable)
        if take <= 0:
            continue
        session.add(ReturnLine(order_id=order.id, order_line_id=item.order_line_id, product_id=item.product_id,
                               lot_id=item.lot_id, quantity=take, condition=condition, reason=reason,
                               location_id=location_id, posting_id=posting_id, user_id=user_id))
        left -= take
    session.flush()
    _refresh_returned(session, [line for line in order.lines if line.id in {i.order_line_id for i in items}])
    order.updated_at = utcnow()


def _refresh_returned(session: Session, lines: Sequence[OrderLine]) -> None:
    """An order line's returned figure in its own units: a kit counts whole kits back."""
    returned: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for line_id, product_id, quantity in session.execute(
        select(ReturnLine.order_line_id, ReturnLine.product_id, func.sum(ReturnLine.quantity))
        .where(ReturnLine.order_line_id.in_([line.id for line in lines]))
        .group_by(ReturnLine.order_line_id, ReturnLine.product_id)
    ):
        returned[line_id][product_id] += int(quantity)
    parts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for kit_id, component_id, per in session.execute(
        select(KitComponent.kit_id, KitComponent.component_id, KitComponent.quantity)
        .where(KitComponent.kit_id.in_({line.product_id for line in lines}))
    ):
        parts[kit_id].append((component_id, per))
    for line in lines:
        line_parts = parts.get(line.product_id) or [(line.product_id, 1)]
        whole = min(returned[line.id].get(product_id, 0) // per for product_id, per in line_parts)
        line.returned_qty = min(whole, line.packed_qty)


# --- shelves --------------------------------------------------------------------------------


def check_shelf(shelf: Location | None) -> None:
    """Goods come back onto active storage shelves only."""
    if shelf is None or shelf.kind is not LocationKind.STORAGE:
        raise NotAStorageLocation(shelf.code if shelf else "")
    if not shelf.active:
        raise LocationNotActive(shelf.code)


def suggestion(session: Session, warehouse_id: int, product_id: int, lot_id: int | None) -> Suggestion | None:
    """The putaway suggestion for goods coming back (app.stock.suggest)."""
    product = session.get(Product, product_id)
    return suggest_location(session, warehouse_id, product, lot_id) if product is not None else None


# --- put-backs after a cancellation --------------------------------------------------------


@dataclass(frozen=True)
class Task:
    id: int
    order_code: str
    product_id: int
    sku: str
    name: str
    lot_id: int | None
    lot: str | None
    expiry: date | None
    from_location_id: int
    from_code: str
    from_kind: LocationKind
    quantity: int
    put_qty: int

    @property
    def remaining(self) -> int:
        return self.quantity - self.put_qty


@dataclass(frozen=True)
class PutBack:
    task: Task
    quantity: int
    location: str
    suggested: str | None
    done: bool

    @property
    def overridden(self) -> bool:
        return self.suggested is not None and self.suggested != self.location


def _tasks(warehouse_id: int):
    return (
        select(PutBackTask.id, Order.code, PutBackTask.product_id, Product.sku, Product.name, PutBackTask.lot_id,
               Lot.number, Lot.expiry, PutBackTask.from_location_id, Location.code, Location.kind,
               PutBackTask.quantity, PutBackTask.put_qty)
        .join(Order, Order.id == PutBackTask.order_id)
        .join(Product, Product.id == PutBackTask.product_id)
        .join(Location, Location.id == PutBackTask.from_location_id)
        .outerjoin(Lot, Lot.id == PutBackTask.lot_id)
        .where(PutBackTask.warehouse_id == warehouse_id, PutBackTask.status == PutBackStatus.OPEN)
        .order_by(PutBackTask.id)
    )


def _task_of(row) -> Task:
    return Task(*row[:10], LocationKind(row[10]), row[11], row[12])


def open_tasks(session: Session, warehouse_id: int, product_id: int | None = None,
               lot_number: str | None = None) -> list[Task]:
    """The warehouse's open put-back tasks, oldest first (of one product, and lot, when given)."""
    stmt = _tasks(warehouse_id)
    if product_id is not None:
        stmt = stmt.where(PutBackTask.product_id == product_id)
    if lot_number is not None:
        stmt = stmt.where(Lot.number == lot_number)
    return [_task_of(row) for row in session.execute(stmt)]


def count_open_tasks(session: Session, warehouse_id: int) -> int:
    return session.scalar(select(func.count()).select_from(PutBackTask).where(
        PutBackTask.warehouse_id == warehouse_id, PutBackTask.status == PutBackStatus.OPEN)) or 0


def open_task(session: Session, warehouse_id: int, task_id: int | None) -> Task | None:
    if task_id is None:
        return None
    row = session.execute(_tasks(warehouse_id).where(PutBackTask.id == task_id)).one_or_none()
    return _task_of(row) if row is not None else None


def put_back(session: Session, task: Task, units: int, shelf: Location, *, suggested: str | None,
             user_id: int | None, key: str) -> PutBack:
    """Move `units` of the task from where they wait → the shelf; the task is done when all are back.

    The task's figure is taken first, by one conditional statement, so two devices putting back
    the same goods at once cannot both take the last units: the second is refused, nothing
    written. A replayed key moved and counted the first time: the ledger returns its posting.
    """
    check_shelf(shelf)
    if units > task.remaining:
        raise errors.MoreThanWaits(task.sku, task.remaining)
    note = f"suggested {suggested}, put at {shelf.code}" if suggested and suggested != shelf.code else None
    key = f"put-back:{key}"
    if not _posted_before(session, key):
        _take_from_task(session, task, units)
    ledger.post(session, [
        ledger.Move(task.product_id, units, task.from_location_id, shelf.id, MoveReason.CANCEL, lot=task.lot_id,
                    reference=task.order_code),
    ], key=key, user_id=user_id, reference=task.order_code, note=note)
    return PutBack(task, units, shelf.code, suggested, units == task.remaining)


def _posted_before(session: Session, key: str) -> bool:
    return session.scalar(select(Posting.id).where(Posting.idempotency_key == key)) is not None


def _take_from_task(session: Session, task: Task, units: int) -> None:
    now = utcnow()
    after = PutBackTask.put_qty + units
    taken = session.execute(
        update(PutBackTask)
        .where(PutBackTask.id == task.id, PutBackTask.status == PutBackStatus.OPEN,
               PutBackTask.put_qty + units <= PutBackTask.quantity)
        .values(put_qty=after,
                status=case((after == PutBackTask.quantity, PutBackStatus.DONE.value), else_=PutBackStatus.OPEN.value),
                done_at=case((after == PutBackTask.quantity, literal(now, PutBackTask.done_at.type)), else_=None))
    ).rowcount
    if not taken:
        raise errors.PutBackChanged(task.sku)


__all__ = [
    "DAMAGE_REASONS", "ShippedItem", "ReturnOrder", "LotChoice", "Mismatch", "Returned", "Task", "PutBack",
    "find_order", "load_order", "shipped_items", "lots_to_take_back", "record_mismatch", "restock", "scrap",
    "check_shelf", "suggestion", "open_tasks", "count_open_tasks", "open_task", "put_back",
]
