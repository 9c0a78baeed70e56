"""The products CSV: its columns, and every check that needs nothing but the file itself and
what the store already holds (passed in), so the rules are tested without a database.

Columns (header in English or Japanese; other spellings accepted, see PRODUCT_COLUMNS):

| field | English | 日本語 | cell |
|---|---|---|---|
| sku (required) | SKU | 商品コード | up to 40 characters |
| name (required column) | name | 商品名 | up to 200; needed for a new SKU |
| jan | JAN | JANコード | 13 digits (8 short JAN, 12 UPC-A), valid check digit |
| case_gtin | case GTIN | ケースGTIN | 14 digits starting 1–8, valid check digit |
| pack_qty | pack quantity | 入数 | 2–100000 units in the case; given with case GTIN, both or neither |
| tracking | tracking | 管理区分 | none / lot / lot_expiry / serial (or なし, ロット, ロット+期限, シリアル) |
| min_shelf_life_days | minimum shelf life days | 最低残存日数 | 0–3650 |
| reorder_point | reorder point | 発注点 | whole number ≥ 0 |
| safety_stock | safety stock | 安全在庫 | whole number ≥ 0 |
| zone | zone | ゾーン | 1–8 letters or digits |
| cost_price | cost price | 原価 | yen per unit, whole number ≥ 0 (what a count variance is worth) |
| lead_time_days | lead time days | リードタイム | 0–365 days from order to arrival (reorder suggestions) |

An empty cell leaves an existing product's value as it is (a new product gets the default:
tracking none, numbers 0, no zone). A SKU appears once per file; a JAN or case GTIN belongs
to one product, in the file and in the store.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.barcodes.checkdigit import as_gtin14
from app.masterdata import cells
from app.masterdata.codes import zone_code
from app.masterdata.csvfile import Column, ReadFile, Row, read_cells, read_table
from app.masterdata.errors import CellError, RowError
from app.stock.models import Tracking

MAX_PRODUCT_ROWS = 50_000
MAX_SKU = 40
MAX_NAME = 200
MAX_SHELF_LIFE_DAYS = 3650
MAX_PACK_QTY = 100_000
MAX_COST_PRICE = 100_000_000
MAX_LEAD_TIME_DAYS = 365

PRODUCT_COLUMNS = (
    Column("sku", "SKU", "商品コード", ("品番", "商品番号", "SKUコード")),
    Column("name", "name", "商品名", ("product name", "品名")),
    Column("jan", "JAN", "JANコード", ("JAN code", "EAN", "EAN13", "unit GTIN")),
    Column("case_gtin", "case GTIN", "ケースGTIN", ("GTIN14", "case code", "ケースコード", "ケースJAN", "ITF")),
    Column("pack_qty", "pack quantity", "入数", ("pack qty", "case quantity", "case qty", "ケース入数")),
    Column("tracking", "tracking", "管理区分", ("tracking mode", "ロット管理", "トラッキング")),
    Column("min_shelf_life_days", "minimum shelf life days", "最低残存日数",
           ("min shelf life days", "minimum remaining shelf life days", "min shelf life", "出荷許容残日数", "許容残日数")),
    Column("reorder_point", "reorder point", "発注点"),
    Column("safety_stock", "safety stock", "安全在庫"),
    Column("zone", "zone", "ゾーン", ("保管ゾーン",)),
    Column("cost_price", "cost price", "原価", ("cost", "unit cost", "仕入単価", "原価(円)", "仕入原価")),
    Column("lead_time_days", "lead time days", "リードタイム", ("lead time", "リードタイム日数", "リードタイム(日)", "納期日数")),
)
REQUIRED = (("sku",), ("name",))

TRACKING_WORDS: dict[str, Tracking] = {
    "none": Tracking.NONE, "no": Tracking.NONE, "なし": Tracking.NONE, "無し": Tracking.NONE, "管理なし": Tracking.NONE,
    "lot": Tracking.LOT, "ロット": Tracking.LOT,
    "lot_expiry": Tracking.LOT_EXPIRY, "lot expiry": Tracking.LOT_EXPIRY, "expiry": Tracking.LOT_EXPIRY,
    "ロット+期限": Tracking.LOT_EXPIRY, "ロット+賞味期限": Tracking.LOT_EXPIRY, "ロット+使用期限": Tracking.LOT_EXPIRY,
    "期限": Tracking.LOT_EXPIRY, "賞味期限": Tracking.LOT_EXPIRY,
    "serial": Tracking.SERIAL, "シリアル": Tracking.SERIAL,
}


@dataclass(frozen=True)
class ProductRow:
    """One row of the file; None means the cell was empty (or the column absent)."""

    row: int
    sku: str
    name: str | None = None
    jan: str | None = None
    case_gtin: str | None = None
    pack_qty: int | None = None
    tracking: Tracking | None = None
    min_shelf_life_days: int | None = None
    reorder_point: int | None = None
    safety_stock: int | None = None
    zone: str | None = None
    cost_price: int | None = None
    lead_time_days: int | None = None


ProductFile = ReadFile[ProductRow]


@dataclass(frozen=True)
class KnownProduct:
    tracking: Tracking
    has_stock: bool


@dataclass(frozen=True)
class StoreView:
    """What the store holds that an import must agree with.

    `products`: SKU → what matters of it; `barcode_owners`: GTIN-14 → SKU of the product
    that has that code (in any spelling).
    """

    products: Mapping[str, KnownProduct] = field(default_factory=dict)
    barcode_owners: Mapping[str, str] = field(default_factory=dict)


def read_product_file(data: bytes) -> ProductFile:
    """Every row of a products CSV, checked on its own and against the other rows.

    Row problems are collected in `errors` (so the store checks can still run on the good
    rows and every problem is reported at once); a file that cannot be read at all (encoding,
    header) raises ImportRefused.
    """
    table = read_table(data, PRODUCT_COLUMNS, REQUIRED, max_rows=MAX_PRODUCT_ROWS)
    errors: list[RowError] = []
    rows = [row for row in (_product_row(r, errors) for r in table.rows) if row is not None]
    errors += _repeated_skus(table.rows)
    errors += _barcodes_given_twice(rows)
    return ProductFile(rows, errors, table.headers, table.ignored, table.encoding)


def conflicts_with_store(rows: list[ProductRow], store: StoreView) -> list[RowError]:
    """Problems only the store can tell: a new SKU without a name, a barcode that belongs to
    another product, a tracking change while the product has stock."""
    errors = []
    for row in rows:
        known = store.products.get(row.sku)
        if known is None and not row.name:
            errors.append(RowError(row.row, _l("%(sku)s is a new product: it needs a name.", sku=row.sku), "name"))
        for field_name, code in (("jan", row.jan), ("case_gtin", row.case_gtin)):
            owner = store.barcode_owners.get(as_gtin14(code)) if code else None
            if owner is not None and owner != row.sku:
                message = _l("%(code)s already belongs to product %(owner)s.", code=code, owner=owner)
                errors.append(RowError(row.row, message, field_name))
        if known is not None and known.has_stock and row.tracking is not None and row.tracking != known.tracking:
            errors.append(RowError(row.row, _l("%(sku)s has stock: its tracking cannot change from %(old)s to %(new)s.",
                                               sku=row.sku, old=known.tracking.value, new=row.tracking.value), "tracking"))
    return errors


def _product_row(row: Row, errors: list[RowError]) -> ProductRow | None:
    values, found_error = read_cells(row, READERS, errors)
    if "sku" not in values:
        if not row["sku"]:
            errors.append(RowError(row.number, _l("The SKU is empty."), "sku"))
        return None
    if ("case_gtin" in values) != ("pack_qty" in values) and not found_error:
        errors.append(RowError(row.number, _l("Give the case GTIN and its pack quantity together (or neither)."),
                               "pack_qty" if "case_gtin" in values else "case_gtin"))
        found_error = True
    return None if found_error else ProductRow(row.number, **values)


def _repeated_skus(rows: list[Row]) -> list[RowError]:
    errors = []
    first_row: dict[str, int] = {}
    for row in rows:
        sku = cells.normalized(cells.unguarded(row["sku"]))
        if not sku:
            continue
        if sku in first_row:
            errors.append(RowError(row.number, _l("SKU %(sku)s is also on row %(first)s: each SKU once per file.",
                                                  sku=sku, first=first_row[sku]), "sku"))
        else:
            first_row[sku] = row.number
    return errors


def _barcodes_given_twice(rows: list[ProductRow]) -> list[RowError]:
    errors = []
    first_row_of_code: dict[str, tuple[int, str]] = {}
    for row in rows:
        for field_name, code in (("jan", row.jan), ("case_gtin", row.case_gtin)):
            if not code:
                continue
            earlier = first_row_of_code.setdefault(as_gtin14(code), (row.row, row.sku))
            if earlier[1] != row.sku:
                errors.append(RowError(row.row, _l("%(code)s is also given to %(sku)s on row %(first)s.",
                                                   code=code, sku=earlier[1], first=earlier[0]), field_name))
    return errors


def _sku(text: str) -> str:
    sku = cells.normalized(cells.unguarded(text))
    if len(sku) > MAX_SKU or any(ch.isspace() for ch in sku):
        raise CellError(_l("SKU %(value)s: at most %(n)s characters, no spaces.", value=text, n=MAX_SKU))
    return sku


def _name(text: str) -> str:
    return cells.text_cell(text, limit=MAX_NAME, what=_l("The name"))


def _tracking(text: str) -> Tracking:
    return cells.choice(text, TRACKING_WORDS, _l("Unknown tracking mode %(value)s: use none, lot, lot_expiry or serial.",
                                                 value=text))


def _yen(text: str) -> int:
    """Whole yen; `¥1,200`, `1200円` and full-width digits are read too (Shift_JIS writes ¥ as a backslash)."""
    cleaned = cells.normalized(text).lstrip("¥\\").removesuffix("円").strip()
    return cells.whole_number(cleaned, high=MAX_COST_PRICE)


def _days(text: str) -> int:
    return cells.whole_number(cells.normalized(text).removesuffix("日").strip(), high=MAX_LEAD_TIME_DAYS)


READERS: dict[str, Callable[[str], object]] = {
    "sku": _sku,
    "name": _name,
    "jan": cells.unit_gtin,
    "case_gtin": cells.case_gtin,
    "pack_qty": lambda text: cells.whole_number(text, low=2, high=MAX_PACK_QTY),
    "tracking": _tracking,
    "min_shelf_life_days": lambda text: cells.whole_number(text, high=MAX_SHELF_LIFE_DAYS),
    "reorder_point": cells.whole_number,
    "safety_stock": cells.whole_number,
    "zone": zone_code,
    "cost_price": _yen,
    "lead_time_days": _days,
}


def export_header(language: str) -> list[str]:
    return [column.header(language) for column in PRODUCT_COLUMNS]


__all__ = ["PRODUCT_COLUMNS", "ProductRow", "ProductFile", "KnownProduct", "StoreView", "read_product_file",
           "conflicts_with_store", "export_header"]
