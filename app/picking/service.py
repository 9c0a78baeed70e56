"""Picking: what a picker's scans do to a pick list, through the ledger.

* Totes: each order on the list travels in its own tote, bound by scanning an empty one
  (no goods in it, on no open list) before the first pick.
* A pick moves units shelf → the order's tote, out of the line's reservation, under the
  scan's idempotency key (a replayed scan picks once). The line's figure moves with it; the
  order line's figures follow when the pick line is finished.
* A lot other than the reserved one may be taken when it is free on that shelf, allowed by
  the order line's shelf-life rule and not later by FEFO; the reservation moves to it.
* A short pick (「ここに足りない」) records a discrepancy, opens a count task for the shelf
  (one per shelf, shared), keeps the missing units reserved for that count (so nobody else
  is sent for them and channels do not sell them) and re-allocates the line from other
  shelves, adding the new lines to the list in walk order; what cannot be found is
  backordered.
* `version` grows with every change of the list's shape (a tote bound, a line finished or
  split, a short pick); a screen showing an older version is refused with the fresh state.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.database import upsert_insert
from app.orders import service as orders
from app.orders.models import Order, OrderLine, OrderStatus
from app.orders.picklists import PickLine, PickLineStatus, PickList, PickListOrder, PickListStatus
from app.orders.waves import OpenReservation, add_pick_lines
from app.picking import errors
from app.stock import ledger
from app.stock.allocation import Demand, allocate
from app.stock.count_tasks import count_hold, request_count
from app.stock.models import (
    Discrepancy, DiscrepancySource, Location, LocationKind, Lot, MoveReason, Product,
    ProductBarcode, Quant, Reservation,
)
from app.timeutil import local_today, utcnow


@dataclass(frozen=True)
class LineView:
    id: int
    order_id: int
    order_line_id: int
    position: int
    order_code: str
    tote_id: int | None
    tote_code: str | None
    product_id: int
    sku: str
    name: str
    barcode: str | None
    tracking: str
    location_id: int
    location_code: str
    lot_id: int | None
    lot_number: str | None
    expiry: date | None
    reservation_id: int | None
    quantity: int
    picked_qty: int
    status: PickLineStatus

    @property
    def remaining(self) -> int:
        return self.quantity - self.picked_qty if self.status is PickLineStatus.OPEN else 0


@dataclass(frozen=True)
class OrderSlot:
    position: int
    order_id: int
    order_code: str
    ship_to_name: str
    gift: bool
    tote_id: int | None
    tote_code: str | None


@dataclass(frozen=True)
class ListView:
    id: int
    code: str
    version: int
    status: PickListStatus
    warehouse_id: int
    assigned_to_id: int | None
    orders: tuple[OrderSlot, ...]
    lines: tuple[LineView, ...] = field(default=())

    @property
    def current(self) -> LineView | None:
        return next((line for line in self.lines if line.status is PickLineStatus.OPEN), None)

    @property
    def unbound(self) -> OrderSlot | None:
        return next((slot for slot in self.orders if slot.tote_id is None), None)

    @property
    def position(self) -> int:
        """The current line's number on the list (1-based); past the end when all are done."""
        current = self.current
        return len(self.lines) + 1 if current is None else self.lines.index(current) + 1

    @property
    def units(self) -> tuple[int, int]:
        return sum(line.picked_qty for line in self.lines), sum(line.quantity for line in self.lines)

    @property
    def finished(self) -> bool:
        return self.status is PickListStatus.DONE


@dataclass(frozen=True)
class Picked:
    line: LineView
    quantity: int
    line_done: bool


@dataclass(frozen=True)
class Shorted:
    line: LineView
    missing: int
    reallocated: int
    backordered: int
    count_task_id: int


# --- reading ------------------------------------------------------------------------------


def my_lists(session: Session, warehouse_id: int, user_id: int) -> list[PickList]:
    return list(session.scalars(
        select(PickList).where(PickList.warehouse_id == warehouse_id, PickList.assigned_to_id == user_id,
                               PickList.status.in_([PickListStatus.OPEN, PickListStatus.PICKING]))
        .order_by(PickList.id)
    ))


def open_unassigned(session: Session, warehouse_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(PickList)
        .where(PickList.warehouse_id == warehouse_id, PickList.assigned_to_id.is_(None),
               PickList.status == PickListStatus.OPEN)
    ) or 0


