"""One row per changed field of one thing: the history pages read it newest first."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.stock.models import BigId
from app.timeutil import UTCDateTime, utcnow


class ChangeRecord(db.Model):
    """`field` of the `entity` (user, warehouse, product, location) with id `entity_id` went from
    `old_value` to `new_value` (text; None: nothing), changed by `user_id` (None: the command line
    or an integration) at `changed_at`. `field` "created" marks the thing's creation. Append-only."""

    __tablename__ = "change_record"
    __table_args__ = (Index("ix_change_record_entity", "entity", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column()
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


__all__ = ["ChangeRecord"]
