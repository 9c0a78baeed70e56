"""Expected receipts from the office: checking planned lines against the catalogue, creating
receipts (from a screen or a CSV file, each all or nothing), and showing them.

A line names its product by SKU or by a unit barcode (JAN, EAN-8, UPC-A, internal code);
quantities are in units, so a case code is refused rather than guessed. A lot is only for
lot-tracked products, an expiry only for lot + expiry ones and only with its lot, never in
the past, and never different from the expiry the lot already has.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.database import write_transaction
from app.masterdata.errors import ImportRefused, RowError
from app.masterdata.line_products import product_of, products_for_codes
from app.masterdata.listing import chunks
from app.masterdata.retry import retried_on_conflict
from app.receipts.drafts import DraftLine, DraftReceipt, read_plan_file
from app.receipts.models import Receipt, ReceiptLine, ReceiptStatus
from app.receipts.plans import PlanError, PlannedLine, create_receipt
from app.receipts.figures import LineCount, received_by_line
from app.stock.models import Lot, Product, Tracking

CLOSED_SHOWN = 30


@dataclass(frozen=True)
class ReceiptImport:
    receipts: list[Receipt]
    ignored_columns: tuple[str, ...]
    encoding: str


@dataclass(frozen=True)
class LineView:
    line: ReceiptLine
    received: int
    damaged: int


@dataclass(frozen=True)
class ReceiptView:
    receipt: Receipt
    lines: list[LineView]

    @property
    def expected(self) -> int:
        return sum(view.line.expected_qty for view in self.lines)

    @property
    def received(self) -> int:
        return sum(view.received for view in self.lines)


def create_planned_receipt(session: Session, warehouse_id: int, draft: DraftReceipt, *, user_id: int | None,
                           today: date) -> Receipt:
    """One receipt from the screen (what is typed as its note is kept as the supplier reference).

    Raises ImportRefused, with rows = the form's line numbers, if a line is wrong.
    """
    def work() -> Receipt:
        with write_transaction(session):
            planned, errors = plan_lines(session, draft.lines, today)
            if errors:
                raise ImportRefused(errors)
            return _create(session, warehouse_id, draft, planned, user_id)

    return retried_on_conflict(work)


def import_receipts(session: Session, warehouse_id: int, data: bytes, *, user_id: int | None,
                    today: date) -> ReceiptImport:
    """Every receipt a CSV file plans, all or nothing; the codes are made by create_receipt.

    Raises ImportRefused (nothing written) listing every row-numbered problem, including a
    reference that was already imported into this warehouse.
    """
    parsed = read_plan_file(data)

    def work() -> list[Receipt]:
        with write_transaction(session):
            lines = [line for draft in parsed.rows for line in draft.lines]
            planned, errors = plan_lines(session, lines, today)
            errors = parsed.errors + errors + _already_imported(session, warehouse_id, parsed.rows)
            if errors:
                raise ImportRefused(errors, parsed.headers)
            return [_create(session, warehouse_id, draft, planned, user_id) for draft in parsed.rows]

    return ReceiptImport(retried_on_conflict(work), parsed.ignored, parsed.encoding)


def plan_lines(session: Session, lines: Sequence[DraftLine], today: date) -> tuple[dict[int, PlannedLine], list[RowError]]:
    """The planned line of each draft line (by its row), and the problems of those that are wrong."""
    matches = products_for_codes(session, [code for line in lines for code in (line.product, line.jan) if code])
    errors: list[RowError] = []
    found: dict[int, tuple[DraftLine, Product]] = {}
    for line in lines:
        product = product_of(line, matches, errors)
        if product is not None and _lot_rules_hold(line, product, today, errors):
            found[line.row] = (line, product)
    errors += _lot_expiry_conflicts(session, list(found.values()))
    planned = {row: PlannedLine(product.id, line.quantity, line.lot, line.expiry) for row, (line, product) in found.items()}
    return planned, errors


def list_receipts(session: Session, warehouse_id: int) -> tuple[list[Receipt], list[Receipt]]:
    """The warehouse's receipts still expected or being received (by expected date), and the
    most recently closed ones."""
    waiting = session.scalars(
        select(Receipt).where(Receipt.warehouse_id == warehouse_id, Receipt.status != ReceiptStatus.CLOSED)
        .order_by(Receipt.expected_date.is_(None), Receipt.expected_date, Receipt.code)
    ).all()
    closed = session.scalars(
        select(Receipt).where(Receipt.warehouse_id == warehouse_id, Receipt.status == ReceiptStatus.CLOSED)
        .order_by(Receipt.closed_at.desc(), Receipt.code.desc()).limit(CLOSED_SHOWN)
    ).all()
    return list(waiting), list(closed)


def receipt_view(session: Session, warehouse_id: int, receipt_id: int) -> ReceiptView | None:
    """A receipt of the warehouse with expected and received units per line; None if not there."""
    receipt = session.get(Receipt, receipt_id)
    if receipt is None or receipt.warehouse_id != warehouse_id:
        return None
    counts = received_by_line(session, receipt.id)
    lines = [LineView(line, counts.get(line.id, LineCount()).received, counts.get(line.id, LineCount()).damaged)
             for line in receipt.lines]
    return ReceiptView(receipt, lines)


def _create(session: Session, warehouse_id: int, draft: DraftReceipt, planned: dict[int, PlannedLine],
            user_id: int | None) -> Receipt:
    try:
        return create_receipt(session, warehouse_id, draft.supplier, draft.expected_date,
                              [planned[line.row] for line in draft.lines], user_id, reference=draft.reference or None)
    except PlanError as error:
        raise ImportRefused([RowError(draft.row or None, str(error))]) from None


def _lot_rules_hold(line: DraftLine, product: Product, today: date, errors: list[RowError]) -> bool:
    problem = None
    if line.lot and product.tracking is Tracking.NONE:
        problem = "lot", _l("%(sku)s is not lot-tracked: leave the lot empty.", sku=product.sku)
    elif line.expiry and product.tracking is not Tracking.LOT_EXPIRY:
        problem = "expiry", _l("%(sku)s does not track expiry dates: leave the expiry empty.", sku=product.sku)
    elif line.expiry and not line.lot:
        problem = "lot", _l("An expiry date belongs to a lot: give the lot too.")
    elif line.expiry and line.expiry < today:
        problem = "expiry", _l("The expiry date %(day)s is already past.", day=line.expiry.isoformat())
    if problem:
        errors.append(RowError(line.row, problem[1], problem[0]))
    return problem is None


def _lot_expiry_conflicts(session: Session, found: list[tuple[DraftLine, Product]]) -> list[RowError]:
    keys = {(product.id, line.lot) for line, product in found if line.lot and line.expiry}
    recorded: dict[tuple[int, str], date | None] = {}
    for part in chunks(sorted({product_id for product_id, _lot in keys})):
        rows = session.execute(select(Lot.product_id, Lot.number, Lot.expiry).where(
            Lot.product_id.in_(part), Lot.number.in_(sorted({lot for _id, lot in keys}))))
        recorded.update(((product_id, number), expiry) for product_id, number, expiry in rows
                        if (product_id, number) in keys)
    errors = []
    planned: dict[tuple[int, str], tuple[int, date]] = {}
    for line, product in found:
        if not (line.lot and line.expiry):
            continue
        key = (product.id, line.lot)
        known = recorded.get(key)
        earlier = planned.setdefault(key, (line.row, line.expiry))
        if known is not None and known != line.expiry:
            errors.append(RowError(line.row, _l("Lot %(lot)s of %(sku)s is recorded with expiry %(day)s.",
                                                lot=line.lot, sku=product.sku, day=known.isoformat()), "expiry"))
        elif earlier[1] != line.expiry:
            errors.append(RowError(line.row, _l("Lot %(lot)s of %(sku)s has another expiry on row %(first)s.",
                                                lot=line.lot, sku=product.sku, first=earlier[0]), "expiry"))
    return errors


def _already_imported(session: Session, warehouse_id: int, drafts: list[DraftReceipt]) -> list[RowError]:
    references = sorted({draft.reference for draft in drafts if draft.reference})
    if not references:
        return []
    earlier = {}
    for part in chunks(references):
        earlier.update(session.execute(
            select(Receipt.reference, Receipt.code)
            .where(Receipt.warehouse_id == warehouse_id, Receipt.reference.in_(part))
        ).all())
    return [RowError(draft.row, _l("Reference %(reference)s was already imported as %(code)s.",
                                   reference=draft.reference, code=earlier[draft.reference]), "reference")
            for draft in drafts if draft.reference in earlier]
