"""Outbound orders from the sales channels, and the channels themselves.

An order line keeps its figures beside it, in the same transaction as the ledger postings
that change them (as a receipt line keeps what was received): `allocated_qty` is what its
open reservations hold (in the line's own units: kits for a kit line), `picked_qty` what has
left the shelves for it. What is neither is backordered.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.stock.models import Product, str_enum
from app.timeutil import UTCDateTime, utcnow


class OrderStatus(StrEnum):
    NEW = "new"  # nothing reserved yet
    ALLOCATED = "allocated"  # some or all of it reserved (what is not is backordered)
    PICKING = "picking"  # on a pick list being picked
    PICKED = "picked"  # everything ordered has left the shelves
    PACKED = "packed"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in (OrderStatus.NEW, OrderStatus.ALLOCATED, OrderStatus.PICKING)


class SalesChannel(db.Model):
    """Where orders come from (楽天, Amazon, Yahoo!, the shop's own site…).

    `accept_within_num/den`: the channel accepts food only in the first num/den of its whole
    shelf life (Japanese retail's 1/3 rule is 1/3: at least 2/3 of the life must remain when
    it ships). None: no such rule.
    """

    __tablename__ = "sales_channel"
    __table_args__ = (
        CheckConstraint(
            "(accept_within_num IS NULL AND accept_within_den IS NULL) OR "
            "(accept_within_num > 0 AND accept_within_den >= accept_within_num)",
            name="share_is_a_fraction",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    short: Mapped[str] = mapped_column(String(6), unique=True)  # in order labels: ZO-RKT-…
    name: Mapped[str] = mapped_column(String(100))
    accept_within_num: Mapped[int | None] = mapped_column(Integer)
    accept_within_den: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def accept_within(self) -> tuple[int, int] | None:
        if self.accept_within_num and self.accept_within_den:
            return (self.accept_within_num, self.accept_within_den)
        return None


class Order(db.Model):
    __tablename__ = "sales_order"
    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        Index("ix_sales_order_warehouse_status", "warehouse_id", "status", "ship_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"))
    external_id: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(40), unique=True)  # ZO-RKT-123456, printed on labels
    ship_to_name: Mapped[str] = mapped_column(String(100))
    ship_by: Mapped[date | None] = mapped_column(Date)
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher first
    gift: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus, 12), default=OrderStatus.NEW)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Packing and shipping: the carrier's slip (tracking number) is scanned when the box is closed.
    carrier: Mapped[str | None] = mapped_column(String(20))
    tracking_number: Mapped[str | None] = mapped_column(String(40), index=True)
    packed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    packed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shipped_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    channel: Mapped[SalesChannel] = relationship(lazy="joined")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.line_no")

    @property
    def ordered(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def backordered(self) -> int:
        return sum(line.backordered for line in self.lines)


class OrderLine(db.Model):
    __tablename__ = "sales_order_line"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("allocated_qty >= 0 AND picked_qty >= 0", name="figures_not_negative"),
        CheckConstraint("allocated_qty + picked_qty <= quantity", name="figures_within_ordered"),
        CheckConstraint("packed_qty >= 0 AND packed_qty <= picked_qty", name="packed_within_picked"),
        CheckConstraint("returned_qty >= 0 AND returned_qty <= packed_qty", name="returned_within_packed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    allocated_qty: Mapped[int] = mapped_column(Integer, default=0)
    picked_qty: Mapped[int] = mapped_column(Integer, default=0)
    packed_qty: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # checked into the box
    returned_qty: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # came back after shipping
    unit_price: Mapped[int | None] = mapped_column(Integer)  # yen, tax included, as the channel sold it
    # A supervisor let this line ship lots inside the minimum remaining shelf life (never expired ones).
    shelf_life_override_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    shelf_life_override_reason: Mapped[str | None] = mapped_column(String(200))
    shelf_life_override_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined")

    @property
    def backordered(self) -> int:
        return self.quantity - self.allocated_qty - self.picked_qty

    @property
    def document_line(self) -> str:
        """How the ledger's reservations name this line."""
        return document_line(self.id)


def document_line(order_line_id: int) -> str:
    return f"order-line:{order_line_id}"


__all__ = ["OrderStatus", "SalesChannel", "Order", "OrderLine", "document_line"]
