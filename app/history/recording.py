"""Writing the history: every flush that changes a tracked thing appends one row per changed field.

Services change master data through the ORM (the screens, the CSV imports, the command line), so
the rows are written here, on the flush, in the same transaction as the change: a refused change
that rolls back leaves no history either. What is written with Core statements instead (a range
of shelves, a password) says so itself with `record()`.

Before the flush the old values are still known (or read back once when an attribute was set
without being loaded); after it the new things have their ids. Secrets are never written: a
password or PIN change is a row without values.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE

from app.audit import acting_user_id
from app.auth.models import User
from app.history.models import ChangeRecord
from app.stock.models import KitComponent, Location, Product, ProductBarcode, Warehouse, WarehouseSetting
from app.timeutil import utcnow

PENDING = "tana.history.pending"
CREATED = "created"
SECRET_FIELDS = {"password_hash": "password", "pin_hash": "pin"}


@dataclass(frozen=True)
class Tracked:
    entity: str
    fields: tuple[str, ...]
    entity_id: Callable[[object], int]
    created: Callable[[object], str] | None = None  # the value of the "created" row; None: no such row
    prefix: str = ""
    renamed: dict[str, str] | None = None

    def field_name(self, attribute: str) -> str:
        return self.prefix + (self.renamed or {}).get(attribute, attribute)


TRACKED: dict[type, Tracked] = {
    Product: Tracked("product", ("sku", "name", "tracking", "min_shelf_life_days", "shelf_life_days", "cost_price",
                                 "lead_time_days", "reorder_point", "safety_stock", "is_kit", "zone", "mixed_lots",
                                 "active"), lambda p: p.id, lambda p: p.sku),
    Location: Tracked("location", ("code", "name", "kind", "zone", "aisle", "rack", "level", "pick_sequence",
                                   "sellable", "active"), lambda loc: loc.id, lambda loc: loc.code),
    Warehouse: Tracked("warehouse", ("code", "name", "address", "location_pattern"), lambda w: w.id, lambda w: w.code),
    WarehouseSetting: Tracked("warehouse", ("short_dated_days", "lot_mixing", "label_sheet", "sound_on"),
                              lambda s: s.warehouse_id, prefix="setting."),
    User: Tracked("user", ("login", "name", "badge_code", "all_warehouses", "active", "password_hash", "pin_hash"),
                  lambda u: u.id, lambda u: u.login, renamed={"badge_code": "badge", **SECRET_FIELDS}),
}
USER_COLLECTIONS = {"role_rows": "roles", "warehouses": "warehouses"}
WATCHED = frozenset({*TRACKED, ProductBarcode, KitComponent})  # everything else a flush writes is skipped at once


@dataclass(frozen=True)
class Change:
    entity: str
    entity_id: int
    field: str
    old: str | None
    new: str | None


def text(value) -> str | None:
    """How a value is kept: enums by value, booleans as true/false, dates in ISO form."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def record(session: Session, changes: Iterable[Change]) -> int:
    """Append history rows for changes written without the ORM (Core statements); returns how many."""
    rows = [_row(change, acting_user_id(), utcnow()) for change in changes]
    if rows:
        session.execute(insert(ChangeRecord.__table__), rows)
    return len(rows)


def created(entity: str, items: Iterable[tuple[int, str]]) -> list[Change]:
    """The "created" rows of things inserted by Core: (id, what they are called)."""
    return [Change(entity, entity_id, CREATED, None, name) for entity_id, name in items]


def _row(change: Change, user_id: int | None, when: datetime) -> dict:
    return {"entity": change.entity, "entity_id": change.entity_id, "field": change.field,
            "old_value": change.old, "new_value": change.new, "user_id": user_id, "changed_at": when}


# --- on every flush ------------------------------------------------------------------------------


def _before_flush(session: Session, _context, _instances) -> None:
    changes: list[Change] = []
    for obj in list(session.dirty):
        if type(obj) in WATCHED and session.is_modified(obj):
            changes.extend(_changed(session, obj))
    for obj in list(session.deleted):
        if type(obj) in WATCHED:
            changes.extend(_deleted(session, obj))
    session.info[PENDING] = changes


def _after_flush(session: Session, _context) -> None:
    changes = session.info.pop(PENDING, [])
    for obj in list(session.new):
        if type(obj) in WATCHED:
            changes.extend(_new(session, obj))
    if changes:
        user_id, now = acting_user_id(), utcnow()
        session.connection().execute(insert(ChangeRecord.__table__), [_row(c, user_id, now) for c in changes])


def init_app() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)


# --- what changed --------------------------------------------------------------------------------


def _changed(session: Session, obj) -> list[Change]:
    if isinstance(obj, ProductBarcode):
        return _child_changed(obj, "product", obj.product_id, "barcode", ("code", "pack_qty", "kind"), _barcode_text)
    if isinstance(obj, KitComponent):
        return _child_changed(obj, "product", obj.kit_id, "component", ("quantity",),
                              lambda values: _component_text(session, obj.component_id, values["quantity"]))
    tracked = TRACKED.get(type(obj))
    if tracked is None:
        return []
    state = inspect(obj)
    changes = []
    for attribute in tracked.fields:
        history = state.attrs[attribute].history
        if not history.has_changes():
            continue
        field = tracked.field_name(attribute)
        if attribute in SECRET_FIELDS:
            changes.append(Change(tracked.entity, tracked.entity_id(obj), field, None, None))
            continue
        old = history.deleted[0] if history.deleted else _stored(session, obj, attribute)
        new = history.added[0] if history.added else getattr(obj, attribute)
        if text(old) != text(new):
            changes.append(Change(tracked.entity, tracked.entity_id(obj), field, text(old), text(new)))
    if isinstance(obj, User):
        changes.extend(_user_collections(obj))
    return changes


