"""Locations (棚番) from the office: bulk creation by range, CSV import and export,
deactivation and reactivation, and the list.

Nothing here deletes a location: one that is no longer used is deactivated (active=False),
which keeps every move that went through it. A location holding stock is never deactivated.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import stamp
from app.history import recording as history
from app.database import upsert_insert, write_transaction
from app.masterdata.cells import guarded
from app.masterdata.csvfile import write_csv
from app.masterdata.errors import ImportRefused, LocationHoldsStock, LocationNotFound, LocationRequired
from app.masterdata.listing import Page, chunks, page_number
from app.masterdata.location_range import LocationRange, shelves_in_walking_order
from app.masterdata.location_rows import (
    KnownLocation,
    LocationFile,
    LocationRow,
    conflicts_with_store,
    export_header,
    read_location_file,
)
from app.masterdata.retry import retried_on_conflict
from app.stock.models import VIRTUAL_KIND_VALUES, Location, LocationKind, Quant, Warehouse
from app.stock.warehouses import STANDARD_LOCATIONS

PICK_SEQUENCE_STEP = 10
PAGE_SIZE = 100
REQUIRED_CODES = frozenset(code for code, _kind in STANDARD_LOCATIONS)


@dataclass(frozen=True)
class RangeCreated:
    created: int
    existing: int
    first: str
    last: str


@dataclass(frozen=True)
class LocationImport:
    created: int
    updated: int
    unchanged: int
    ignored_columns: tuple[str, ...]
    encoding: str


@dataclass(frozen=True)
class StockHeld:
    units: int = 0
    products: int = 0


@dataclass(frozen=True)
class LocationLine:
    """A location as the list shows it, with what it holds."""

    location: Location
    held: StockHeld

    @property
    def required(self) -> bool:
        """One of the locations every warehouse needs: never deactivated."""
        return self.location.code in REQUIRED_CODES


def create_location_range(session: Session, warehouse_id: int, location_range: LocationRange) -> RangeCreated:
    """Create the range's storage locations that do not exist yet, in walking order.

    Existing codes are left alone. New locations are sellable, active, and numbered after the
    warehouse's highest pick sequence, in steps of 10 (room to insert one by hand later).
    Safe against a second person creating an overlapping range at the same moment.
    """
    shelves = list(shelves_in_walking_order(location_range))
    with write_transaction(session):
        existing = _existing_codes(session, warehouse_id, [shelf.code for shelf in shelves])
        sequence = _last_pick_sequence(session, warehouse_id)
        rows = []
        for shelf in (s for s in shelves if s.code not in existing):
            sequence += PICK_SEQUENCE_STEP
            rows.append(dict(warehouse_id=warehouse_id, code=shelf.code, kind=LocationKind.STORAGE, zone=shelf.zone,
                             aisle=shelf.aisle, rack=shelf.rack, level=shelf.level, pick_sequence=sequence,
                             sellable=True, active=True))
        created = _insert_new_locations(session, rows)
    return RangeCreated(created, len(shelves) - created, shelves[0].code, shelves[-1].code)


def import_locations(session: Session, warehouse: Warehouse, data: bytes) -> LocationImport:
    """Create and update the warehouse's locations from a CSV, all or nothing.

    Raises ImportRefused (nothing written) listing every row-numbered problem.
    """
    parsed = read_location_file(data, warehouse.location_pattern)
    created, updated = retried_on_conflict(lambda: _write_locations(session, warehouse, parsed))
    unchanged = len(parsed.rows) - created - updated
    return LocationImport(created, updated, unchanged, parsed.ignored, parsed.encoding)


def _write_locations(session: Session, warehouse: Warehouse, parsed: LocationFile) -> tuple[int, int]:
    with write_transaction(session):
        existing = _locations_by_code(session, warehouse.id, [row.code for row in parsed.rows])
        held = _held_by_location(session, [location.id for location in existing.values()])
        known = {code: KnownLocation(loc.kind, loc.active, held.get(loc.id, StockHeld()).units,
                                     held.get(loc.id, StockHeld()).products, code in REQUIRED_CODES)
                 for code, loc in existing.items()}
        errors = parsed.errors + conflicts_with_store(parsed.rows, known, warehouse.location_pattern)
        if errors:
            raise ImportRefused(errors, parsed.headers)
        sequence = _last_pick_sequence(session, warehouse.id)
        created = updated = 0
        for row in parsed.rows:
            location = existing.get(row.code)
            if location is None:
                sequence = row.pick_sequence if row.pick_sequence is not None else sequence + PICK_SEQUENCE_STEP
                session.add(_new_location(warehouse.id, row, sequence))
                created += 1
            elif _update_location(location, row):
                updated += 1
        session.flush()
    return created, updated


def export_locations(session: Session, warehouse_id: int, language: str) -> bytes:
    """The warehouse's real locations as a CSV in the import's columns, in walking order."""
    locations = session.scalars(
        select(Location)
        .where(Location.warehouse_id == warehouse_id, Location.kind.not_in(VIRTUAL_KIND_VALUES))
        .order_by(Location.pick_sequence.is_(None), Location.pick_sequence, Location.code)
    )
    return write_csv(export_header(language), (_export_row(location) for location in locations))


def deactivate_location(session: Session, warehouse_id: int, location_id: int) -> Location:
    """Mark a location inactive, keeping its history. Refused while it holds any stock
    (LocationHoldsStock) and for the locations every warehouse needs (LocationRequired)."""
    with write_transaction(session):
        location = _locked_location(session, warehouse_id, location_id)
        if location.kind.is_virtual or location.code in REQUIRED_CODES:
            raise LocationRequired(location.code)
        held = _held_by_location(session, [location.id]).get(location.id, StockHeld())
        if held.units:
            raise LocationHoldsStock(location.code, held.units, held.products)
        location.active = False
    return location


def reactivate_location(session: Session, warehouse_id: int, location_id: int) -> Location:
    """Make a deactivated location usable again."""
    with write_transaction(session):
        location = _locked_location(session, warehouse_id, location_id)
        location.active = True
    return location


def find_locations(session: Session, warehouse_id: int, *, zone: str = "", query: str = "",
                   page: int | None = 1) -> Page[LocationLine]:
    """The warehouse's real locations in walking order, optionally one zone's or those whose
    code contains `query`, with the stock each holds."""
    condition = [Location.warehouse_id == warehouse_id, Location.kind.not_in(VIRTUAL_KIND_VALUES)]
    if zone:
        condition.append(Location.zone == zone)
    if query:
        condition.append(Location.code.icontains(query, autoescape=True))
    total = session.scalar(select(func.count()).select_from(Location).where(*condition))
    number = page_number(page, total, PAGE_SIZE)
    locations = session.scalars(
        select(Location).where(*condition)
        .order_by(Location.pick_sequence.is_(None), Location.pick_sequence, Location.code)
        .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
    ).all()
    held = _held_by_location(session, [location.id for location in locations])
    lines = [LocationLine(location, held.get(location.id, StockHeld())) for location in locations]
    return Page(lines, total, number, PAGE_SIZE)


def location_line(session: Session, warehouse_id: int, location_id: int) -> LocationLine:
    """One location of the warehouse as the list shows it; LocationNotFound if not there."""
    location = session.get(Location, location_id)
    if location is None or location.warehouse_id != warehouse_id or location.kind.is_virtual:
        raise LocationNotFound(location_id)
    return LocationLine(location, _held_by_location(session, [location_id]).get(location_id, StockHeld()))


def zones(session: Session, warehouse_id: int) -> list[str]:
    """The zones the warehouse's locations are in, sorted."""
    return list(session.scalars(
        select(Location.zone).where(Location.warehouse_id == warehouse_id, Location.zone.is_not(None))
        .distinct().order_by(Location.zone)
    ))


