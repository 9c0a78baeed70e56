from datetime import date

import pytest

from app.barcodes.gs1 import Framing, Gs1Data, Gs1Refusal, framing_of, parse_framed, parse_unframed
from app.barcodes.reasons import Reason

GS = "\x1d"
JAN = "4901234567894"
GTIN14_OF_JAN = "0" + JAN
CASE_GTIN = "14901234567891"
SSCC = "349012345000000014"


def read(text: str) -> Gs1Data:
    parsed = parse_framed(text)
    assert isinstance(parsed, Gs1Data), parsed
    return parsed


def refusal(text: str, parse=parse_framed) -> Reason:
    parsed = parse(text)
    assert isinstance(parsed, Gs1Refusal), parsed
    return parsed.reason


def test_reads_a_gs1_128_label_with_expiry_lot_and_serial():
    data = read(f"]C101{GTIN14_OF_JAN}17271231" + "10LOT42" + GS + "21SN0001")
    assert (data.gtin, data.expiry, data.lot, data.serial) == (GTIN14_OF_JAN, date(2027, 12, 31), "LOT42", "SN0001")
    assert data.symbology == "]C1"
    assert data.framing is Framing.SYMBOLOGY


def test_reads_a_gs1_datamatrix_from_a_pharma_pack():
    data = read(f"]d201{GTIN14_OF_JAN}21SN9F3K2" + GS + "17280630" + "10B2405A")
    assert (data.serial, data.expiry, data.lot) == ("SN9F3K2", date(2028, 6, 30), "B2405A")
    assert data.symbology == "]d2"


def test_reads_a_gs1_qr_code_and_a_databar():
    assert read(f"]Q301{GTIN14_OF_JAN}10Q1").lot == "Q1"
    assert read(f"]e001{GTIN14_OF_JAN}").gtin == GTIN14_OF_JAN


def test_reads_day_00_as_the_last_day_of_the_month():
    assert read(f"]C101{GTIN14_OF_JAN}17270200").expiry == date(2027, 2, 28)
    assert read(f"]C101{GTIN14_OF_JAN}17280200").expiry == date(2028, 2, 29)


def test_reads_production_packaging_and_best_before_dates_apart_from_expiry():
    data = read(f"]C101{GTIN14_OF_JAN}11250401" + "13250402" + "15260331")
    assert (data.production_date, data.packaging_date, data.best_before) == (
        date(2025, 4, 1), date(2025, 4, 2), date(2026, 3, 31))
    assert data.expiry is None


def test_leaves_an_absent_expiry_unknown():
    assert read(f"]C101{GTIN14_OF_JAN}10LOT42").expiry is None


def test_reads_the_printed_form_typed_by_hand():
    data = read(f"(01){GTIN14_OF_JAN}(17)271231(10)LOT42")
    assert (data.gtin, data.expiry, data.lot) == (GTIN14_OF_JAN, date(2027, 12, 31), "LOT42")
    assert data.framing is Framing.PRINTED


def test_reads_the_printed_form_with_spaces_between_elements():
    assert read(f"(01) {GTIN14_OF_JAN} (17) 271231 (10) LOT42").lot == "LOT42"


def test_trusts_the_parentheses_of_the_printed_form_over_date_like_lots():
    assert read(f"(01){GTIN14_OF_JAN}(10)LOT4217271231").lot == "LOT4217271231"


def test_refuses_a_printed_form_with_a_short_gtin():
    assert refusal("(01)0490123456789(17)271231") is Reason.MALFORMED_GS1


def test_refuses_a_printed_form_with_an_unknown_ai():
    assert refusal("(05)ABC(01)04901234567894") is Reason.MALFORMED_GS1


def test_refuses_text_between_printed_elements():
    assert refusal(f"(01){GTIN14_OF_JAN} x (10)LOT42") is Reason.MALFORMED_GS1


def test_reads_separators_without_a_symbology_identifier():
    data = read(f"01{GTIN14_OF_JAN}10LOT42" + GS + "17271231")
    assert (data.lot, data.expiry) == ("LOT42", date(2027, 12, 31))
    assert data.framing is Framing.SEPARATOR


def test_reads_a_separator_in_first_position_as_fnc1():
    assert read(f"{GS}01{GTIN14_OF_JAN}10LOT42").lot == "LOT42"


def test_reads_a_case_gtin_and_a_count():
    data = read(f"]C101{CASE_GTIN}30" + "24")
    assert (data.gtin, data.quantity) == (CASE_GTIN, 24)


def test_reads_a_pallet_sscc_with_its_content_and_count():
    data = read(f"]C100{SSCC}02{CASE_GTIN}37" + "40")
    assert (data.sscc, data.gtin, data.quantity) == (SSCC, CASE_GTIN, 40)
    assert data.gtin_is_content


def test_reads_an_sscc_alone():
    data = read(f"]C100{SSCC}")
    assert data.sscc == SSCC
    assert data.gtin is None


def test_refuses_a_wrong_gtin_check_digit_that_biip_only_reports():
    assert refusal(f"]C101{GTIN14_OF_JAN[:-1]}3" + "17271231") is Reason.BAD_CHECK_DIGIT


def test_refuses_a_wrong_sscc_check_digit():
    assert refusal(f"]C100{SSCC[:-1]}5") is Reason.BAD_CHECK_DIGIT


