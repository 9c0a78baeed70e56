"""Building pick lists (waves) from allocated orders, and handing them to pickers.

A list takes every open reservation of its orders' lines that no list holds yet: one pick
line per reservation (a shelf, a product, a lot, a quantity), walked in pick sequence. Each
order gets a position on the list; its tote is bound when picking starts.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.database import write_transaction
from app.floor.refusals import FloorRefusal
from app.orders.models import Order, OrderLine, OrderStatus, SalesChannel, document_line
from app.orders.picklists import CODE_PREFIX, PickLine, PickList, PickListOrder, PickListStatus, walk_key
from app.stock.models import Location, Quant, Reservation, ReservationStatus
from sqlalchemy.orm import Session

MAX_ORDERS_PER_LIST = 12


@dataclass(eq=False)
class NothingToPick(FloorRefusal):
    code = "nothing_to_pick"

    def message(self) -> str:
        return _("None of these orders has reserved stock that is not on a pick list yet.")


@dataclass(frozen=True)
class OpenReservation:
    id: int
    order_line_id: int
    product_id: int
    location_id: int
    lot_id: int | None
    quantity: int
    location_code: str
    pick_sequence: int | None


def build_wave(session: Session, warehouse_id: int, order_ids: Sequence[int], *, assigned_to_id: int | None,
               user_id: int | None) -> PickList:
    """One pick list for the chosen orders (in the order given), optionally assigned to a picker."""
    with write_transaction(session):
        orders = _locked_orders(session, warehouse_id, order_ids)
        if not orders:
            raise NothingToPick()
        reservations = unlisted_reservations(session, [o.id for o in orders])
        orders = [o for o in orders if reservations.get(o.id)]
        if not orders:
            raise NothingToPick()
        pick_list = PickList(warehouse_id=warehouse_id, code=f"{CODE_PREFIX}new", status=PickListStatus.OPEN,
                             assigned_to_id=assigned_to_id, created_by_id=user_id)
        session.add(pick_list)
        session.flush()
        pick_list.code = f"{CODE_PREFIX}{pick_list.id:06d}"
        for position, order in enumerate(orders[:MAX_ORDERS_PER_LIST], start=1):
            session.add(PickListOrder(pick_list_id=pick_list.id, order_id=order.id, position=position))
            add_pick_lines(session, pick_list.id, order.id, reservations[order.id])
            order.status = OrderStatus.PICKING
        session.flush()
        return pick_list


def add_pick_lines(session: Session, pick_list_id: int, order_id: int, reservations: Sequence[OpenReservation]) -> list[PickLine]:
    lines = [
        PickLine(pick_list_id=pick_list_id, order_id=order_id, order_line_id=r.order_line_id,
                 product_id=r.product_id, lot_id=r.lot_id, location_id=r.location_id, reservation_id=r.id,
                 quantity=r.quantity, walk=walk_key(r.pick_sequence, r.location_code))
        for r in reservations
    ]
    session.add_all(lines)
    return lines


def build_wave_by(session: Session, warehouse_id: int, *, ship_by_until: date | None, channel: str | None,
                  assigned_to_id: int | None, user_id: int | None, limit: int = MAX_ORDERS_PER_LIST) -> PickList:
    """A list of the allocated orders due by a date (and of one channel), most urgent first."""
    stmt = (
        select(Order.id).join(SalesChannel, SalesChannel.id == Order.channel_id)
        .where(Order.warehouse_id == warehouse_id, Order.status == OrderStatus.ALLOCATED)
        .order_by(Order.priority.desc(), Order.ship_by.is_(None), Order.ship_by, Order.created_at, Order.id)
    )
    if ship_by_until is not None:
        stmt = stmt.where(Order.ship_by <= ship_by_until)
    if channel:
        stmt = stmt.where(SalesChannel.code == channel)
    order_ids = list(session.scalars(stmt))
    reservations = unlisted_reservations(session, order_ids)
    chosen = [order_id for order_id in order_ids if reservations.get(order_id)][:limit]
    return build_wave(session, warehouse_id, chosen, assigned_to_id=assigned_to_id, user_id=user_id)


def take_next(session: Session, warehouse_id: int, user_id: int) -> PickList | None:
    """次のピッキング: the picker's own open list, else the oldest list nobody has taken."""
    with write_transaction(session):
        own = session.scalar(
            select(PickList).where(PickList.warehouse_id == warehouse_id, PickList.assigned_to_id == user_id,
                                   PickList.status.in_([PickListStatus.OPEN, PickListStatus.PICKING]))
            .order_by(PickList.id).limit(1)
        )
        if own is not None:
            return own
        while True:
            candidate = _free_list(session, warehouse_id)
            if candidate is None:
                return None
            taken = session.execute(
                update(PickList).where(PickList.id == candidate, PickList.assigned_to_id.is_(None))
                .values(assigned_to_id=user_id, version=PickList.version + 1)
            ).rowcount
            if taken:
                return session.get(PickList, candidate)


def _free_list(session: Session, warehouse_id: int) -> int | None:
    """The oldest list nobody has taken; on PostgreSQL one another picker is taking right now is skipped."""
    stmt = (select(PickList.id).where(PickList.warehouse_id == warehouse_id, PickList.assigned_to_id.is_(None),
                                      PickList.status == PickListStatus.OPEN).order_by(PickList.id).limit(1))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return session.scalar(stmt)


def unlisted_reservations(session: Session, order_ids: Sequence[int]) -> dict[int, list[OpenReservation]]:
    """Per order, its lines' open reservations that no pick line holds yet."""
    if not order_ids:
        return {}
    lines = dict(session.execute(
        select(OrderLine.id, OrderLine.order_id).where(OrderLine.order_id.in_(sorted(set(order_ids))))
    ).all())
    if not lines:
        return {}
    names = {document_line(line_id): line_id for line_id in lines}
    listed = select(PickLine.reservation_id).where(PickLine.reservation_id.is_not(None))
    rows = session.execute(
        select(Reservation.id, Reservation.document_line, Reservation.quantity, Quant.product_id, Quant.location_id,
               Quant.lot_id, Location.code, Location.pick_sequence)
        .join(Quant, Quant.id == Reservation.quant_id).join(Location, Location.id == Quant.location_id)
        .where(Reservation.document_line.in_(sorted(names)), Reservation.status == ReservationStatus.OPEN,
               Reservation.id.not_in(listed))
        .order_by(Reservation.id)
    )
    found: dict[int, list[OpenReservation]] = {}
    for row in rows:
        line_id = names[row.document_line]
        found.setdefault(lines[line_id], []).append(OpenReservation(
            row.id, line_id, row.product_id, row.location_id, row.lot_id, row.quantity, row.code, row.pick_sequence))
    return found


def _locked_orders(session: Session, warehouse_id: int, order_ids: Sequence[int]) -> list[Order]:
    wanted = list(dict.fromkeys(order_ids))
    if not wanted:
        return []
    stmt = (select(Order).where(Order.id.in_(sorted(wanted)), Order.warehouse_id == warehouse_id,
                                Order.status.in_([OrderStatus.ALLOCATED, OrderStatus.PICKING]))
            .order_by(Order.id).execution_options(populate_existing=True))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Order)
    by_id = {order.id: order for order in session.scalars(stmt)}
    return [by_id[i] for i in wanted if i in by_id]


__all__ = ["NothingToPick", "OpenReservation", "build_wave", "build_wave_by", "take_next", "unlisted_reservations",
           "add_pick_lines", "MAX_ORDERS_PER_LIST"]
