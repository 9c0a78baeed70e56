"""The products CSV checked without a database: every row, row numbers, nothing half-read."""
from __future__ import annotations

import pytest

from app.masterdata.errors import ImportRefused
from app.masterdata.product_rows import (
    KnownProduct,
    ProductRow,
    StoreView,
    conflicts_with_store,
    read_product_file,
)
from app.stock.models import Tracking

JAN = "4901234567894"
JAN2 = "4549131970258"
CASE = "14901234567891"
HEADER_EN = "SKU,name,JAN,case GTIN,pack quantity,tracking,minimum shelf life days,reorder point,safety stock,zone\r\n"
HEADER_JA = "商品コード,商品名,JANコード,ケースGTIN,入数,管理区分,最低残存日数,発注点,安全在庫,ゾーン\r\n"


def csv_bytes(header: str, *rows: str, encoding: str = "utf-8") -> bytes:
    return (header + "".join(row + "\r\n" for row in rows)).encode(encoding)


def problems(data: bytes) -> list[tuple[int | None, str | None, str]]:
    """Every problem of the file as (row, column as the file names it, message), rows in order."""
    try:
        parsed = read_product_file(data)
        refused = ImportRefused(parsed.errors, parsed.headers)
    except ImportRefused as unreadable:
        refused = unreadable
    return [(e.row, refused.column(e), str(e.message)) for e in refused.errors]


def test_a_shift_jis_file_with_japanese_names_and_headers_is_read():
    data = csv_bytes(HEADER_JA, f"TEA-500,伊右衛門 緑茶 500ml,{JAN},{CASE},24,ロット+期限,90,10,5,A",
                     encoding="cp932")
    parsed = read_product_file(data)
    assert parsed.encoding == "cp932" and parsed.errors == []
    assert parsed.rows == [ProductRow(2, "TEA-500", "伊右衛門 緑茶 500ml", JAN, CASE, 24, Tracking.LOT_EXPIRY, 90, 10, 5, "A")]


def test_empty_cells_mean_leave_as_it_is():
    parsed = read_product_file(csv_bytes("SKU,name,JAN,tracking\r\n", "TEA-500,,,"))
    assert parsed.rows == [ProductRow(2, "TEA-500")] and parsed.errors == []


@pytest.mark.parametrize("word, tracking", [
    ("none", Tracking.NONE), ("なし", Tracking.NONE), ("LOT", Tracking.LOT), ("ロット", Tracking.LOT),
    ("lot_expiry", Tracking.LOT_EXPIRY), ("Lot + Expiry", Tracking.LOT_EXPIRY), ("ロット・期限", Tracking.LOT_EXPIRY),
    ("serial", Tracking.SERIAL), ("シリアル", Tracking.SERIAL),
])
def test_tracking_modes_are_read_in_english_and_japanese(word, tracking):
    assert read_product_file(csv_bytes("SKU,name,tracking\r\n", f"A,x,{word}")).rows[0].tracking is tracking


def test_every_wrong_row_is_reported_with_its_row_number_and_column():
    data = csv_bytes(
        HEADER_EN,
        f"OK-1,good,{JAN},,,none,0,0,0,A",
        "BAD-JAN,x,4901234567895,,,none,0,0,0,A",
        "BAD-TRACK,x,,,,batch,0,0,0,A",
        "BAD-NUM,x,,,,none,-3,0,0,A",
        "BAD-ZONE,x,,,,none,0,0,0,ZL",
    )
    found = problems(data)
    assert [(row, column) for row, column, _message in found] == [
        (3, "JAN"), (4, "tracking"), (5, "minimum shelf life days"), (6, "zone"),
    ]
    assert "check digit" in found[0][2]
    assert "Unknown tracking mode batch" in found[1][2]
    assert "ZL-" in found[3][2]


def test_a_duplicate_sku_in_the_file_names_the_first_row():
    found = problems(csv_bytes("SKU,name\r\n", "TEA-500,a", "COFFEE,b", "TEA-500,c"))
    assert found == [(4, "SKU", "SKU TEA-500 is also on row 2: each SKU once per file.")]


