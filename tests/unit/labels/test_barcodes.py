"""Our barcode drawing: python-barcode's bars, drawn as one CSP-safe SVG path or a PNG; what goes on labels."""
from __future__ import annotations

import io
import re
from datetime import date
from types import SimpleNamespace

import barcode
import pytest
from PIL import Image

from app.i18n import format_day
from app.labels.barcodes import (
    BarcodeRefused,
    Symbology,
    code128,
    ean8,
    ean13,
    gs1_128,
    gtin_symbol,
    render_png,
    render_svg,
)
from app.labels.service import (
    SHEET_FORMATS,
    LabelKind,
    LabelRefused,
    badge_label,
    gs1_elements,
    gs1_printed_form,
    lay_out,
    location_label,
    lot_label,
    natural_key,
    product_label,
    sheet_format,
    tote_label,
    tote_labels,
)
from app.stock.models import BarcodeKind

GS = "\x1d"
JAN = "4901234567894"
PATH_BAR = re.compile(r"M(\d+) 0h(\d+)v50h-(\d+)z")
PRINTED_GS1 = re.compile(r"^(\(\d{2}\)[0-9A-Za-z!\"%&'*+,\-./:;<=>?_]+)+$")


def product(*barcodes: tuple[str, BarcodeKind, int], sku: str = "SKU-TEA", name: str = "緑茶 500ml"):
    rows = [SimpleNamespace(code=code, kind=kind, pack_qty=pack_qty) for code, kind, pack_qty in barcodes]
    return SimpleNamespace(sku=sku, name=name, barcodes=rows)


def bars_in_svg(svg: str) -> list[tuple[int, int]]:
    found = PATH_BAR.findall(svg)
    assert all(width == back for _, width, back in found)
    return [(int(x), int(width)) for x, width, _ in found]


def pattern_from_bars(bars: list[tuple[int, int]], quiet_left: int, length: int) -> str:
    modules = ["0"] * length
    for x, width in bars:
        for i in range(x - quiet_left, x - quiet_left + width):
            modules[i] = "1"
    return "".join(modules)


# --- SVG -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("symbol", [
    code128("ZL-A-01-03-2"),
    gs1_128([("01", "04901234567894"), ("17", "271231"), ("10", "LOT42")]),
    ean13(JAN),
    ean8("96385074"),
])
def test_the_svg_is_one_path_with_a_fill_attribute_and_no_style(symbol):
    svg = str(render_svg(symbol))
    assert "style" not in svg
    assert svg.count("<path") == 1 and "<rect" not in svg
    assert 'fill="#000"' in svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_python_barcodes_own_svg_writer_would_break_our_csp():
    assert 'style="' in barcode.get("code128", "ZT-0001").render().decode()


@pytest.mark.parametrize("symbol", [
    code128("ZL-A-01-03-2"),
    code128("ZU-7F3K9Q"),
    gs1_128([("01", "04901234567894"), ("17", "271231"), ("10", "LOT42")]),
    ean13(JAN),
    ean8("96385074"),
])
def test_the_svg_bars_are_exactly_the_module_pattern_with_quiet_zones_around(symbol):
    svg = str(render_svg(symbol))
    bars = bars_in_svg(svg)
    assert pattern_from_bars(bars, symbol.quiet_left, len(symbol.pattern)) == symbol.pattern
    assert f'viewBox="0 0 {symbol.quiet_left + len(symbol.pattern) + symbol.quiet_right} 50"' in svg
    assert bars[0][0] == symbol.quiet_left
    assert bars[-1][0] + bars[-1][1] == symbol.quiet_left + len(symbol.pattern)
    assert sum(width for _, width in bars) == symbol.pattern.count("1")


def test_code_128_has_eleven_modules_per_character_and_thirteen_for_stop():
    symbol = code128("ZT-0001")
    codewords = barcode.get("code128", "ZT-0001")._build()
    assert len(symbol.pattern) == 11 * (len(codewords) + 1) + 13
    assert symbol.pattern.startswith("11010010000")  # Start B
    assert symbol.pattern.endswith("1100011101011")  # Stop


