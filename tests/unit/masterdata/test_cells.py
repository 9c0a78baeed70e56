"""Cells as people and spreadsheets type them."""
from __future__ import annotations

from datetime import date

import pytest

from app.masterdata import cells
from app.masterdata.errors import CellError


def test_whole_numbers_accept_thousands_separators_full_width_and_excel_decimals():
    assert cells.whole_number("1,200") == 1200
    assert cells.whole_number("１２") == 12
    assert cells.whole_number("24.0") == 24


@pytest.mark.parametrize("text", ["-1", "1.5", "abc", "12,34"])
def test_other_numbers_are_refused(text):
    with pytest.raises(CellError):
        cells.whole_number(text)


def test_numbers_outside_their_range_are_refused_with_the_range():
    with pytest.raises(CellError) as refused:
        cells.whole_number("0", low=1, high=99)
    assert str(refused.value.message) == "0 is not between 1 and 99."


def test_a_jan_with_a_wrong_check_digit_is_refused():
    with pytest.raises(CellError) as refused:
        cells.unit_gtin("4901234567895")
    assert "check digit" in str(refused.value.message)


def test_a_jan_a_spreadsheet_turned_into_a_number_is_explained():
    with pytest.raises(CellError) as refused:
        cells.unit_gtin("4.90123E+12")
    assert "format the column as text" in str(refused.value.message)


def test_a_jan_that_lost_its_leading_zero_is_explained():
    with pytest.raises(CellError) as refused:
        cells.unit_gtin("12345678905")
    assert "leading zeros" in str(refused.value.message)


def test_short_jan_and_upc_are_unit_codes():
    assert cells.unit_gtin("96385074") == "96385074"
    assert cells.unit_gtin("012345678905") == "012345678905"


def test_a_case_gtin_needs_an_indicator_digit_from_1_to_8():
    assert cells.case_gtin("14901234567891") == "14901234567891"
    with pytest.raises(CellError):
        cells.case_gtin("04901234567894")


@pytest.mark.parametrize("text", ["2027/03/31", "2027-03-31", "20270331", "2027/3/31 0:00", "２０２７／０３／３１"])
def test_dates_are_read_as_offices_write_them(text):
    assert cells.day(text) == date(2027, 3, 31)


def test_yes_and_no_in_english_japanese_and_symbols():
    assert [cells.yes_no(t) for t in ("TRUE", "1", "有効", "○")] == [True] * 4
    assert [cells.yes_no(t) for t in ("false", "0", "無効", "×")] == [False] * 4


def test_an_exported_formula_like_text_is_guarded_and_reads_back_unchanged():
    for text in ("=SUM(A1)", "+81", "-ハイ-", "@home"):
        assert cells.guarded(text).startswith("'")
        assert cells.unguarded(cells.guarded(text)) == text
    assert cells.guarded("緑茶") == "緑茶"
    assert cells.unguarded("'quoted") == "'quoted"
