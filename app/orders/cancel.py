"""Cancelling an order (キャンセル): what it holds is let go, what it already took goes back.

The one service every way in calls (the office screen, later the channel API):

* Its lines' open reservations are released through the ledger (availability rises again).
* Its open pick lines are closed as cancelled, so no picker is sent for them; a pick list left
  with nothing open is finished (cancelled when nothing on it was ever picked), and the other
  orders on it are settled as a finished list settles them. The order leaves the lists still
  being walked (its pick lines stay): no tote is asked for it, its tote does not go to packing.
* Units already picked stay where they are now, and each (product, lot, place) gets a put-back
  task (戻し: scan the item, scan a shelf): in the order's tote (picked, not yet packed), at the
  packing station (packed, order not complete), at OUTBOUND (the order was packed).
* A shipped order is not cancelled: what the customer sends back is a return (返品).

Cancelling a cancelled order changes nothing (the first cancellation stands).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from app.auth.models import User
from app.database import write_transaction
from app.floor.refusals import FloorRefusal
from app.orders import service
from app.orders.models import Order, OrderLine, OrderStatus, document_line
from app.orders.picklists import PickLine, PickLineStatus, PickList, PickListOrder, PickListStatus
from app.orders.shipments import PackedUnit, PutBackStatus, PutBackTask
from app.stock import ledger
from app.stock.errors import ReservationNotOpen
from app.stock.models import Location, LocationKind, Lot, Product, Quant, Reservation, ReservationStatus
from app.stock.warehouses import standard_location
from app.timeutil import WAREHOUSE_TZ, utcnow

MAX_REASON = 200


@dataclass(eq=False)
class OrderShipped(FloorRefusal):
    order_code: str
    code = "order_shipped"

    def message(self) -> str:
        return _("Order %(code)s has shipped and can no longer be cancelled: what the customer sends back is "
                 "received as a return (返品).", code=self.order_code)


@dataclass(eq=False)
class CancelReasonMissing(FloorRefusal):
    code = "cancel_reason_missing"

    def message(self) -> str:
        return _("Say why the order is cancelled.")


@dataclass(eq=False)
class CancelReasonTooLong(FloorRefusal):
    code = "cancel_reason_too_long"

    def message(self) -> str:
        return _("The reason is longer than %(limit)s characters.", limit=MAX_REASON)


@dataclass(eq=False)
class OrderChangedMeanwhile(FloorRefusal):
    order_code: str
    code = "order_changed_meanwhile"

    def message(self) -> str:
        return _("Order %(code)s changed while it was being cancelled (a picker took goods for it): nothing was "
                 "cancelled. Look at it again and cancel it again.", code=self.order_code)


@dataclass(frozen=True)
class GoodsLeft:
    """Units of a cancelled order somewhere on their way out: one put-back task each."""

    product_id: int
    lot_id: int | None
    location_id: int
    quantity: int


@dataclass(frozen=True)
class Cancelled:
    order_id: int
    order_code: str
    released: int  # units whose reservation was let go
    put_back: tuple[GoodsLeft, ...]  # what now waits to be put back on a shelf
    already: bool = False  # it was cancelled before: nothing changed

    @property
    def units_to_put_back(self) -> int:
        return sum(goods.quantity for goods in self.put_back)


@dataclass(frozen=True)
class PutBackRow:
    sku: str
    lot: str | None
    location: str
    quantity: int
    put_qty: int
    done: bool


@dataclass(frozen=True)
class Cancellation:
    """How an order was cancelled, as its page shows it."""

    by: str | None
    at: datetime | None
    reason: str | None
    put_backs: tuple[PutBackRow, ...]


def cancel_order(session: Session, order_id: int, *, user_id: int | None, reason: str) -> Cancelled:
    """Cancel the order (module docstring), in the caller's unit of work or its own."""
    why = cancel_reason(reason)
    with write_transaction(session):
        order = _locked_order(session, order_id)
        if order.status is OrderStatus.CANCELLED:
            return Cancelled(order.id, order.code, 0, (), already=True)
        if order.status is OrderStatus.SHIPPED:
            raise OrderShipped(order.code)
        lines = list(order.lines)
        released = _release_reservations(session, order, lines, user_id)
        touched = _close_open_pick_lines(session, order.id, user_id)
        goods = _goods_left(session, order)
        session.add_all(PutBackTask(warehouse_id=order.warehouse_id, order_id=order.id, product_id=g.product_id,
                                    lot_id=g.lot_id, from_location_id=g.location_id, quantity=g.quantity,
                                    status=PutBackStatus.OPEN, created_by_id=user_id) for g in goods)
        now = utcnow()
        order.status = OrderStatus.CANCELLED
        order.cancelled_at, order.cancelled_by_id, order.cancel_reason = now, user_id, why
        order.version += 1
        order.updated_at = now
        service.refresh_figures(session, lines)
        finish_lists_without_open_lines(session, touched)
        _leave_lists_still_walked(session, order.id)
        session.flush()
        return Cancelled(order.id, order.code, released, tuple(goods))


