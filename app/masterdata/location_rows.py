"""The locations CSV: its columns, and the checks that need only the file and what the store
holds (passed in).

| field | English | 日本語 | cell |
|---|---|---|---|
| code (required) | code | 棚番 | letters, digits, single `-`; not starting like a label (ZL- …) |
| kind | kind | 種別 | storage, dock, packing, shipping, quarantine (保管, 入荷場, 梱包, 出荷, 隔離) |
| zone, aisle, rack, level | zone, aisle, rack, level | ゾーン, 通路, 棚, 段 | up to 8 letters or digits |
| pick_sequence | pick sequence | ピッキング順 | whole number: the walking order |
| active | active | 有効 | true/false, 1/0, 有効/無効 |

A new location is a sellable storage shelf unless its kind says otherwise; a new storage
code must fit the warehouse's location format, and when the code is `ZONE-AISLE-RACK-LEVEL`
its parts fill (and must agree with) the zone, aisle, rack and level cells — so a
spreadsheet that turned aisle `01` into `1` still imports. An empty cell leaves an existing
location's value as it is. Virtual locations (supplier, customer, adjustment, scrap) are made
with the warehouse and never imported.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.barcodes.checkdigit import is_digits
from app.masterdata import cells
from app.masterdata.codes import fits_pattern, location_code, zone_code
from app.masterdata.csvfile import Column, ReadFile, Row, read_cells, read_table
from app.masterdata.errors import CellError, RowError
from app.stock.models import LocationKind

MAX_LOCATION_ROWS = 50_000
MAX_PICK_SEQUENCE = 99_999_999
_PART = re.compile(r"[A-Z0-9]{1,8}")

LOCATION_COLUMNS = (
    Column("code", "code", "棚番", ("location", "location code", "ロケーション", "ロケーションコード")),
    Column("kind", "kind", "種別", ("type", "location kind", "区分")),
    Column("zone", "zone", "ゾーン"),
    Column("aisle", "aisle", "通路", ("列",)),
    Column("rack", "rack", "棚", ("bay", "ラック", "連")),
    Column("level", "level", "段"),
    Column("pick_sequence", "pick sequence", "ピッキング順", ("pick seq", "walk order", "ピック順", "歩行順")),
    Column("active", "active", "有効", ("使用",)),
)
REQUIRED = (("code",),)
KIND_WORDS: dict[str, LocationKind] = {
    "storage": LocationKind.STORAGE, "保管": LocationKind.STORAGE, "棚": LocationKind.STORAGE,
    "dock": LocationKind.DOCK, "入荷場": LocationKind.DOCK, "ドック": LocationKind.DOCK,
    "packing": LocationKind.PACKING, "梱包": LocationKind.PACKING, "梱包場": LocationKind.PACKING,
    "shipping": LocationKind.SHIPPING, "出荷": LocationKind.SHIPPING, "出荷場": LocationKind.SHIPPING,
    "quarantine": LocationKind.QUARANTINE, "隔離": LocationKind.QUARANTINE, "保留": LocationKind.QUARANTINE,
}
VIRTUAL_WORDS = {kind.value: kind for kind in LocationKind if kind.is_virtual}


@dataclass(frozen=True)
class LocationRow:
    """One row of the file; None means the cell was empty (or the column absent)."""

    row: int
    code: str
    kind: LocationKind | None = None
    zone: str | None = None
    aisle: str | None = None
    rack: str | None = None
    level: str | None = None
    pick_sequence: int | None = None
    active: bool | None = None


LocationFile = ReadFile[LocationRow]


@dataclass(frozen=True)
class KnownLocation:
    kind: LocationKind
    active: bool
    units: int = 0
    products: int = 0
    required: bool = False


def read_location_file(data: bytes, location_pattern: str) -> LocationFile:
    """Every row of a locations CSV, checked on its own and against the other rows.

    Row problems are collected in `errors`; a file that cannot be read at all raises
    ImportRefused.
    """
    table = read_table(data, LOCATION_COLUMNS, REQUIRED, max_rows=MAX_LOCATION_ROWS)
    errors: list[RowError] = []
    rows = [row for row in (_location_row(r, location_pattern, errors) for r in table.rows) if row is not None]
    errors += _repeated_codes(table.rows)
    return LocationFile(rows, errors, table.headers, table.ignored, table.encoding)


def conflicts_with_store(rows: list[LocationRow], known: Mapping[str, KnownLocation],
                         location_pattern: str) -> list[RowError]:
    """Problems only the store can tell: virtual or required locations, stock in a location
    that would be deactivated or change kind, a new storage code outside the format."""
    errors = []
    for row in rows:
        location = known.get(row.code)
        problem = _new_location_problem(row, location_pattern) if location is None else _change_problem(row, location)
        if problem is not None:
            errors.append(problem)
    return errors


def _new_location_problem(row: LocationRow, location_pattern: str) -> RowError | None:
    if (row.kind or LocationKind.STORAGE) is LocationKind.STORAGE and not fits_pattern(row.code, location_pattern):
        return RowError(row.row, _l("%(code)s does not fit this warehouse's location format.", code=row.code), "code")
    return None


def _change_problem(row: LocationRow, location: KnownLocation) -> RowError | None:
    if location.kind.is_virtual:
        return RowError(row.row, _l("%(code)s is a virtual location of the warehouse: it is not imported.",
                                    code=row.code), "code")
    kind_changes = row.kind is not None and row.kind is not location.kind
    deactivates = row.active is False and location.active
    if location.required and (kind_changes or deactivates):
        return RowError(row.row, _l("%(code)s is one of the locations every warehouse needs: its kind and "
                                    "active state stay as they are.", code=row.code), "kind" if kind_changes else "active")
    if (kind_changes or deactivates) and location.units:
        return RowError(row.row, _l("%(code)s still holds %(units)s units of %(products)s products: move them out first.",
                                    code=row.code, units=location.units, products=location.products),
                        "kind" if kind_changes else "active")
    return None


def _location_row(row: Row, location_pattern: str, errors: list[RowError]) -> LocationRow | None:
    values, found_error = read_cells(row, READERS, errors)
    if "code" not in values:
        if not row["code"]:
            errors.append(RowError(row.number, _l("The location code is empty."), "code"))
        return None
    problems = _fill_parts_from_code(values, location_pattern)
    errors += [RowError(row.number, message, field_name) for field_name, message in problems]
    return None if found_error or problems else LocationRow(row.number, **values)


def _fill_parts_from_code(values: dict[str, object], location_pattern: str) -> list[tuple[str, object]]:
    code = str(values["code"])
    parts = code.split("-")
    if len(parts) != 4 or not fits_pattern(code, location_pattern):
        return []
    problems = []
    for field_name, part in zip(("zone", "aisle", "rack", "level"), parts, strict=True):
        given = values.get(field_name)
        if given is not None and not _same_part(str(given), part):
            problems.append((field_name, _l("%(value)s does not match the code %(code)s.", value=given, code=code)))
        values[field_name] = part
    return problems


def _same_part(given: str, part: str) -> bool:
    return given == part or (is_digits(given) and is_digits(part) and given.lstrip("0") == part.lstrip("0"))


def _repeated_codes(rows: list[Row]) -> list[RowError]:
    errors = []
    first_row: dict[str, int] = {}
    for row in rows:
        code = cells.normalized(cells.unguarded(row["code"])).upper()
        if not code:
            continue
        if code in first_row:
            errors.append(RowError(row.number, _l("%(code)s is also on row %(first)s: each location once per file.",
                                                  code=code, first=first_row[code]), "code"))
        else:
            first_row[code] = row.number
    return errors


def _kind(text: str) -> LocationKind:
    try:
        virtual = cells.choice(text, VIRTUAL_WORDS, None)
    except CellError:
        return cells.choice(text, KIND_WORDS, _l("Unknown kind %(value)s: use storage, dock, packing, shipping or "
                                                 "quarantine.", value=text))
    raise CellError(_l("%(value)s locations are made with the warehouse: they are not imported.", value=virtual.value))


def _part(text: str) -> str:
    part = cells.normalized(text).upper()
    if not _PART.fullmatch(part):
        raise CellError(_l("%(value)s: use 1 to 8 letters or digits.", value=text))
    return part


READERS: dict[str, Callable[[str], object]] = {
    "code": lambda text: location_code(cells.unguarded(text)),
    "kind": _kind,
    "zone": zone_code,
    "aisle": _part,
    "rack": _part,
    "level": _part,
    "pick_sequence": lambda text: cells.whole_number(text, high=MAX_PICK_SEQUENCE),
    "active": cells.yes_no,
}


def export_header(language: str) -> list[str]:
    return [column.header(language) for column in LOCATION_COLUMNS]
