"""Products (SKUs) from the office: CSV import and export, and the searchable list.

An import is one unit of work: every row is checked (the file alone, then against the store)
before anything is written, and a single wrong row imports nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.barcodes.checkdigit import as_gtin14, gtin_spellings
from app.database import write_transaction
from app.masterdata.cells import guarded
from app.masterdata.csvfile import write_csv
from app.masterdata.errors import ImportRefused
from app.masterdata.listing import Page, chunks, page_number
from app.masterdata.product_rows import (
    KnownProduct,
    ProductFile,
    ProductRow,
    StoreView,
    conflicts_with_store,
    export_header,
    read_product_file,
)
from app.masterdata.retry import retried_on_conflict
from app.stock.models import BarcodeKind, Product, ProductBarcode, Quant, Tracking

UNIT_KINDS = {8: BarcodeKind.EAN8, 12: BarcodeKind.UPCA, 13: BarcodeKind.EAN13}
SETTABLE = ("name", "tracking", "min_shelf_life_days", "reorder_point", "safety_stock", "zone", "cost_price",
            "lead_time_days")
PAGE_SIZE = 50


@dataclass(frozen=True)
class ProductImport:
    created: int
    updated: int
    unchanged: int
    ignored_columns: tuple[str, ...]
    encoding: str


def import_products(session: Session, data: bytes) -> ProductImport:
    """Create the new SKUs of a products CSV and update the known ones, all or nothing.

    Raises ImportRefused (nothing written) listing every row-numbered problem.
    """
    parsed = read_product_file(data)
    created, updated = retried_on_conflict(lambda: _write_products(session, parsed))
    unchanged = len(parsed.rows) - created - updated
    return ProductImport(created, updated, unchanged, parsed.ignored, parsed.encoding)


def _write_products(session: Session, parsed: ProductFile) -> tuple[int, int]:
    with write_transaction(session):
        existing = _products_by_sku(session, [row.sku for row in parsed.rows])
        errors = parsed.errors + conflicts_with_store(parsed.rows, _store_view(session, parsed.rows, existing))
        if errors:
            raise ImportRefused(errors, parsed.headers)
        created = updated = 0
        for row in parsed.rows:
            product = existing.get(row.sku)
            if product is None:
                session.add(_new_product(row))
                created += 1
            elif _update_product(product, row):
                updated += 1
        session.flush()
    return created, updated


def export_products(session: Session, language: str) -> bytes:
    """Every product as a CSV in the import's columns (headers in `language`), UTF-8 with BOM."""
    products = session.scalars(select(Product).order_by(Product.sku))
    return write_csv(export_header(language), (_export_row(product) for product in products))


def find_products(session: Session, query: str = "", page: int | None = 1, *, state: str = "all",
                  tracking: str = "") -> Page[Product]:
    """Products whose SKU or name contains `query`, or that have `query` as a barcode, active or
    inactive (`state`: active, inactive, all), of one tracking mode if given; by SKU, a page at a
    time with their barcodes (two statements and one for the barcodes, whatever the catalogue's size)."""
    condition = [_matching(query.strip())]
    if state in ("active", "inactive"):
        condition.append(Product.active.is_(state == "active"))
    if tracking in Tracking._value2member_map_:
        condition.append(Product.tracking == Tracking(tracking))
    total = session.scalar(select(func.count()).select_from(Product).where(*condition))
    number = page_number(page, total, PAGE_SIZE)
    items = session.scalars(
        select(Product).where(*condition).options(selectinload(Product.barcodes))
        .order_by(Product.sku).limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
    ).all()
    return Page(list(items), total, number, PAGE_SIZE)


def unit_barcode(product: Product) -> ProductBarcode | None:
    """The product's JAN (or EAN-8 / UPC-A): the unit code the CSV's JAN column stands for."""
    return next((b for b in product.barcodes if b.pack_qty == 1 and b.kind in UNIT_KINDS.values()), None)


def case_barcode(product: Product) -> ProductBarcode | None:
    """The product's case GTIN-14 with its pack quantity, if it has one."""
    return next((b for b in product.barcodes if b.kind is BarcodeKind.GTIN14 and b.pack_qty > 1), None)


