"""Setting up a warehouse: its own virtual locations, a dock and a quarantine area."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.stock.models import DEFAULT_LOCATION_PATTERN, Location, LocationKind, Warehouse

STANDARD_LOCATIONS = (
    ("SUPPLIER", LocationKind.SUPPLIER),
    ("CUSTOMER", LocationKind.CUSTOMER),
    ("ADJUSTMENT", LocationKind.ADJUSTMENT),
    ("SCRAP", LocationKind.SCRAP),
    ("DOCK", LocationKind.DOCK),
    ("QUARANTINE", LocationKind.QUARANTINE),
)
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")


class WarehouseExists(ValueError):
    pass


def create_warehouse(session: Session, code: str, name: str, location_pattern: str | None = None) -> Warehouse:
    """A new warehouse with SUPPLIER, CUSTOMER, ADJUSTMENT, SCRAP, DOCK and QUARANTINE."""
    code = code.strip().upper()
    if not CODE_RE.match(code):
        raise ValueError("warehouse code: 1–20 characters A–Z, 0–9 and '-'")
    if session.scalar(select(Warehouse.id).where(Warehouse.code == code)):
        raise WarehouseExists(code)
    warehouse = Warehouse(code=code, name=name.strip(), location_pattern=location_pattern or DEFAULT_LOCATION_PATTERN)
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
