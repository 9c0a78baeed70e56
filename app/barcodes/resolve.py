"""Resolve any scan to exactly one thing: `resolve(text, warehouse, session)`.

The order (DESIGN.md), first match wins:

1. GS1 that says so (symbology identifier `]C1` `]d2` `]Q3` `]e0` `]J1`, a GS separator, or
   the printed `(01)…` form) → `Gs1Hit`, or its refusal (`malformed_gs1`, `ambiguous_gs1`,
   `bad_check_digit`). Rules in `app.barcodes.gs1`.
2. Our labels, by prefix (`A–Z 0–9 -` only; letters are compared upper-cased, because a
   keyboard wedge under Caps Lock types them lower-case):
   `ZL-` location of this warehouse → `LocationHit` (inactive ones too, flagged), else
   `other_warehouse` if the code exists only elsewhere, else `unknown_location`;
   `ZU-` badge → `BadgeHit`, or `inactive_badge` / `unknown_badge`;
   `ZT-` tote, `ZR-` receipt, `ZO-` order, `ZK-` pick list, `ZC-` count task → `DocumentRef`
   without a lookup (the workflow owning the document looks it up);
   a prefix followed by anything else → `malformed_label`.
3. A bare location code that fully matches the warehouse's `location_pattern` and exists in
   this warehouse → `LocationHit`.
4. 8, 12, 13 or 14 digits (EAN-8, UPC-A, EAN-13/JAN or UPC-A with a leading 0, GTIN-14):
   with a valid check digit, the product with that GTIN under any of its spellings →
   `ProductHit` with the barcode's pack quantity (a case GTIN-14 gives the case's). A valid
   GTIN nobody registered is `unknown_product` (unless it is some product's internal code or
   SKU). A wrong check digit is never looked up as a GTIN: `bad_check_digit`, unless the exact
   digits are a product's internal code or SKU.
5. A product's internal code (`ProductBarcode` of kind internal), then its SKU → `ProductHit`.
6. A bare GS1 element string only if it reads cleanly and starts with a valid GTIN or SSCC.
7. Otherwise `other_warehouse` if the scan looked like a location code that exists only in
   another warehouse, else `unknown`.

A symbology identifier of a non-GS1 code is dropped first (`]C0ZL-A-01-03-2` is a location);
EAN/UPC identifiers (`]E0`, `]E3` with its add-on dropped, `]E4`, `]I1`) go straight to step 4.
Locations of another warehouse are refused (`other_warehouse`) rather than resolved: a code is
unique only within its warehouse, so the same label may exist in several.

`resolve` never raises on any input (database failures still propagate). It asks the database
one indexed Core select per candidate kind it reaches (a JAN, a location, a GS1 label with its
lot: one query each; a document label: none); only a location code missing here costs a
second query, to tell `other_warehouse` from unknown.
"""
from __future__ import annotations

import re
from typing import Protocol

from sqlalchemy import Executable, Row, bindparam, exists, literal, or_, select, union_all
from sqlalchemy.orm import Session, scoped_session

from app.auth.models import User, user_warehouse
from app.barcodes.checkdigit import as_gtin14, gtin_format, gtin_spellings, has_valid_check_digit
from app.barcodes.gs1 import Framing, Gs1Data, Gs1Refusal, framing_of, parse_framed, parse_unframed, split_symbology
from app.barcodes.normalize import Refused, normalize_scan
from app.barcodes.reasons import Reason
from app.barcodes.results import (
    BadgeHit,
    DocumentKind,
    DocumentRef,
    Gs1Hit,
    LocationHit,
    LotHit,
    ProductHit,
    Resolved,
    Unresolved,
)
from app.extensions import db
from app.stock.models import BarcodeKind, Location, Lot, Product, ProductBarcode, Tracking, Warehouse

LOCATION_PREFIX = "ZL-"
BADGE_PREFIX = "ZU-"
DOCUMENT_PREFIXES = {
    "ZT-": DocumentKind.TOTE,
    "ZR-": DocumentKind.RECEIPT,
    "ZO-": DocumentKind.ORDER,
    "ZK-": DocumentKind.PICK_LIST,
    "ZC-": DocumentKind.COUNT_TASK,
}
LABEL_BODY = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
MAX_LABEL_BODY = 40
GTIN_SYMBOLOGIES = frozenset({"]E0", "]E3", "]E4", "]I1"})