def load_list(session: Session, list_id: int, warehouse_id: int) -> ListView | None:
    row = session.execute(
        select(PickList.id, PickList.code, PickList.version, PickList.status, PickList.warehouse_id,
               PickList.assigned_to_id)
        .where(PickList.id == list_id, PickList.warehouse_id == warehouse_id)
    ).one_or_none()
    if row is None:
        return None
    tote = Location.__table__.alias("tote")
    slots = tuple(
        OrderSlot(r.position, r.order_id, r.code, r.ship_to_name, r.gift, r.tote_id, r.tote_code)
        for r in session.execute(
            select(PickListOrder.position, PickListOrder.order_id, Order.code, Order.ship_to_name, Order.gift,
                   PickListOrder.tote_id, tote.c.code.label("tote_code"))
            .join(Order, Order.id == PickListOrder.order_id)
            .outerjoin(tote, tote.c.id == PickListOrder.tote_id)
            .where(PickListOrder.pick_list_id == list_id).order_by(PickListOrder.position)
        )
    )
    by_order = {slot.order_id: slot for slot in slots}
    barcode = (select(ProductBarcode.code).where(ProductBarcode.product_id == PickLine.product_id)
               .order_by(ProductBarcode.pack_qty, ProductBarcode.id).limit(1).scalar_subquery())
    lines = tuple(
        LineView(r.id, r.order_id, r.order_line_id, by_order[r.order_id].position, by_order[r.order_id].order_code,
                 by_order[r.order_id].tote_id, by_order[r.order_id].tote_code, r.product_id, r.sku, r.name, r.barcode,
                 str(r.tracking), r.location_id, r.location_code, r.lot_id, r.lot_number, r.expiry, r.reservation_id,
                 r.quantity, r.picked_qty, r.status)
        for r in session.execute(
            select(PickLine.id, PickLine.order_id, PickLine.order_line_id, PickLine.product_id, Product.sku,
                   Product.name, barcode.label("barcode"), Product.tracking, PickLine.location_id,
                   Location.code.label("location_code"), PickLine.lot_id, Lot.number.label("lot_number"), Lot.expiry,
                   PickLine.reservation_id, PickLine.quantity, PickLine.picked_qty, PickLine.status)
            .join(Product, Product.id == PickLine.product_id)
            .join(Location, Location.id == PickLine.location_id)
            .outerjoin(Lot, Lot.id == PickLine.lot_id)
            .join(PickListOrder, (PickListOrder.pick_list_id == PickLine.pick_list_id)
                  & (PickListOrder.order_id == PickLine.order_id))
            .where(PickLine.pick_list_id == list_id)
            .order_by(PickLine.walk, PickListOrder.position, PickLine.id)
        )
    )
    return ListView(row.id, row.code, row.version, row.status, row.warehouse_id, row.assigned_to_id, slots, lines)


# --- the picker takes the list --------------------------------------------------------------


def claim(session: Session, view: ListView, user_id: int) -> None:
    """The first scan of an unassigned list assigns it; another picker's list is refused."""
    if view.status in (PickListStatus.DONE, PickListStatus.CANCELLED):
        raise errors.ListFinished(view.code)
    if view.assigned_to_id == user_id:
        if view.status is PickListStatus.OPEN:
            session.execute(update(PickList).where(PickList.id == view.id)
                            .values(status=PickListStatus.PICKING, started_at=utcnow()))
        return
    taken = session.execute(
        update(PickList).where(PickList.id == view.id, PickList.assigned_to_id.is_(None))
        .values(assigned_to_id=user_id, status=PickListStatus.PICKING, started_at=utcnow())
    ).rowcount
    if not taken:
        raise errors.NotYourList(view.code)


def bind_tote(session: Session, view: ListView, tote_code: str) -> OrderSlot:
    """The next order without a tote gets this one, if it is empty and on no open list."""
    slot = view.unbound
    if slot is None:
        raise errors.ToteInUse(tote_code)
    tote_id = tote_location(session, view.warehouse_id, tote_code)
    if any(s.tote_id == tote_id for s in view.orders) or _tote_busy(session, tote_id):
        raise errors.ToteInUse(tote_code)
    session.execute(update(PickListOrder)
                    .where(PickListOrder.pick_list_id == view.id, PickListOrder.order_id == slot.order_id)
                    .values(tote_id=tote_id))
    _bump(session, view.id)
    return slot


def tote_location(session: Session, warehouse_id: int, code: str) -> int:
    """The tote's location (a tote is a place goods are in), made on its first use."""
    session.execute(
        upsert_insert(session, Location.__table__).values(
            warehouse_id=warehouse_id, code=code, kind=LocationKind.TOTE.value, sellable=False, active=True,
            created_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["warehouse_id", "code"])
    )
    row = session.execute(select(Location.id, Location.kind).where(Location.warehouse_id == warehouse_id,
                                                                  Location.code == code)).one()
    if row.kind != LocationKind.TOTE:
        raise errors.NotATote(code)
    return row.id