def test_ean_13_is_95_modules_with_guards_and_quiet_zones_of_11_and_7():
    symbol = ean13(JAN)
    assert len(symbol.pattern) == 95
    assert symbol.pattern[:3] == "101" and symbol.pattern[45:50] == "01010" and symbol.pattern[-3:] == "101"
    assert (symbol.quiet_left, symbol.quiet_right) == (11, 7)


def test_ean_8_is_67_modules():
    assert len(ean8("96385074").pattern) == 67


def test_the_svg_names_the_code_for_screen_readers_and_escapes_it():
    assert 'aria-label="ZL-A-01-03-2"' in str(render_svg(code128("ZL-A-01-03-2")))
    assert "&lt;" in str(render_svg(code128("A<B")))


# --- GS1-128 -------------------------------------------------------------------------------------


def test_gs1_128_starts_with_start_c_and_fnc1():
    symbol = gs1_128([("01", "04901234567894"), ("17", "271231"), ("10", "LOT42")])
    start_c, fnc1 = "11010011100", "11110101110"
    assert symbol.pattern.startswith(start_c + fnc1)
    assert symbol.symbology is Symbology.GS1_128
    assert symbol.text == "01049012345678941727123110LOT42"


def test_gs1_128_separates_a_variable_length_element_that_is_not_last_with_fnc1():
    symbol = gs1_128([("01", "04901234567894"), ("10", "AB12"), ("17", "271231")])
    assert symbol.text == "010490123456789410AB12" + GS + "17271231"
    codewords = barcode.get("gs1_128", "010490123456789410AB12\xf117271231")._build()
    assert codewords.count(102) == 2


def test_the_printed_gs1_line_is_exactly_ai_in_brackets_then_value():
    elements = gs1_elements("04901234567894", "LOT42", date(2027, 12, 31))
    assert gs1_printed_form(elements) == "(01)04901234567894(17)271231(10)LOT42"


def test_a_lot_without_a_known_expiry_leaves_out_ai_17():
    assert gs1_printed_form(gs1_elements("04901234567894", "L1", None)) == "(01)04901234567894(10)L1"


def test_a_lot_label_carries_the_unit_gtin_14_the_expiry_and_the_lot_last():
    tea = product((JAN, BarcodeKind.EAN13, 1), ("14901234567891", BarcodeKind.GTIN14, 24))
    label = lot_label(tea, "LOT42", date(2027, 12, 31))
    assert label.kind is LabelKind.LOT
    assert label.caption == "(01)04901234567894(17)271231(10)LOT42"
    assert PRINTED_GS1.fullmatch(label.caption)
    assert label.symbol.text == "01049012345678941727123110LOT42"
    assert (label.heading, label.sku, label.name, label.expiry) == ("LOT42", "SKU-TEA", "緑茶 500ml", date(2027, 12, 31))


@pytest.mark.parametrize("lot", ["", "LOT 42", "LOT(42)", "ロット1", "L" * 21])
def test_a_lot_number_gs1_cannot_carry_is_refused(lot):
    with pytest.raises(LabelRefused):
        lot_label(product((JAN, BarcodeKind.EAN13, 1)), lot, None)


def test_a_lot_label_needs_a_unit_gtin():
    with pytest.raises(LabelRefused):
        lot_label(product(("14901234567891", BarcodeKind.GTIN14, 24), ("INT-1", BarcodeKind.INTERNAL, 1)), "L1", None)


# --- the other labels ----------------------------------------------------------------------------


def test_a_location_label_is_code_128_of_zl_and_the_tana_number_shown_large():
    label = location_label("A-01-03-2")
    assert label.symbol.symbology is Symbology.CODE128
    assert label.symbol.text == "ZL-A-01-03-2"
    assert label.heading == "A-01-03-2"


@pytest.mark.parametrize("code", ["a-01-03-2", "A 01", "A--01", "棚-1", "A-01-", ""])
def test_a_location_code_outside_a_z_0_9_and_single_dashes_is_refused(code):
    with pytest.raises(LabelRefused):
        location_label(code)


def test_a_product_label_shows_the_unit_jan_as_ean_13_with_sku_and_name():
    label = product_label(product(("14901234567891", BarcodeKind.GTIN14, 24), (JAN, BarcodeKind.EAN13, 1)))
    assert label.symbol.symbology is Symbology.EAN13
    assert (label.symbol.text, label.caption, label.heading, label.name) == (JAN, JAN, "SKU-TEA", "緑茶 500ml")