class Catalog(Protocol):
    """What resolve needs to know about one warehouse; each method is one query."""

    def location(self, code: str) -> LocationHit | None: ...

    def location_elsewhere(self, code: str) -> bool: ...

    def product_by_gtin(
        self, spellings: tuple[str, ...], lot: str | None = None
    ) -> tuple[ProductHit, LotHit | None] | None: ...

    def product_by_internal_code(self, code: str) -> ProductHit | None: ...

    def badge(self, code: str) -> tuple[BadgeHit, bool] | None:
        """The holder of the badge, if they work in this catalog's warehouse, and whether they are active."""


def resolve(text: str, warehouse: Warehouse, session: Session | None = None) -> Resolved:
    """What `text` (one scan, raw from a scanner, camera or keyboard) is in `warehouse`.

    Exactly one frozen result, in the order of this module's docstring; `Unresolved` with a
    `Reason` when it is nothing we can use. Never raises on any input. Reads only, in the
    caller's transaction (`session`, by default the app's `db.session`).
    """
    catalog = DatabaseCatalog(session if session is not None else db.session, warehouse.id)
    return resolve_with(text, catalog, warehouse.location_pattern)


def resolve_with(text: str, catalog: Catalog, location_pattern: str) -> Resolved:
    """`resolve` over any `Catalog` (the database one, or a fake in tests)."""
    cleaned = normalize_scan(text)
    if isinstance(cleaned, Refused):
        return Unresolved(cleaned.reason, cleaned.detail)
    if framing_of(cleaned) is not Framing.NONE:
        return _gs1_result(parse_framed(cleaned), catalog, cleaned)
    symbology, code = split_symbology(cleaned)
    if symbology in GTIN_SYMBOLOGIES:
        return _scanned_gtin(_without_add_on(symbology, code), catalog) or Unresolved(Reason.UNKNOWN, code=cleaned)
    return (
        _our_label(code, catalog)
        or _bare_location(code, catalog, location_pattern)
        or _scanned_gtin(code, catalog)
        or _internal_code(code, catalog)
        or _unframed_gs1(code, catalog)
        or _location_of_other_warehouse(code, catalog, location_pattern)
        or Unresolved(Reason.UNKNOWN, code=code)
    )


def location_code_in(text: str, location_pattern: str) -> str | None:
    """The location code a scan names if it names one at all, without asking the database.

    Follows `resolve`'s order: GS1 and other labels are not locations; `ZL-…` names its body;
    a bare code in the warehouse's format names itself (upper-cased like `resolve`). Whether such
    a location exists is for the caller's own query; when it does not, `resolve` explains why.
    """
    cleaned = normalize_scan(text)
    if isinstance(cleaned, Refused) or framing_of(cleaned) is not Framing.NONE:
        return None
    symbology, code = split_symbology(cleaned)
    if symbology in GTIN_SYMBOLOGIES:
        return None
    label = code.upper()
    if label.startswith(LOCATION_PREFIX):
        body = label[len(LOCATION_PREFIX):]
        return body if len(body) <= MAX_LABEL_BODY and LABEL_BODY.fullmatch(body) else None
    if label[:3] == BADGE_PREFIX or label[:3] in DOCUMENT_PREFIXES:
        return None
    return _location_candidate(code, location_pattern)


def product_gtin_spellings(text: str, location_pattern: str) -> tuple[str, ...] | None:
    """The spellings to look a scan up by, when `resolve` would take it for a product GTIN (step 4):
    a GTIN with a valid check digit that is neither GS1, one of our labels, nor a location code.
    None otherwise (then only `resolve` can tell what it is). The scanned spelling comes first.
    """
    cleaned = normalize_scan(text)
    if isinstance(cleaned, Refused) or framing_of(cleaned) is not Framing.NONE:
        return None
    symbology, code = split_symbology(cleaned)
    if symbology in GTIN_SYMBOLOGIES:
        code = _without_add_on(symbology, code)
    elif symbology is not None or _location_candidate(code, location_pattern) is not None:
        return None
    if gtin_format(code) is None or not has_valid_check_digit(code):
        return None
    return _spellings_scanned_first(code)


def product_hit_of(facts, spellings: tuple[str, ...]) -> ProductHit:
    """The `ProductHit` of a product found by one of `spellings`: facts are (barcode, pack_qty, id, sku,
    name, tracking, active, min_shelf_life_days), as a caller's own statement read them."""
    code, pack_qty, product_id, sku, name, tracking, active, shelf_life = facts
    return ProductHit(product_id, sku, name, pack_qty, Tracking(tracking), as_gtin14(spellings[0]), code, bool(active),
                      shelf_life)


# --- the steps: each returns a result, or None to let the next one try ------------------------


