"""The locations CSV checked without a database."""
from __future__ import annotations

from app.masterdata.errors import ImportRefused
from app.masterdata.location_rows import KnownLocation, LocationRow, conflicts_with_store, read_location_file
from app.stock.models import DEFAULT_LOCATION_PATTERN, LocationKind

HEADER = "code,kind,zone,aisle,rack,level,pick sequence,active\r\n"


def read(*rows: str, header: str = HEADER, encoding: str = "utf-8"):
    return read_location_file((header + "".join(r + "\r\n" for r in rows)).encode(encoding), DEFAULT_LOCATION_PATTERN)


def problems(*rows: str, header: str = HEADER) -> list[tuple[int | None, str | None]]:
    parsed = read(*rows, header=header)
    return [(e.row, e.field) for e in ImportRefused(parsed.errors).errors]


def test_parts_come_from_the_code_even_when_a_spreadsheet_dropped_leading_zeros():
    [row] = read("A-01-03-2,storage,A,1,3,2,120,true").rows
    assert row == LocationRow(2, "A-01-03-2", LocationKind.STORAGE, "A", "01", "03", "2", 120, True)


def test_japanese_headers_and_kinds_in_shift_jis():
    [row] = read("PACK-01,梱包,,,,,900,有効", header="棚番,種別,ゾーン,通路,棚,段,ピッキング順,有効\r\n",
                 encoding="cp932").rows
    assert (row.code, row.kind, row.active) == ("PACK-01", LocationKind.PACKING, True)


def test_parts_that_disagree_with_the_code_are_refused():
    assert problems("A-01-03-2,storage,B,1,3,2,,") == [(2, "zone")]


def test_virtual_kinds_label_prefixes_and_duplicates_are_refused_with_row_numbers():
    assert problems("SCRAP2,scrap,,,,,,", "ZL-01-01-1,storage,,,,,,", "A-01-01-1,,,,,,,", "A-01-01-1,,,,,,,") == [
        (2, "kind"), (3, "code"), (5, "code"),
    ]


def test_a_new_storage_code_must_fit_the_warehouse_format():
    rows = [LocationRow(2, "SHELF1", LocationKind.STORAGE), LocationRow(3, "PACK-02", LocationKind.PACKING)]
    [error] = conflicts_with_store(rows, {}, DEFAULT_LOCATION_PATTERN)
    assert (error.row, error.field) == (2, "code")


def test_deactivating_or_changing_the_kind_of_a_location_with_stock_is_refused():
    known = {"A-01-01-1": KnownLocation(LocationKind.STORAGE, True, units=12, products=2)}
    for row in (LocationRow(2, "A-01-01-1", active=False), LocationRow(2, "A-01-01-1", LocationKind.DOCK)):
        [error] = conflicts_with_store([row], known, DEFAULT_LOCATION_PATTERN)
        assert "12 units of 2 products" in str(error.message)


def test_the_warehouses_own_locations_keep_their_kind_and_stay_active():
    known = {"DOCK": KnownLocation(LocationKind.DOCK, True, required=True),
             "SUPPLIER": KnownLocation(LocationKind.SUPPLIER, True, required=True)}
    rows = [LocationRow(2, "DOCK", active=False), LocationRow(3, "SUPPLIER", pick_sequence=5),
            LocationRow(4, "DOCK", pick_sequence=1)]
    assert [(e.row, e.field) for e in conflicts_with_store(rows, known, DEFAULT_LOCATION_PATTERN)] == [
        (2, "active"), (3, "code"),
    ]