def _locked_location(session: Session, warehouse_id: int, location_id: int) -> Location:
    location = session.execute(
        select(Location).where(Location.id == location_id, Location.warehouse_id == warehouse_id)
        .with_for_update(of=Location).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if location is None:
        raise LocationNotFound(location_id)
    return location


def _existing_codes(session: Session, warehouse_id: int, codes: list[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(codes):
        found.update(session.scalars(
            select(Location.code).where(Location.warehouse_id == warehouse_id, Location.code.in_(part))
        ))
    return found


def _locations_by_code(session: Session, warehouse_id: int, codes: list[str]) -> dict[str, Location]:
    found: dict[str, Location] = {}
    for part in chunks(codes):
        found.update((loc.code, loc) for loc in session.scalars(
            select(Location).where(Location.warehouse_id == warehouse_id, Location.code.in_(part))
        ))
    return found


def _last_pick_sequence(session: Session, warehouse_id: int) -> int:
    return session.scalar(select(func.max(Location.pick_sequence)).where(Location.warehouse_id == warehouse_id)) or 0


def _held_by_location(session: Session, location_ids: list[int]) -> dict[int, StockHeld]:
    held: dict[int, StockHeld] = {}
    for part in chunks(location_ids):
        rows = session.execute(
            select(Quant.location_id, func.sum(Quant.on_hand), func.count(func.distinct(Quant.product_id)))
            .where(Quant.location_id.in_(part), Quant.on_hand > 0)
            .group_by(Quant.location_id)
        )
        held.update((location_id, StockHeld(int(units), int(products))) for location_id, units, products in rows)
    return held


def _insert_new_locations(session: Session, rows: list[dict]) -> int:
    """Insert the locations that do not exist yet; each one made is kept in its history."""
    if not rows:
        return 0
    statement = (
        upsert_insert(session, Location.__table__)
        .on_conflict_do_nothing(index_elements=["warehouse_id", "code"])
        .returning(Location.id, Location.code)
    )
    made: list[tuple[int, str]] = []
    for part in chunks([stamp(row) for row in rows]):
        made.extend(tuple(row) for row in session.execute(statement, list(part)))
    history.record(session, history.created("location", made))
    return len(made)


def _new_location(warehouse_id: int, row: LocationRow, pick_sequence: int) -> Location:
    kind = row.kind or LocationKind.STORAGE
    return Location(
        warehouse_id=warehouse_id, code=row.code, kind=kind, zone=row.zone, aisle=row.aisle, rack=row.rack,
        level=row.level, pick_sequence=pick_sequence, sellable=kind is LocationKind.STORAGE,
        active=True if row.active is None else row.active,
    )


def _update_location(location: Location, row: LocationRow) -> bool:
    changed = False
    for name in ("zone", "aisle", "rack", "level", "pick_sequence", "active"):
        value = getattr(row, name)
        if value is not None and getattr(location, name) != value:
            setattr(location, name, value)
            changed = True
    if row.kind is not None and row.kind is not location.kind:
        location.kind, location.sellable = row.kind, row.kind is LocationKind.STORAGE
        changed = True
    return changed


def _export_row(location: Location) -> list[object]:
    return [
        guarded(location.code), location.kind.value, location.zone or "", location.aisle or "", location.rack or "",
        location.level or "", "" if location.pick_sequence is None else location.pick_sequence,
        "true" if location.active else "false",
    ]
