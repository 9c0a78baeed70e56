"""Carriers' tracking numbers as a slip's NW-7 barcode, a wedge scanner or a person types them:
app.barcodes.tracking."""

from __future__ import annotations

import pytest

from app.barcodes.tracking import Slip, SlipRefused, mod7_check_digit, read_slip, slip_number

NUMBER = "412345678905"  # 41234567890 mod 7 = 5


def refusal(text: str, carrier: str) -> str:
    with pytest.raises(SlipRefused) as refused:
        read_slip(text, carrier)
    return refused.value.reason


def test_the_check_digit_is_the_first_eleven_digits_read_as_one_number_mod_7():
    assert mod7_check_digit("41234567890") == "5"
    assert mod7_check_digit("12345678901") == "3"  # the example every description of Yamato's rule gives
    assert mod7_check_digit("00000000007") == "0"


@pytest.mark.parametrize(
    "text",
    [
        NUMBER,
        "4123-4567-8905",
        " 4123 4567 8905 ",
        "４１２３－４５６７－８９０５",
        "A412345678905A",
        "d412345678905b",
        "C412345678905D",
    ],
    ids=["digits", "hyphens as printed", "spaces", "full width, as a Japanese IME types", "NW-7 as scanned",
         "NW-7 lower case", "NW-7 different start and stop"],
)
@pytest.mark.parametrize("carrier", ["yamato", "sagawa", "japanpost"])
def test_a_mod7_carrier_takes_its_number_scanned_or_typed(text, carrier):
    assert read_slip(text, carrier) == Slip(carrier, NUMBER)


@pytest.mark.parametrize("carrier", ["yamato", "sagawa", "japanpost"])
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("412345678904", "check_digit"),
        ("412345678909", "check_digit"),
        ("A412345678904A", "check_digit"),
        ("142345678905", "check_digit"),
        ("41234567890", "length"),
        ("4123456789055", "length"),
        ("4123456789O5", "not_a_number"),
        ("A412345678905", "not_a_number"),
        ("  ", "empty"),
    ],
    ids=["one digit off", "a check digit mod 7 never gives", "NW-7 one digit off", "two digits swapped",
         "eleven digits", "thirteen digits", "a letter O", "NW-7 start letter without a stop", "blank"],
)
def test_a_mod7_carrier_refuses_a_misread_or_mistyped_number(carrier, text, reason):
    assert refusal(text, carrier) == reason


def test_carriers_without_a_known_check_take_any_plausible_number():
    assert read_slip("A1234567890A", "seino") == Slip("seino", "1234567890")
    assert read_slip("AB-1234-5678", "other") == Slip("other", "AB12345678")
    assert refusal("12345", "other") == "not_a_number"
    assert refusal("123456789012345678901234567890X", "other") == "not_a_number"


def test_an_unknown_carrier_is_refused():
    assert refusal(NUMBER, "fedex") == "carrier"


def test_the_number_is_stored_as_a_scan_or_a_person_would_look_it_up():
    assert slip_number("A412345678905A") == NUMBER
    assert slip_number("４１２３－４５６７－８９０５") == NUMBER
    assert slip_number(" 4123 4567 8905 ") == NUMBER
