"""Shipping: a packed order with its slip leaves; its packed goods move outbound lane → CUSTOMER.

Each order ships in one posting under the key `ship:<order id>`, so shipping it again (a double
submit, a batch that overlaps a scan) ships it once; an order already shipped is reported, not
refused. Availability does not change (the goods were reserved, then picked, long before), so
shipping writes no stock event; the channels learned of it when the order was allocated.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.database import write_transaction
from app.orders.models import Order, OrderStatus, SalesChannel
from app.orders.shipments import PackedUnit
from app.shipping import errors
from app.stock import ledger
from app.stock.models import Location, LocationKind, MoveReason
from app.timeutil import WAREHOUSE_TZ, utcnow


@dataclass(frozen=True)
class Shipped:
    order_id: int
    code: str
    tracking_number: str | None
    already: bool


@dataclass(frozen=True)
class ReadyOrder:
    id: int
    code: str
    ship_to_name: str
    carrier: str | None
    tracking_number: str | None
    units: int


def ready_to_ship(session: Session, warehouse_id: int) -> list[ReadyOrder]:
    units = (select(func.coalesce(func.sum(PackedUnit.quantity), 0)).where(PackedUnit.order_id == Order.id)
             .scalar_subquery())
    rows = session.execute(
        select(Order.id, Order.code, Order.ship_to_name, Order.carrier, Order.tracking_number, units)
        .where(Order.warehouse_id == warehouse_id, Order.status == OrderStatus.PACKED)
        .order_by(Order.packed_at, Order.id)
    )
    return [ReadyOrder(*row) for row in rows]


def order_by_slip(session: Session, warehouse_id: int, number: str) -> int | None:
    return session.scalar(select(Order.id).where(Order.warehouse_id == warehouse_id, Order.tracking_number == number,
                                                 Order.status.in_([OrderStatus.PACKED, OrderStatus.SHIPPED])))


def ship(session: Session, order_id: int, warehouse_id: int, *, user_id: int | None) -> Shipped:
    with write_transaction(session):
        stmt = select(Order).where(Order.id == order_id, Order.warehouse_id == warehouse_id)
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=Order)
        order = session.execute(stmt.execution_options(populate_existing=True)).scalar_one_or_none()
        if order is None:
            raise LookupError(order_id)
        if order.status is OrderStatus.SHIPPED:
            return Shipped(order.id, order.code, order.tracking_number, True)
        if order.status is not OrderStatus.PACKED or not order.tracking_number:
            raise errors.NotReadyToShip(order.code)
        outbound = _place(session, warehouse_id, "OUTBOUND")
        customer = _place(session, warehouse_id, "CUSTOMER")
        goods = session.execute(
            select(PackedUnit.product_id, PackedUnit.lot_id, func.sum(PackedUnit.quantity))
            .where(PackedUnit.order_id == order.id).group_by(PackedUnit.product_id, PackedUnit.lot_id)
            .order_by(PackedUnit.product_id, PackedUnit.lot_id)
        ).all()
        ledger.post(session, [ledger.Move(pid, int(qty), outbound, customer, MoveReason.SHIP, lot=lot_id,
                                          reference=order.code) for pid, lot_id, qty in goods],
                    key=f"ship:{order.id}", user_id=user_id, reference=order.code)
        order.status = OrderStatus.SHIPPED
        order.shipped_at = utcnow()
        order.shipped_by_id = user_id
        order.updated_at = utcnow()
        return Shipped(order.id, order.code, order.tracking_number, False)


def ship_many(session: Session, order_ids: Iterable[int], warehouse_id: int, *, user_id: int | None) -> list[Shipped]:
    """A batch: each order in its own unit of work, so one that cannot ship does not hold the others."""
    done = []
    for order_id in sorted(set(order_ids)):
        try:
            done.append(ship(session, order_id, warehouse_id, user_id=user_id))
        except (errors.NotReadyToShip, LookupError):
            continue
    return done


def _place(session: Session, warehouse_id: int, code: str) -> int:
    return session.scalar(select(Location.id).where(Location.warehouse_id == warehouse_id, Location.code == code))


SHIPMENT_HEADER = ("order_id", "channel", "carrier", "tracking_number", "shipped_at")


def shipments(session: Session, warehouse_id: int, day: date) -> list[tuple]:
    """The shipment rows of one local day, for uploading to the channels: their order id, not ours."""
    start = datetime.combine(day, time.min, WAREHOUSE_TZ)
    rows = session.execute(
        select(Order.external_id, SalesChannel.code, Order.carrier, Order.tracking_number, Order.shipped_at)
        .join(SalesChannel, SalesChannel.id == Order.channel_id)
        .where(Order.warehouse_id == warehouse_id, Order.status == OrderStatus.SHIPPED,
               Order.shipped_at >= start, Order.shipped_at < start + timedelta(days=1))
        .order_by(Order.shipped_at, Order.id)
    )
    return [(ext, channel, carrier, number, shipped.astimezone(WAREHOUSE_TZ).strftime("%Y-%m-%d %H:%M:%S"))
            for ext, channel, carrier, number, shipped in rows]


__all__ = ["Shipped", "ReadyOrder", "ready_to_ship", "order_by_slip", "ship", "ship_many", "shipments",
           "SHIPMENT_HEADER"]
