"""The one-product form read on its own (issue 15): barcode rows, numbers, kits; and which stock a
tracking mode can hold."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app.barcodes.checkdigit import with_check_digit
from app.masterdata.errors import CellError
from app.masterdata.product_edit import StockShape, tracking_refusal
from app.masterdata.product_form import DraftRefused, barcode_line, read_product_form
from app.stock.models import BarcodeKind, Tracking

JAN = "4901234567894"
CASE = with_check_digit("1490123456789")


@pytest.mark.parametrize("code, pack, expected", [
    (JAN, "", (JAN, 1, BarcodeKind.EAN13)),
    ("４９０１２３４５６７８９４", "", (JAN, 1, BarcodeKind.EAN13)),  # typed full-width
    ("96385074", "", ("96385074", 1, BarcodeKind.EAN8)),
    ("012345678905", "1", ("012345678905", 1, BarcodeKind.UPCA)),
    (CASE, "24", (CASE, 24, BarcodeKind.GTIN14)),
    ("0" + JAN, "", ("0" + JAN, 1, BarcodeKind.GTIN14)),
    ("tea-x1", "", ("TEA-X1", 1, BarcodeKind.INTERNAL)),
    ("BOX-12", "12", ("BOX-12", 12, BarcodeKind.INTERNAL)),
])
def test_barcode_rows_are_read_by_their_shape(code, pack, expected):
    line = barcode_line(code, pack)
    assert (line.code, line.pack_qty, line.kind) == expected


@pytest.mark.parametrize("code, pack", [
    ("4901234567890", ""), (CASE[:-1] + "0", "24"), (CASE, ""), (CASE, "1"), (JAN, "6"), ("9" + JAN, "2"),
    ("1234567890", ""), ("ZL-A-01", ""), ("ZU-ABC", ""), ("A--B", ""), ("has space", ""), ("X" * 41, ""), (JAN, "0"),
])
def test_bad_barcode_rows_are_refused(code, pack):
    with pytest.raises(CellError):
        barcode_line(code, pack)


def form(**fields) -> MultiDict:
    base = {"sku": "TEA", "name": "緑茶", "tracking": "none"}
    data = MultiDict({**base, **{k: v for k, v in fields.items() if not isinstance(v, list)}})
    for key, values in fields.items():
        if isinstance(values, list):
            data.setlist(key, values)
    return data


def test_a_form_reads_into_a_draft():
    draft = read_product_form(form(barcode=[JAN, "", CASE], pack=["", "", "12"], cost_price="1,200円",
                                   shelf_life_days="", mixed_lots="true", is_kit="1", component=["CUP", ""],
                                   component_qty=["2", ""], seen="x"))
    assert [b.code for b in draft.barcodes] == [JAN, CASE]
    assert (draft.cost_price, draft.shelf_life_days, draft.mixed_lots, draft.min_shelf_life_days) == (1200, None, True, 0)
    assert [(c.sku, c.quantity) for c in draft.components] == [("CUP", 2)]


def test_every_problem_of_a_form_is_reported_at_once():
    with pytest.raises(DraftRefused) as refused:
        read_product_form(form(sku="", name="", tracking="x", barcode=["bad code", JAN, "0" + JAN],
                               reorder_point="-1", is_kit="1"))
    assert set(refused.value.errors) == {"sku", "name", "tracking", "barcode-0", "barcode-2", "reorder_point",
                                         "components"}


@pytest.mark.parametrize("shape, new, refused", [
    (StockShape(), Tracking.SERIAL, False),
    (StockShape(units=5, without_lot=5), Tracking.LOT, True),
    (StockShape(units=5, without_lot=5), Tracking.NONE, False),
    (StockShape(units=5, most_in_one_lot=5), Tracking.NONE, True),
    (StockShape(units=5, lots_without_expiry=2, most_in_one_lot=3), Tracking.LOT_EXPIRY, True),
    (StockShape(units=5, most_in_one_lot=3), Tracking.LOT_EXPIRY, False),
    (StockShape(units=5, most_in_one_lot=2), Tracking.SERIAL, True),
    (StockShape(units=5, most_in_one_lot=1), Tracking.SERIAL, False),
])
def test_which_stock_a_tracking_mode_can_hold(shape, new, refused):
    assert (tracking_refusal(shape, new) is not None) == refused
