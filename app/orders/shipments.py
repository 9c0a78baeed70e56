"""What happened to an order's goods after picking: each unit checked into the box (packing),
each unit that came back (returns), and what a cancellation left in a tote to put back.

These are the order's records, read by packing, shipping, returns and the office alike; the
stock itself moves only through the ledger, and each record names the posting that moved it.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.stock.models import BigId, str_enum
from app.timeutil import UTCDateTime, utcnow


class PackedUnit(db.Model):
    """Units of one order line checked into the box at a packing station (one per scan)."""

    __tablename__ = "packed_unit"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        UniqueConstraint("order_id", "product_id", "serial"),  # a serial is packed once (NULLs: no serial)
        Index("ix_packed_unit_order", "order_id", "order_line_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    serial: Mapped[str | None] = mapped_column(String(60))
    quantity: Mapped[int] = mapped_column(Integer)
    station_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    posting_id: Mapped[int] = mapped_column(ForeignKey("posting.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReturnCondition(StrEnum):
    RESALEABLE = "resaleable"
    DAMAGED = "damaged"


class ReturnLine(db.Model):
    """Units of a shipped order that came back: put back on a shelf, or scrapped with a reason."""

    __tablename__ = "return_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_return_line_order", "order_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"))
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order_line.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    condition: Mapped[ReturnCondition] = mapped_column(str_enum(ReturnCondition, 12))
    reason: Mapped[str | None] = mapped_column(String(200))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))  # the shelf, or SCRAP
    posting_id: Mapped[int] = mapped_column(ForeignKey("posting.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PutBackStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class PutBackTask(db.Model):
    """Goods a cancelled order left in a tote or at packing: scan the item, scan a shelf."""

    __tablename__ = "put_back_task"
    __table_args__ = (
        CheckConstraint("quantity > 0 AND put_qty >= 0 AND put_qty <= quantity", name="figures"),
        Index("ix_put_back_task_warehouse_status", "warehouse_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    from_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    put_qty: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[PutBackStatus] = mapped_column(str_enum(PutBackStatus, 8), default=PutBackStatus.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


__all__ = ["PackedUnit", "ReturnCondition", "ReturnLine", "PutBackStatus", "PutBackTask"]
