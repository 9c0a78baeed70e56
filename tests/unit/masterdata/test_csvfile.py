"""Reading office CSV files: encodings Excel writes, headers in two languages, row numbers."""
from __future__ import annotations

import pytest

from app.masterdata.csvfile import UTF8_BOM, Column, Row, decode, read_cells, read_table, write_csv
from app.masterdata.errors import CellError, ImportRefused, RowError

COLUMNS = (
    Column("sku", "SKU", "商品コード"),
    Column("name", "name", "商品名"),
    Column("qty", "quantity", "数量", ("qty",)),
)
REQUIRED = (("sku",), ("name",))
TEXT = "商品コード,商品名,数量\r\nTEA-1,緑茶 500ml,3\r\nTEA-2,ほうじ茶,4\r\n"


def messages(refused: ImportRefused) -> list[str]:
    return [str(error.message) for error in refused.errors]


def test_utf8_without_bom_is_read():
    text, encoding = decode(TEXT.encode("utf-8"))
    assert text == TEXT and encoding == "utf-8"


def test_utf8_with_bom_is_read_without_the_bom():
    text, encoding = decode(UTF8_BOM + TEXT.encode("utf-8"))
    assert text == TEXT and encoding == "utf-8-sig"


def test_shift_jis_as_japanese_excel_writes_it_is_read():
    text, encoding = decode(TEXT.encode("cp932"))
    assert text == TEXT and encoding == "cp932"


def test_cp932_only_characters_such_as_circled_numbers_are_read():
    text = "SKU,name\r\nA-1,①番棚用 ～ 髙島屋\r\n"
    assert decode(text.encode("cp932")) == (text, "cp932")


@pytest.mark.parametrize("data", [
    TEXT.encode("utf-16"),
    TEXT.encode("utf-16-le"),
    "SKU,name\nA-1,café crème\n".encode("latin-1"),
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
], ids=["utf-16 with BOM", "utf-16 without BOM", "latin-1", "binary"])
def test_an_unknown_encoding_is_refused_with_a_message_on_how_to_save_the_file(data):
    with pytest.raises(ImportRefused) as refused:
        decode(data)
    [message] = messages(refused.value)
    assert "UTF-8" in message and "Shift_JIS" in message
    assert refused.value.errors[0].row is None


def test_an_empty_file_is_refused():
    with pytest.raises(ImportRefused) as refused:
        decode(b"  \r\n")
    assert messages(refused.value) == ["The file is empty."]


def test_japanese_and_english_headers_are_both_accepted_in_any_width_and_case():
    english = read_table(b"sku,NAME,Qty\nA,x,1\n", COLUMNS, REQUIRED, max_rows=10)
    japanese = read_table(TEXT.encode("utf-8"), COLUMNS, REQUIRED, max_rows=10)
    full_width = read_table("ＳＫＵ,商品名\nA,x\n".encode(), COLUMNS, REQUIRED, max_rows=10)
    assert english.rows[0].cells == {"sku": "A", "name": "x", "qty": "1"}
    assert japanese.headers == {"sku": "商品コード", "name": "商品名", "qty": "数量"}
    assert full_width.rows[0]["sku"] == "A"


def test_missing_required_columns_are_named_in_both_languages():
    with pytest.raises(ImportRefused) as refused:
        read_table(b"quantity\n3\n", COLUMNS, REQUIRED, max_rows=10)
    assert messages(refused.value) == ["Missing column: SKU (商品コード).", "Missing column: name (商品名)."]
    assert {error.row for error in refused.value.errors} == {1}


def test_one_of_several_columns_is_enough_when_any_will_do():
    with pytest.raises(ImportRefused) as refused:
        read_table(b"name\nx\n", COLUMNS, (("sku", "qty"),), max_rows=10)
    assert messages(refused.value) == ["Missing column: one of SKU (商品コード), quantity (数量)."]


