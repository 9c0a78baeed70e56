"""What goes on each kind of label, and how labels fill a sheet: pure functions, no database.

Every label carries one barcode that `app.barcodes.resolve` reads back as the thing printed:

| label    | barcode                                              | resolves to                    |
|----------|------------------------------------------------------|--------------------------------|
| location | Code 128 `ZL-` + 棚番 (棚番 large under the bars)      | the location                   |
| product  | the unit GTIN as EAN-13/EAN-8 (else internal code/SKU) | the product                    |
| lot      | GS1-128 (01) GTIN-14 (17) expiry (10) lot            | product + lot + expiry         |
| tote     | Code 128 `ZT-0001`                                   | the tote reference             |
| badge    | Code 128 `ZU-…` (random code, never a database id)   | the person                     |

Our own codes use only `A–Z 0–9 -` (the rule `resolve` applies), so a keyboard-wedge scanner types
them the same on Japanese and US layouts. A code that breaks the rule is refused, never printed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from app.barcodes.checkdigit import as_gtin14, is_valid_gtin
from app.barcodes.resolve import BADGE_PREFIX, LABEL_BODY, LOCATION_PREFIX, MAX_LABEL_BODY
from app.labels.barcodes import BarcodeRefused, Symbol, code128, gs1_128, gtin_symbol
from app.stock.models import BarcodeKind, Product

TOTE_PREFIX = "ZT-"
TOTE_NUMBER_DIGITS = 4
MAX_LABELS = 1200
MAX_GS1_LOT_LENGTH = 20
# GS1 AI 10 takes the 82 characters of GS1 "CSET 82"; we leave out the parentheses, which would
# make the printed `(01)…(10)…` form unreadable.
GS1_LOT = re.compile(r"[!\"%&'*+,\-./0-9:;<=>?A-Z_a-z]{1," + str(MAX_GS1_LOT_LENGTH) + "}")
GTIN_KINDS = frozenset({BarcodeKind.EAN13, BarcodeKind.EAN8, BarcodeKind.UPCA, BarcodeKind.GTIN14})


class LabelKind(StrEnum):
    LOCATION = "location"
    PRODUCT = "product"
    LOT = "lot"
    TOTE = "tote"
    BADGE = "badge"


class LabelRefused(ValueError):
    """Nothing printed: `message` says why, in the user's language when shown. It is a lazy
    string holding what was typed: render `str(message)`, never the lazy string itself, which
    Jinja would take for safe HTML (Flask-Babel's LazyString has `__html__`)."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Label:
    """One printed label. `heading` is its largest text (棚番, SKU, lot number, tote code, name);
    `caption` the human-readable line under the bars ("" when the heading already says it)."""

    kind: LabelKind
    symbol: Symbol
    heading: str
    caption: str = ""
    name: str = ""
    sku: str = ""
    expiry: date | None = None


@dataclass(frozen=True)
class SheetFormat:
    """A sheet of labels: `columns` × `rows` labels of `width_mm` × `height_mm` on one page."""

    key: str
    columns: int
    rows: int
    width_mm: float
    height_mm: float
    title: object

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows


SHEET_FORMATS: dict[str, SheetFormat] = {
    sheet.key: sheet
    for sheet in (
        SheetFormat("a4-3x8", 3, 8, 70, 37, _l("A4 sheet, 3 × 8 labels (70 × 37 mm)")),
        SheetFormat("a4-2x5", 2, 5, 105, 57, _l("A4 sheet, 2 × 5 labels (105 × 57 mm)")),
        SheetFormat("single", 1, 1, 100, 50, _l("Single label (100 × 50 mm)")),
    )
}
DEFAULT_SHEET = SHEET_FORMATS["a4-3x8"]

Cell = Label | None


# --- the kinds of label ------------------------------------------------------------------------


def location_label(code: str) -> Label:
    """`ZL-` + 棚番 in Code 128, the 棚番 in large text under the bars."""
    _require_label_body(code, _l("Location %(code)s cannot be printed: a label takes only A–Z, 0–9 and single '-'.", code=code))
    return Label(LabelKind.LOCATION, code128(LOCATION_PREFIX + code), heading=code)


def product_label(product: Product) -> Label:
    """The unit barcode (JAN as EAN-13), the SKU large and the product's name."""
    gtin = unit_gtin(product)
    symbol = gtin_symbol(gtin) if gtin else _code128_or_none(_internal_code(product) or product.sku)
    if symbol is None:
        raise LabelRefused(_l("Product %(sku)s has no barcode that can be printed.", sku=product.sku))
    return Label(LabelKind.PRODUCT, symbol, heading=product.sku, caption=symbol.text, name=product.name, sku=product.sku)


def lot_label(product: Product, lot_number: str, expiry: date | None) -> Label:
    """GS1-128 of (01) the unit GTIN-14, (17) the expiry YYMMDD when known, (10) the lot (last,
    because it has no fixed length), with the printed form `(01)…(17)…(10)…` under the bars."""
    gtin = unit_gtin(product)
    if gtin is None:
        raise LabelRefused(_l("Product %(sku)s has no GTIN (JAN), so it cannot have a GS1 lot label.", sku=product.sku))
    if not GS1_LOT.fullmatch(lot_number):
        raise LabelRefused(_l(
            "Lot %(lot)s cannot be printed in GS1-128: at most 20 letters, digits or marks, no spaces or brackets.",
            lot=lot_number,
        ))
    elements = gs1_elements(as_gtin14(gtin), lot_number, expiry)
    return Label(
        LabelKind.LOT, gs1_128(elements), heading=lot_number, caption=gs1_printed_form(elements),
        name=product.name, sku=product.sku, expiry=expiry,
    )


def tote_labels(first: int, last: int) -> list[Label]:
    """`ZT-0001` … for every tote number from `first` to `last`, both included."""
    if first < 1 or last < first:
        raise LabelRefused(_l("Tote numbers run from 1 upwards, the first no larger than the last."))
    _require_at_most(last - first + 1)
    return [tote_label(number) for number in range(first, last + 1)]


def tote_label(number: int) -> Label:
    """One tote: `ZT-` + the number with at least four digits."""
    code = f"{TOTE_PREFIX}{number:0{TOTE_NUMBER_DIGITS}d}"
    return Label(LabelKind.TOTE, code128(code), heading=code)


def badge_label(name: str, badge_code: str) -> Label:
    """The person's name large, their badge code (`ZU-…`) in Code 128 and small under it."""
    body = badge_code[len(BADGE_PREFIX):] if badge_code.startswith(BADGE_PREFIX) else ""
    _require_label_body(body, _l("The badge of %(name)s cannot be printed: its code is not ZU- + A–Z, 0–9.", name=name))
    return Label(LabelKind.BADGE, code128(badge_code), heading=name, caption=badge_code, name=name)


def repeated(labels: Iterable[Label], copies: int) -> list[Label]:
    """Each label `copies` times, next to each other."""
    return [label for label in labels for _ in range(copies)]


# --- GS1 ---------------------------------------------------------------------------------------


def gs1_elements(gtin14: str, lot_number: str, expiry: date | None) -> tuple[tuple[str, str], ...]:
    """(AI, value) pairs of a lot label: GTIN, expiry when known, then the lot."""
    elements = [("01", gtin14)]
    if expiry is not None:
        elements.append(("17", expiry.strftime("%y%m%d")))
    elements.append(("10", lot_number))
    return tuple(elements)


def gs1_printed_form(elements: Sequence[tuple[str, str]]) -> str:
    """The human-readable line: `(01)04901234567894(17)271231(10)LOT42`, nothing else."""
    return "".join(f"({ai}){value}" for ai, value in elements)


def unit_gtin(product: Product) -> str | None:
    """The GTIN of one unit (pack quantity 1) of `product`, as registered; None without one."""
    for product_barcode in product.barcodes:
        if product_barcode.pack_qty == 1 and _is_unit_gtin(product_barcode.kind, product_barcode.code):
            return product_barcode.code
    return None


# --- sheets ------------------------------------------------------------------------------------


def sheet_format(key: str | None, default: str | None = None) -> SheetFormat:
    """The sheet format named `key`; when none or an unknown one is named, the `default` one (the
    warehouse's setting), else the A4 3 × 8 sheet."""
    return SHEET_FORMATS.get(key or "") or SHEET_FORMATS.get(default or "", DEFAULT_SHEET)


def lay_out(labels: Sequence[Label], sheet: SheetFormat, start: int = 1) -> list[list[Cell]]:
    """The labels in reading order on as many sheets as they need. The first sheet begins at
    label position `start` (1-based), so a part-used sheet can go through the printer again."""
    if not labels:
        raise LabelRefused(_l("Nothing to print."))
    _require_at_most(len(labels))
    skipped = min(max(start, 1), sheet.per_sheet) - 1
    cells: list[Cell] = [None] * skipped + list(labels)
    return [cells[i: i + sheet.per_sheet] for i in range(0, len(cells), sheet.per_sheet)]


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders `A-01-03-2` before `A-01-03-10`."""
    return tuple((0, int(part)) if part[0] in _ASCII_DIGITS else (1, part) for part in re.split(r"([0-9]+)", code) if part)


_ASCII_DIGITS = frozenset("0123456789")


# --- rules -------------------------------------------------------------------------------------


def _require_label_body(body: str, message) -> None:
    if len(body) > MAX_LABEL_BODY or not LABEL_BODY.fullmatch(body):
        raise LabelRefused(message)


def _require_at_most(count: int) -> None:
    if count > MAX_LABELS:
        raise LabelRefused(_l(
            "Too many labels (%(count)s): print at most %(limit)s at a time.", count=count, limit=MAX_LABELS
        ))


def _is_unit_gtin(kind: BarcodeKind, code: str) -> bool:
    is_case_indicator = len(code) == 14 and not code.startswith("0")
    return kind in GTIN_KINDS and is_valid_gtin(code) and not is_case_indicator


def _internal_code(product: Product) -> str | None:
    for product_barcode in product.barcodes:
        if product_barcode.pack_qty == 1 and product_barcode.kind is BarcodeKind.INTERNAL:
            return product_barcode.code
    return None


def _code128_or_none(text: str) -> Symbol | None:
    try:
        return code128(text)
    except BarcodeRefused:
        return None


__all__ = [
    "Label", "LabelKind", "LabelRefused", "SheetFormat", "SHEET_FORMATS", "DEFAULT_SHEET", "MAX_LABELS",
    "location_label", "product_label", "lot_label", "tote_labels", "tote_label", "badge_label", "repeated",
    "gs1_elements", "gs1_printed_form", "unit_gtin", "sheet_format", "lay_out", "natural_key",
]
