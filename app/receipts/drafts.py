"""Expected receipts as the office writes them, before any product is looked up: a screen
form or a CSV file becomes `DraftReceipt`s.

The receipts CSV (header in English or Japanese; more spellings in RECEIPT_COLUMNS):

| field | English | 日本語 | cell |
|---|---|---|---|
| reference | reference | 入荷番号 | optional: rows with one reference are one receipt |
| supplier (required) | supplier | 仕入先 | up to 100 characters |
| expected_date (required) | expected date | 入荷予定日 | YYYY/MM/DD (also YYYY-MM-DD, YYYYMMDD) |
| sku / jan (one required) | SKU, JAN | 商品コード, JANコード | the product by SKU or by unit JAN (either column may hold either) |
| quantity (required) | quantity | 数量 | 1–1000000 units |
| lot | lot | ロット | optional, up to 40 characters |
| expiry | expiry | 賞味期限 | optional date, for lot + expiry products |

Rows become one receipt per reference when the reference column has a value, otherwise one
per supplier and expected date, in the order they first appear. Rows of one reference must
share supplier and expected date.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from app.masterdata import cells
from app.masterdata.csvfile import Column, ReadFile, line_codes, read_line_file
from app.masterdata.errors import CellError, RowError

MAX_RECEIPT_ROWS = 20_000
MAX_QUANTITY = 1_000_000
MAX_SUPPLIER = 100
MAX_REFERENCE = 100
MAX_LOT = 40

RECEIPT_COLUMNS = (
    Column("reference", "reference", "入荷番号", ("receipt", "receipt reference", "ASN", "ASN number", "伝票番号",
                                                "入荷予定番号", "納品書番号")),
    Column("supplier", "supplier", "仕入先", ("vendor", "仕入先名", "取引先")),
    Column("expected_date", "expected date", "入荷予定日", ("date", "予定日", "入荷日", "納品日")),
    Column("sku", "SKU", "商品コード", ("product", "SKU or JAN", "item", "品番", "商品")),
    Column("jan", "JAN", "JANコード", ("JAN code", "EAN", "barcode", "バーコード")),
    Column("quantity", "quantity", "数量", ("qty", "expected quantity", "予定数", "入荷予定数")),
    Column("lot", "lot", "ロット", ("lot number", "ロット番号", "ロットNo")),
    Column("expiry", "expiry", "賞味期限", ("expiry date", "best before", "use by", "使用期限", "有効期限", "期限")),
)
REQUIRED = (("supplier",), ("expected_date",), ("sku", "jan"), ("quantity",))


@dataclass(frozen=True)
class DraftLine:
    """One expected line: `row` is its CSV row (or its line number on the screen); `product`
    a SKU or JAN as written; `jan` a second code from a separate JAN column, if any."""

    row: int
    product: str
    quantity: int
    lot: str = ""
    expiry: date | None = None
    jan: str = ""


@dataclass(frozen=True)
class DraftReceipt:
    supplier: str
    expected_date: date
    lines: tuple[DraftLine, ...]
    reference: str = ""
    row: int = 0


def read_plan_file(data: bytes) -> ReadFile[DraftReceipt]:
    """The receipts a CSV file plans (in `rows`, problems in `errors`), grouped as the module docstring says."""
    return read_line_file(data, RECEIPT_COLUMNS, REQUIRED, max_rows=MAX_RECEIPT_ROWS, readers=READERS, needed=NEEDED,
                          grouped=_grouped)


def lot_text(text: str) -> str:
    """A lot number: width-normalised, up to 40 characters, no spaces inside."""
    lot = cells.normalized(text)
    if len(lot) > MAX_LOT or any(ch.isspace() or not ch.isprintable() for ch in lot):
        raise CellError(_l("Lot %(value)s: at most %(n)s characters, no spaces.", value=text, n=MAX_LOT))
    return lot


def quantity(text: str) -> int:
    return cells.whole_number(text, low=1, high=MAX_QUANTITY)


def supplier_text(text: str) -> str:
    supplier = cells.text_cell(text, limit=MAX_SUPPLIER, what=_l("The supplier"))
    if not supplier:
        raise CellError(_l("The supplier is empty."))
    return supplier


READERS: dict[str, Callable[[str], object]] = {
    "reference": lambda text: cells.text_cell(text, limit=MAX_REFERENCE, what=_l("The reference")),
    "supplier": supplier_text,
    "expected_date": cells.day,
    "sku": cells.product_code,
    "jan": cells.product_code,
    "quantity": quantity,
    "lot": lot_text,
    "expiry": cells.day,
}
NEEDED = {
    "supplier": _l("The supplier is empty."),
    "expected_date": _l("The expected date is empty."),
    "quantity": _l("The quantity is empty."),
}


def _grouped(parsed: list[tuple[int, dict[str, object]]], errors: list[RowError]) -> list[DraftReceipt]:
    groups: dict[tuple, list[tuple[int, dict[str, object]]]] = {}
    for number, values in parsed:
        reference = str(values.get("reference") or "")
        key = ("reference", reference) if reference else ("plan", values["supplier"], values["expected_date"])
        group = groups.setdefault(key, [])
        if group and reference:
            first_row, first = group[0]
            if (first["supplier"], first["expected_date"]) != (values["supplier"], values["expected_date"]):
                errors.append(RowError(number, _l("Receipt %(reference)s has another supplier or expected date on row "
                                                  "%(first)s: one receipt, one supplier and date.",
                                                  reference=reference, first=first_row), "reference"))
                continue
        group.append((number, values))
    return [_draft(rows) for rows in groups.values()]


def _draft(rows: list[tuple[int, dict[str, object]]]) -> DraftReceipt:
    first_row, first = rows[0]
    lines = tuple(_line(number, values) for number, values in rows)
    return DraftReceipt(str(first["supplier"]), first["expected_date"], lines, str(first.get("reference") or ""),
                        first_row)


def _line(number: int, values: dict[str, object]) -> DraftLine:
    product, jan = line_codes(values)
    return DraftLine(number, product, int(values["quantity"]), str(values.get("lot") or ""), values.get("expiry"), jan)
