"""Inbound documents: expected receipts (入荷予定 / ASN), their lines, and what was received.

What was received is a journal of entries, one per accepted scan, each pointing at the
ledger posting that moved the goods from SUPPLIER to the dock (or to quarantine when
damaged). Quantities received are sums over entries not undone; an undo is a reversing
posting, never a delete.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy import exists
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.extensions import db
from app.stock.models import BigId, Location, Lot, Product, str_enum
from app.timeutil import UTCDateTime, utcnow


class ReceiptStatus(StrEnum):
    OPEN = "open"  # expected or being received; may stay open for a later part-delivery
    CLOSED = "closed"


class DamageReason(StrEnum):
    CRUSHED = "crushed"
    WET = "wet"
    BROKEN = "broken"
    CONTAMINATED = "contaminated"
    OTHER = "other"


class Receipt(db.Model):
    __tablename__ = "receipt"
    __table_args__ = (
        Index("ix_receipt_warehouse_status", "warehouse_id", "status", "expected_date"),
        Index("ix_receipt_warehouse_reference", "warehouse_id", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    code: Mapped[str] = mapped_column(String(30), unique=True)
    supplier: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(60))  # the supplier's ASN / delivery note number
    expected_date: Mapped[date | None] = mapped_column(Date)
    blind: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ReceiptStatus] = mapped_column(str_enum(ReceiptStatus, 12), default=ReceiptStatus.OPEN)
    closed_short: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    lines: Mapped[list[ReceiptLine]] = relationship(back_populates="receipt", order_by="ReceiptLine.line_no")

    @property
    def is_closed(self) -> bool:
        return self.status is ReceiptStatus.CLOSED

    @property
    def phase(self) -> str:
        """"expected" (nothing received yet), "receiving" (goods are coming in) or "closed"."""
        if self.is_closed:
            return "closed"
        return "receiving" if self.has_entries else "expected"


class ReceiptLine(db.Model):
    """One expected product (and, where announced, lot) of a receipt; unexpected ones are added."""

    __tablename__ = "receipt_line"
    __table_args__ = (
        UniqueConstraint("receipt_id", "product_id", "lot_number"),
        CheckConstraint("expected_qty >= 0", name="expected_not_negative"),
        CheckConstraint("received_qty >= damaged_qty AND damaged_qty >= 0", name="received_figures"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot_number: Mapped[str] = mapped_column(String(40), default="")  # "" = any lot
    expiry: Mapped[date | None] = mapped_column(Date)
    expected_qty: Mapped[int] = mapped_column(Integer, default=0)
    unexpected: Mapped[bool] = mapped_column(Boolean, default=False)
    # Σ of the line's entries not undone, kept in the same transaction as each entry (as a quant is
    # kept with its moves), so a scan reads the receipt's figures without summing its journal.
    received_qty: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    damaged_qty: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    receipt: Mapped[Receipt] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined")


class ReceiptEntry(db.Model):
    """One accepted receiving scan: what, how many, where it went, and the posting that moved it."""

    __tablename__ = "receipt_entry"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_receipt_entry_receipt_created", "receipt_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"))
    line_id: Mapped[int] = mapped_column(ForeignKey("receipt_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    damaged: Mapped[bool] = mapped_column(Boolean, default=False)
    damage_reason: Mapped[DamageReason | None] = mapped_column(str_enum(DamageReason, 20))
    short_dated: Mapped[bool] = mapped_column(Boolean, default=False)
    over_receipt: Mapped[bool] = mapped_column(Boolean, default=False)
    posting_id: Mapped[int] = mapped_column(ForeignKey("posting.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    undo_posting_id: Mapped[int | None] = mapped_column(ForeignKey("posting.id"))

    product: Mapped[Product] = relationship(lazy="joined")
    lot: Mapped[Lot | None] = relationship(lazy="joined")
    location: Mapped[Location] = relationship(lazy="joined")


class ReceiptNumber(db.Model):
    """The last receipt number given out on a day: the next receipt takes `last` + 1 under the row's lock.

    A counter rather than the highest code read as text, so two receipts started at once never
    take the same number (the second waits for the first's commit) and 1000 follows 999.
    """

    __tablename__ = "receipt_number"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


# Whether anything was received is read with the receipt, not stored: a scan writes no receipt row.
Receipt.has_entries = column_property(exists().where(ReceiptEntry.receipt_id == Receipt.id))
