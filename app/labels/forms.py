"""What the label forms ask for, read from the query string (the forms are GET: printing changes nothing).

Each reader checks shape only (numbers are numbers, something was chosen); whether the things
named exist is for `app.labels.selection` to say.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.labels.service import MAX_LABELS, LabelRefused, SheetFormat, sheet_format

LIST_SEPARATORS = re.compile(r"[\s,、，]+")
MAX_TEXT_LENGTH = 100


@dataclass(frozen=True)
class SheetChoice:
    sheet: SheetFormat
    start: int


@dataclass(frozen=True)
class LocationChoice:
    """A zone, or a range of 棚番 from `first` to `last` (one location when `last` is empty)."""

    zone: str
    first: str
    last: str


@dataclass(frozen=True)
class ProductChoice:
    """SKUs (or product barcodes) listed by hand, else a search over SKU and name."""

    codes: tuple[str, ...]
    query: str
    copies: int


@dataclass(frozen=True)
class LotChoice:
    product: str
    lot: str
    copies: int


@dataclass(frozen=True)
class ToteChoice:
    first: int
    last: int


@dataclass(frozen=True)
class BadgeChoice:
    logins: tuple[str, ...]


def copies(args: MultiDict) -> int:
    """`copies` of each label (1 when absent)."""
    return _copies(args)


def sheet_choice(args: MultiDict, default: str | None = None) -> SheetChoice:
    """The sheet format (`sheet`, else the `default` one) and the label position to start at on the first
    sheet (`start`)."""
    sheet = sheet_format(args.get("sheet"), default)
    start = _whole_number(args, "start", default=1, low=1, high=sheet.per_sheet,
                          message=_l("Start at a label position from 1 to %(high)s.", high=sheet.per_sheet))
    return SheetChoice(sheet, start)


def location_choice(args: MultiDict) -> LocationChoice:
    """`zone`, or `from` and `to` (棚番, full-width and lower case accepted)."""
    choice = LocationChoice(_code(args, "zone"), _code(args, "from"), _code(args, "to"))
    if not (choice.zone or choice.first):
        raise LabelRefused(_l("Choose a zone or type the first location of a range."))
    return choice


def product_choice(args: MultiDict) -> ProductChoice:
    """`skus` (one or more SKUs or JANs, separated by spaces, commas or lines) or a search `q`; `copies`."""
    codes = tuple(dict.fromkeys(code for code in LIST_SEPARATORS.split(_cleaned(args.get("skus", ""))) if code))
    query = _cleaned(args.get("q", ""))[:MAX_TEXT_LENGTH]
    if not (codes or query):
        raise LabelRefused(_l("Type one or more SKUs, or a word to search for."))
    return ProductChoice(codes, query, _copies(args))


def lot_choice(args: MultiDict) -> LotChoice:
    """`product` (SKU or JAN) and `lot` (the lot number exactly as recorded); `copies`."""
    product = _cleaned(args.get("product", ""))[:MAX_TEXT_LENGTH]
    lot = _cleaned(args.get("lot", ""))[:MAX_TEXT_LENGTH]
    if not (product and lot):
        raise LabelRefused(_l("Type the product's SKU or JAN and the lot number."))
    return LotChoice(product, lot, _copies(args))


def tote_choice(args: MultiDict) -> ToteChoice:
    """`from` and `to`: tote numbers (ZT-0001 is tote 1); one tote when `to` is empty."""
    message = _l("Tote numbers are whole numbers from 1 to 999999.")
    first = _whole_number(args, "from", default=None, low=1, high=999_999, message=message)
    if first is None:
        raise LabelRefused(_l("Type the first tote number."))
    last = _whole_number(args, "to", default=first, low=1, high=999_999, message=message)
    return ToteChoice(first, last)


def badge_choice(args: MultiDict) -> BadgeChoice:
    """`login`, once per person whose badge is wanted."""
    logins = tuple(dict.fromkeys(login.strip() for login in args.getlist("login") if login.strip()))
    if not logins:
        raise LabelRefused(_l("Choose at least one person."))
    return BadgeChoice(logins)


def _copies(args: MultiDict) -> int:
    return _whole_number(args, "copies", default=1, low=1, high=MAX_LABELS,
                         message=_l("Copies: a whole number from 1 to %(high)s.", high=MAX_LABELS))


def _whole_number(args: MultiDict, name: str, default: int | None, low: int, high: int, message) -> int | None:
    text = _cleaned(args.get(name, ""))
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > len(str(high)) or not low <= int(text) <= high:
        raise LabelRefused(message)
    return int(text)


def _code(args: MultiDict, name: str) -> str:
    return _cleaned(args.get(name, "")).upper()[:MAX_TEXT_LENGTH]


def _cleaned(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


__all__ = [
    "SheetChoice", "LocationChoice", "ProductChoice", "LotChoice", "ToteChoice", "BadgeChoice",
    "sheet_choice", "location_choice", "product_choice", "lot_choice", "tote_choice", "badge_choice",
]
