import pytest

from app.barcodes.normalize import GS, MAX_SCAN_LENGTH, Refused, normalize_scan
from app.barcodes.reasons import Reason


@pytest.mark.parametrize("suffix", ["\r", "\n", "\r\n", "\t", "  "])
def test_strips_the_enter_or_tab_a_scanner_appends(suffix):
    assert normalize_scan("4901234567894" + suffix) == "4901234567894"


def test_strips_spaces_around_a_typed_code():
    assert normalize_scan("  ZL-A-01-03-2 ") == "ZL-A-01-03-2"


def test_turns_full_width_letters_and_digits_from_a_phone_ime_into_ascii():
    assert normalize_scan("ＡＢＣ１２３") == "ABC123"


def test_turns_a_full_width_location_label_into_ascii():
    assert normalize_scan("ＺＬ－Ａ－０１－０３－２") == "ZL-A-01-03-2"


def test_removes_the_ideographic_space_a_japanese_keyboard_types():
    assert normalize_scan("\u3000４９０１２３４５６７８９４\u3000") == "4901234567894"


@pytest.mark.parametrize("dash", ["\uff0d", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015",
                                  "\u2212", "\ufe63", "\u30fc", "\uff70"])
def test_turns_every_dash_look_alike_into_a_hyphen_minus(dash):
    assert normalize_scan(f"ZL{dash}A{dash}01{dash}03{dash}2") == "ZL-A-01-03-2"


def test_turns_full_width_parentheses_of_a_typed_gs1_code_into_ascii():
    assert normalize_scan("（０１）０４９０１２３４５６７８９４") == "(01)04901234567894"


def test_keeps_the_group_separator_between_gs1_elements():
    scan = "]C10104901234567894" + "10LOT42" + GS + "2112345"
    assert normalize_scan(scan) == scan


def test_keeps_a_group_separator_in_first_position():
    assert normalize_scan(GS + "0104901234567894") == GS + "0104901234567894"


@pytest.mark.parametrize("written", ["\u241d", "<GS>", "{GS}", "<FNC1>", "{FNC1}"])
def test_turns_a_written_out_group_separator_into_the_real_one(written):
    assert normalize_scan(f"]C11727123110LOT42{written}2112345") == f"]C11727123110LOT42{GS}2112345"


@pytest.mark.parametrize("raw", ["", "   ", "\r\n", "\t", "\u3000", None])
def test_refuses_an_empty_scan(raw):
    assert normalize_scan(raw) == Refused(Reason.EMPTY)


@pytest.mark.parametrize(
    "control", ["\x00", "\x07", "\x1b", "\x1e", "\x7f", "\x85", "\u200b", "\ufeff", "\ud800", "\ue000"]
)
def test_refuses_control_and_invisible_characters(control):
    refused = normalize_scan(f"4901{control}234567894")
    assert isinstance(refused, Refused)
    assert refused.reason is Reason.CONTROL_CHARS
    assert refused.detail.endswith("at 5")


def test_refuses_a_tab_inside_the_code():
    assert normalize_scan("ZL-A\t01").reason is Reason.CONTROL_CHARS


def test_accepts_a_scan_of_exactly_the_maximum_length():
    assert normalize_scan("A" * MAX_SCAN_LENGTH) == "A" * MAX_SCAN_LENGTH


def test_refuses_a_scan_over_the_maximum_length():
    assert normalize_scan("A" * (MAX_SCAN_LENGTH + 1)) == Refused(Reason.TOO_LONG, str(MAX_SCAN_LENGTH + 1))


def test_refuses_a_huge_paste_without_normalising_it():
    assert normalize_scan("ﷺ" * 1_000_000).reason is Reason.TOO_LONG


def test_counts_the_length_after_cleaning():
    assert normalize_scan("A" * MAX_SCAN_LENGTH + "\r\n") == "A" * MAX_SCAN_LENGTH


def test_leaves_kanji_alone_for_resolve_to_call_unknown():
    assert normalize_scan("棚番") == "棚番"