def test_a_product_without_a_gtin_gets_its_internal_code_in_code_128():
    label = product_label(product(("INT-00042", BarcodeKind.INTERNAL, 1)))
    assert (label.symbol.symbology, label.symbol.text) == (Symbology.CODE128, "INT-00042")


def test_a_upc_a_is_drawn_as_the_identical_ean_13_with_a_leading_zero():
    assert gtin_symbol("036000291452").text == "0036000291452"
    assert gtin_symbol("036000291452").pattern == ean13("0036000291452").pattern


def test_tote_labels_number_a_range_with_four_digits():
    assert [label.symbol.text for label in tote_labels(9, 11)] == ["ZT-0009", "ZT-0010", "ZT-0011"]
    assert tote_label(12345).heading == "ZT-12345"


@pytest.mark.parametrize("first,last", [(0, 3), (5, 4)])
def test_a_tote_range_that_runs_backwards_or_from_zero_is_refused(first, last):
    with pytest.raises(LabelRefused):
        tote_labels(first, last)


def test_a_badge_carries_the_badge_code_and_the_name_never_an_id():
    label = badge_label("山田 花子", "ZU-7F3K9Q")
    assert (label.symbol.text, label.heading, label.caption) == ("ZU-7F3K9Q", "山田 花子", "ZU-7F3K9Q")


@pytest.mark.parametrize("code", ["42", "ZU-", "ZU-ab12", "ZL-7F3K9Q"])
def test_a_badge_code_that_is_not_zu_and_a_z_0_9_is_refused(code):
    with pytest.raises(LabelRefused):
        badge_label("山田 花子", code)


@pytest.mark.parametrize("bad", [lambda: code128("棚"), lambda: code128(""), lambda: ean13("4901234567890"),
                                 lambda: ean8("1234567"), lambda: gs1_128([])])
def test_what_a_symbology_cannot_carry_is_refused(bad):
    with pytest.raises(BarcodeRefused):
        bad()


# --- PNG and sheets ------------------------------------------------------------------------------


def test_the_png_has_the_same_bars_at_the_module_size_asked():
    symbol = code128("ZT-0001")
    image = Image.open(io.BytesIO(render_png(symbol, module_px=2, bar_height_px=40, border_px=5)))
    assert image.size == (symbol.width_modules * 2 + 10, 50)
    row = [image.getpixel((5 + 2 * m, 25)) for m in range(symbol.width_modules)]
    drawn = "".join("1" if value < 128 else "0" for value in row)
    assert drawn == "0" * symbol.quiet_left + symbol.pattern + "0" * symbol.quiet_right


def test_labels_fill_sheets_in_reading_order_starting_at_the_position_asked():
    labels = tote_labels(1, 30)
    sheets = lay_out(labels, SHEET_FORMATS["a4-3x8"], start=5)
    assert [len(cells) for cells in sheets] == [24, 10]
    assert sheets[0][:4] == [None] * 4
    assert sheets[0][4].heading == "ZT-0001" and sheets[1][-1].heading == "ZT-0030"


def test_each_sheet_format_holds_columns_times_rows():
    assert {key: sheet.per_sheet for key, sheet in SHEET_FORMATS.items()} == {"a4-3x8": 24, "a4-2x5": 10, "single": 1}
    assert sheet_format("nonsense").key == "a4-3x8"


def test_nothing_to_print_and_too_much_to_print_are_refused():
    with pytest.raises(LabelRefused):
        lay_out([], SHEET_FORMATS["single"])
    with pytest.raises(LabelRefused):
        tote_labels(1, 1201)


def test_location_codes_sort_by_their_numbers():
    codes = ["A-01-03-10", "A-01-03-2", "A-01-10-1", "A-01-09-1", "B-01-01-1"]
    assert sorted(codes, key=natural_key) == ["A-01-03-2", "A-01-03-10", "A-01-09-1", "A-01-10-1", "B-01-01-1"]


def test_dates_are_slashed_in_japanese_and_iso_in_english():
    assert format_day(date(2027, 12, 31), "ja") == "2027/12/31"
    assert format_day(date(2027, 12, 31), "en") == "2027-12-31"
    assert format_day(None, "ja") == ""
