"""One shelf (or other real place) at a time: name, zone, walk order, sellable, active.

The code (棚番) is what the labels say and never changes here. Sellable is a storage shelf's
choice (a dock, packing station or quarantine never counts as available stock). Taking a shelf
out of use asks first and is refused while it holds stock, as the list does; the places every
warehouse needs stay active.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.database import write_transaction
from app.masterdata import cells
from app.masterdata.codes import zone_code
from app.masterdata.errors import CellError, FormRefused, LocationHoldsStock, LocationNotFound, LocationRequired
from app.masterdata.locations import REQUIRED_CODES, LocationLine, StockHeld, _held_by_location, _locked_location
from app.stock.models import Location, LocationKind

MAX_NAME = 100
MAX_PICK_SEQUENCE = 10_000_000


@dataclass(frozen=True)
class ShelfDraft:
    name: str | None
    zone: str | None
    pick_sequence: int | None
    sellable: bool
    active: bool


@dataclass(frozen=True)
class AskFirst:
    """Taking the shelf out of use: the page asks before it is done (confirm=1)."""

    line: LocationLine


def read_shelf_form(form) -> ShelfDraft:
    """The shelf form; FormRefused with every problem by field."""
    problems: dict[str, object] = {}
    name = cells.normalized(form.get("name", ""))
    if len(name) > MAX_NAME:
        problems["name"] = _l("At most %(n)s characters.", n=MAX_NAME)
    zone = None
    if cells.normalized(form.get("zone", "")):
        try:
            zone = zone_code(form.get("zone", ""))
        except CellError as problem:
            problems["zone"] = problem.message
    sequence = None
    if cells.normalized(form.get("pick_sequence", "")):
        try:
            sequence = cells.whole_number(form.get("pick_sequence", ""), high=MAX_PICK_SEQUENCE)
        except CellError as problem:
            problems["pick_sequence"] = problem.message
    if problems:
        raise FormRefused(problems)
    return ShelfDraft(name or None, zone, sequence, form.get("sellable") == "1", form.get("active") == "1")


def shelf_line(session: Session, warehouse_id: int, location_id: int) -> LocationLine:
    """A real place of the warehouse with what it holds; LocationNotFound for virtual ones and others'."""
    location = session.get(Location, location_id)
    if location is None or location.warehouse_id != warehouse_id or location.kind.is_virtual:
        raise LocationNotFound(location_id)
    return LocationLine(location, _held_by_location(session, [location_id]).get(location_id, StockHeld()))


def update_shelf(session: Session, warehouse_id: int, location_id: int, draft: ShelfDraft, *,
                 confirmed: bool) -> Location | AskFirst:
    """Save the shelf; AskFirst (nothing written) when it would go out of use unconfirmed.
    Raises LocationHoldsStock or LocationRequired (nothing written)."""
    with write_transaction(session):
        location = _locked_location(session, warehouse_id, location_id)
        if location.kind.is_virtual:
            raise LocationNotFound(location_id)
        required = location.code in REQUIRED_CODES
        going_out = location.active and not draft.active
        if going_out and required:
            raise LocationRequired(location.code)
        if going_out:
            held = _held_by_location(session, [location.id]).get(location.id, StockHeld())
            if held.units:
                raise LocationHoldsStock(location.code, held.units, held.products)
            if not confirmed:
                return AskFirst(LocationLine(location, held))
        location.name, location.zone, location.pick_sequence = draft.name, draft.zone, draft.pick_sequence
        location.sellable = draft.sellable if location.kind is LocationKind.STORAGE else False
        location.active = True if required else draft.active
        session.flush()
        return location


__all__ = ["ShelfDraft", "AskFirst", "read_shelf_form", "shelf_line", "update_shelf"]
