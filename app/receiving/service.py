"""Receiving (入荷): goods scanned in against a receipt, with lot, expiry and serial rules.

One call of `receive` is one scan: it either asks for what is missing (lot, expiry, serial),
asks for a confirmation (over the plan, not on the plan, short-dated), or posts SUPPLIER →
dock (→ quarantine when damaged) through the ledger and records a receipt entry, in the
caller's unit of work. The receipt is read with all its lines and what they received in one
statement that also locks the receipt row (PostgreSQL; SQLite's writer is alone), so two
clerks on one receipt are serialised and an over-receipt is never missed; a JAN scan's
product is looked up in that same statement. Each line keeps its received and damaged
figures, changed with every entry (and undo) in the same transaction, so no scan sums the
receipt's journal; the answer's figures are the read plus the scan just recorded.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import Integer, and_, bindparam, case, func, select, update
from sqlalchemy.orm import Session

from app.barcodes.resolve import product_hit_of
from app.barcodes.results import ProductHit
from app.database import upsert_insert, write_transaction
from app.floor import fields
from app.floor.refusals import BadQuantity, LotExpired, NotAProduct, NotHere, ProductInactive
from app.receipts.models import DamageReason, Receipt, ReceiptEntry, ReceiptLine, ReceiptStatus
from app.receipts.plans import create_receipt
from app.receiving import errors
from app.stock import errors as stock_errors
from app.stock import ledger
from app.stock.models import (
    Discrepancy, DiscrepancySource, LocationKind, Lot, MoveReason, Product, ProductBarcode, Tracking,
)
from app.stock.warehouses import WarehouseRef, warehouse_ref
from app.timeutil import utcnow

MAX_UNITS = 99_999


@dataclass(frozen=True)
class Item:
    """The product a scan names, with what receiving decides by."""

    product_id: int
    sku: str
    name: str
    tracking: Tracking
    active: bool = True
    min_shelf_life_days: int = 0

    @classmethod
    def from_hit(cls, hit: ProductHit) -> Item:
        return cls(hit.product_id, hit.sku, hit.name, hit.tracking, hit.active, hit.min_shelf_life_days)


def item_by_id(session: Session, product_id: int) -> Item:
    row = session.execute(
        select(Product.id, Product.sku, Product.name, Product.tracking, Product.active, Product.min_shelf_life_days)
        .where(Product.id == product_id)
    ).one_or_none()
    if row is None:
        raise NotAProduct(str(product_id))
    return Item(*row)


@dataclass(frozen=True)
class Goods:
    """What one receiving scan presents: a product, a number of base units, lot details."""

    product_id: int
    units: int
    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None


@dataclass(frozen=True)
class Handling:
    damaged: bool = False
    damage_reason: DamageReason | None = None
    confirm_over: bool = False
    confirm_short_dated: bool = False


@dataclass(frozen=True)
class NeedsDetails:
    """The product is known; its lot, expiry or serial must be entered before receiving."""

    goods: Goods
    item: Item
    missing: tuple[str, ...]


@dataclass(frozen=True)
class NeedsConfirmation:
    """Receiving this would go beyond the plan, or the lot is short-dated: ask first."""

    goods: Goods
    item: Item
    reason: str  # "over", "unexpected" or "short_dated"
    expected: int = 0
    received: int = 0
    days_left: int | None = None


@dataclass(frozen=True)
class Received:
    entry_id: int
    lot_id: int | None
    item: Item
    units: int
    lot: str | None
    expiry: date | None
    place: LocationKind  # the dock, or quarantine when damaged
    damaged: bool
    short_dated: bool
    over_receipt: bool
    line_id: int

    @property
    def location(self) -> str:
        """The code of the standard place the goods went to (DOCK, QUARANTINE)."""
        return self.place.value.upper()


Outcome = NeedsDetails | NeedsConfirmation | Received


# --- the receipt's figures ------------------------------------------------------------------


@dataclass(frozen=True)
class LineSummary:
    line_id: int
    line_no: int
    product_id: int
    sku: str
    name: str
    lot: str
    expected: int
    received: int
    damaged: int
    unexpected: bool = False
    state: str = ""  # "complete", "waiting" (open, not all here yet), "short" (closed), "over", "unexpected", "received"

    @property
    def difference(self) -> int:
        return self.received - self.expected

    @property
    def differs(self) -> bool:
        return self.state in ("short", "over", "unexpected", "waiting") or self.damaged > 0


@dataclass(frozen=True)
class Summary:
    receipt_id: int
    code: str
    supplier: str
    warehouse_id: int
    blind: bool
    status: ReceiptStatus
    lines: tuple[LineSummary, ...]
    # A scan reads only the lines it shows (the scanned product's first, then those still waiting)
    # with the receipt's totals: (expected, received, damaged, number of lines). None: all lines read.
    totals: tuple[int, int, int, int] | None = None

    @property
    def is_closed(self) -> bool:
        return self.status is ReceiptStatus.CLOSED

    @property
    def expected(self) -> int:
        return self.totals[0] if self.totals else sum(line.expected for line in self.lines)

    @property
    def received(self) -> int:
        return self.totals[1] if self.totals else sum(line.received for line in self.lines)

    @property
    def damaged(self) -> int:
        return self.totals[2] if self.totals else sum(line.damaged for line in self.lines)

    @property
    def line_count(self) -> int:
        return self.totals[3] if self.totals else len(self.lines)

    def count(self, *states: str) -> int:
        return sum(1 for line in self.lines if line.state in states)

    @property
    def differences(self) -> tuple[LineSummary, ...]:
        """Lines a supervisor will look at: short, over, not on the plan, damaged (still waiting while open)."""
        return tuple(line for line in self.lines if line.differs)

    @property
    def fingerprint(self) -> str:
        """Changes whenever a figure of any line does: a close names the figures the person saw."""
        figures = ";".join(f"{line.line_id}:{line.received}:{line.damaged}" for line in self.lines)
        return hashlib.sha256(f"{self.status}|{figures}".encode()).hexdigest()[:16]

    def line(self, line_id: int) -> LineSummary | None:
        return next((line for line in self.lines if line.line_id == line_id), None)

    def lines_of(self, product_id: int) -> list[LineSummary]:
        return [line for line in self.lines if line.product_id == product_id]

    def with_entry(self, line: LineSummary, units: int, damaged: bool) -> Summary:
        """These figures after `units` more were received on `line` (a new line is added)."""
        grown = replace(line, received=line.received + units, damaged=line.damaged + (units if damaged else 0))
        grown = replace(grown, state=_state(self.blind, self.status, grown))
        lines = [grown if other.line_id == line.line_id else other for other in self.lines]
        new = self.line(line.line_id) is None
        if new:
            lines.append(grown)
        totals = self.totals and (self.totals[0] + (grown.expected if new else 0), self.totals[1] + units,
                                  self.totals[2] + (units if damaged else 0), self.totals[3] + new)
        return replace(self, lines=tuple(lines), totals=totals)

    def restated(self, lines, status: ReceiptStatus | None = None) -> Summary:
        status = status or self.status
        return replace(self, status=status, lines=tuple(
            replace(line, state=_state(self.blind, status, line)) for line in lines))


def _state(blind: bool, status: ReceiptStatus, line: LineSummary) -> str:
    return _state_of(blind, status, line.unexpected, line.received, line.expected)


def _state_of(blind: bool, status: ReceiptStatus, unexpected: bool, received: int, expected: int) -> str:
    if blind:
        return "received"
    if unexpected:
        return "unexpected"
    if received == expected:
        return "complete"
    if received > expected:
        return "over"
    return "waiting" if status is not ReceiptStatus.CLOSED else "short"  # more may come until it is closed


_entry = ReceiptEntry.__table__
_line = ReceiptLine.__table__
_receipt = Receipt.__table__
_product = Product.__table__
_barcode = ProductBarcode.__table__
_SUMMARY_COLUMNS = (
    _receipt.c.id, _receipt.c.code, _receipt.c.supplier, _receipt.c.warehouse_id, _receipt.c.blind,
    _receipt.c.status, _line.c.id.label("line_id"), _line.c.line_no, _line.c.product_id, _product.c.sku,
    _product.c.name, _line.c.lot_number, _line.c.expected_qty, _line.c.unexpected, _line.c.received_qty,
    _line.c.damaged_qty,
)


@lru_cache(maxsize=None)
def _summary_statement(dialect: str, lock: str | None):
    return (
        select(*_SUMMARY_COLUMNS)
        .select_from(_receipt)
        .outerjoin(_line, _line.c.receipt_id == _receipt.c.id)
        .outerjoin(_product, _product.c.id == _line.c.product_id)
        .where(_receipt.c.id == bindparam("receipt_id"), *_receipt_lock(dialect, lock))
        .order_by(_line.c.line_no)
    )


# Scans share a receipt, a close takes it alone (PostgreSQL; SQLite's one writer needs neither):
# a transaction-scoped advisory lock in the key space (RECEIPT_LOCKS, receipt id), which writes
# nothing on the hot receipt row (a row lock shared by many scans would churn multixacts there).
# A scan's read may have started before a close it waited for committed, so the line update that
# records the scan checks the receipt is still open (`_COUNT_ON_LINE`); a close takes its lock in
# a statement of its own before reading, so it sees every scan that held the lock before it.
RECEIPT_LOCKS = 1


def _receipt_lock(dialect: str, lock: str | None) -> tuple:
    if dialect != "postgresql" or lock != "scan":
        return ()
    shared = func.pg_advisory_xact_lock_shared(RECEIPT_LOCKS, bindparam("receipt_id", type_=Integer))
    return (select(func.count(shared)).scalar_subquery() >= 0,)


def lock_receipt_for_close(session: Session, receipt_id: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(RECEIPT_LOCKS, bindparam("receipt_id", type_=Integer))),
                        {"receipt_id": receipt_id})


SCAN_LINES = 16  # the scanned product's lines first, then the first lines still waiting


@lru_cache(maxsize=None)
def _scan_statement(dialect: str, by_spellings: bool):
    """The receipt as a scan needs it, locked ("scan"): the lines it shows and the receipt's totals
    (window sums, computed over every line before the limit), and the scanned product when the
    scan is a GTIN (`spellings`), else the product already known (`product_id`)."""
    columns = list(_SUMMARY_COLUMNS) + [
        func.sum(_line.c.expected_qty).over().label("total_expected"),
        func.sum(_line.c.received_qty).over().label("total_received"),
        func.sum(_line.c.damaged_qty).over().label("total_damaged"),
        func.count(_line.c.id).over().label("line_count"),
    ]
    focus = bindparam("product_id")
    if by_spellings:
        columns.append(_scanned_product(dialect))
        focus = _barcode_product_id()
    waiting = (_line.c.received_qty < _line.c.expected_qty) & _line.c.unexpected.is_(False)
    return (
        select(*columns)
        .select_from(_receipt)
        .outerjoin(_line, _line.c.receipt_id == _receipt.c.id)
        .outerjoin(_product, _product.c.id == _line.c.product_id)
        .where(_receipt.c.id == bindparam("receipt_id"), *_receipt_lock(dialect, "scan"))
        .order_by(case((_line.c.product_id == focus, 0), else_=1), case((waiting, 0), else_=1), _line.c.line_no)
        .limit(SCAN_LINES)
    )


def _barcode_product_id():
    return (
        select(_barcode.c.product_id)
        .where(_barcode.c.code.in_(bindparam("spellings", expanding=True)))
        .order_by((_barcode.c.code == bindparam("scanned")).desc(), func.length(_barcode.c.code).desc())
        .limit(1)
        .scalar_subquery()
    )


def _scanned_product(dialect: str):
    """The product whose barcode the scan is (one of its GTIN spellings), as a JSON array, read in
    the receipt's own statement: a JAN scan costs no query of its own."""
    as_json = func.json_build_array if dialect == "postgresql" else func.json_array
    return (
        select(as_json(_barcode.c.code, _barcode.c.pack_qty, _product.c.id, _product.c.sku, _product.c.name,
                       _product.c.tracking, _product.c.active, _product.c.min_shelf_life_days))
        .join_from(_barcode, _product, _product.c.id == _barcode.c.product_id)
        .where(_barcode.c.code.in_(bindparam("spellings", expanding=True)))
        .order_by((_barcode.c.code == bindparam("scanned")).desc(), func.length(_barcode.c.code).desc())
        .limit(1)
        .scalar_subquery()
        .label("scanned")
    )


