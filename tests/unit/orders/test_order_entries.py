"""The orders CSV read into entries, before any channel or product is looked up."""
from __future__ import annotations

from datetime import date

import pytest

from app.masterdata.errors import CellError, ImportRefused
from app.orders.entries import EntryLine, OrderEntry, gift_flag, read_order_file

HEADER = "channel,order id,ship to,ship by,priority,gift,SKU,JAN,quantity\r\n"
JA_HEADER = "チャネル,注文番号,届け先,出荷期限,優先度,ギフト,商品コード,JANコード,数量\r\n"


def data(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "".join(r + "\r\n" for r in rows)).encode(encoding)


def test_rows_of_one_channel_and_order_id_are_the_lines_of_one_order_in_file_order():
    read = read_order_file(data(
        "rakuten,R-1,山田 花子,2026/12/01,1,1,TEA-500,,2",
        "amazon,A-1,佐藤,2026-12-02,,,,4901234567894,1",
        "Rakuten,R-1,,,,,SOAP-1,,3",
        "amazon,R-1,鈴木,,,,SOAP-1,,1",
    ))
    assert read.errors == []
    assert read.rows == [
        OrderEntry("rakuten", "R-1", "山田 花子", (EntryLine(2, "TEA-500", 2), EntryLine(4, "SOAP-1", 3)),
                   date(2026, 12, 1), 1, True, "", 2),
        OrderEntry("amazon", "A-1", "佐藤", (EntryLine(3, "4901234567894", 1),), date(2026, 12, 2), 0, False, "", 3),
        OrderEntry("amazon", "R-1", "鈴木", (EntryLine(5, "SOAP-1", 1),), None, 0, False, "", 5),
    ]


def test_japanese_headers_in_shift_jis_and_the_words_order_exports_use():
    read = read_order_file(data("楽天,Ｒ－１,山田,20261201,２,あり,,4901234567894,１２", "ヤフー,Y-9,田中,,,なし,SOAP-1,,1",
                                header=JA_HEADER, encoding="cp932"))
    assert read.encoding == "cp932" and read.errors == []
    first, second = read.rows
    assert (first.channel, first.external_id, first.priority, first.gift, first.ship_by) == (
        "楽天", "R-1", 2, True, date(2026, 12, 1))
    assert first.lines == (EntryLine(2, "4901234567894", 12),) and second.gift is False


def test_a_sku_and_a_jan_on_one_row_are_both_kept_for_the_check():
    [order] = read_order_file(data("own,O-1,木村,,,,TEA-500,4901234567894,1")).rows
    assert order.lines == (EntryLine(2, "TEA-500", 1, "4901234567894"),)


def test_rows_of_one_order_that_disagree_are_errors_on_the_later_row():
    read = read_order_file(data("rakuten,R-1,山田,2026/12/01,,,TEA-500,,2", "rakuten,R-1,山田,2026/12/02,,,SOAP-1,,1",
                                "rakuten,R-1,佐藤,,,,SOAP-2,,1"))
    assert [(e.row, e.field) for e in read.errors] == [(3, "ship_by"), (4, "ship_to")]
    assert "has another ship-by date on row 2" in str(read.errors[0].message)
    assert [line.row for line in read.rows[0].lines] == [2]


def test_wrong_cells_are_row_numbered_errors():
    read = read_order_file(data(",R-1,山田,,,,TEA,,1", "rakuten,,山田,,,,TEA,,1", "rakuten,R-2,,,,,TEA,,1",
                                "rakuten,R-3,山田,someday,10,maybe,,,0"))
    found = [(e.row, e.field) for e in read.errors]
    assert found == [(2, "channel"), (3, "external_id"), (5, "ship_by"), (5, "priority"), (5, "gift"),
                     (5, "quantity"), (5, "product"), (4, "ship_to")]
    assert read.rows == []


def test_missing_columns_refuse_the_file():
    with pytest.raises(ImportRefused) as refused:
        read_order_file(data("rakuten,R-1,1", header="channel,order id,quantity\r\n"))
    messages = [str(e.message) for e in refused.value.errors]
    assert messages == ["Missing column: ship to (届け先).", "Missing column: one of SKU (商品コード), JAN (JANコード)."]


@pytest.mark.parametrize("text, value", [("1", True), ("○", True), ("有", True), ("ギフト", True), ("yes", True),
                                         ("0", False), ("なし", False), ("無", False), ("×", False), ("不要", False)])
def test_gift_words(text, value):
    assert gift_flag(text) is value


def test_a_gift_cell_that_is_no_word_is_refused():
    with pytest.raises(CellError):
        gift_flag("たぶん")