def test_two_columns_for_the_same_field_are_refused():
    with pytest.raises(ImportRefused) as refused:
        read_table("SKU,商品コード,name\nA,B,x\n".encode(), COLUMNS, REQUIRED, max_rows=10)
    assert "SKU" in messages(refused.value)[0] and "商品コード" in messages(refused.value)[0]


def test_unknown_columns_are_ignored_and_reported():
    table = read_table("SKU,name,価格\nA,x,100\n".encode(), COLUMNS, REQUIRED, max_rows=10)
    assert table.ignored == ("価格",)
    assert table.rows[0].cells == {"sku": "A", "name": "x"}


def test_rows_are_numbered_as_a_spreadsheet_shows_them_and_blank_rows_are_skipped():
    data = b'SKU,name\r\nA,"two\r\nlines"\r\n,\r\nB,y\r\n'
    table = read_table(data, COLUMNS, REQUIRED, max_rows=10)
    assert [(row.number, row["sku"]) for row in table.rows] == [(2, "A"), (4, "B")]
    assert table.rows[0]["name"] == "two\r\nlines"


def test_cells_are_trimmed_of_spaces_including_the_ideographic_space():
    table = read_table("SKU,name\n  A\u3000, x \n".encode(), COLUMNS, REQUIRED, max_rows=10)
    assert table.rows[0].cells == {"sku": "A", "name": "x"}


def test_a_tab_separated_file_is_read_too():
    table = read_table(b"SKU\tname\nA\tx\n", COLUMNS, REQUIRED, max_rows=10)
    assert table.rows[0].cells == {"sku": "A", "name": "x"}


def test_a_file_with_only_a_header_is_refused():
    with pytest.raises(ImportRefused) as refused:
        read_table(b"SKU,name\n", COLUMNS, REQUIRED, max_rows=10)
    assert messages(refused.value) == ["The file has a header but no rows."]


def test_too_many_rows_are_refused():
    data = b"SKU,name\n" + b"".join(b"A%d,x\n" % n for n in range(4))
    with pytest.raises(ImportRefused) as refused:
        read_table(data, COLUMNS, REQUIRED, max_rows=3)
    assert "more than 3 rows" in messages(refused.value)[0]


def test_export_is_utf8_with_bom_and_crlf_and_reads_back_the_same():
    data = write_csv(["SKU", "name"], [["A-1", "緑茶, 500ml"], ["B", None]])
    assert data.startswith(UTF8_BOM) and b"\r\n" in data
    table = read_table(data, COLUMNS, REQUIRED, max_rows=10)
    assert [row.cells for row in table.rows] == [{"sku": "A-1", "name": "緑茶, 500ml"}, {"sku": "B", "name": ""}]


def whole(text: str) -> int:
    if not text.isdigit():
        raise CellError(f"{text} is not a number")
    return int(text)


READERS = {"sku": str.upper, "qty": whole, "name": str}


def test_cells_are_read_by_their_field_readers_and_empty_cells_left_out():
    errors: list[RowError] = []
    values, wrong = read_cells(Row(2, {"sku": "tea-1", "qty": "3", "name": ""}), READERS, errors)
    assert values == {"sku": "TEA-1", "qty": 3} and not wrong and errors == []


def test_a_refused_cell_becomes_a_row_error_naming_its_field_and_the_others_are_still_read():
    errors: list[RowError] = []
    values, wrong = read_cells(Row(7, {"sku": "tea-1", "qty": "three"}), READERS, errors)
    assert wrong and values == {"sku": "TEA-1"}
    assert errors == [RowError(7, "three is not a number", "qty")]


def test_an_empty_needed_cell_is_reported_in_reader_order():
    errors: list[RowError] = []
    _, wrong = read_cells(Row(4, {"sku": "", "qty": "x"}), READERS, errors, {"sku": "The SKU is empty.",
                                                                             "name": "The name is empty."})
    assert wrong
    assert errors == [RowError(4, "The SKU is empty.", "sku"), RowError(4, "x is not a number", "qty"),
                      RowError(4, "The name is empty.", "name")]