def summarize(session: Session, receipt_id: int, *, lock: str | None = None) -> Summary:
    """Every line of the receipt with what was expected, received and damaged, in one statement.

    `lock="scan"` shares the receipt with other scans for this unit of work (`_receipt_lock`).
    Raises NotHere when there is no such receipt.
    """
    rows = session.execute(_summary_statement(session.get_bind().dialect.name, lock), {"receipt_id": receipt_id}).all()
    if not rows:
        raise NotHere("receipt")
    return _summary_of(rows)


def receipt_for_scan(session: Session, receipt_id: int, warehouse_id: int, *, spellings: tuple[str, ...] | None = None,
                     product_id: int | None = None) -> tuple[Summary, ProductHit | None]:
    """The receipt locked for a scan, as the scan needs it (`_scan_statement`), and the product whose
    GTIN was scanned when `spellings` are given and one matches, in one statement. NotHere for a
    receipt of another warehouse."""
    dialect = session.get_bind().dialect.name
    if spellings:
        params = {"receipt_id": receipt_id, "spellings": list(spellings), "scanned": spellings[0]}
    else:
        params = {"receipt_id": receipt_id, "product_id": product_id}
    rows = session.execute(_scan_statement(dialect, bool(spellings)), params).all()
    if not rows:
        raise NotHere("receipt")
    first = rows[0]
    if first.warehouse_id != warehouse_id:
        raise NotHere("receipt")
    summary = _summary_of(rows)
    summary = replace(summary, totals=(int(first.total_expected or 0), int(first.total_received or 0),
                                       int(first.total_damaged or 0), int(first.line_count or 0)))
    scanned = None
    if spellings and first.scanned is not None:
        facts = json.loads(first.scanned) if isinstance(first.scanned, str) else first.scanned
        scanned = product_hit_of(facts, spellings)
    return summary, scanned


