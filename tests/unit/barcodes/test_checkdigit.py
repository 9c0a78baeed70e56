import pytest

from app.barcodes.checkdigit import (
    GtinFormat,
    as_gtin14,
    check_digit,
    gtin_format,
    gtin_spellings,
    has_valid_check_digit,
    is_case_gtin,
    is_valid_gtin,
    is_valid_sscc,
    with_check_digit,
)

REAL_LOOKING_GTINS = [
    "4901234567894",   # JAN
    "4549131970258",   # JAN
    "4902102072618",   # JAN
    "96385074",        # EAN-8
    "49123456",        # EAN-8 with a Japanese prefix
    "012345678905",    # UPC-A
    "036000291452",    # UPC-A
    "0036000291452",   # UPC-A as a decoder returns it, with a leading 0
    "14901234567891",  # case GTIN-14
    "04901234567894",  # unit GTIN-14 (indicator 0)
]


@pytest.mark.parametrize("gtin", REAL_LOOKING_GTINS)
def test_accepts_real_looking_gtins(gtin):
    assert is_valid_gtin(gtin)


@pytest.mark.parametrize("gtin", REAL_LOOKING_GTINS)
def test_refuses_each_gtin_with_any_other_last_digit(gtin):
    for wrong in set("0123456789") - {gtin[-1]}:
        assert not is_valid_gtin(gtin[:-1] + wrong)


def test_computes_the_check_digit_of_a_jan():
    assert check_digit("490123456789") == 4


def test_appends_the_check_digit_to_a_payload():
    assert with_check_digit("490123456789") == "4901234567894"
    assert with_check_digit("1490123456789") == "14901234567891"


def test_agrees_with_biip_on_every_length_it_is_used_for():
    from biip.checksums import gs1_standard_check_digit

    for payload in ("9638507", "01234567890", "490123456789", "1490123456789", "34901234500000001"):
        assert check_digit(payload) == gs1_standard_check_digit(payload)


def test_computes_the_check_digit_of_an_sscc():
    assert check_digit("34901234500000001") == 4
    assert is_valid_sscc("349012345000000014")


def test_refuses_an_sscc_of_the_wrong_length():
    assert not is_valid_sscc("49012345000000014")


def test_refuses_a_check_digit_over_non_digits():
    with pytest.raises(ValueError):
        check_digit("49012345678X")


@pytest.mark.parametrize("text", ["", "4", "490123456789４", "4901234567894 ", "²³", "۴۹۰۱"])
def test_has_no_valid_check_digit_without_at_least_two_ascii_digits(text):
    assert not has_valid_check_digit(text)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("96385074", GtinFormat.EAN8),
        ("012345678905", GtinFormat.UPCA),
        ("4901234567894", GtinFormat.EAN13),
        ("14901234567891", GtinFormat.GTIN14),
        ("1234567", None),
        ("123456789012345", None),
        ("49012345678９4", None),
    ],
)
def test_classifies_digit_strings_by_length(code, expected):
    assert gtin_format(code) == expected


def test_treats_a_upc_a_and_its_13_digit_form_as_one_gtin():
    assert as_gtin14("012345678905") == as_gtin14("0012345678905") == "00012345678905"


def test_treats_a_unit_gtin_14_as_its_jan():
    assert as_gtin14("04901234567894") == as_gtin14("4901234567894")


def test_lists_every_spelling_of_a_upc_a():
    assert gtin_spellings("0012345678905") == ("00012345678905", "0012345678905", "012345678905")


def test_lists_every_spelling_of_a_jan():
    assert gtin_spellings("4901234567894") == ("04901234567894", "4901234567894")


def test_lists_every_spelling_of_an_ean_8():
    assert gtin_spellings("96385074") == ("00000096385074", "0000096385074", "000096385074", "96385074")


def test_gives_a_case_gtin_only_its_own_spelling():
    assert gtin_spellings("14901234567891") == ("14901234567891",)


def test_knows_a_case_gtin_by_its_indicator_digit():
    assert is_case_gtin("14901234567891")
    assert not is_case_gtin("04901234567894")
    assert not is_case_gtin("4901234567894")


def test_refuses_to_spell_an_invalid_gtin():
    with pytest.raises(ValueError):
        gtin_spellings("4901234567893")