def _tote_busy(session: Session, tote_id: int) -> bool:
    holds = session.scalar(select(func.coalesce(func.sum(Quant.on_hand), 0)).where(Quant.location_id == tote_id))
    on_list = session.scalar(
        select(func.count()).select_from(PickListOrder).join(PickList, PickList.id == PickListOrder.pick_list_id)
        .where(PickListOrder.tote_id == tote_id,
               PickList.status.in_([PickListStatus.OPEN, PickListStatus.PICKING]))
    )
    return bool(holds) or bool(on_list)


# --- picking ---------------------------------------------------------------------------


def pick(session: Session, view: ListView, line: LineView, quantity: int, *, user_id: int, key: str) -> Picked:
    """Move `quantity` of the line's product (and lot) from its shelf into its order's tote."""
    if quantity > line.remaining:
        raise errors.TooMany(quantity, line.remaining)
    ledger.post(session, [ledger.Move(line.product_id, quantity, line.location_id, line.tote_id, MoveReason.PICK,
                                      lot=line.lot_id, reservation_id=line.reservation_id, reference=view.code)],
                key=f"pick:{key}", user_id=user_id, reference=view.code)
    done = quantity == line.remaining
    values = {"picked_qty": PickLine.picked_qty + quantity}
    if done:
        values.update(status=PickLineStatus.DONE, done_by_id=user_id, done_at=utcnow())
    session.execute(update(PickLine).where(PickLine.id == line.id).values(**values))
    if done:
        _line_finished(session, view, line)
    return Picked(line, quantity, done)


def swap_lot(session: Session, view: ListView, line: LineView, lot_id: int, lot_number: str, *, user_id: int,
             key: str, today: date | None = None) -> LineView:
    """Move what the line still holds to another lot of the same product on the same shelf.

    Allowed when that lot is free there for the whole rest of the line, passes the order line's
    shelf-life rule and does not expire later than the reserved one (FEFO); refused otherwise.
    A line partly picked from the first lot is split: the picked part stays done.
    """
    today = today or local_today()
    expected = line.lot_number or "-"
    lot = session.execute(select(Lot.id, Lot.expiry, Lot.first_received_at).where(Lot.id == lot_id)).one()
    if lot.expiry is not None and lot.expiry < today:
        raise errors.LotMayNotShip(lot_number, expected, "expired")
    if lot.expiry is not None and line.expiry is not None and lot.expiry > line.expiry:
        raise errors.LotMayNotShip(lot_number, expected, "later")
    order = session.get(Order, line.order_id)
    order_line = session.get(OrderLine, line.order_line_id)
    product = session.get(Product, line.product_id)
    rule = orders.shelf_life_rule(order, order_line)
    days = rule.min_remaining_days(product.min_shelf_life_days, product.shelf_life_days)
    if lot.expiry is not None and lot.expiry < today + timedelta(days=days):
        raise errors.LotMayNotShip(lot_number, expected, "short_dated")
    free = session.scalar(select(Quant.on_hand - Quant.reserved).where(
        Quant.product_id == line.product_id, Quant.location_id == line.location_id, Quant.lot_id == lot_id))
    rest = line.remaining
    if not free or free < rest:
        raise errors.LotMayNotShip(lot_number, expected, "not_here")
    posted = ledger.post(session, [
        ledger.Release(line.reservation_id, rest),
        ledger.Reserve(line.product_id, line.location_id, rest, order_line.document_line, lot_id=lot_id),
    ], key=f"swap:{key}", user_id=user_id, reference=view.code)
    new_reservation = posted.reservation_ids[0]
    if line.picked_qty:
        session.execute(update(PickLine).where(PickLine.id == line.id).values(
            quantity=line.picked_qty, status=PickLineStatus.DONE, done_by_id=user_id, done_at=utcnow()))
        moved = PickLine(pick_list_id=view.id, order_id=line.order_id, order_line_id=line.order_line_id,
                         product_id=line.product_id, lot_id=lot_id, location_id=line.location_id,
                         reservation_id=new_reservation, quantity=rest, walk=_walk_of(session, line.id))
        session.add(moved)
        session.flush()
        line_id = moved.id
    else:
        session.execute(update(PickLine).where(PickLine.id == line.id).values(lot_id=lot_id, reservation_id=new_reservation))
        line_id = line.id
    _bump(session, view.id)
    fresh = load_list(session, view.id, view.warehouse_id)
    return next(candidate for candidate in fresh.lines if candidate.id == line_id)