def _summary_of(rows) -> Summary:
    first = rows[0]
    status = ReceiptStatus(first.status)
    lines = tuple(
        LineSummary(r.line_id, r.line_no, r.product_id, r.sku, r.name, r.lot_number, r.expected_qty, r.received_qty,
                    r.damaged_qty, r.unexpected, _state_of(first.blind, status, r.unexpected, r.received_qty, r.expected_qty))
        for r in rows if r.line_id is not None
    )
    return Summary(first.id, first.code, first.supplier, first.warehouse_id, first.blind, status, lines)


def receipt_here(session: Session, receipt_id: int, warehouse_id: int, *, lock: str | None = None) -> Summary:
    """The receipt's figures, refused as not found (NotHere) when it belongs to another warehouse."""
    summary = summarize(session, receipt_id, lock=lock)
    if summary.warehouse_id != warehouse_id:
        raise NotHere("receipt")
    return summary


# --- receiving ------------------------------------------------------------------------------


def receive(session: Session, receipt_id: int, goods: Goods, handling: Handling, item: Item, *,
            warehouse: WarehouseRef, user_id: int | None, key: str, today: date,
            summary: Summary | None = None) -> tuple[Outcome, Summary]:
    """One receiving scan of `item` (module docstring), and the receipt's figures after it.

    `summary` is the receipt as this unit of work already read and locked it (`receipt_for_scan`).
    Raises a FloorRefusal or StockError to refuse; NotHere for a receipt of another warehouse.
    """
    summary = summary or receipt_for_scan(session, receipt_id, warehouse.id, product_id=item.product_id)[0]
    if summary.is_closed:
        raise errors.ReceiptClosed(summary.code)
    if not 1 <= goods.units <= MAX_UNITS:
        raise BadQuantity(str(goods.units))
    if not item.active:
        raise ProductInactive(item.sku)
    goods, asked = _complete_lot_details(session, item, goods, today)
    if asked:
        return NeedsDetails(goods, item, asked), summary
    short_dated = _is_short_dated(item, goods.expiry, today, warehouse.settings.short_dated_days)
    if short_dated and not handling.confirm_short_dated:
        return NeedsConfirmation(goods, item, "short_dated", days_left=(goods.expiry - today).days), summary
    line = _matching_line(summary, item.product_id, goods.lot)
    beyond_plan = not summary.blind and (line is None or line.unexpected or line.received + goods.units > line.expected)
    if beyond_plan and not handling.confirm_over:
        reason = "over" if line is not None and not line.unexpected else "unexpected"
        return NeedsConfirmation(goods, item, reason, line.expected if line else 0, line.received if line else 0), summary
    line = line or _unexpected_line(session, summary, item, goods.lot or "")
    counted = _count_on_line(session, line.line_id, goods.units, handling.damaged,
                             up_to=None if beyond_plan or summary.blind or line.unexpected else line.expected)
    if counted is None:  # closed meanwhile, or another clerk's scan took the line to its plan since it was read
        now = session.execute(select(_line.c.received_qty, _receipt.c.status).join(_receipt, _receipt.c.id == _line.c.receipt_id)
                              .where(_line.c.id == line.line_id)).one()
        if now.status != ReceiptStatus.OPEN.value:
            raise errors.ReceiptClosed(summary.code)
        return NeedsConfirmation(goods, item, "over", line.expected, now.received_qty), summary
    received = _post_receipt(session, summary, line, item, goods, handling, warehouse=warehouse, user_id=user_id,
                             key=key, short_dated=short_dated, over=beyond_plan)
    return received, summary.with_entry(replace(line, received=counted - goods.units), goods.units, handling.damaged)


