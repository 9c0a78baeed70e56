"""GS1 check digits and the GTIN family (EAN-8, UPC-A, EAN-13/JAN, GTIN-14).

One GTIN has several spellings. Every GTIN is, by definition, its 14-digit form with leading
zeros: a UPC-A `012345678905` is the EAN-13 `0012345678905` (how decoders often return it)
and the GTIN-14 `00012345678905`; a JAN `4901234567894` is the GTIN-14 `04901234567894` (how
GS1-128 and ITF-14 carry a unit); an EAN-8 `96385074` is `00000096385074`. A GTIN-14 whose
indicator digit is 1–8 is a different item (a case), not a spelling of its unit.
"""
from __future__ import annotations

from enum import StrEnum

from biip.checksums import gs1_standard_check_digit

GTIN_LENGTHS = frozenset({8, 12, 13, 14})
SSCC_LENGTH = 18


class GtinFormat(StrEnum):
    EAN8 = "ean8"
    UPCA = "upca"
    EAN13 = "ean13"
    GTIN14 = "gtin14"


_FORMAT_BY_LENGTH = {8: GtinFormat.EAN8, 12: GtinFormat.UPCA, 13: GtinFormat.EAN13, 14: GtinFormat.GTIN14}


def is_digits(text: str) -> bool:
    """ASCII digits only (str.isdigit also accepts ², ٣ and other digits we never print)."""
    return text.isascii() and text.isdigit()


def check_digit(payload: str) -> int:
    """The GS1 mod-10 check digit of `payload` (the digits before the check digit).

    Weights 3, 1, 3, … from the right, the same for GTIN-8/12/13/14, SSCC-18 and GLN.
    Raises ValueError if `payload` is not ASCII digits.
    """
    if not is_digits(payload):
        raise ValueError(f"not digits: {payload!r}")
    return gs1_standard_check_digit(payload)


def with_check_digit(payload: str) -> str:
    """`payload` followed by its GS1 check digit (`490123456789` → `4901234567894`).

    Raises ValueError if `payload` is not ASCII digits.
    """
    return payload + str(check_digit(payload))


def has_valid_check_digit(code: str) -> bool:
    """True if `code` is at least two ASCII digits and its last digit is the GS1 check digit."""
    return len(code) >= 2 and is_digits(code) and check_digit(code[:-1]) == int(code[-1])


def gtin_format(code: str) -> GtinFormat | None:
    """The GTIN format a digit string has by its length (8, 12, 13, 14), check digit not looked at."""
    if not is_digits(code):
        return None
    return _FORMAT_BY_LENGTH.get(len(code))


def is_valid_gtin(code: str) -> bool:
    """8, 12, 13 or 14 ASCII digits with a correct check digit."""
    return gtin_format(code) is not None and has_valid_check_digit(code)


def is_valid_sscc(code: str) -> bool:
    """18 ASCII digits with a correct check digit."""
    return len(code) == SSCC_LENGTH and has_valid_check_digit(code)


def as_gtin14(code: str) -> str:
    """The canonical 14-digit form of a valid GTIN. Raises ValueError for anything else."""
    if not is_valid_gtin(code):
        raise ValueError(f"not a valid GTIN: {code!r}")
    return code.zfill(14)


def is_case_gtin(code: str) -> bool:
    """A valid GTIN-14 whose indicator digit (1–8) makes it a case or outer of some unit."""
    return len(code) == 14 and is_valid_gtin(code) and code[0] in "12345678"


def gtin_spellings(code: str) -> tuple[str, ...]:
    """Every spelling of a valid GTIN a product barcode may be stored under, longest first.

    `4901234567894` → (`04901234567894`, `4901234567894`);
    `012345678905` → (`00012345678905`, `0012345678905`, `012345678905`);
    `96385074` → (`00000096385074`, `0000096385074`, `000096385074`, `96385074`);
    a case `14901234567891` → (`14901234567891`,). Raises ValueError if `code` is not a
    valid GTIN.
    """
    canonical = as_gtin14(code)
    return tuple(
        canonical[14 - length:]
        for length in (14, 13, 12, 8)
        if canonical[: 14 - length].strip("0") == ""
    )


__all__ = [
    "GTIN_LENGTHS", "SSCC_LENGTH", "GtinFormat", "is_digits", "check_digit", "with_check_digit",
    "has_valid_check_digit", "gtin_format", "is_valid_gtin", "is_valid_sscc", "as_gtin14", "is_case_gtin", "gtin_spellings",
]
