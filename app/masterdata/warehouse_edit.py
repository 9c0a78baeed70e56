"""Warehouses from the office (admin): create one with its standard places, edit its name, address
(printed on delivery notes) and 棚番 pattern, and the settings its floor uses.

A warehouse's code is fixed once it is made: sales channels and the command line name warehouses
by code. A new 棚番 pattern is refused while active shelves would not fit it (the floor would no
longer read their bare codes).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.database import write_transaction
from app.labels.service import SHEET_FORMATS
from app.masterdata.codes import fits_pattern
from app.masterdata.errors import FormRefused, NotFound
from app.stock.models import DEFAULT_LOCATION_PATTERN, Location, LocationKind, LotMixing, Warehouse, WarehouseSetting
from app.stock.warehouses import CODE_RE, DEFAULT_SETTINGS, STANDARD_LOCATIONS, FloorSettings, create_warehouse

MAX_NAME = 100
MAX_ADDRESS = 300
MAX_PATTERN = 200
MAX_SHORT_DATED_DAYS = 3650
SHOWN_MISFITS = 5


@dataclass(frozen=True)
class WarehouseDraft:
    code: str
    name: str
    address: str
    location_pattern: str


@dataclass(frozen=True)
class WarehouseLine:
    warehouse: Warehouse
    shelves: int


def warehouse_lines(session: Session) -> list[WarehouseLine]:
    """Every warehouse by code, with how many storage shelves it has."""
    shelves = dict(session.execute(
        select(Location.warehouse_id, func.count()).where(Location.kind == LocationKind.STORAGE)
        .group_by(Location.warehouse_id)).all())
    return [WarehouseLine(w, shelves.get(w.id, 0)) for w in session.scalars(select(Warehouse).order_by(Warehouse.code))]


def get_warehouse(session: Session, warehouse_id: int) -> Warehouse:
    warehouse = session.get(Warehouse, warehouse_id)
    if warehouse is None:
        raise NotFound(warehouse_id)
    return warehouse


def standard_places(session: Session, warehouse_id: int) -> list[Location]:
    """The places made with the warehouse (STANDARD_LOCATIONS), in that order."""
    found = {loc.code: loc for loc in session.scalars(select(Location).where(
        Location.warehouse_id == warehouse_id, Location.code.in_([code for code, _kind in STANDARD_LOCATIONS])))}
    return [found[code] for code, _kind in STANDARD_LOCATIONS if code in found]


def new_warehouse(session: Session, draft: WarehouseDraft) -> Warehouse:
    """A new warehouse with its standard places. Raises FormRefused (nothing written)."""
    with write_transaction(session):
        problems = _problems(draft)
        code = draft.code.upper()
        if not CODE_RE.match(code):
            problems["code"] = _l("A warehouse code is 1 to 20 letters, digits and '-' (starting with a letter or digit).")
        elif session.scalar(select(Warehouse.id).where(Warehouse.code == code)):
            problems["code"] = _l("The warehouse code %(code)s is taken.", code=code)
        if problems:
            raise FormRefused(problems)
        return create_warehouse(session, code, draft.name, draft.location_pattern or DEFAULT_LOCATION_PATTERN,
                                address=draft.address)


def update_warehouse(session: Session, warehouse_id: int, draft: WarehouseDraft) -> Warehouse:
    """Name, address and 棚番 pattern (the code stays). Raises FormRefused (nothing written)."""
    with write_transaction(session):
        warehouse = session.execute(select(Warehouse).where(Warehouse.id == warehouse_id).with_for_update()
                                    .execution_options(populate_existing=True)).scalar_one_or_none()
        if warehouse is None:
            raise NotFound(warehouse_id)
        problems = _problems(draft)
        pattern = draft.location_pattern or DEFAULT_LOCATION_PATTERN
        if "location_pattern" not in problems and pattern != warehouse.location_pattern:
            misfits = _misfits(session, warehouse_id, pattern)
            if misfits:
                problems["location_pattern"] = _l(
                    "Active shelves do not fit this pattern: %(codes)s. Change or deactivate them first.",
                    codes=", ".join(misfits))
        if problems:
            raise FormRefused(problems)
        warehouse.name, warehouse.address, warehouse.location_pattern = draft.name, draft.address or None, pattern
        session.flush()
        return warehouse


def settings_for(session: Session, warehouse_id: int) -> FloorSettings:
    row = session.get(WarehouseSetting, warehouse_id)
    if row is None:
        return DEFAULT_SETTINGS
    return FloorSettings(row.short_dated_days, LotMixing(row.lot_mixing), row.label_sheet, row.sound_on)


def read_settings(values: dict[str, str]) -> FloorSettings:
    """The settings form: `short_dated_days`, `lot_mixing`, `label_sheet`, `sound_on`. Raises FormRefused."""
    problems: dict[str, object] = {}
    days_text = values.get("short_dated_days", "").strip() or "0"
    days = int(days_text) if days_text.isascii() and days_text.isdigit() and len(days_text) <= 4 else -1
    if not 0 <= days <= MAX_SHORT_DATED_DAYS:
        problems["short_dated_days"] = _l("A number of days from 0 to %(n)s.", n=MAX_SHORT_DATED_DAYS)
    mixing = values.get("lot_mixing", "")
    if mixing not in LotMixing._value2member_map_:
        problems["lot_mixing"] = _l("Choose how lots share a shelf.")
    sheet = values.get("label_sheet", "")
    if sheet not in SHEET_FORMATS:
        problems["label_sheet"] = _l("Choose a label sheet.")
    if problems:
        raise FormRefused(problems)
    return FloorSettings(days, LotMixing(mixing), sheet, values.get("sound_on") == "1")


def save_settings(session: Session, warehouse_id: int, settings: FloorSettings) -> None:
    """The warehouse's floor settings from now on (each change kept in the warehouse's history)."""
    with write_transaction(session):
        if session.get(Warehouse, warehouse_id) is None:
            raise NotFound(warehouse_id)
        row = session.get(WarehouseSetting, warehouse_id, with_for_update=True)
        if row is None:
            row = WarehouseSetting(warehouse_id=warehouse_id)
            session.add(row)
        row.short_dated_days, row.lot_mixing = settings.short_dated_days, settings.lot_mixing
        row.label_sheet, row.sound_on = settings.label_sheet, settings.sound_on
        session.flush()


def _problems(draft: WarehouseDraft) -> dict[str, object]:
    problems: dict[str, object] = {}
    if not draft.name or len(draft.name) > MAX_NAME or _control_characters(draft.name):
        problems["name"] = _l("Type a name of at most %(n)s characters.", n=MAX_NAME)
    if len(draft.address) > MAX_ADDRESS or _control_characters(draft.address.replace("\n", "")):
        problems["address"] = _l("The address is longer than %(n)s characters.", n=MAX_ADDRESS)
    pattern = draft.location_pattern
    if pattern:
        try:
            re.compile(pattern)
            too_long = len(pattern) > MAX_PATTERN
        except re.error:
            too_long = None
        if too_long is None:
            problems["location_pattern"] = _l("This is not a regular expression Python can read.")
        elif too_long:
            problems["location_pattern"] = _l("At most %(n)s characters.", n=MAX_PATTERN)
    return problems


def _control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def _misfits(session: Session, warehouse_id: int, pattern: str) -> list[str]:
    codes = session.scalars(select(Location.code).where(
        Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE, Location.active.is_(True))
        .order_by(Location.code))
    misfits = []
    for code in codes:
        if not fits_pattern(code, pattern):
            misfits.append(code)
            if len(misfits) == SHOWN_MISFITS:
                break
    return misfits


__all__ = ["WarehouseDraft", "WarehouseLine", "warehouse_lines", "get_warehouse", "standard_places", "new_warehouse",
           "update_warehouse", "settings_for", "read_settings", "save_settings"]