def _complete_lot_details(session, item: Item, goods: Goods, today: date) -> tuple[Goods, tuple[str, ...]]:
    """Fill what we already know (a known lot's expiry) and name what must still be entered."""
    if item.tracking is Tracking.NONE:
        return Goods(goods.product_id, goods.units), ()
    if item.tracking is Tracking.SERIAL:
        serial = fields.lot_number((goods.serial or goods.lot or "").strip()) or ""
        if not serial:
            return goods, ("serial",)
        if goods.units != 1:
            raise errors.SerialOnePerUnit(item.sku)
        if _lot_of(session, item.product_id, serial) is not None:
            raise errors.SerialAlreadyReceived(item.sku, serial)
        return Goods(goods.product_id, 1, serial, goods.expiry, serial), ()
    lot_number = fields.lot_number((goods.lot or "").strip()) or ""
    known = _lot_of(session, item.product_id, lot_number) if lot_number and goods.expiry is None else None
    expiry = goods.expiry or (known.expiry if known else None)
    missing = tuple(
        name for name, absent in (("lot", not lot_number), ("expiry", item.tracking is Tracking.LOT_EXPIRY and not expiry))
        if absent
    )
    if expiry is not None and expiry < today:
        raise LotExpired(item.sku, lot_number or "-", expiry)
    return Goods(goods.product_id, goods.units, lot_number or None, expiry), missing


