"""Reading one cell of an office file (or one form field): numbers, codes, dates, yes/no.

Each reader takes the text as typed, raises CellError with a message a person understands,
and otherwise returns the value. Full-width characters from a Japanese keyboard are read as
their ASCII forms (NFKC).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l

from app.barcodes.checkdigit import gtin_format, has_valid_check_digit, is_digits
from app.masterdata.errors import CellError
from app.floor.fields import parse_expiry

_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+$")
_WHOLE_FLOAT = re.compile(r"^(\d+)\.0+$")
_EXCEL_NUMBER = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)
_WORD_SEPARATORS = re.compile(r"[\s_+・/\-]")
# A cell that a spreadsheet would run as a formula; exports guard it with a leading quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")  # Excel reads the full-width ones too


def normalized(text: str | None) -> str:
    """NFKC (full-width → ASCII) and stripped of spaces around, including the ideographic space."""
    return unicodedata.normalize("NFKC", text or "").strip()


def word_key(text: str) -> str:
    """A spelling-insensitive key for words: `Lot + Expiry`, `lot_expiry` and `ロット・期限` style."""
    return _WORD_SEPARATORS.sub("", normalized(text).casefold())


def whole_number(text: str, *, low: int = 0, high: int = 10_000_000) -> int:
    """A whole number from `low` to `high`; `1,200` and Excel's `12.0` are accepted."""
    cleaned = normalized(text)
    if _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
    whole_float = _WHOLE_FLOAT.match(cleaned)
    if whole_float:
        cleaned = whole_float.group(1)
    if not is_digits(cleaned):
        raise CellError(_l("%(value)s is not a whole number.", value=text))
    if len(cleaned.lstrip("0")) > len(str(high)):
        raise CellError(_l("%(value)s is not between %(low)s and %(high)s.", value=text[:20], low=low, high=high))
    value = int(cleaned)
    if not low <= value <= high:
        raise CellError(_l("%(value)s is not between %(low)s and %(high)s.", value=text, low=low, high=high))
    return value


def unit_gtin(text: str) -> str:
    """A JAN (EAN-13), EAN-8 or UPC-A with a valid check digit."""
    code = _gtin_digits(text)
    if len(code) not in (8, 12, 13):
        raise CellError(_l("JAN %(value)s has %(n)s digits: a JAN has 13 (8 for a short JAN, 12 for UPC-A). "
                           "A spreadsheet may have dropped leading zeros.", value=text, n=len(code)))
    if not has_valid_check_digit(code):
        raise CellError(_l("JAN %(value)s has a wrong check digit: check the number.", value=text))
    return code


def case_gtin(text: str) -> str:
    """A GTIN-14 of a case: 14 digits, indicator 1–8, valid check digit."""
    code = _gtin_digits(text)
    if gtin_format(code) is None or len(code) != 14 or code[0] not in "12345678":
        raise CellError(_l("Case GTIN %(value)s must have 14 digits and start with 1 to 8.", value=text))
    if not has_valid_check_digit(code):
        raise CellError(_l("Case GTIN %(value)s has a wrong check digit: check the number.", value=text))
    return code


def _gtin_digits(text: str) -> str:
    code = normalized(text).replace(" ", "")
    if _EXCEL_NUMBER.match(code):
        raise CellError(_l("%(value)s was turned into a number by a spreadsheet: format the column as text "
                           "and type the code again.", value=text))
    if not is_digits(code):
        raise CellError(_l("%(value)s is not a barcode number: only digits are allowed.", value=text))
    return code


def day(text: str) -> date:
    """A date as YYYY/MM/DD, YYYY-MM-DD, YYYYMMDD or YYMMDD; a time after it (Excel) is ignored."""
    cleaned = normalized(text).split(" ")[0]
    parsed = parse_expiry(cleaned)
    if parsed is None:
        raise CellError(_l("%(value)s is not a date: write it as YYYY/MM/DD.", value=text))
    return parsed


YES = frozenset({"1", "true", "yes", "y", "on", "有効", "はい", "○", "◯"})
NO = frozenset({"0", "false", "no", "n", "off", "無効", "いいえ", "×", "✕"})


def yes_no(text: str) -> bool:
    """true/false, 1/0, yes/no, 有効/無効, ○/×."""
    key = word_key(text)
    if key in YES:
        return True
    if key in NO:
        return False
    raise CellError(_l("%(value)s is not yes or no: write true or false.", value=text))


def choice(text: str, words: Mapping[str, object], message) -> object:
    """The value whose spelling (compared by `word_key`) is `text`; else CellError(`message`)."""
    key = word_key(text)
    for spelling, value in words.items():
        if word_key(spelling) == key:
            return value
    raise CellError(message)


def text_cell(text: str, *, limit: int, what) -> str:
    """Free text (a name, a supplier) up to `limit` characters, without a formula guard."""
    cleaned = unguarded(text.strip())
    if len(cleaned) > limit:
        raise CellError(_l("%(what)s is longer than %(limit)s characters.", what=what, limit=limit))
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        raise CellError(_l("%(what)s contains control characters.", what=what))
    return cleaned


def product_code(text: str) -> str:
    """A SKU or JAN as typed on a document line, width-normalised and trimmed (an export's guard removed)."""
    return normalized(unguarded(text))


def guarded(text: str) -> str:
    """Text for an exported cell: a leading quote stops a spreadsheet running it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def unguarded(text: str) -> str:
    """The text an export guarded with `guarded`, as it was."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text