def cancel_reason(text: str | None) -> str:
    """The reason as kept: whitespace collapsed, required, at most MAX_REASON characters."""
    reason = " ".join((text or "").split())
    if not reason:
        raise CancelReasonMissing()
    if len(reason) > MAX_REASON:
        raise CancelReasonTooLong()
    return reason


def _locked_order(session: Session, order_id: int) -> Order:
    """The order, locked on PostgreSQL together with the other orders of the pick lists still walked
    that hold it (a cancel may finish such a list and settle them), by id: the order in which a
    pick that may finish its list locks them, so the two never wait on each other in a cycle."""
    if session.get_bind().dialect.name == "postgresql":
        walked = (select(PickListOrder.pick_list_id).join(PickList, PickList.id == PickListOrder.pick_list_id)
                  .where(PickListOrder.order_id == order_id,
                         PickList.status.in_([PickListStatus.OPEN, PickListStatus.PICKING])))
        neighbours = select(PickListOrder.order_id).where(PickListOrder.pick_list_id.in_(walked))
        session.execute(select(Order.id).where(or_(Order.id == order_id, Order.id.in_(neighbours)))
                        .order_by(Order.id).with_for_update())
    order = session.execute(select(Order).where(Order.id == order_id)
                            .execution_options(populate_existing=True)).scalar_one_or_none()
    if order is None:
        raise LookupError(order_id)
    return order


# --- what it holds -----------------------------------------------------------------------


def _release_reservations(session: Session, order: Order, lines: list[OrderLine], user_id: int | None) -> int:
    """Release every open reservation named by the order's lines, in one posting.

    The ledger locks them; a picker's posting on one of them is then either committed before
    (its goods are in the tote when they are looked for below) or refused after."""
    names = [document_line(line.id) for line in lines]
    held = session.execute(
        select(Reservation.id, Reservation.quantity)
        .where(Reservation.document_line.in_(names), Reservation.status == ReservationStatus.OPEN)
        .order_by(Reservation.id)
    ).all()
    if not held:
        return 0
    try:
        ledger.post(session, [ledger.Release(reservation_id) for reservation_id, _quantity in held],
                    key=f"cancel:{order.id}", user_id=user_id, reference=order.code, note="order cancelled")
    except ReservationNotOpen:  # a pick used it up between reading and locking it: the unit of work rolls back
        raise OrderChangedMeanwhile(order.code) from None
    return sum(quantity for _id, quantity in held)


def _close_open_pick_lines(session: Session, order_id: int, user_id: int | None) -> set[int]:
    """Close the order's open pick lines as cancelled; the lists they were on (their version grows,
    so a picker's screen showing them is refused with the list as it is now)."""
    list_ids = set(session.scalars(
        select(PickLine.pick_list_id).where(PickLine.order_id == order_id, PickLine.status == PickLineStatus.OPEN)
    ))
    if not list_ids:
        return set()
    session.execute(
        update(PickLine).where(PickLine.order_id == order_id, PickLine.status == PickLineStatus.OPEN)
        .values(status=PickLineStatus.CANCELLED, done_by_id=user_id, done_at=utcnow())
    )
    session.execute(update(PickList).where(PickList.id.in_(sorted(list_ids)))
                    .values(version=PickList.version + 1))
    return list_ids


