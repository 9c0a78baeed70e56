"""Typed fields of the floor and the office: quantities and expiry dates as people type them.

A parser returns the value, None for an empty field, or raises the floor's refusal
(`BadQuantity`, `BadExpiry`) naming what was typed.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from app.floor.refusals import BadExpiry, BadLot, BadQuantity

MAX_QUANTITY = 99_999
MAX_LOT = 40  # Lot.number
MAX_LOCATION_CODE = 40  # Location.code

_SEPARATED = re.compile(r"^(\d{4})[/.\-年](\d{1,2})[/.\-月](\d{1,2})日?$")
_COMPACT8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_COMPACT6 = re.compile(r"^(\d{2})(\d{2})(\d{2})$")


def parse_expiry(text: str) -> date | None:
    """YYYY/MM/DD (also - . or 年月日), YYYYMMDD or YYMMDD (20YY); None when it is not a date.

    Full-width digits from a phone keyboard are accepted. YYMMDD with day 00 means the last
    day of that month, as on GS1 labels.
    """
    cleaned = unicodedata.normalize("NFKC", text or "").strip().replace(" ", "")
    for pattern, century in ((_SEPARATED, 0), (_COMPACT8, 0), (_COMPACT6, 2000)):
        match = pattern.match(cleaned)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return _date(year + century, month, day, allow_day_zero=pattern is _COMPACT6)
    return None


def _date(year: int, month: int, day: int, allow_day_zero: bool) -> date | None:
    if allow_day_zero and day == 0 and 1 <= month <= 12:
        following = date(year + month // 12, month % 12 + 1, 1)
        return date.fromordinal(following.toordinal() - 1)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def quantity(text: str | None, *, high: int = MAX_QUANTITY) -> int | None:
    """A typed quantity: empty means "not given"; otherwise a whole number from 1 to `high`.

    Full-width digits from a phone keyboard are accepted; other digits (², ٣) are not, and a
    number too long to be a quantity is refused before it is read.
    """
    cleaned = (text or "").translate(_FULL_WIDTH_DIGITS).strip()
    if not cleaned:
        return None
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned.lstrip("0")) > len(str(high)) \
            or not 1 <= int(cleaned) <= high:
        raise BadQuantity(cleaned[:10])
    return int(cleaned)


_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def lot_number(text: str | None) -> str | None:
    """A lot or serial number as received: None when empty; at most MAX_LOT printable characters, no spaces."""
    if not text:
        return None
    if len(text) > MAX_LOT or any(char.isspace() or not char.isprintable() for char in text):
        raise BadLot(text[:20])
    return text


def location_code(text: str | None) -> str | None:
    """A location code the page carried (a suggestion): None unless it could be one."""
    text = (text or "").strip()
    if not text or len(text) > MAX_LOCATION_CODE or not text.isprintable():
        return None
    return text


def expiry(*typed: str | None) -> date | None:
    """The first of the typed expiry fields that is filled (a text field, a date picker), as a date."""
    text = next((t.strip() for t in typed if t and t.strip()), "")
    if not text:
        return None
    value = parse_expiry(text)
    if value is None:
        raise BadExpiry(text[:20])
    return value
