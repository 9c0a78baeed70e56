"""Scan records: every scan a floor screen answered, so a replay gets the first answer."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.stock.models import BigId
from app.timeutil import UTCDateTime, utcnow


class ScanRecord(db.Model):
    __tablename__ = "scan_record"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scan_id: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    step: Mapped[str] = mapped_column(String(80))
    code: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[str | None] = mapped_column(String(10))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
