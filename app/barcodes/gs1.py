"""GS1 element strings: GTIN, lot, dates, serial, count and SSCC from one scan, parsed with biip.

A scan *says* it is GS1 ("framed") when it starts with a GS1 symbology identifier (`]C1`
GS1-128, `]d2` GS1 DataMatrix, `]Q3` GS1 QR, `]e0` GS1 DataBar, `]J1` GS1 DotCode), contains
the GS separator (0x1D, what FNC1 becomes; also in first position), or is typed in the printed
form `(01)04901234567894(17)271231(10)LOT42`. `parse_framed` reads such scans; `parse_unframed`
reads a bare digit-and-letter string only when it cannot be anything else (see its docstring),
so a lot `10D9T` or a JAN starting with `01` is never taken for GS1.

Rules for every message:
- Every element must match its AI's format; dates must be real dates; day `00` is the last
  day of the month (biip does this); an AI may appear twice only with the same value.
- Check digits of AI 00 (SSCC), 01/02 (GTIN) and 41x (GLN) are verified: a wrong one is
  `bad_check_digit`, never a guess.
- A variable-length element (lot, serial, count, …) must end with a GS, the end of the scan,
  or its closing parenthesis. One that runs to its maximum length and goes on without GS is
  `ambiguous_gs1`. A variable-length element that ends the scan without a GS after it (in a
  scanned, not printed, message) is also `ambiguous_gs1` when its tail reads cleanly as
  fixed-format elements (a date, a GTIN, an SSCC): `10LOT4217271231` is lot `LOT42` + expiry
  2027-12-31 whose separator was lost, or lot `LOT4217271231`; we refuse rather than guess.
  A lost separator before a free-text element (lot then serial) cannot be told from a longer
  lot and is not detected.
- AI 01 and AI 02 together, or two different counts in AI 30 and AI 37, are `malformed_gs1`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from biip.gs1_element_strings import GS1ElementString

from app.barcodes.checkdigit import has_valid_check_digit, is_valid_gtin, is_valid_sscc
from app.barcodes.normalize import GS
from app.barcodes.reasons import Reason

GS1_SYMBOLOGIES = frozenset({"]C1", "]d2", "]Q3", "]e0", "]J1"})
SYMBOLOGY_IDENTIFIER = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_PRINTED_START = re.compile(r"\s*\(\d{2,4}\)")
_PRINTED_ELEMENT = re.compile(r"\((\d{2,4})\)([^()]*)")
_FIXED_FORMAT_AIS = frozenset({"00", "01", "02", "11", "12", "13", "15", "16", "17"})
_CHECKED_AIS = ("00", "01", "02", "41")
_DATE_FIELDS = {"11": "production_date", "13": "packaging_date", "15": "best_before", "17": "expiry"}


class Framing(StrEnum):
    SYMBOLOGY = "symbology"
    SEPARATOR = "separator"
    PRINTED = "printed"
    NONE = "none"


@dataclass(frozen=True)
class Gs1Data:
    """What a GS1 message says. Absent elements are None: an absent expiry is *not known*, never
    "no expiry". `gtin` is the 14-digit GTIN of AI 01, or of AI 02 (the trade items contained in
    a logistic unit, counted by AI 37) with `gtin_is_content`. `quantity` is AI 30 or AI 37."""

    elements: tuple[tuple[str, str], ...]
    framing: Framing
    symbology: str | None = None
    gtin: str | None = None
    gtin_is_content: bool = False
    sscc: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None
    best_before: date | None = None
    production_date: date | None = None
    packaging_date: date | None = None
    quantity: int | None = None

    def hri(self) -> str:
        """The printed form: `(01)04901234567894(17)271231(10)LOT42`."""
        return "".join(f"({ai}){value}" for ai, value in self.elements)


@dataclass(frozen=True)
class Gs1Refusal:
    """Why a scan is not read as GS1: malformed_gs1, ambiguous_gs1, bad_check_digit, or
    (only from `parse_unframed`) unknown, meaning "not GS1 at all, try nothing else here"."""

    reason: Reason
    detail: str = ""


@dataclass
class _Element:
    ai: str
    value: str
    variable_length: bool
    separator_after: bool
    parsed: GS1ElementString = field(repr=False)


class _Refused(Exception):
    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.refusal = Gs1Refusal(reason, detail)


def split_symbology(text: str) -> tuple[str | None, str]:
    """(`]C1`, rest) when the scan starts with a symbology identifier (ISO/IEC 15424), else (None, text)."""
    if SYMBOLOGY_IDENTIFIER.match(text):
        return text[:3], text[3:]
    return None, text


def framing_of(text: str) -> Framing:
    """How a scan says it is GS1 (symbology identifier, separator, printed form), or NONE."""
    symbology, _ = split_symbology(text)
    if symbology in GS1_SYMBOLOGIES:
        return Framing.SYMBOLOGY
    if GS in text:
        return Framing.SEPARATOR
    if _PRINTED_START.match(text):
        return Framing.PRINTED
    return Framing.NONE


def parse_framed(text: str) -> Gs1Data | Gs1Refusal:
    """Read a scan that says it is GS1 (see `framing_of`), by the rules in the module docstring.

    A scan without GS1 framing is `malformed_gs1` here; callers ask `framing_of` first.
    """
    framing = framing_of(text)
    try:
        if framing is Framing.PRINTED:
            elements = _printed_elements(text)
            return _data(elements, framing, symbology=None)
        if framing is Framing.NONE:
            raise _Refused(Reason.MALFORMED_GS1, "no GS1 symbology identifier, separator or (AI)")
        symbology, body = split_symbology(text)
        elements = _scanned_elements(body.lstrip(GS))
        _refuse_lost_separators(elements)
        return _data(elements, framing, symbology if symbology in GS1_SYMBOLOGIES else None)
    except _Refused as refused:
        return refused.refusal


def parse_unframed(text: str) -> Gs1Data | Gs1Refusal:
    """Read a bare scan as GS1 only if it cannot be anything else.

    It must parse completely, start with an SSCC (AI 00) or a GTIN (AI 01/02) with a valid
    check digit, and pass every rule of the module docstring. Anything that does not start so
    is `unknown` (a lot `10D9T`, a JAN starting with `01`, a serial), and so is an anchored
    one that does not parse, since it never said it was GS1; an anchored message that parses
    but loses a separator is `ambiguous_gs1`, one with a wrong check digit further on
    `bad_check_digit`.
    """
    if not (len(text) >= 16 and text[:2] in ("00", "01", "02") and _valid_anchor(text)):
        return Gs1Refusal(Reason.UNKNOWN, text)
    try:
        elements = _scanned_elements(text)
        _refuse_lost_separators(elements)
        return _data(elements, Framing.NONE, symbology=None)
    except _Refused as refused:
        if refused.refusal.reason is Reason.MALFORMED_GS1:
            return Gs1Refusal(Reason.UNKNOWN, text)
        return refused.refusal


def _valid_anchor(text: str) -> bool:
    if text.startswith("00"):
        return is_valid_sscc(text[2:20])
    return is_valid_gtin(text[2:16])


# --- splitting a message into elements -------------------------------------------------------


def _extract(text: str, *, whole: bool) -> GS1ElementString:
    try:
        if whole:
            return GS1ElementString.parse(text)
        return GS1ElementString.extract(text)
    # biip is a third-party parser fed with arbitrary scans: whatever it raises means "not GS1".
    except Exception as exc:  # noqa: BLE001
        raise _Refused(Reason.MALFORMED_GS1, str(exc)) from None


def _scanned_elements(body: str) -> list[_Element]:
    if not body:
        raise _Refused(Reason.MALFORMED_GS1, "no element strings")
    elements: list[_Element] = []
    rest = body
    while rest:
        parsed = _extract(rest, whole=False)
        rest = rest[len(parsed):]
        separator_after = rest.startswith(GS)
        rest = rest.lstrip(GS)
        elements.append(_element(parsed, separator_after))
    return elements


def _printed_elements(text: str) -> list[_Element]:
    printed = "".join(text.split())
    matches = list(_PRINTED_ELEMENT.finditer(printed))
    if not matches or "".join(m.group(0) for m in matches) != printed:
        raise _Refused(Reason.MALFORMED_GS1, "expected the printed form (AI)data(AI)data")
    elements = []
    for match in matches:
        ai, data = match.groups()
        parsed = _extract(ai + data, whole=True)
        if parsed.ai.ai != ai:
            raise _Refused(Reason.MALFORMED_GS1, f"({ai}) is not an application identifier")
        elements.append(_element(parsed, separator_after=True))
    return elements


def _element(parsed: GS1ElementString, separator_after: bool) -> _Element:
    _refuse_element_errors(parsed)
    return _Element(parsed.ai.ai, parsed.value, parsed.ai.separator_required, separator_after, parsed)


def _refuse_element_errors(parsed: GS1ElementString) -> None:
    ai, value = parsed.ai.ai, parsed.value
    if ai.startswith(_CHECKED_AIS) and not has_valid_check_digit(value):
        raise _Refused(Reason.BAD_CHECK_DIGIT, f"({ai}){value}")
    error = parsed.gtin_error or parsed.sscc_error or parsed.gln_error
    if error:
        raise _Refused(Reason.MALFORMED_GS1, error)


# --- lost separators ---------------------------------------------------------------------------


def _refuse_lost_separators(elements: list[_Element]) -> None:
    for element in elements[:-1]:
        if element.variable_length and not element.separator_after:
            raise _Refused(Reason.AMBIGUOUS_GS1, f"no separator after ({element.ai}){element.value}")
    last = elements[-1]
    tail = _swallowed_tail(last.value) if last.variable_length and not last.separator_after else None
    if tail is not None:
        raise _Refused(
            Reason.AMBIGUOUS_GS1,
            f"({last.ai}){last.value} may be ({last.ai}){last.value[:-len(tail)]} followed by {tail}",
        )


def _swallowed_tail(value: str) -> str | None:
    """The end of `value` that reads cleanly as fixed-format elements, if any."""
    for start in range(1, len(value) - 1):
        tail = value[start:]
        if tail[:2] in _FIXED_FORMAT_AIS and _reads_cleanly(tail):
            return tail
    return None


def _reads_cleanly(text: str) -> bool:
    try:
        _scanned_elements(text)
    except _Refused:
        return False
    return True


# --- building the result -----------------------------------------------------------------------


def _data(elements: list[_Element], framing: Framing, symbology: str | None) -> Gs1Data:
    by_ai = _unique_values(elements)
    if "01" in by_ai and "02" in by_ai:
        raise _Refused(Reason.MALFORMED_GS1, "AI (01) and AI (02) together")
    dates = {name: _element_date(elements, ai) for ai, name in _DATE_FIELDS.items()}
    return Gs1Data(
        elements=tuple((e.ai, e.value) for e in elements),
        framing=framing,
        symbology=symbology,
        gtin=by_ai.get("01") or by_ai.get("02"),
        gtin_is_content="02" in by_ai,
        sscc=by_ai.get("00"),
        lot=by_ai.get("10"),
        serial=by_ai.get("21"),
        quantity=_quantity(by_ai),
        **dates,
    )


def _unique_values(elements: list[_Element]) -> dict[str, str]:
    by_ai: dict[str, str] = {}
    for element in elements:
        if by_ai.setdefault(element.ai, element.value) != element.value:
            raise _Refused(Reason.MALFORMED_GS1, f"({element.ai}) twice with different values")
    return by_ai


def _element_date(elements: list[_Element], ai: str) -> date | None:
    return next((e.parsed.date for e in elements if e.ai == ai), None)


def _quantity(by_ai: dict[str, str]) -> int | None:
    counts = {ai: by_ai[ai] for ai in ("30", "37") if ai in by_ai}
    if not counts:
        return None
    if any(not value for value in counts.values()):
        raise _Refused(Reason.MALFORMED_GS1, "empty count")
    values = {int(value) for value in counts.values()}
    if len(values) > 1:
        raise _Refused(Reason.MALFORMED_GS1, "AI (30) and AI (37) disagree")
    return values.pop()


__all__ = [
    "GS1_SYMBOLOGIES", "Framing", "Gs1Data", "Gs1Refusal", "split_symbology", "framing_of",
    "parse_framed", "parse_unframed",
]