def _leave_lists_still_walked(session: Session, order_id: int) -> None:
    """The order leaves the pick lists still being walked (its pick lines stay, as its history):
    the picker is not asked for a tote for it, its tote is not sent to packing with the others,
    and the list finishing does not settle it as picked. Its goods wait in put-back tasks."""
    walked = list(session.scalars(
        select(PickListOrder.pick_list_id).join(PickList, PickList.id == PickListOrder.pick_list_id)
        .where(PickListOrder.order_id == order_id,
               PickList.status.in_([PickListStatus.OPEN, PickListStatus.PICKING]))
    ))
    if not walked:
        return
    session.execute(delete(PickListOrder).where(PickListOrder.order_id == order_id,
                                                PickListOrder.pick_list_id.in_(walked)))
    session.execute(update(PickList).where(PickList.id.in_(walked)).values(version=PickList.version + 1))


def finish_lists_without_open_lines(session: Session, list_ids: set[int]) -> None:
    """A list with no open line left is finished: done if anything on it was picked, else cancelled.

    Its other orders are settled as a finished list settles them (picked when every line is,
    else back to allocated or new); cancelled orders stay cancelled.
    """
    for list_id in sorted(list_ids):
        open_lines, picked = _list_figures(session, list_id)
        if open_lines:
            continue
        finished = session.execute(
            update(PickList).where(PickList.id == list_id,
                                   PickList.status.in_([PickListStatus.OPEN, PickListStatus.PICKING]))
            .values(status=PickListStatus.DONE if picked else PickListStatus.CANCELLED, done_at=utcnow())
        ).rowcount
        if finished:
            service.settle_list_orders(session, list_id)


