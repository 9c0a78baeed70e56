"""Reading the history of one thing, newest first, in words a person reads."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.history.models import ChangeRecord
from app.timeutil import WAREHOUSE_TZ

HISTORY_LIMIT = 100

FIELD_LABELS = {
    "created": _l("Created"), "deleted": _l("Deleted"),
    "sku": _l("SKU"), "name": _l("Name"), "tracking": _l("Tracking"), "min_shelf_life_days": _l("Min. shelf life (days)"),
    "shelf_life_days": _l("Whole shelf life (days)"), "cost_price": _l("Cost price (yen)"),
    "lead_time_days": _l("Lead time (days)"), "reorder_point": _l("Reorder point"), "safety_stock": _l("Safety stock"),
    "is_kit": _l("Kit"), "zone": _l("Zone"), "mixed_lots": _l("Lots on one shelf"), "active": _l("Active"),
    "barcode": _l("Barcode"), "component": _l("Kit component"),
    "code": _l("Code"), "kind": _l("Kind"), "aisle": _l("Aisle"), "rack": _l("Rack"), "level": _l("Level"),
    "pick_sequence": _l("Walk order"), "sellable": _l("Sellable"),
    "address": _l("Address"), "location_pattern": _l("Location code pattern"),
    "setting.short_dated_days": _l("Short-dated threshold (days)"), "setting.lot_mixing": _l("Lot mixing default"),
    "setting.label_sheet": _l("Label sheet"), "setting.sound_on": _l("Sound on phones"),
    "login": _l("Login ID"), "badge": _l("Badge"), "all_warehouses": _l("Every warehouse"),
    "password": _l("Password"), "pin": _l("PIN"), "roles": _l("Roles"), "warehouses": _l("Warehouses"),
}
SECRET = {"password", "pin"}
VALUE_WORDS = {
    "true": _l("yes"), "false": _l("no"),
    "none": _l("No tracking"), "lot": _l("Lot"), "lot_expiry": _l("Lot + expiry"), "serial": _l("Serial"),
    "by_tracking": _l("By tracking mode"), "mixed": _l("Lots may mix"), "separate": _l("One lot per shelf"),
    "storage": _l("Storage"), "dock": _l("Dock"), "packing": _l("Packing"), "shipping": _l("Shipping"),
    "quarantine": _l("Quarantine"),
}
WORDED_FIELDS = {"tracking", "kind", "is_kit", "active", "sellable", "all_warehouses", "setting.lot_mixing",
                 "setting.sound_on"}
ROLE_WORDS = {"picker": _l("Picker"), "receiver": _l("Receiver"), "supervisor": _l("Supervisor"), "admin": _l("Admin")}


@dataclass(frozen=True)
class HistoryLine:
    field: str
    old: str | None
    new: str | None
    who: str | None
    when: datetime

    @property
    def local(self) -> datetime:
        """When, on the warehouse's clock."""
        return self.when.astimezone(WAREHOUSE_TZ)

    @property
    def label(self) -> str:
        return str(FIELD_LABELS.get(self.field, self.field))

    @property
    def secret(self) -> bool:
        return self.field in SECRET

    @property
    def old_text(self) -> str:
        return shown(self.field, self.old)

    @property
    def new_text(self) -> str:
        return shown(self.field, self.new)


@dataclass(frozen=True)
class History:
    lines: list[HistoryLine]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.lines)


def shown(field: str, value: str | None) -> str:
    """A stored value as a person reads it (yes/no, tracking modes, roles in their language)."""
    if value is None or value == "":
        return ""
    if field == "roles":
        return ", ".join(str(ROLE_WORDS.get(role.strip(), role.strip())) for role in value.split(","))
    if field == "mixed_lots":
        return str(VALUE_WORDS["mixed" if value == "true" else "separate"])
    if field in WORDED_FIELDS or field.startswith("setting.sound"):
        return str(VALUE_WORDS.get(value, value))
    return value


def history_of(session: Session, entity: str, entity_id: int, limit: int = HISTORY_LIMIT) -> History:
    """The latest `limit` changes of one thing, newest first, with who made them."""
    where = (ChangeRecord.entity == entity, ChangeRecord.entity_id == entity_id)
    total = session.scalar(select(func.count()).select_from(ChangeRecord).where(*where))
    rows = session.execute(
        select(ChangeRecord.field, ChangeRecord.old_value, ChangeRecord.new_value, User.name, ChangeRecord.changed_at)
        .outerjoin(User, User.id == ChangeRecord.user_id)
        .where(*where).order_by(ChangeRecord.id.desc()).limit(limit)
    ).all()
    return History([HistoryLine(*row) for row in rows], total or 0)


__all__ = ["History", "HistoryLine", "history_of", "shown", "FIELD_LABELS"]
