"""Clean what a scanner, a camera or a phone keyboard typed, before anything reads it.

Rules, in the order they apply:

1. More than `4 × MAX_SCAN_LENGTH` characters is refused (`too_long`) before any other work,
   so a pasted novel costs nothing.
2. NFKC: the full-width letters, digits and punctuation a phone IME types become ASCII
   (`ＡＢＣ１２３` → `ABC123`, `（０１）` → `(01)`, the ideographic space → a space).
3. Every dash look-alike (hyphen, non-breaking hyphen, figure/en/em dash, horizontal bar,
   minus sign, full-width and small hyphen-minus, and the katakana prolonged sound mark `ー`
   a Japanese IME types for `-`) becomes `-`.
4. The written-out group separator some keyboard wedges send instead of the invisible
   character (`␝`, `<GS>`, `{GS}`, `<FNC1>`, `{FNC1}`) becomes GS (0x1D).
5. Spaces, tabs, CR and LF around the code (the Enter or Tab a scanner appends) are removed.
   GS is kept everywhere, also in first position, where it marks a GS1 code.
6. Nothing left is `empty`; any other control or invisible formatting character, a lone
   surrogate, a private-use or unassigned code point is `control_chars`; more than
   `MAX_SCAN_LENGTH` characters is `too_long`.

`normalize_scan` never raises: it returns the clean text or a `Refused`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.barcodes.reasons import Reason

GS = "\x1d"
MAX_SCAN_LENGTH = 200

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d\u30fc\uff70"
_DASH_TABLE = str.maketrans({dash: "-" for dash in _DASHES})
_WRITTEN_SEPARATORS = re.compile(r"\u241d|<GS>|\{GS\}|<FNC1>|\{FNC1\}")
_AROUND = " \t\r\n"
_ASCII_CONTROL = re.compile(r"[\x00-\x1c\x1e\x1f\x7f]")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


@dataclass(frozen=True)
class Refused:
    """Input that is not a code at all: `reason` is empty, too_long or control_chars."""

    reason: Reason
    detail: str = ""


def normalize_scan(raw: str | None) -> str | Refused:
    """The scan as clean text, or why it is refused (rules in the module docstring)."""
    if raw is None:
        return Refused(Reason.EMPTY)
    if len(raw) > 4 * MAX_SCAN_LENGTH:
        return Refused(Reason.TOO_LONG, str(len(raw)))
    text = unicodedata.normalize("NFKC", raw).translate(_DASH_TABLE)
    text = _WRITTEN_SEPARATORS.sub(GS, text).strip(_AROUND)
    if not text:
        return Refused(Reason.EMPTY)
    refused_at = first_refused_character(text)
    if refused_at is not None:
        return Refused(Reason.CONTROL_CHARS, f"U+{ord(text[refused_at]):04X} at {refused_at + 1}")
    if len(text) > MAX_SCAN_LENGTH:
        return Refused(Reason.TOO_LONG, str(len(text)))
    return text


def first_refused_character(text: str) -> int | None:
    """Index of the first control or invisible character other than GS, or None."""
    if text.isascii():
        found = _ASCII_CONTROL.search(text)
        return found.start() if found else None
    for index, char in enumerate(text):
        if char != GS and unicodedata.category(char) in _REFUSED_CATEGORIES:
            return index
    return None


__all__ = ["GS", "MAX_SCAN_LENGTH", "Refused", "normalize_scan", "first_refused_character"]