def _stored(session: Session, obj, attribute: str):
    """The value in the database of an attribute that was set without being loaded first."""
    state = inspect(obj)
    if state.committed_state.get(attribute, NO_VALUE) is not NO_VALUE:
        return state.committed_state[attribute]
    mapper = state.mapper
    column = mapper.columns[attribute]
    keys = dict(zip((c.key for c in mapper.primary_key), state.identity or ()))
    statement = select(column).where(*(c == keys[c.key] for c in mapper.primary_key))
    return session.connection().execute(statement).scalar_one_or_none()


def _user_collections(user: User) -> list[Change]:
    state = inspect(user)
    changes = []
    for attribute, field in USER_COLLECTIONS.items():
        history = state.attrs[attribute].history
        if not (history.added or history.deleted):
            continue
        before = list(history.unchanged) + list(history.deleted)
        after = list(history.unchanged) + list(history.added)
        old, new = _collection_text(attribute, before), _collection_text(attribute, after)
        if old != new:
            changes.append(Change("user", user.id, field, old, new))
    return changes


def _collection_text(attribute: str, items) -> str | None:
    if attribute == "role_rows":
        values = sorted({str(row.role.value if isinstance(row.role, Enum) else row.role) for row in items})
    else:
        values = sorted({warehouse.code for warehouse in items})
    return ", ".join(values) or None


def _child_changed(obj, entity: str, entity_id: int, field: str, attributes: tuple[str, ...], describe) -> list[Change]:
    state = inspect(obj)
    before, after = {}, {}
    for attribute in attributes:
        history = state.attrs[attribute].history
        current = getattr(obj, attribute)
        before[attribute] = history.deleted[0] if history.deleted else current
        after[attribute] = history.added[0] if history.added else current
    old, new = describe(before), describe(after)
    return [Change(entity, entity_id, field, old, new)] if old != new else []


def _deleted(session: Session, obj) -> list[Change]:
    if isinstance(obj, ProductBarcode):
        return [Change("product", obj.product_id, "barcode", _barcode_text(_values(obj, "code", "pack_qty", "kind")), None)]
    if isinstance(obj, KitComponent):
        return [Change("product", obj.kit_id, "component", _component_text(session, obj.component_id, obj.quantity,
                                                                             component=obj.__dict__.get("component")), None)]
    tracked = TRACKED.get(type(obj))
    if tracked is None or tracked.created is None:
        return []
    return [Change(tracked.entity, tracked.entity_id(obj), "deleted", tracked.created(obj), None)]


def _new(session: Session, obj) -> list[Change]:
    if isinstance(obj, ProductBarcode):
        return [Change("product", obj.product_id, "barcode", None, _barcode_text(_values(obj, "code", "pack_qty", "kind")))]
    if isinstance(obj, KitComponent):
        return [Change("product", obj.kit_id, "component", None,
                       _component_text(session, obj.component_id, obj.quantity, component=obj.__dict__.get("component")))]
    if isinstance(obj, WarehouseSetting):
        return _first_settings(obj)
    tracked = TRACKED.get(type(obj))
    if tracked is None or tracked.created is None:
        return []
    changes = [Change(tracked.entity, tracked.entity_id(obj), CREATED, None, tracked.created(obj))]
    if isinstance(obj, User):
        changes.extend(_new_user(obj))
    return changes


def _new_user(user: User) -> list[Change]:
    changes = [Change("user", user.id, "roles", None, _collection_text("role_rows", user.role_rows))]
    if user.all_warehouses:
        changes.append(Change("user", user.id, "all_warehouses", None, "true"))
    warehouses = _collection_text("warehouses", user.warehouses)
    if warehouses:
        changes.append(Change("user", user.id, "warehouses", None, warehouses))
    if user.badge_code:
        changes.append(Change("user", user.id, "badge", None, user.badge_code))
    return [change for change in changes if change.new is not None]


def _first_settings(setting: WarehouseSetting) -> list[Change]:
    """A warehouse's first settings row: what differs from the defaults it had until now."""
    tracked = TRACKED[WarehouseSetting]
    changes = []
    for attribute in tracked.fields:
        default = WarehouseSetting.__table__.c[attribute].default.arg
        old, new = text(default), text(getattr(setting, attribute))
        if old != new:
            changes.append(Change("warehouse", setting.warehouse_id, tracked.field_name(attribute), old, new))
    return changes


def _values(obj, *attributes: str) -> dict:
    return {attribute: getattr(obj, attribute) for attribute in attributes}


def _barcode_text(values: dict) -> str:
    code, pack_qty = values["code"], values["pack_qty"] or 1
    return f"{code} ×{pack_qty}" if pack_qty > 1 else str(code)


def _component_text(session: Session | None, component_id: int, quantity: int, component: Product | None = None) -> str:
    sku = component.sku if component is not None else None
    if sku is None and session is not None:
        sku = session.connection().execute(select(Product.sku).where(Product.id == component_id)).scalar_one_or_none()
    return f"{sku or component_id} ×{quantity}"


__all__ = ["Change", "CREATED", "TRACKED", "created", "record", "text", "init_app"]
