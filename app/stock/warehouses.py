"""Setting up a warehouse: its own virtual locations, a dock and a quarantine area.

The standard locations are made with the warehouse and never renamed, deactivated or
removed (the location import refuses it), so their ids are facts of the warehouse: a request
reads them once with the warehouse (`WarehouseRef.places`) and no scan looks them up again.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.stock.models import DEFAULT_LOCATION_PATTERN, Location, LocationKind, LotMixing, Warehouse, WarehouseSetting

STANDARD_LOCATIONS = (
    ("SUPPLIER", LocationKind.SUPPLIER),
    ("CUSTOMER", LocationKind.CUSTOMER),
    ("ADJUSTMENT", LocationKind.ADJUSTMENT),
    ("SCRAP", LocationKind.SCRAP),
    ("DOCK", LocationKind.DOCK),
    ("QUARANTINE", LocationKind.QUARANTINE),
    ("PACKING", LocationKind.PACKING),  # the packing area, when no station is named
    ("OUTBOUND", LocationKind.SHIPPING),  # packed boxes wait here for the carrier
)
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
PLACE_NAMES = {
    "SUPPLIER": _l("Supplier"), "CUSTOMER": _l("Customer"), "ADJUSTMENT": _l("Stock adjustment"),
    "SCRAP": _l("Scrap"), "DOCK": _l("Receiving dock"), "QUARANTINE": _l("Quarantine"),
    "PACKING": _l("Packing area"), "OUTBOUND": _l("Outbound (packed)"),
}


def place_name(code: str) -> str:
    """A location as people call it: a standard place in the user's language, any other by its code."""
    name = PLACE_NAMES.get(code)
    return str(name) if name is not None else code


@dataclass(frozen=True)
class FloorSettings:
    """What an admin set for the warehouse's floor (/admin/settings); the defaults where nothing is set."""

    short_dated_days: int = 0
    lot_mixing: LotMixing = LotMixing.BY_TRACKING
    label_sheet: str = "a4-3x8"
    sound_on: bool = True


DEFAULT_SETTINGS = FloorSettings()
_setting = WarehouseSetting.__table__
SETTING_COLUMNS = (
    _setting.c.short_dated_days.label("setting_short_dated_days"), _setting.c.lot_mixing.label("setting_lot_mixing"),
    _setting.c.label_sheet.label("setting_label_sheet"), _setting.c.sound_on.label("setting_sound_on"),
)


def settings_of(row) -> FloorSettings:
    """The settings read with SETTING_COLUMNS (outer-joined: None when the warehouse has no row)."""
    if row.setting_short_dated_days is None:
        return DEFAULT_SETTINGS
    return FloorSettings(row.setting_short_dated_days, LotMixing(row.setting_lot_mixing), row.setting_label_sheet,
                         bool(row.setting_sound_on))


@dataclass(frozen=True)
class WarehouseRef:
    """What a request needs of a warehouse: the floor resolves scans with `location_pattern`
    and moves goods to and from its standard places without looking them up."""

    id: int
    code: str
    name: str
    location_pattern: str
    places: Mapping[LocationKind, int] = field(default_factory=dict, compare=False)
    settings: FloorSettings = field(default=DEFAULT_SETTINGS, compare=False)

    def place(self, kind: LocationKind) -> int:
        return self.places[kind]


def place_columns(warehouse_id):
    """One labelled scalar subquery per standard place of the warehouse whose id is `warehouse_id`."""
    return [
        select(Location.id).where(Location.warehouse_id == warehouse_id, Location.code == code)
        .scalar_subquery().label(f"place_{kind.value}")
        for code, kind in STANDARD_LOCATIONS
    ]


def places_of(row) -> dict[LocationKind, int]:
    return {kind: getattr(row, f"place_{kind.value}") for _code, kind in STANDARD_LOCATIONS}


_WAREHOUSE_REF = (
    select(Warehouse.id, Warehouse.code, Warehouse.name, Warehouse.location_pattern, *place_columns(Warehouse.id),
           *SETTING_COLUMNS)
    .outerjoin(_setting, _setting.c.warehouse_id == Warehouse.id)
    .where(Warehouse.id == bindparam("warehouse_id"))
)


def warehouse_ref(session: Session, warehouse_id: int) -> WarehouseRef:
    """The warehouse with its standard places, in one statement (commands and tests; requests
    get theirs with the logged-in user)."""
    row = session.execute(_WAREHOUSE_REF, {"warehouse_id": warehouse_id}).one()
    return WarehouseRef(row.id, row.code, row.name, row.location_pattern, places_of(row), settings_of(row))


class WarehouseExists(ValueError):
    pass


def create_warehouse(session: Session, code: str, name: str, location_pattern: str | None = None,
                     address: str | None = None) -> Warehouse:
    """A new warehouse with its standard places (STANDARD_LOCATIONS)."""
    code = code.strip().upper()
    if not CODE_RE.match(code):
        raise ValueError("warehouse code: 1–20 characters A–Z, 0–9 and '-'")
    if session.scalar(select(Warehouse.id).where(Warehouse.code == code)):
        raise WarehouseExists(code)
    warehouse = Warehouse(code=code, name=name.strip(), location_pattern=location_pattern or DEFAULT_LOCATION_PATTERN,
                          address=address or None)
    session.add(warehouse)
    session.flush()
    for loc_code, kind in STANDARD_LOCATIONS:
        session.add(Location(warehouse_id=warehouse.id, code=loc_code, kind=kind, sellable=False, active=True))
    session.flush()
    return warehouse


def standard_location(session: Session, warehouse_id: int, kind: LocationKind) -> Location:
    """The warehouse's location of a kind created with it (virtual ones, dock, quarantine)."""
    code = next(c for c, k in STANDARD_LOCATIONS if k is kind)
    return session.execute(
        select(Location).where(Location.warehouse_id == warehouse_id, Location.code == code)
    ).scalar_one()


def standard_places(session: Session, warehouse_id: int, *kinds: LocationKind) -> dict[LocationKind, Location]:
    """Several of the warehouse's standard locations in one query."""
    codes = {code: kind for code, kind in STANDARD_LOCATIONS if kind in kinds}
    found = session.scalars(
        select(Location).where(Location.warehouse_id == warehouse_id, Location.code.in_(codes))
    ).all()
    return {codes[location.code]: location for location in found}