def test_refuses_a_wrong_check_digit_in_the_printed_form():
    assert refusal("(01)04901234567893(10)A") is Reason.BAD_CHECK_DIGIT


def test_refuses_a_lost_separator_that_made_the_lot_swallow_an_expiry():
    assert refusal(f"]C101{GTIN14_OF_JAN}10LOT4217271231") is Reason.AMBIGUOUS_GS1


def test_refuses_a_lone_lot_that_swallowed_an_expiry():
    assert refusal("]C110LOT4217271231") is Reason.AMBIGUOUS_GS1


def test_refuses_a_lot_that_swallowed_a_gtin():
    assert refusal("]C110L4" + f"01{GTIN14_OF_JAN}") is Reason.AMBIGUOUS_GS1


def test_refuses_a_full_length_lot_not_ended_by_a_separator():
    assert refusal("]C110" + "A" * 20 + "17271231") is Reason.AMBIGUOUS_GS1


def test_accepts_a_date_like_lot_ended_by_a_separator():
    assert read(f"]C101{GTIN14_OF_JAN}10LOT4217271231{GS}21S1").lot == "LOT4217271231"


def test_accepts_a_lot_whose_digits_do_not_make_a_date():
    assert read(f"]C101{GTIN14_OF_JAN}10LOT4217271399").lot == "LOT4217271399"


def test_accepts_a_lot_with_digits_that_look_only_like_a_free_text_ai():
    assert read(f"]C101{GTIN14_OF_JAN}10LOT2110").lot == "LOT2110"


def test_reads_a_lot_10d9t_scanned_with_a_gs1_identifier():
    assert read("]C110D9T").lot == "D9T"


@pytest.mark.parametrize(
    "text",
    [
        f"]C101{GTIN14_OF_JAN}17271331",          # month 13
        f"]C101{GTIN14_OF_JAN}17270231",          # 31 February
        f"]C101{GTIN14_OF_JAN}1727123",           # date cut short
        "]C1",                                    # nothing after the identifier
        "]C1ABC",                                 # no AI
        f"]C101{GTIN14_OF_JAN}10",                # empty lot
        f"]C101{GTIN14_OF_JAN}10A{GS}10B",        # two different lots
        f"]C101{GTIN14_OF_JAN}02{CASE_GTIN}",     # (01) and (02) together
        f"]C101{CASE_GTIN}3024{GS}3712",          # two different counts
        f"]C101{CASE_GTIN}30",                    # empty count
    ],
)
def test_refuses_malformed_messages(text):
    assert refusal(text) is Reason.MALFORMED_GS1


def test_accepts_an_ai_repeated_with_the_same_value():
    assert read(f"]C101{GTIN14_OF_JAN}10A{GS}10A").lot == "A"


def test_writes_the_printed_form_back():
    assert read(f"]C101{GTIN14_OF_JAN}17271231" + "10LOT42").hri() == f"(01){GTIN14_OF_JAN}(17)271231(10)LOT42"


@pytest.mark.parametrize(
    ("text", "framing"),
    [
        (f"]C101{GTIN14_OF_JAN}", Framing.SYMBOLOGY),
        (f"]d201{GTIN14_OF_JAN}", Framing.SYMBOLOGY),
        (f"01{GTIN14_OF_JAN}10A{GS}21B", Framing.SEPARATOR),
        (f"(01){GTIN14_OF_JAN}", Framing.PRINTED),
        (f"01{GTIN14_OF_JAN}", Framing.NONE),
        ("]C0ZL-A-01-03-2", Framing.NONE),
        ("]E04901234567894", Framing.NONE),
        ("10D9T", Framing.NONE),
        ("(株)テスト", Framing.NONE),
    ],
)
def test_knows_when_a_scan_says_it_is_gs1(text, framing):
    assert framing_of(text) is framing


def test_does_not_read_a_bare_lot_10d9t_as_gs1():
    assert refusal("10D9T", parse_unframed) is Reason.UNKNOWN


@pytest.mark.parametrize("jan", ["0149012345676", "01234567890128"])
def test_does_not_read_a_bare_jan_starting_with_01_as_gs1(jan):
    assert refusal(jan, parse_unframed) is Reason.UNKNOWN


def test_reads_a_bare_message_that_parses_cleanly_with_a_valid_gtin():
    data = parse_unframed(f"01{GTIN14_OF_JAN}17271231" + "10LOT42")
    assert isinstance(data, Gs1Data)
    assert (data.gtin, data.expiry, data.lot) == (GTIN14_OF_JAN, date(2027, 12, 31), "LOT42")
    assert data.framing is Framing.NONE


def test_reads_a_bare_sscc_message():
    data = parse_unframed(f"00{SSCC}")
    assert isinstance(data, Gs1Data)
    assert data.sscc == SSCC


def test_does_not_read_a_bare_message_with_a_wrong_gtin_check_digit():
    assert refusal(f"01{GTIN14_OF_JAN[:-1]}3" + "17271231", parse_unframed) is Reason.UNKNOWN


def test_does_not_read_a_bare_message_that_does_not_parse_to_the_end():
    assert refusal(f"01{GTIN14_OF_JAN}17271399", parse_unframed) is Reason.UNKNOWN


def test_refuses_a_bare_message_whose_lot_swallowed_an_expiry():
    assert refusal(f"01{GTIN14_OF_JAN}10LOT4217271231", parse_unframed) is Reason.AMBIGUOUS_GS1