def _lot_of(session, product_id: int, number: str) -> Lot | None:
    return session.scalar(select(Lot).where(Lot.product_id == product_id, Lot.number == number))


def _is_short_dated(item: Item, expiry: date | None, today: date, warehouse_days: int = 0) -> bool:
    """Fewer days left than the product's minimum shelf life, else than the warehouse's short-dated threshold."""
    days = item.min_shelf_life_days or warehouse_days
    return expiry is not None and days > 0 and expiry < today + timedelta(days=days)


def _matching_line(summary: Summary, product_id: int, lot: str | None) -> LineSummary | None:
    """The line a scan counts against: same lot, else a line for any lot, else any line of the product."""
    lines = summary.lines_of(product_id)
    same_lot = [line for line in lines if lot and line.lot == lot]
    any_lot = [line for line in lines if line.lot == ""]
    return (same_lot or any_lot or lines or [None])[0]


def _unexpected_line(session, summary: Summary, item: Item, lot_number: str) -> LineSummary:
    """A line for goods the plan did not name (or any line of a blind receipt), created once."""
    number = select(func.coalesce(func.max(_line.c.line_no), 0) + 1).where(
        _line.c.receipt_id == summary.receipt_id).scalar_subquery()
    line_id, number = session.execute(
        upsert_insert(session, _line)
        .values(receipt_id=summary.receipt_id, line_no=number, product_id=item.product_id, lot_number=lot_number,
                expected_qty=0, unexpected=not summary.blind)
        .on_conflict_do_update(index_elements=["receipt_id", "product_id", "lot_number"],
                               set_={"expected_qty": _line.c.expected_qty})
        .returning(_line.c.id, _line.c.line_no)
    ).one()
    return LineSummary(line_id, number, item.product_id, item.sku, item.name, lot_number, 0, 0, 0, not summary.blind)