def _our_label(code: str, catalog: Catalog) -> Resolved | None:
    label = code.upper()
    prefix, body = label[:3], label[3:]
    if prefix != LOCATION_PREFIX and prefix != BADGE_PREFIX and prefix not in DOCUMENT_PREFIXES:
        return None
    if len(body) > MAX_LABEL_BODY or not LABEL_BODY.fullmatch(body):
        return Unresolved(Reason.MALFORMED_LABEL, "only A-Z, 0-9 and single '-' inside", code=code)
    if prefix == LOCATION_PREFIX:
        return _labelled_location(label, body, catalog)
    if prefix == BADGE_PREFIX:
        return _badge(label, catalog)
    return DocumentRef(DOCUMENT_PREFIXES[prefix], label, body)


def _labelled_location(label: str, location_code: str, catalog: Catalog) -> Resolved:
    hit = catalog.location(location_code)
    if hit is not None:
        return hit
    if catalog.location_elsewhere(location_code):
        return Unresolved(Reason.OTHER_WAREHOUSE, location_code, code=label)
    return Unresolved(Reason.UNKNOWN_LOCATION, location_code, code=label)


def _badge(label: str, catalog: Catalog) -> Resolved:
    found = catalog.badge(label)
    if found is None:
        return Unresolved(Reason.UNKNOWN_BADGE, code=label)
    hit, active = found
    return hit if active else Unresolved(Reason.INACTIVE_BADGE, code=label)


def _bare_location(code: str, catalog: Catalog, pattern: str) -> LocationHit | None:
    candidate = _location_candidate(code, pattern)
    return catalog.location(candidate) if candidate is not None else None


def _location_of_other_warehouse(code: str, catalog: Catalog, pattern: str) -> Unresolved | None:
    candidate = _location_candidate(code, pattern)
    if candidate is not None and catalog.location_elsewhere(candidate):
        return Unresolved(Reason.OTHER_WAREHOUSE, candidate, code=code)
    return None


def _location_candidate(code: str, pattern: str) -> str | None:
    """The code as the warehouse writes location codes, if it is in that format."""
    for candidate in dict.fromkeys((code, code.upper())):
        if _fullmatch(pattern, candidate):
            return candidate
    return None


def _fullmatch(pattern: str, text: str) -> bool:
    try:
        return re.fullmatch(pattern, text) is not None
    except (re.error, TypeError):  # a broken pattern in the settings matches nothing
        return False


def _scanned_gtin(code: str, catalog: Catalog) -> Resolved | None:
    if gtin_format(code) is None:
        return None
    if not has_valid_check_digit(code):
        return _internal_code(code, catalog) or Unresolved(Reason.BAD_CHECK_DIGIT, code=code)
    found = catalog.product_by_gtin(_spellings_scanned_first(code))
    if found is not None:
        return found[0]
    return _internal_code(code, catalog) or Unresolved(Reason.UNKNOWN_PRODUCT, as_gtin14(code), code=code)


def _spellings_scanned_first(code: str) -> tuple[str, ...]:
    return (code, *(spelling for spelling in gtin_spellings(code) if spelling != code))


def _without_add_on(symbology: str, code: str) -> str:
    if symbology == "]E3" and len(code) in (15, 18):
        return code[:13]
    return code


def _internal_code(code: str, catalog: Catalog) -> ProductHit | None:
    return catalog.product_by_internal_code(code)


def _unframed_gs1(code: str, catalog: Catalog) -> Resolved | None:
    parsed = parse_unframed(code)
    if isinstance(parsed, Gs1Refusal) and parsed.reason is Reason.UNKNOWN:
        return None
    return _gs1_result(parsed, catalog, code)


def _gs1_result(parsed: Gs1Data | Gs1Refusal, catalog: Catalog, code: str) -> Resolved:
    if isinstance(parsed, Gs1Refusal):
        return Unresolved(parsed.reason, parsed.detail, code=code)
    product, known_lot = None, None
    if parsed.gtin is not None:
        found = catalog.product_by_gtin(gtin_spellings(parsed.gtin), parsed.lot)
        if found is not None:
            product, known_lot = found
    return Gs1Hit(
        product=product,
        gtin=parsed.gtin,
        lot=parsed.lot,
        expiry=parsed.expiry,
        best_before=parsed.best_before,
        serial=parsed.serial,
        quantity=parsed.quantity,
        sscc=parsed.sscc,
        known_lot=known_lot,
        production_date=parsed.production_date,
        packaging_date=parsed.packaging_date,
        gtin_is_content=parsed.gtin_is_content,
        symbology=parsed.symbology,
        elements=parsed.elements,
    )


# --- the database -----------------------------------------------------------------------------

_location = Location.__table__
_product = Product.__table__
_barcode = ProductBarcode.__table__
_lot = Lot.__table__
_user = User.__table__