def _list_figures(session: Session, list_id: int) -> tuple[int, int]:
    row = session.execute(
        select(func.sum(case((PickLine.status == PickLineStatus.OPEN, 1), else_=0)), func.sum(PickLine.picked_qty))
        .where(PickLine.pick_list_id == list_id)
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


# --- what it already took ----------------------------------------------------------------


def _goods_left(session: Session, order: Order) -> list[GoodsLeft]:
    """Where the order's picked units are now (module docstring)."""
    if order.status is OrderStatus.PACKED:
        outbound = standard_location(session, order.warehouse_id, LocationKind.SHIPPING).id
        return [GoodsLeft(product_id, lot_id, outbound, quantity)
                for (product_id, lot_id, _station), quantity in sorted(_packed(session, order.id).items(),
                                                                       key=_sort_key)]
    at_stations = [GoodsLeft(product_id, lot_id, station, quantity)
                   for (product_id, lot_id, station), quantity in sorted(_packed(session, order.id).items(),
                                                                          key=_sort_key)]
    merged: dict[tuple[int, int | None, int], int] = defaultdict(int)
    for goods in at_stations:
        merged[(goods.product_id, goods.lot_id, goods.location_id)] += goods.quantity
    for goods in _in_totes(session, order.id):
        merged[(goods.product_id, goods.lot_id, goods.location_id)] += goods.quantity
    return [GoodsLeft(product_id, lot_id, location_id, quantity)
            for (product_id, lot_id, location_id), quantity in sorted(merged.items(), key=_sort_key) if quantity > 0]


def _sort_key(item):
    (product_id, lot_id, place), _quantity = item
    return (product_id, lot_id or 0, place)


def _packed(session: Session, order_id: int) -> dict[tuple[int, int | None, int], int]:
    """Units checked into the box, per (product, lot, packing station)."""
    rows = session.execute(
        select(PackedUnit.product_id, PackedUnit.lot_id, PackedUnit.station_id, func.sum(PackedUnit.quantity))
        .where(PackedUnit.order_id == order_id)
        .group_by(PackedUnit.product_id, PackedUnit.lot_id, PackedUnit.station_id)
    )
    return {(product_id, lot_id, station): int(quantity) for product_id, lot_id, station, quantity in rows}


def _in_totes(session: Session, order_id: int) -> list[GoodsLeft]:
    """What the order's totes still hold for it: picked into each tote, less what was packed
    (taken from its earliest totes first), never more than the tote holds by the ledger — a tote
    emptied by packing may carry another order's goods by now."""
    picked = session.execute(
        select(PickListOrder.tote_id, PickLine.product_id, PickLine.lot_id, func.sum(PickLine.picked_qty))
        .join(PickListOrder, (PickListOrder.pick_list_id == PickLine.pick_list_id)
              & (PickListOrder.order_id == PickLine.order_id))
        .where(PickLine.order_id == order_id, PickListOrder.tote_id.is_not(None), PickLine.picked_qty > 0)
        .group_by(PickLine.pick_list_id, PickListOrder.tote_id, PickLine.product_id, PickLine.lot_id)
        .order_by(PickLine.pick_list_id, PickLine.product_id, PickLine.lot_id)
    ).all()
    if not picked:
        return []
    packed = Counter()
    for (product_id, lot_id, _station), quantity in _packed(session, order_id).items():
        packed[(product_id, lot_id)] += quantity
    on_hand = _tote_stock(session, {tote_id for tote_id, *_rest in picked})
    left = []
    for tote_id, product_id, lot_id, quantity in picked:
        quantity = int(quantity)
        packed_from_here = min(quantity, packed[(product_id, lot_id)])
        packed[(product_id, lot_id)] -= packed_from_here
        here = min(quantity - packed_from_here, on_hand[(tote_id, product_id, lot_id)])
        on_hand[(tote_id, product_id, lot_id)] -= here
        if here > 0:
            left.append(GoodsLeft(product_id, lot_id, tote_id, here))
    return left


def _tote_stock(session: Session, tote_ids: set[int]) -> Counter:
    rows = session.execute(
        select(Quant.location_id, Quant.product_id, Quant.lot_id, Quant.on_hand)
        .where(Quant.location_id.in_(sorted(tote_ids)), Quant.on_hand > 0)
    )
    return Counter({(location_id, product_id, lot_id): on_hand for location_id, product_id, lot_id, on_hand in rows})


# --- what its page shows -------------------------------------------------------------------


def cancellation_of(session: Session, order: Order) -> Cancellation | None:
    """Who cancelled the order, when and why, and its put-back tasks; None unless cancelled."""
    if order.status is not OrderStatus.CANCELLED:
        return None
    by = session.scalar(select(User.name).where(User.id == order.cancelled_by_id)) if order.cancelled_by_id else None
    rows = session.execute(
        select(Product.sku, Lot.number, Location.code, PutBackTask.quantity, PutBackTask.put_qty, PutBackTask.status)
        .join(Product, Product.id == PutBackTask.product_id)
        .join(Location, Location.id == PutBackTask.from_location_id)
        .outerjoin(Lot, Lot.id == PutBackTask.lot_id)
        .where(PutBackTask.order_id == order.id).order_by(PutBackTask.id)
    )
    at = order.cancelled_at.astimezone(WAREHOUSE_TZ) if order.cancelled_at else None
    return Cancellation(by, at, order.cancel_reason, tuple(
        PutBackRow(sku, lot, location, quantity, put_qty, status == PutBackStatus.DONE)
        for sku, lot, location, quantity, put_qty, status in rows
    ))


def may_cancel(order: Order) -> bool:
    return order.status not in (OrderStatus.SHIPPED, OrderStatus.CANCELLED)


__all__ = ["MAX_REASON", "OrderShipped", "CancelReasonMissing", "CancelReasonTooLong", "OrderChangedMeanwhile",
           "GoodsLeft", "Cancelled",
           "Cancellation", "PutBackRow", "cancel_order", "cancel_reason", "finish_lists_without_open_lines",
           "cancellation_of", "may_cancel"]
