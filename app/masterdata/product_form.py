"""The one-product form: what it sends, read and checked on its own (no database), so the rules
are tested without one.

Barcodes come as rows of code + pack quantity; the kind follows from the code:
- 8, 12 or 13 digits: a unit GTIN (short JAN, UPC-A, JAN/EAN-13), pack quantity 1;
- 14 digits: a GTIN-14, a case (indicator 1–8, pack quantity 2 or more) or a unit spelled in 14
  digits (indicator 0, pack 1); variable-measure codes (indicator 9) are refused;
- anything else: an internal code (letters, digits, single '-'), not one our labels start with.
GTIN check digits are checked; a code given twice (in any spelling) is refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.barcodes.checkdigit import as_gtin14, has_valid_check_digit, is_digits
from app.masterdata import cells
from app.masterdata.codes import starts_like_a_label, zone_code
from app.masterdata.errors import CellError
from app.masterdata.product_rows import (
    MAX_COST_PRICE,
    MAX_LEAD_TIME_DAYS,
    MAX_NAME,
    MAX_PACK_QTY,
    MAX_SHELF_LIFE_DAYS,
    MAX_SKU,
)
from app.stock.models import BarcodeKind, Tracking

MAX_BARCODES = 20
MAX_COMPONENTS = 50
MAX_COMPONENT_QTY = 9999
INTERNAL_CODE = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
MAX_INTERNAL = 40
UNIT_KINDS = {8: BarcodeKind.EAN8, 12: BarcodeKind.UPCA, 13: BarcodeKind.EAN13}
NUMBER_FIELDS = {
    "min_shelf_life_days": MAX_SHELF_LIFE_DAYS, "shelf_life_days": MAX_SHELF_LIFE_DAYS, "reorder_point": 10_000_000,
    "safety_stock": 10_000_000, "cost_price": MAX_COST_PRICE, "lead_time_days": MAX_LEAD_TIME_DAYS,
}
OPTIONAL_NUMBERS = {"shelf_life_days", "cost_price", "lead_time_days"}  # empty: not known


@dataclass(frozen=True)
class BarcodeLine:
    code: str
    pack_qty: int
    kind: BarcodeKind

    @property
    def key(self) -> str:
        """The same code in any spelling (a GTIN by its 14 digits)."""
        return as_gtin14(self.code) if self.kind is not BarcodeKind.INTERNAL else self.code


@dataclass(frozen=True)
class ComponentLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class ProductDraft:
    sku: str
    name: str
    tracking: Tracking
    min_shelf_life_days: int
    shelf_life_days: int | None
    reorder_point: int
    safety_stock: int
    cost_price: int | None
    lead_time_days: int | None
    zone: str | None
    mixed_lots: bool | None
    is_kit: bool
    barcodes: tuple[BarcodeLine, ...]
    components: tuple[ComponentLine, ...]
    seen: str = ""  # when the form was drawn (the product's updated_at), to refuse a stale save


class DraftRefused(Exception):
    def __init__(self, errors: dict[str, object]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def read_product_form(form: MultiDict) -> ProductDraft:
    """The form as a ProductDraft; DraftRefused with every problem by field (barcode-N, component-N)."""
    errors: dict[str, object] = {}
    values = {
        "sku": _field(errors, "sku", lambda: _sku(form.get("sku", ""))),
        "name": _field(errors, "name", lambda: _name(form.get("name", ""))),
        "tracking": _field(errors, "tracking", lambda: Tracking(form.get("tracking", ""))),
        "zone": _field(errors, "zone", lambda: zone_code(form["zone"]) if cells.normalized(form.get("zone")) else None),
        "mixed_lots": {"true": True, "false": False}.get(form.get("mixed_lots", "")),
        "is_kit": form.get("is_kit") == "1",
    }
    if errors.get("tracking"):
        errors["tracking"] = _l("Choose a tracking mode.")
    for name, high in NUMBER_FIELDS.items():
        values[name] = _field(errors, name, lambda n=name, h=high: _number(form.get(n, ""), h, n in OPTIONAL_NUMBERS))
    if values.get("shelf_life_days") == 0:
        errors["shelf_life_days"] = _l("The whole shelf life is at least one day (empty: not known).")
    values["barcodes"] = read_barcodes(form.getlist("barcode"), form.getlist("pack"), errors)
    values["components"] = read_components(form.getlist("component"), form.getlist("component_qty"), errors) \
        if values["is_kit"] else ()
    if values["is_kit"] and not values["components"] and not any(k.startswith("component-") for k in errors):
        errors["components"] = _l("A kit needs at least one component.")
    if errors:
        raise DraftRefused(errors)
    return ProductDraft(**values, seen=form.get("seen", "")[:40])


def read_barcodes(codes: list[str], packs: list[str], errors: dict[str, object]) -> tuple[BarcodeLine, ...]:
    lines: list[BarcodeLine] = []
    seen: dict[str, int] = {}
    for index, text in enumerate(codes[:MAX_BARCODES]):
        if not cells.normalized(text):
            continue
        pack_text = packs[index] if index < len(packs) else ""
        try:
            line = barcode_line(text, pack_text)
        except CellError as problem:
            errors[f"barcode-{index}"] = problem.message
            continue
        if line.key in seen:
            errors[f"barcode-{index}"] = _l("%(code)s is given twice.", code=line.code)
            continue
        seen[line.key] = index
        lines.append(line)
    return tuple(lines)


def barcode_line(text: str, pack_text: str) -> BarcodeLine:
    """One barcode row (module docstring); raises CellError."""
    code = cells.normalized(text).upper()
    if is_digits(code.replace(" ", "")):
        code = code.replace(" ", "")  # a number typed in groups: 4901 2345 67894
    pack = cells.whole_number(pack_text, low=1, high=MAX_PACK_QTY) if cells.normalized(pack_text) else 1
    if is_digits(code) and len(code) in UNIT_KINDS:
        if not has_valid_check_digit(code):
            raise CellError(_l("%(code)s has a wrong check digit: check the number.", code=code))
        if pack != 1:
            raise CellError(_l("%(code)s is a unit code: its pack quantity is 1.", code=code))
        return BarcodeLine(code, 1, UNIT_KINDS[len(code)])
    if is_digits(code) and len(code) == 14:
        return _gtin14(code, pack)
    if is_digits(code) and len(code) in (9, 10, 11):
        raise CellError(_l("%(code)s has %(n)s digits: a JAN has 13 (8 short), a case GTIN 14.", code=code, n=len(code)))
    if len(code) > MAX_INTERNAL or not INTERNAL_CODE.fullmatch(code):
        raise CellError(_l("Internal code %(code)s: use letters, digits and single '-' (at most 40).", code=text[:60]))
    if starts_like_a_label(code):
        raise CellError(_l("%(code)s starts like one of our labels (%(prefix)s): choose another code.",
                           code=code, prefix=code[:3]))
    return BarcodeLine(code, pack, BarcodeKind.INTERNAL)


def _gtin14(code: str, pack: int) -> BarcodeLine:
    if not has_valid_check_digit(code):
        raise CellError(_l("%(code)s has a wrong check digit: check the number.", code=code))
    if code[0] == "9":
        raise CellError(_l("%(code)s is a variable-measure code, which we do not use.", code=code))
    if code[0] == "0" and pack != 1:
        raise CellError(_l("%(code)s is a unit code: its pack quantity is 1.", code=code))
    if code[0] != "0" and pack < 2:
        raise CellError(_l("%(code)s is a case code: give how many units the case holds (2 or more).", code=code))
    return BarcodeLine(code, pack, BarcodeKind.GTIN14)


def read_components(skus: list[str], quantities: list[str], errors: dict[str, object]) -> tuple[ComponentLine, ...]:
    lines: list[ComponentLine] = []
    for index, text in enumerate(skus[:MAX_COMPONENTS]):
        sku = cells.normalized(text)
        if not sku:
            continue
        try:
            quantity = cells.whole_number(quantities[index] if index < len(quantities) else "", low=1,
                                          high=MAX_COMPONENT_QTY)
        except CellError as problem:
            errors[f"component-{index}"] = problem.message
            continue
        if any(line.sku == sku for line in lines):
            errors[f"component-{index}"] = _l("%(sku)s is given twice.", sku=sku)
            continue
        lines.append(ComponentLine(sku, quantity))
    return tuple(lines)


def _field(errors: dict, name: str, read):
    try:
        return read()
    except CellError as problem:
        errors[name] = problem.message
    except (ValueError, KeyError):
        errors[name] = _l("Choose one.")
    return None


def _sku(text: str) -> str:
    sku = cells.normalized(text)
    if not sku or len(sku) > MAX_SKU or any(ch.isspace() for ch in sku):
        raise CellError(_l("A SKU is 1 to %(n)s characters without spaces.", n=MAX_SKU))
    return sku


def _name(text: str) -> str:
    name = cells.text_cell(text, limit=MAX_NAME, what=_l("The name"))
    if not name:
        raise CellError(_l("Type the product's name."))
    return name


def _number(text: str, high: int, optional: bool) -> int | None:
    cleaned = cells.normalized(text).lstrip("¥").removesuffix("円").strip()
    if not cleaned:
        return None if optional else 0
    return cells.whole_number(cleaned, high=high)


__all__ = ["BarcodeLine", "ComponentLine", "ProductDraft", "DraftRefused", "read_product_form", "barcode_line"]
