"""The shape of zone and location codes, and the label prefixes they must never start with.

Our own labels begin with `Z` + a letter + `-` (ZL- ZT- ZR- ZO- ZK- ZC- ZU-). A location
whose code began the same way would be read as a label, so neither a zone nor a location
code may start with one of them.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from app.barcodes.resolve import BADGE_PREFIX, DOCUMENT_PREFIXES, LOCATION_PREFIX
from app.masterdata.cells import normalized
from app.masterdata.errors import CellError

LABEL_PREFIXES = (LOCATION_PREFIX, BADGE_PREFIX, *DOCUMENT_PREFIXES)
ZONE = re.compile(r"[A-Z0-9]{1,8}")
LOCATION_CODE = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
MAX_LOCATION_CODE = 40


def starts_like_a_label(code: str) -> bool:
    """True if `code` begins with one of our label prefixes (`ZL-`, `ZR-`, …)."""
    return code.upper().startswith(LABEL_PREFIXES)


def zone_code(text: str) -> str:
    """A zone: 1–8 letters or digits, upper-cased, not one that makes codes look like labels."""
    zone = normalized(text).upper()
    if not ZONE.fullmatch(zone):
        raise CellError(_l("Zone %(value)s: use 1 to 8 letters or digits.", value=text))
    if starts_like_a_label(zone + "-"):
        raise CellError(_l("Zone %(value)s is not allowed: codes starting with %(prefix)s are read as our labels.",
                           value=zone, prefix=zone[:2] + "-"))
    return zone


def location_code(text: str) -> str:
    """A location code: letters, digits and single `-` inside, up to 40, not label-prefixed."""
    code = normalized(text).upper()
    if not code or len(code) > MAX_LOCATION_CODE or not LOCATION_CODE.fullmatch(code):
        raise CellError(_l("Location code %(value)s: use letters, digits and single '-' (at most 40).", value=text))
    if starts_like_a_label(code):
        raise CellError(_l("Location code %(value)s is not allowed: codes starting with %(prefix)s are read as our labels.",
                           value=code, prefix=code[:3]))
    return code


def fits_pattern(code: str, pattern: str) -> bool:
    """True if `code` is in the warehouse's location format (its `location_pattern`)."""
    try:
        return re.fullmatch(pattern, code) is not None
    except re.error:
        return False