def _post_receipt(session, summary: Summary, line: LineSummary, item: Item, goods: Goods, handling: Handling, *,
                  warehouse: WarehouseRef, user_id, key: str, short_dated: bool, over: bool) -> Received:
    place = LocationKind.QUARANTINE if handling.damaged else LocationKind.DOCK
    destination = warehouse.place(place)
    lot = ledger.LotSpec(goods.lot, goods.expiry) if goods.lot else None
    posted = ledger.post(
        session,
        [ledger.Move(item.product_id, goods.units, warehouse.place(LocationKind.SUPPLIER), destination,
                     MoveReason.RECEIPT, lot=lot, reference=summary.code)],
        key=f"receive:{key}", user_id=user_id, reference=summary.code,
    )
    entry_id = session.execute(
        _NEW_ENTRY,
        {
            "receipt_id": summary.receipt_id, "line_id": line.line_id, "product_id": item.product_id,
            "lot_id": posted.lot_ids[0], "quantity": goods.units, "location_id": destination,
            "damaged": handling.damaged,
            "damage_reason": (handling.damage_reason or DamageReason.OTHER) if handling.damaged else None,
            "short_dated": short_dated, "over_receipt": over, "posting_id": posted.posting_id, "user_id": user_id,
            "created_at": utcnow(),
        },
    ).scalar_one()
    return Received(entry_id, posted.lot_ids[0], item, goods.units, goods.lot, goods.expiry, place, handling.damaged,
                    short_dated, over, line.line_id)


def _count_on_line(session, line_id: int, units: int, damaged: bool, *, up_to: int | None = None) -> int | None:
    """Keep the line's figures with its entries (negative units: an undo); the line's new received figure.

    With `up_to`, nothing changes (None) unless the line stays within that many units: the line row is
    locked by the update, so two clerks on one line cannot both take its last planned unit.
    """
    stmt = _COUNT_ON_LINE if up_to is None else _COUNT_ON_LINE_UP_TO
    params = {"line_id": line_id, "units": units, "damaged": units if damaged else 0, "up_to": up_to}
    return session.execute(stmt, params).scalar_one_or_none()


_NEW_ENTRY = _entry.insert().returning(_entry.c.id)
_STILL_OPEN = select(_receipt.c.id).where(_receipt.c.id == _line.c.receipt_id, _receipt.c.status == ReceiptStatus.OPEN.value)
_COUNT_ON_LINE = (
    update(_line).where(_line.c.id == bindparam("line_id"), _STILL_OPEN.exists())
    .values(received_qty=_line.c.received_qty + bindparam("units"), damaged_qty=_line.c.damaged_qty + bindparam("damaged"))
    .returning(_line.c.received_qty)
)
_COUNT_ON_LINE_UP_TO = _COUNT_ON_LINE.where(_line.c.received_qty + bindparam("units") <= bindparam("up_to"))


# --- undo -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LastScan:
    entry_id: int
    sku: str
    name: str
    quantity: int
    lot: str | None


def last_scan(session: Session, receipt_id: int, user_id: int) -> LastScan | None:
    """The user's last scan on the receipt that is not undone: what an undo would reverse."""
    row = session.execute(
        select(ReceiptEntry.id, Product.sku, Product.name, ReceiptEntry.quantity, Lot.number)
        .join(Product, Product.id == ReceiptEntry.product_id)
        .outerjoin(Lot, Lot.id == ReceiptEntry.lot_id)
        .where(ReceiptEntry.receipt_id == receipt_id, ReceiptEntry.user_id == user_id, ReceiptEntry.undone_at.is_(None))
        .order_by(ReceiptEntry.id.desc())
        .limit(1)
    ).one_or_none()
    return LastScan(*row) if row else None


