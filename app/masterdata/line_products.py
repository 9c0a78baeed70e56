"""The product a line of an order or an expected receipt names, from a screen, a CSV file or
the API: a SKU first, else any spelling of a barcode.

Quantities on such lines are in units, so a case code is refused rather than guessed; so is an
unknown code, an inactive product, and a SKU and a JAN on one line that name two products.
Each refusal is a RowError on the line's row (its CSV row, or its number on the screen).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.barcodes.checkdigit import gtin_spellings, is_valid_gtin
from app.masterdata.errors import RowError
from app.masterdata.listing import chunks
from app.stock.models import Product, ProductBarcode


@dataclass(frozen=True)
class Match:
    """A product found by a code, and how many units that code stands for."""

    product: Product
    pack_qty: int = 1


class NamedLine(Protocol):
    """A line as written: `product` a SKU or JAN, `jan` a second code from a separate JAN column."""

    row: int
    product: str
    jan: str


def products_for_codes(session: Session, codes: Sequence[str]) -> dict[str, Match]:
    """The product each code names: a SKU first, else a barcode (any spelling of a GTIN)."""
    codes = sorted(set(codes))
    matches: dict[str, Match] = {}
    for part in chunks(codes):
        matches.update((p.sku, Match(p)) for p in session.scalars(select(Product).where(Product.sku.in_(part))))
    spelled = {code: gtin_spellings(code) if is_valid_gtin(code) else (code,) for code in codes if code not in matches}
    by_barcode: dict[str, ProductBarcode] = {}
    for part in chunks(sorted({s for spellings in spelled.values() for s in spellings})):
        by_barcode.update((b.code, b) for b in session.scalars(select(ProductBarcode).where(ProductBarcode.code.in_(part))))
    for code, spellings in spelled.items():
        barcode = next((by_barcode[s] for s in spellings if s in by_barcode), None)
        if barcode is not None:
            matches[code] = Match(barcode.product, barcode.pack_qty)
    return matches


def product_of(line: NamedLine, matches: dict[str, Match], errors: list[RowError]) -> Product | None:
    """The active product `line` names (by `matches`), or None with the reason added to `errors`."""
    named = [(field, code, matches.get(code)) for field, code in (("product", line.product), ("jan", line.jan)) if code]
    for field, code, match in named:
        if match is None:
            errors.append(RowError(line.row, _l("%(code)s is not a known SKU or JAN.", code=code), field))
            return None
        if match.pack_qty > 1:
            errors.append(RowError(line.row, _l("%(code)s is a case code (%(n)s units): give the unit JAN or the SKU, "
                                                "and the quantity in units.", code=code, n=match.pack_qty), field))
            return None
    products = {match.product.id: match.product for _field, _code, match in named}
    if len(products) > 1:
        errors.append(RowError(line.row, _l("%(sku)s and %(jan)s are different products.", sku=line.product, jan=line.jan),
                               "jan"))
        return None
    product = next(iter(products.values()))
    if not product.active:
        errors.append(RowError(line.row, _l("%(sku)s is no longer active.", sku=product.sku), "product"))
        return None
    return product
