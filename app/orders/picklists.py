"""Pick lists (ピッキングリスト / waves): reserved order lines grouped for one picker.

The document lives with the orders (packing and returns read it too); the picking
workflow (app/picking/) is what the floor does with it.

A list holds one or more orders, each travelling in its own tote (ZT-…, bound when the
picker starts). Its lines are one reservation each (a shelf, a product, a lot, a quantity),
walked in the shelves' pick sequence. `version` grows with every change of the list, so a
screen showing an older state is refused with the fresh one.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.orders.models import Order
from app.stock.models import Location, Lot, Product, str_enum
from app.timeutil import UTCDateTime, utcnow

CODE_PREFIX = "ZK-"


class PickListStatus(StrEnum):
    OPEN = "open"  # waiting for a picker (assigned or not)
    PICKING = "picking"
    DONE = "done"
    CANCELLED = "cancelled"


class PickLineStatus(StrEnum):
    OPEN = "open"
    DONE = "done"  # everything picked
    SHORT = "short"  # the picker found less; the rest was re-allocated or backordered
    CANCELLED = "cancelled"  # its order was cancelled before it was picked: nobody goes for it


class PickList(db.Model):
    __tablename__ = "pick_list"
    __table_args__ = (Index("ix_pick_list_warehouse_status", "warehouse_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[PickListStatus] = mapped_column(str_enum(PickListStatus, 12), default=PickListStatus.OPEN)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    orders: Mapped[list[PickListOrder]] = relationship(order_by="PickListOrder.position", lazy="raise_on_sql")
    lines: Mapped[list[PickLine]] = relationship(order_by="(PickLine.walk, PickLine.id)", lazy="raise_on_sql")


class PickListOrder(db.Model):
    """An order on a list, and the tote its units go into (bound when picking starts)."""

    __tablename__ = "pick_list_order"
    __table_args__ = (UniqueConstraint("pick_list_id", "position"),)

    pick_list_id: Mapped[int] = mapped_column(ForeignKey("pick_list.id"), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    tote_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))

    order: Mapped[Order] = relationship(lazy="raise_on_sql")
    tote: Mapped[Location | None] = relationship(lazy="raise_on_sql")


class PickLine(db.Model):
    """Take `quantity` of a product (and lot) from a shelf for one order line: one reservation."""

    __tablename__ = "pick_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("picked_qty >= 0 AND picked_qty <= quantity", name="picked_within_quantity"),
        Index("ix_pick_line_list_walk", "pick_list_id", "walk", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pick_list_id: Mapped[int] = mapped_column(ForeignKey("pick_list.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservation.id"), unique=True)
    quantity: Mapped[int] = mapped_column(Integer)
    picked_qty: Mapped[int] = mapped_column(Integer, default=0)
    # The shelf's pick sequence (then its code) when the line was made: the walk goes one way.
    walk: Mapped[str] = mapped_column(String(60))
    status: Mapped[PickLineStatus] = mapped_column(str_enum(PickLineStatus, 10), default=PickLineStatus.OPEN)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    product: Mapped[Product] = relationship(lazy="raise_on_sql")
    lot: Mapped[Lot | None] = relationship(lazy="raise_on_sql")
    location: Mapped[Location] = relationship(lazy="raise_on_sql")

    @property
    def remaining(self) -> int:
        return self.quantity - self.picked_qty


def walk_key(pick_sequence: int | None, code: str) -> str:
    """Sortable as text: shelves with a pick sequence in its order, then the others by code."""
    if pick_sequence is None:
        return f"~{code}"
    return f"{pick_sequence:010d}|{code}"


__all__ = ["CODE_PREFIX", "PickListStatus", "PickLineStatus", "PickList", "PickListOrder", "PickLine", "walk_key"]