def undo_last(session: Session, receipt_id: int, *, warehouse: WarehouseRef, user_id: int, key: str,
              entry_id: int | None = None) -> tuple[LastScan, Summary]:
    """Reverse the user's last scan on an open receipt with a move back to SUPPLIER (never a delete).

    With `entry_id` (the scan the person was shown and confirmed), anything else is refused as a
    stale page: the person undoes what they saw, or nothing.
    """
    summary = receipt_here(session, receipt_id, warehouse.id, lock="scan")
    if summary.is_closed:
        raise errors.ReceiptClosed(summary.code)
    last = last_scan(session, receipt_id, user_id)
    if last is None:
        raise errors.NothingToUndo()
    if entry_id is not None and entry_id != last.entry_id:
        raise errors.StalePage(summary.code)
    entry = session.get(ReceiptEntry, last.entry_id)
    try:
        posted = ledger.post(
            session,
            [ledger.Move(entry.product_id, entry.quantity, entry.location_id, warehouse.place(LocationKind.SUPPLIER),
                         MoveReason.CANCEL, lot=entry.lot_id, reference=summary.code)],
            key=f"undo:{key}", user_id=user_id, reference=summary.code, note=f"undo of receipt entry {entry.id}",
        )
    except (stock_errors.NotEnoughStock, stock_errors.LotNotAtLocation):
        raise errors.AlreadyPutAway(last.sku) from None
    session.execute(
        update(ReceiptEntry).where(ReceiptEntry.id == entry.id)
        .values(undone_at=utcnow(), undone_by_id=user_id, undo_posting_id=posted.posting_id)
    )
    if _count_on_line(session, entry.line_id, -entry.quantity, entry.damaged) is None:
        raise errors.ReceiptClosed(summary.code)  # closed while the undo waited
    line = summary.line(entry.line_id)
    return last, summary.with_entry(line, -entry.quantity, entry.damaged)


# --- closing ----------------------------------------------------------------------------------


def close_receipt(session: Session, receipt_id: int, *, user_id: int, seen: str,
                  warehouse_id: int | None = None) -> Summary:
    """Close the receipt and record every difference (short, over, unexpected, damaged) as a discrepancy.

    `seen` is the fingerprint of the figures the person saw: if any changed since, the close is
    refused (StalePage) so nobody closes on figures they did not see. Commits.
    """
    with write_transaction(session):
        lock_receipt_for_close(session, receipt_id)
        summary = summarize(session, receipt_id)
        if warehouse_id is not None and summary.warehouse_id != warehouse_id:
            raise NotHere("receipt")
        if summary.is_closed:
            raise errors.ReceiptClosed(summary.code)
        if seen != summary.fingerprint:
            raise errors.StalePage(summary.code)
        closed = summary.restated(summary.lines, ReceiptStatus.CLOSED)  # nothing waits any more
        places = warehouse_ref(session, summary.warehouse_id).places
        for line in closed.lines:
            for cause, expected, found, place in _differences(line):
                session.add(Discrepancy(
                    warehouse_id=summary.warehouse_id, source=DiscrepancySource.RECEIVING, cause=cause,
                    product_id=line.product_id, location_id=places[place], expected_qty=expected, found_qty=found,
                    quantity=found - expected, reference=summary.code, user_id=user_id,
                    note=f"line {line.line_no}" + (f", lot {line.lot}" if line.lot else ""),
                ))
        session.execute(
            update(Receipt).where(Receipt.id == receipt_id)
            .values(status=ReceiptStatus.CLOSED, closed_short=closed.count("short") > 0, closed_by_id=user_id,
                    closed_at=utcnow())
        )
    return closed


def _differences(line: LineSummary):
    if line.state in ("short", "over", "unexpected"):
        yield line.state, line.expected, line.received, LocationKind.DOCK
    if line.damaged:
        yield "damaged", 0, line.damaged, LocationKind.QUARANTINE


# --- starting ---------------------------------------------------------------------------------


def open_receipts(session: Session, warehouse_id: int) -> list[Receipt]:
    return list(session.scalars(
        select(Receipt)
        .where(Receipt.warehouse_id == warehouse_id, Receipt.status != ReceiptStatus.CLOSED)
        .order_by(Receipt.expected_date.is_(None), Receipt.expected_date, Receipt.code)
    ))


def open_receipt_by_code(session: Session, warehouse_id: int, code: str) -> int | None:
    """The id of the open receipt of the warehouse with that label code, if any."""
    return session.scalar(select(Receipt.id).where(
        and_(Receipt.warehouse_id == warehouse_id, Receipt.code == code, Receipt.status != ReceiptStatus.CLOSED)))


def start_blind_receipt(session: Session, warehouse_id: int, supplier: str, *, user_id: int, today: date) -> int:
    """A receipt without a plan: everything received on it is what arrived. Commits."""
    with write_transaction(session):
        return create_receipt(session, warehouse_id, supplier, today, [], user_id, blind=True).id
