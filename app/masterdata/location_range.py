"""Storage locations created in bulk: zones × aisles × racks × levels, in walking order.

Codes are `ZONE-AISLE-RACK-LEVEL` with two-digit aisle and rack and the level as a number
(`A-01-03-2`, the default 棚番 format); each must fit the warehouse's location format.
Walking order is a serpentine by aisle number: odd aisles are walked with racks ascending,
even aisles with racks descending, levels bottom to top, zones one after another. Because
the direction depends on the aisle's number, a range created in two parts is walked the
same way as one created at once. The demo warehouse (app/demo) lays out its shelves with
`shelves_in_walking_order` too.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.masterdata.cells import normalized, whole_number
from app.masterdata.codes import fits_pattern, zone_code
from app.masterdata.errors import CellError, RangeRefused

MAX_RANGE = 20_000
MAX_NUMBER = 99
_ZONE_SPAN = re.compile(r"^([A-Z0-9])\s*[-~〜–—]\s*([A-Z0-9])$")
_ZONE_SEPARATORS = re.compile(r"[\s,、]+")


@dataclass(frozen=True)
class LocationRange:
    zones: tuple[str, ...]
    aisles: tuple[int, int]
    racks: tuple[int, int]
    levels: tuple[int, int]

    @property
    def size(self) -> int:
        return len(self.zones) * _span(self.aisles) * _span(self.racks) * _span(self.levels)


@dataclass(frozen=True)
class PlannedShelf:
    code: str
    zone: str
    aisle: str
    rack: str
    level: str


def _span(bounds: tuple[int, int]) -> int:
    return bounds[1] - bounds[0] + 1


def storage_code(zone: str, aisle: int, rack: int, level: int) -> str:
    """`A-01-03-2`: zone, two-digit aisle and rack, level as a number."""
    return f"{zone}-{aisle:02d}-{rack:02d}-{level}"


def shelves_in_walking_order(location_range: LocationRange) -> Iterator[PlannedShelf]:
    """Every location of the range, in the order a picker walks them (module docstring)."""
    first_rack, last_rack = location_range.racks
    for zone in location_range.zones:
        for aisle in range(location_range.aisles[0], location_range.aisles[1] + 1):
            racks = range(first_rack, last_rack + 1)
            for rack in racks if aisle % 2 else reversed(racks):
                for level in range(location_range.levels[0], location_range.levels[1] + 1):
                    yield PlannedShelf(storage_code(zone, aisle, rack, level), zone, f"{aisle:02d}", f"{rack:02d}",
                                       str(level))


def read_zones(text: str) -> tuple[str, ...]:
    """Zones as typed: `A-C` (A, B, C), `A,B,F`, `A-C F`; full-width and lower case accepted."""
    cleaned = normalized(text).upper()
    zones: list[str] = []
    for part in (p for p in _ZONE_SEPARATORS.split(cleaned) if p):
        span = _ZONE_SPAN.match(part)
        if span:
            first, last = span.groups()
            if ord(first) > ord(last) or first.isdigit() != last.isdigit():
                raise CellError(_l("Zones %(value)s: write the first zone, then the last (A-C).", value=part))
            zones.extend(chr(n) for n in range(ord(first), ord(last) + 1))
        else:
            zones.append(part)
    if not zones:
        raise CellError(_l("Type one or more zones, e.g. A-C."))
    return tuple(dict.fromkeys(zone_code(zone) for zone in zones))


def read_range(form: dict[str, str], location_pattern: str) -> LocationRange:
    """The range a form asks for (`zones`, `aisle_from`, `aisle_to`, `rack_from`, … `level_to`).

    Raises RangeRefused with a message per wrong field.
    """
    errors: dict[str, object] = {}
    zones: tuple[str, ...] = ()
    try:
        zones = read_zones(form.get("zones", ""))
    except CellError as error:
        errors["zones"] = error.message
    bounds = {name: _bounds(form, name, errors) for name in ("aisle", "rack", "level")}
    if errors:
        raise RangeRefused(errors)
    location_range = LocationRange(zones, bounds["aisle"], bounds["rack"], bounds["level"])
    _check_size(location_range)
    _check_format(location_range, location_pattern)
    return location_range


def _bounds(form: dict[str, str], name: str, errors: dict[str, object]) -> tuple[int, int]:
    low = high = 0
    for end in ("from", "to"):
        key = f"{name}_{end}"
        try:
            value = whole_number(form.get(key, "") or "", low=1, high=MAX_NUMBER)
        except CellError as error:
            errors[key] = error.message
            continue
        low, high = (value, high) if end == "from" else (low, value)
    if low and high and low > high:
        errors[f"{name}_to"] = _l("The last number is smaller than the first.")
    return low, high


def _check_size(location_range: LocationRange) -> None:
    if location_range.size > MAX_RANGE:
        raise RangeRefused({"zones": _l("%(n)s locations at once is too many: at most %(max)s.",
                                        n=location_range.size, max=MAX_RANGE)})


def _check_format(location_range: LocationRange, location_pattern: str) -> None:
    for shelf in shelves_in_walking_order(location_range):
        if not fits_pattern(shelf.code, location_pattern):
            raise RangeRefused({"zones": _l("%(code)s does not fit this warehouse's location format.", code=shelf.code)})
