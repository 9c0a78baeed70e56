"""Who changed master data last: products and locations carry updated_at / updated_by_id.

Stamped on every ORM flush from the logged-in user (None from the command line), so no
service has to remember; Core bulk inserts stamp their rows with `stamp()`.
"""
from __future__ import annotations

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.stock.models import Location, Product
from app.timeutil import utcnow

AUDITED = (Product, Location)


def acting_user_id() -> int | None:
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user.id
    return None


def stamp(row: dict) -> dict:
    """A Core insert row with the audit columns filled."""
    return {**row, "updated_at": utcnow(), "updated_by_id": acting_user_id()}


def _stamp_changed(session: Session, _context, _instances) -> None:
    changed = [obj for obj in list(session.new) + list(session.dirty) if isinstance(obj, AUDITED)]
    if not changed:
        return
    user_id, now = acting_user_id(), utcnow()
    for obj in changed:
        if obj in session.new or session.is_modified(obj, include_collections=False):
            obj.updated_at = now
            obj.updated_by_id = user_id


def init_app() -> None:
    if not event.contains(Session, "before_flush", _stamp_changed):
        event.listen(Session, "before_flush", _stamp_changed)
    from app.history import recording  # every change to master data, field by field

    recording.init_app()