def test_a_duplicate_sku_is_found_even_when_its_first_row_has_another_problem():
    found = problems(csv_bytes("SKU,name,JAN\r\n", "TEA-500,a,4901234567895", "TEA-500,c,"))
    assert [(row, column) for row, column, _message in found] == [(2, "JAN"), (3, "SKU")]


def test_a_jan_given_to_two_skus_in_the_file_is_refused_in_any_spelling():
    found = problems(csv_bytes("SKU,JANコード,name\r\n", "A,0012345678905,x", "B,012345678905,y"))
    assert found == [(3, "JANコード", "012345678905 is also given to A on row 2.")]


def test_a_case_gtin_without_its_pack_quantity_is_refused():
    found = problems(csv_bytes("SKU,name,case GTIN,pack quantity\r\n", f"A,x,{CASE},"))
    assert found == [(2, "pack quantity", "Give the case GTIN and its pack quantity together (or neither).")]


def test_missing_required_columns_refuse_the_file():
    found = problems(csv_bytes("JAN,tracking\r\n", f"{JAN},lot"))
    assert found == [(1, None, "Missing column: SKU (商品コード)."), (1, None, "Missing column: name (商品名).")]


def test_a_jan_used_by_another_product_is_a_conflict_with_the_store():
    rows = [ProductRow(2, "TEA-500", "tea", JAN), ProductRow(3, "NEW", "new", JAN2)]
    store = StoreView({"TEA-500": KnownProduct(Tracking.NONE, False)}, {"0" + JAN: "COFFEE", "0" + JAN2: "NEW"})
    [error] = conflicts_with_store(rows, store)
    assert (error.row, error.field, str(error.message)) == (2, "jan", f"{JAN} already belongs to product COFFEE.")


def test_a_new_sku_needs_a_name():
    [error] = conflicts_with_store([ProductRow(2, "NEW")], StoreView())
    assert (error.row, error.field) == (2, "name")


def test_tracking_cannot_change_while_the_product_has_stock():
    rows = [ProductRow(2, "A", tracking=Tracking.LOT), ProductRow(3, "B", tracking=Tracking.LOT)]
    store = StoreView({"A": KnownProduct(Tracking.NONE, True), "B": KnownProduct(Tracking.NONE, False)})
    [error] = conflicts_with_store(rows, store)
    assert (error.row, error.field) == (2, "tracking")


def test_a_formula_guarded_name_from_an_export_reads_back_as_it_was():
    parsed = read_product_file(csv_bytes("SKU,name\r\n", "A,'=HYPERLINK(x)"))
    assert parsed.rows[0].name == "=HYPERLINK(x)"


def test_cost_price_and_lead_time_are_read_in_japanese_and_english_headers():
    ja = read_product_file(csv_bytes("商品コード,商品名,原価,リードタイム\r\n", "TEA-500,緑茶,\"￥1,200\",14日",
                                     "SOAP-1,石けん,８５円,７", "BAG,袋,\\980,3", encoding="cp932"))
    assert [(r.sku, r.cost_price, r.lead_time_days) for r in ja.rows] == [
        ("TEA-500", 1200, 14), ("SOAP-1", 85, 7), ("BAG", 980, 3)]
    en = read_product_file(csv_bytes("SKU,name,cost price,lead time days\r\n", "TEA-500,x,0,"))
    assert (en.rows[0].cost_price, en.rows[0].lead_time_days) == (0, None) and en.errors == []


def test_a_wrong_cost_price_or_lead_time_names_its_row_and_column():
    found = problems(csv_bytes("SKU,name,原価,リードタイム\r\n", "A,x,-5,3", "B,x,12.5,3", "C,x,100,400"))
    assert [(row, column) for row, column, _message in found] == [(2, "原価"), (3, "原価"), (4, "リードタイム")]