_LOCATION_HERE = select(
    _location.c.id, _location.c.code, _location.c.kind, _location.c.warehouse_id, _location.c.active
).where(_location.c.warehouse_id == bindparam("warehouse_id"), _location.c.code == bindparam("code"))

_LOCATION_ELSEWHERE = (
    select(_location.c.id)
    .where(_location.c.code == bindparam("code"), _location.c.warehouse_id != bindparam("warehouse_id"))
    .limit(1)
)

_PRODUCT_COLUMNS = (_product.c.id, _product.c.sku, _product.c.name, _product.c.tracking, _product.c.active,
                    _product.c.min_shelf_life_days)

_PRODUCT_BY_GTIN = (
    select(
        _barcode.c.code, _barcode.c.pack_qty, *_PRODUCT_COLUMNS,
        _lot.c.id.label("lot_id"), _lot.c.number.label("lot_number"), _lot.c.expiry,
    )
    .join_from(_barcode, _product, _product.c.id == _barcode.c.product_id)
    .outerjoin(_lot, (_lot.c.product_id == _product.c.id) & (_lot.c.number == bindparam("lot")))
    .where(_barcode.c.code.in_(bindparam("spellings", expanding=True)))
)

_PRODUCT_BY_INTERNAL_CODE = union_all(
    select(literal(1).label("rank"), _barcode.c.code, _barcode.c.pack_qty, *_PRODUCT_COLUMNS)
    .join_from(_barcode, _product, _product.c.id == _barcode.c.product_id)
    .where(_barcode.c.code == bindparam("code"), _barcode.c.kind == BarcodeKind.INTERNAL),
    select(literal(2).label("rank"), _product.c.sku, literal(1).label("pack_qty"), *_PRODUCT_COLUMNS)
    .where(_product.c.sku == bindparam("code")),
)

# A badge names its holder only to people of a warehouse the holder works in: anyone else's
# badge is unknown here, so scanning badges does not list the staff of other warehouses.
_BADGE = select(_user.c.id, _user.c.name, _user.c.active).where(
    _user.c.badge_code == bindparam("code"),
    or_(_user.c.all_warehouses.is_(True), exists().where(
        user_warehouse.c.user_id == _user.c.id, user_warehouse.c.warehouse_id == bindparam("warehouse_id"))),
)


class DatabaseCatalog:
    """The `Catalog` of one warehouse in the shared stock store: one Core select per call."""

    def __init__(self, session: Session | scoped_session, warehouse_id: int) -> None:
        self.session = session
        self.warehouse_id = warehouse_id

    def location(self, code: str) -> LocationHit | None:
        row = self._first(_LOCATION_HERE, warehouse_id=self.warehouse_id, code=code)
        return LocationHit(row.id, row.code, row.kind, row.warehouse_id, row.active) if row else None

    def location_elsewhere(self, code: str) -> bool:
        return self._first(_LOCATION_ELSEWHERE, warehouse_id=self.warehouse_id, code=code) is not None

    def product_by_gtin(
        self, spellings: tuple[str, ...], lot: str | None = None
    ) -> tuple[ProductHit, LotHit | None] | None:
        """The product registered under any of `spellings` (the first spelling wins a tie), and
        its lot numbered `lot` if we know it."""
        rows = self.session.execute(_PRODUCT_BY_GTIN, {"spellings": list(spellings), "lot": lot}).all()
        if not rows:
            return None
        row = min(rows, key=lambda r: spellings.index(r.code))
        known_lot = LotHit(row.lot_id, row.id, row.lot_number, row.expiry) if row.lot_id is not None else None
        return _product_hit(row, gtin=as_gtin14(spellings[0])), known_lot

    def product_by_internal_code(self, code: str) -> ProductHit | None:
        rows = self.session.execute(_PRODUCT_BY_INTERNAL_CODE, {"code": code}).all()
        return _product_hit(min(rows, key=lambda r: r.rank), gtin=None) if rows else None

    def badge(self, code: str) -> tuple[BadgeHit, bool] | None:
        row = self._first(_BADGE, code=code, warehouse_id=self.warehouse_id)
        return (BadgeHit(row.id, row.name), row.active) if row else None

    def _first(self, statement: Executable, **params: object) -> Row | None:
        return self.session.execute(statement, params).first()


def _product_hit(row: Row, gtin: str | None) -> ProductHit:
    return ProductHit(row.id, row.sku, row.name, row.pack_qty, row.tracking, gtin, row.code, row.active,
                      row.min_shelf_life_days)


__all__ = ["Catalog", "DatabaseCatalog", "location_code_in", "product_gtin_spellings", "product_hit_of", "resolve",
           "resolve_with"]