def _matching(query: str):
    if not query:
        return Product.id.is_not(None)
    by_barcode = select(ProductBarcode.product_id).where(ProductBarcode.code == query)
    return or_(Product.sku.icontains(query, autoescape=True), Product.name.icontains(query, autoescape=True),
               Product.id.in_(by_barcode))


def _products_by_sku(session: Session, skus: list[str]) -> dict[str, Product]:
    found: dict[str, Product] = {}
    for part in chunks(skus):
        found.update((p.sku, p) for p in session.scalars(select(Product).where(Product.sku.in_(part))))
    return found


def _store_view(session: Session, rows: list[ProductRow], existing: dict[str, Product]) -> StoreView:
    stocked = _ids_with_stock(session, [p.id for p in existing.values()])
    known = {sku: KnownProduct(p.tracking, p.id in stocked) for sku, p in existing.items()}
    codes = [code for row in rows for code in (row.jan, row.case_gtin) if code]
    return StoreView(known, _barcode_owners(session, codes))


def _ids_with_stock(session: Session, product_ids: list[int]) -> set[int]:
    stocked: set[int] = set()
    for part in chunks(product_ids):
        stocked.update(session.scalars(
            select(Quant.product_id).where(Quant.product_id.in_(part), Quant.on_hand > 0).distinct()
        ))
    return stocked


def _barcode_owners(session: Session, codes: list[str]) -> dict[str, str]:
    spellings = sorted({spelling for code in codes for spelling in gtin_spellings(code)})
    owners: dict[str, str] = {}
    for part in chunks(spellings):
        rows = session.execute(
            select(ProductBarcode.code, Product.sku).join(Product, Product.id == ProductBarcode.product_id)
            .where(ProductBarcode.code.in_(part))
        )
        owners.update((as_gtin14(code), sku) for code, sku in rows)
    return owners


def _new_product(row: ProductRow) -> Product:
    product = Product(
        sku=row.sku, name=row.name, tracking=row.tracking or Tracking.NONE,
        min_shelf_life_days=row.min_shelf_life_days or 0, reorder_point=row.reorder_point or 0,
        safety_stock=row.safety_stock or 0, zone=row.zone, cost_price=row.cost_price, lead_time_days=row.lead_time_days,
    )
    if row.jan:
        product.barcodes.append(ProductBarcode(code=row.jan, kind=UNIT_KINDS[len(row.jan)], pack_qty=1))
    if row.case_gtin:
        product.barcodes.append(ProductBarcode(code=row.case_gtin, kind=BarcodeKind.GTIN14, pack_qty=row.pack_qty))
    return product


def _update_product(product: Product, row: ProductRow) -> bool:
    changed = False
    for name in SETTABLE:
        value = getattr(row, name)
        if value is not None and getattr(product, name) != value:
            setattr(product, name, value)
            changed = True
    if row.jan:
        changed |= _set_unit_barcode(product, row.jan)
    if row.case_gtin:
        changed |= _set_case_barcode(product, row.case_gtin, row.pack_qty)
    return changed


def _set_unit_barcode(product: Product, code: str) -> bool:
    spellings = set(gtin_spellings(code))
    if any(b.code in spellings for b in product.barcodes):
        return False
    current = unit_barcode(product)
    if current is None:
        product.barcodes.append(ProductBarcode(code=code, kind=UNIT_KINDS[len(code)], pack_qty=1))
    else:
        current.code, current.kind = code, UNIT_KINDS[len(code)]
    return True


def _set_case_barcode(product: Product, code: str, pack_qty: int) -> bool:
    same = next((b for b in product.barcodes if b.code == code), None)
    current = same or case_barcode(product)
    if current is None:
        product.barcodes.append(ProductBarcode(code=code, kind=BarcodeKind.GTIN14, pack_qty=pack_qty))
        return True
    if (current.code, current.pack_qty) == (code, pack_qty):
        return False
    current.code, current.pack_qty = code, pack_qty
    return True


def _export_row(product: Product) -> list[object]:
    unit, case = unit_barcode(product), case_barcode(product)
    return [
        guarded(product.sku), guarded(product.name), unit.code if unit else "", case.code if case else "",
        case.pack_qty if case else "", product.tracking.value, product.min_shelf_life_days, product.reorder_point,
        product.safety_stock, product.zone or "", "" if product.cost_price is None else product.cost_price,
        "" if product.lead_time_days is None else product.lead_time_days,
    ]