def short_pick(session: Session, view: ListView, line: LineView, *, user_id: int, key: str,
               today: date | None = None) -> Shorted:
    """「ここに足りない」: the shelf has less than the line needs (module docstring)."""
    missing = line.remaining
    task_id = request_count(session, view.warehouse_id, line.location_id, line.product_id, cause="short_pick",
                            reference=view.code, user_id=user_id)
    session.add(Discrepancy(
        warehouse_id=view.warehouse_id, source=DiscrepancySource.PICKING, cause="short_pick",
        product_id=line.product_id, lot_id=line.lot_id, location_id=line.location_id,
        expected_qty=line.quantity, found_qty=line.picked_qty, quantity=missing, reference=view.code,
        user_id=user_id,
    ))
    ledger.post(session, [
        ledger.Release(line.reservation_id, missing),
        ledger.Reserve(line.product_id, line.location_id, missing, count_hold(task_id), lot_id=line.lot_id),
    ], key=f"short:{key}", user_id=user_id, reference=view.code, note="short pick: held for the count")
    session.execute(update(PickLine).where(PickLine.id == line.id).values(
        status=PickLineStatus.SHORT, done_by_id=user_id, done_at=utcnow()))
    reallocated = _reallocate(session, view, line, key=key, user_id=user_id, today=today)
    order_line = session.get(OrderLine, line.order_line_id)
    orders.refresh_figures(session, [order_line])
    _bump(session, view.id)
    _finish_if_done(session, view.id)
    return Shorted(line, missing, reallocated, order_line.backordered, task_id)


def _reallocate(session: Session, view: ListView, line: LineView, *, key: str, user_id: int, today) -> int:
    order = session.get(Order, line.order_id)
    order_line = session.get(OrderLine, line.order_line_id)
    session.flush()
    have = orders.line_holdings(session, [order_line.id]).get(order_line.id, {})
    demand = Demand(order_line.document_line, order_line.product_id, order_line.quantity,
                    orders.shelf_life_rule(order, order_line), have)
    results = allocate(session, view.warehouse_id, [demand], key=f"realloc:{key}", user_id=user_id,
                       today=today or local_today(), exclude_locations=frozenset({line.location_id}))
    reserved = [r for result in results for r in result.reservations]
    if not reserved:
        return 0
    places = dict(session.execute(select(Location.id, Location.code).where(
        Location.id.in_({r.location_id for r in reserved}))).all())
    sequences = dict(session.execute(select(Location.id, Location.pick_sequence).where(
        Location.id.in_({r.location_id for r in reserved}))).all())
    add_pick_lines(session, view.id, line.order_id, [
        OpenReservation(r.reservation_id, order_line.id, r.product_id, r.location_id, r.lot_id, r.quantity,
                        places[r.location_id], sequences[r.location_id])
        for r in reserved
    ])
    session.flush()
    return sum(r.quantity for r in reserved)


def _line_finished(session: Session, view: ListView, line: LineView) -> None:
    orders.refresh_figures(session, [session.get(OrderLine, line.order_line_id)])
    _bump(session, view.id)
    _finish_if_done(session, view.id)


def _finish_if_done(session: Session, list_id: int) -> None:
    open_lines = session.scalar(select(func.count()).select_from(PickLine).where(
        PickLine.pick_list_id == list_id, PickLine.status == PickLineStatus.OPEN))
    if open_lines:
        return
    session.execute(update(PickList).where(PickList.id == list_id)
                    .values(status=PickListStatus.DONE, done_at=utcnow()))
    order_ids = list(session.scalars(select(PickListOrder.order_id).where(PickListOrder.pick_list_id == list_id)))
    for order in session.scalars(select(Order).where(Order.id.in_(order_ids))):
        lines = list(order.lines)
        orders.refresh_figures(session, lines)
        if all(line.picked_qty == line.quantity for line in lines):
            order.status = OrderStatus.PICKED
        elif order.status is OrderStatus.PICKING:
            order.status = OrderStatus.ALLOCATED if any(line.allocated_qty for line in lines) else OrderStatus.NEW
        order.updated_at = utcnow()


def _bump(session: Session, list_id: int) -> None:
    session.execute(update(PickList).where(PickList.id == list_id).values(version=PickList.version + 1))


def _walk_of(session: Session, line_id: int) -> str:
    return session.scalar(select(PickLine.walk).where(PickLine.id == line_id))


def reservation_lot(session: Session, reservation_id: int) -> int | None:
    return session.scalar(select(Quant.lot_id).join(Reservation, Reservation.quant_id == Quant.id)
                          .where(Reservation.id == reservation_id))


__all__ = ["LineView", "ListView", "OrderSlot", "Picked", "Shorted", "my_lists", "open_unassigned", "load_list",
           "claim", "bind_tote", "tote_location", "pick", "swap_lot", "short_pick"]
