"""Receiving (入荷): goods scanned in against a receipt, with lot, expiry and serial rules.

One call of `receive` is one scan: it either asks for what is missing (lot, expiry, serial),
asks for a confirmation (over the plan, not on the plan, short-dated), or posts SUPPLIER →
dock (→ quarantine when damaged) through the ledger and records a receipt entry, in the
caller's unit of work. The receipt row is locked first, so two clerks on one receipt are
serialised and an over-receipt is never missed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select
from app.database import upsert_insert
from sqlalchemy.orm import Session

from app.receiving import errors
from app.receipts.models import DamageReason, Receipt, ReceiptEntry, ReceiptLine, ReceiptStatus
from app.stock import errors as stock_errors
from app.stock import ledger
from app.stock.models import (
    Discrepancy,
    DiscrepancySource,
    LocationKind,
    Lot,
    MoveReason,
    Product,
    Tracking,
)
from app.stock.warehouses import standard_location, standard_places
from app.timeutil import utcnow

MAX_UNITS = 99_999


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
    sku: str
    name: str
    tracking: Tracking
    missing: tuple[str, ...]


@dataclass(frozen=True)
class NeedsConfirmation:
    """Receiving this would go beyond the plan, or the lot is short-dated: ask first."""

    goods: Goods
    sku: str
    name: str
    reason: str  # "over", "unexpected" or "short_dated"
    expected: int = 0
    received: int = 0
    days_left: int | None = None


@dataclass(frozen=True)
class Received:
    entry_id: int
    lot_id: int | None
    sku: str
    name: str
    units: int
    lot: str | None
    expiry: date | None
    location: str
    damaged: bool
    short_dated: bool
    over_receipt: bool


Outcome = NeedsDetails | NeedsConfirmation | Received


# --- receiving ------------------------------------------------------------------------------


def receive(session: Session, receipt_id: int, goods: Goods, handling: Handling, *, user_id: int | None,
            key: str, today: date, warehouse_id: int | None = None) -> Outcome:
    """One receiving scan; see the module docstring. Raises a FloorRefusal or StockError to refuse.

    With `warehouse_id`, a receipt of another warehouse is refused as not found (ReceiptNotHere).
    """
    receipt = lock_receipt(session, receipt_id)
    if warehouse_id is not None and receipt.warehouse_id != warehouse_id:
        raise errors.ReceiptNotHere(receipt_id)
    if receipt.is_closed:
        raise errors.ReceiptClosed(receipt.code)
    if not 1 <= goods.units <= MAX_UNITS:
        raise errors.BadQuantity(str(goods.units))
    product = session.get(Product, goods.product_id)
    if not product.active:
        raise errors.ProductInactive(product.sku)
    goods, asked = _complete_lot_details(session, product, goods, today)
    if asked:
        return NeedsDetails(goods, product.sku, product.name, product.tracking, asked)
    short_dated = _is_short_dated(product, goods.expiry, today)
    if short_dated and not handling.confirm_short_dated:
        days = (goods.expiry - today).days
        return NeedsConfirmation(goods, product.sku, product.name, "short_dated", days_left=days)
    line = _matching_line(session, receipt, product.id, goods.lot)
    so_far = received_on_line(session, line.id) if line is not None and not receipt.blind else 0
    beyond_plan = not receipt.blind and (line is None or line.unexpected or so_far + goods.units > line.expected_qty)
    if beyond_plan and not handling.confirm_over:
        reason = "over" if line is not None and not line.unexpected else "unexpected"
        expected = line.expected_qty if line else 0
        return NeedsConfirmation(goods, product.sku, product.name, reason, expected, so_far)
    line = line or _unexpected_line(session, receipt, product.id, goods.lot or "")
    return _post_receipt(session, receipt, line, product, goods, handling, user_id=user_id, key=key,
                         short_dated=short_dated, over=beyond_plan)


def lock_receipt(session: Session, receipt_id: int) -> Receipt:
    """The receipt row, locked for this unit of work (PostgreSQL; SQLite's writer is already alone)."""
    receipt = session.execute(
        select(Receipt).where(Receipt.id == receipt_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if receipt is None:
        raise errors.ReceiptNotHere(receipt_id)
    return receipt


def _complete_lot_details(session, product: Product, goods: Goods, today: date) -> tuple[Goods, tuple[str, ...]]:
    """Fill what we already know (a known lot's expiry) and name what must still be entered."""
    tracking = product.tracking
    if tracking is Tracking.NONE:
        return Goods(goods.product_id, goods.units), ()
    if tracking is Tracking.SERIAL:
        serial = (goods.serial or goods.lot or "").strip()
        if not serial:
            return goods, ("serial",)
        if goods.units != 1:
            raise errors.SerialOnePerUnit(product.sku)
        if _lot_of(session, product.id, serial) is not None:
            raise errors.SerialAlreadyReceived(product.sku, serial)
        return Goods(goods.product_id, 1, serial, goods.expiry, serial), ()
    lot_number = (goods.lot or "").strip()
    known = _lot_of(session, product.id, lot_number) if lot_number else None
    expiry = goods.expiry or (known.expiry if known else None)
    missing = tuple(
        field for field, absent in (("lot", not lot_number), ("expiry", tracking is Tracking.LOT_EXPIRY and not expiry))
        if absent
    )
    completed = Goods(goods.product_id, goods.units, lot_number or None, expiry)
    if expiry is not None and expiry < today:
        raise errors.LotExpired(product.sku, lot_number or "-", expiry)
    return completed, missing


def _lot_of(session, product_id: int, number: str) -> Lot | None:
    return session.scalar(select(Lot).where(Lot.product_id == product_id, Lot.number == number))


def _is_short_dated(product: Product, expiry: date | None, today: date) -> bool:
    return expiry is not None and product.min_shelf_life_days > 0 and expiry < today + timedelta(
        days=product.min_shelf_life_days)


def _matching_line(session, receipt: Receipt, product_id: int, lot: str | None) -> ReceiptLine | None:
    """The line a scan counts against: same lot, else a line for any lot, else any line of the product."""
    lines = session.scalars(
        select(ReceiptLine).where(ReceiptLine.receipt_id == receipt.id, ReceiptLine.product_id == product_id)
        .order_by(ReceiptLine.line_no)
    ).all()
    same_lot = [line for line in lines if lot and line.lot_number == lot]
    any_lot = [line for line in lines if line.lot_number == ""]
    return (same_lot or any_lot or list(lines) or [None])[0]


def _unexpected_line(session, receipt: Receipt, product_id: int, lot_number: str) -> ReceiptLine:
    """A line for goods the plan did not name (or any line of a blind receipt), created once."""
    last_no = session.scalar(select(func.max(ReceiptLine.line_no)).where(ReceiptLine.receipt_id == receipt.id))
    session.execute(
        upsert_insert(session, ReceiptLine.__table__)
        .values(receipt_id=receipt.id, line_no=(last_no or 0) + 1, product_id=product_id, lot_number=lot_number,
                expected_qty=0, unexpected=not receipt.blind)
        .on_conflict_do_nothing(index_elements=["receipt_id", "product_id", "lot_number"])
    )
    return session.scalar(select(ReceiptLine).where(
        ReceiptLine.receipt_id == receipt.id, ReceiptLine.product_id == product_id, ReceiptLine.lot_number == lot_number))


def _post_receipt(session, receipt: Receipt, line: ReceiptLine, product: Product, goods: Goods, handling: Handling,
                  *, user_id, key: str, short_dated: bool, over: bool) -> Received:
    kind = LocationKind.QUARANTINE if handling.damaged else LocationKind.DOCK
    places = standard_places(session, receipt.warehouse_id, kind, LocationKind.SUPPLIER)
    destination, supplier = places[kind], places[LocationKind.SUPPLIER]
    lot = ledger.LotSpec(goods.lot, goods.expiry) if goods.lot else None
    posted = ledger.post(
        session,
        [ledger.Move(product.id, goods.units, supplier.id, destination.id, MoveReason.RECEIPT, lot=lot,
                     reference=receipt.code)],
        key=f"receive:{key}", user_id=user_id, reference=receipt.code,
    )
    entry = ReceiptEntry(
        receipt_id=receipt.id, line_id=line.id, product_id=product.id, lot_id=posted.lot_ids[0], quantity=goods.units,
        location_id=destination.id, damaged=handling.damaged,
        damage_reason=(handling.damage_reason or DamageReason.OTHER) if handling.damaged else None,
        short_dated=short_dated, over_receipt=over, posting_id=posted.posting_id, user_id=user_id,
    )
    session.add(entry)
    receipt.status = ReceiptStatus.RECEIVING
    receipt.version += 1
    session.flush()
    return Received(entry.id, entry.lot_id, product.sku, product.name, goods.units, goods.lot, goods.expiry,
                    destination.code,
                    handling.damaged, short_dated, over)


# --- undo -------------------------------------------------------------------------------------


def undo_last(session: Session, receipt_id: int, *, user_id: int, key: str) -> ReceiptEntry:
    """Reverse the user's last scan on an open receipt with a move back to SUPPLIER (never a delete)."""
    receipt = lock_receipt(session, receipt_id)
    if receipt.is_closed:
        raise errors.ReceiptClosed(receipt.code)
    entry = session.scalar(
        select(ReceiptEntry)
        .where(ReceiptEntry.receipt_id == receipt.id, ReceiptEntry.user_id == user_id, ReceiptEntry.undone_at.is_(None))
        .order_by(ReceiptEntry.id.desc())
        .limit(1)
    )
    if entry is None:
        raise errors.NothingToUndo()
    supplier = standard_location(session, receipt.warehouse_id, LocationKind.SUPPLIER)
    try:
        posted = ledger.post(
            session,
            [ledger.Move(entry.product_id, entry.quantity, entry.location_id, supplier.id, MoveReason.CANCEL,
                         lot=entry.lot_id, reference=receipt.code)],
            key=f"undo:{key}", user_id=user_id, reference=receipt.code, note=f"undo of receipt entry {entry.id}",
        )
    except (stock_errors.NotEnoughStock, stock_errors.LotNotAtLocation):
        raise errors.AlreadyPutAway(entry.product.sku) from None
    entry.undone_at = utcnow()
    entry.undone_by_id = user_id
    entry.undo_posting_id = posted.posting_id
    receipt.version += 1
    session.flush()
    return entry


# --- figures and closing ----------------------------------------------------------------------


def received_on_line(session: Session, line_id: int) -> int:
    return session.scalar(
        select(func.coalesce(func.sum(ReceiptEntry.quantity), 0))
        .where(ReceiptEntry.line_id == line_id, ReceiptEntry.undone_at.is_(None))
    )


@dataclass(frozen=True)
class LineSummary:
    line_no: int
    sku: str
    name: str
    lot: str
    expected: int
    received: int
    damaged: int
    state: str  # "complete", "waiting" (open, not all here yet), "short" (closed), "over", "unexpected", "received"

    @property
    def difference(self) -> int:
        return self.received - self.expected


@dataclass(frozen=True)
class Summary:
    code: str
    supplier: str
    blind: bool
    status: ReceiptStatus
    version: int
    lines: tuple[LineSummary, ...]

    @property
    def expected(self) -> int:
        return sum(line.expected for line in self.lines)

    @property
    def received(self) -> int:
        return sum(line.received for line in self.lines)

    @property
    def damaged(self) -> int:
        return sum(line.damaged for line in self.lines)

    def count(self, state: str) -> int:
        return sum(1 for line in self.lines if line.state == state)

    @property
    def differences(self) -> tuple[LineSummary, ...]:
        return tuple(line for line in self.lines if line.state in ("short", "over", "unexpected") or line.damaged)


def summarize(session: Session, receipt: Receipt) -> Summary:
    """Every line with what was expected, received and damaged, in one aggregate query."""
    received = func.coalesce(func.sum(ReceiptEntry.quantity), 0)
    damaged = func.coalesce(func.sum(case((ReceiptEntry.damaged.is_(True), ReceiptEntry.quantity), else_=0)), 0)
    rows = session.execute(
        select(ReceiptLine.line_no, Product.sku, Product.name, ReceiptLine.lot_number, ReceiptLine.expected_qty,
               ReceiptLine.unexpected, received, damaged)
        .join(Product, Product.id == ReceiptLine.product_id)
        .outerjoin(ReceiptEntry, (ReceiptEntry.line_id == ReceiptLine.id) & ReceiptEntry.undone_at.is_(None))
        .where(ReceiptLine.receipt_id == receipt.id)
        .group_by(ReceiptLine.id, ReceiptLine.line_no, Product.sku, Product.name, ReceiptLine.lot_number,
                  ReceiptLine.expected_qty, ReceiptLine.unexpected)
        .order_by(ReceiptLine.line_no)
    ).all()
    lines = tuple(_line_summary(receipt, row) for row in rows)
    return Summary(receipt.code, receipt.supplier, receipt.blind, receipt.status, receipt.version, lines)


def _line_summary(receipt: Receipt, row) -> LineSummary:
    line_no, sku, name, lot, expected, unexpected, received, damaged = row
    if receipt.blind:
        state = "received"
    elif unexpected:
        state = "unexpected"
    elif received == expected:
        state = "complete"
    elif received > expected:
        state = "over"
    elif not receipt.is_closed:
        state = "waiting"  # more may still come: short only once the receipt is closed
    else:
        state = "short"
    return LineSummary(line_no, sku, name, lot, expected, int(received), int(damaged), state)


def close_receipt(session: Session, receipt_id: int, *, user_id: int, version: int) -> Summary:
    """Close the receipt and record every difference (short, over, unexpected, damaged) as a discrepancy.

    `version` is the receipt version the person saw: if anything changed since, the close is
    refused (StalePage) so nobody closes on figures they did not see.
    """
    receipt = lock_receipt(session, receipt_id)
    if receipt.is_closed:
        raise errors.ReceiptClosed(receipt.code)
    if version != receipt.version:
        raise errors.StalePage(receipt.code)
    receipt.status = ReceiptStatus.CLOSED  # before summarising: nothing waits any more
    summary = summarize(session, receipt)
    places = standard_places(session, receipt.warehouse_id, LocationKind.DOCK, LocationKind.QUARANTINE)
    dock, quarantine = places[LocationKind.DOCK], places[LocationKind.QUARANTINE]
    lines = session.scalars(select(ReceiptLine).where(ReceiptLine.receipt_id == receipt.id).order_by(ReceiptLine.line_no))
    for line, summed in zip(lines, summary.lines, strict=True):
        for cause, expected, found, location in _differences(summed, dock.id, quarantine.id):
            session.add(Discrepancy(
                warehouse_id=receipt.warehouse_id, source=DiscrepancySource.RECEIVING, cause=cause,
                product_id=line.product_id, location_id=location, expected_qty=expected, found_qty=found,
                quantity=found - expected, reference=receipt.code, user_id=user_id,
                note=f"line {line.line_no}" + (f", lot {line.lot_number}" if line.lot_number else ""),
            ))
    receipt.closed_short = summary.count("short") > 0
    receipt.closed_by_id = user_id
    receipt.closed_at = utcnow()
    receipt.version += 1
    session.flush()
    return summarize(session, receipt)


def _differences(line: LineSummary, dock_id: int, quarantine_id: int):
    if line.state in ("short", "over", "unexpected"):
        yield line.state, line.expected, line.received, dock_id
    if line.damaged:
        yield "damaged", 0, line.damaged, quarantine_id


# --- starting ---------------------------------------------------------------------------------


def open_receipts(session: Session, warehouse_id: int) -> list[Receipt]:
    return list(session.scalars(
        select(Receipt)
        .where(Receipt.warehouse_id == warehouse_id, Receipt.status != ReceiptStatus.CLOSED)
        .order_by(Receipt.expected_date.is_(None), Receipt.expected_date, Receipt.code)
    ))


def receipt_by_code(session: Session, warehouse_id: int, code: str) -> Receipt | None:
    return session.scalar(select(Receipt).where(Receipt.warehouse_id == warehouse_id, Receipt.code == code))
