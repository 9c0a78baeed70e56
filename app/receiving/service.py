"""Receiving (入荷): goods scanned in against a receipt, with lot, expiry and serial rules.

One call of `receive` is one scan: it either asks for what is missing (lot, expiry, serial),
asks for a confirmation (over the plan, not on the plan, short-dated), or posts SUPPLIER →
dock (→ quarantine when damaged) through the ledger and records a receipt entry, in the
caller's unit of work. The receipt is read with all its lines and what they received in one
statement that also locks the receipt row (PostgreSQL; SQLite's writer is alone), so two
clerks on one receipt are serialised and an over-receipt is never missed; the answer's
figures are that read plus the scan just recorded, not a second read.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import and_, bindparam, case, func, select, update
from sqlalchemy.orm import Session

from app.barcodes.results import ProductHit
from app.database import upsert_insert, write_transaction
from app.floor.refusals import BadQuantity, LotExpired, NotAProduct, NotHere, ProductInactive
from app.receipts.models import DamageReason, Receipt, ReceiptEntry, ReceiptLine, ReceiptStatus
from app.receipts.plans import create_receipt
from app.receiving import errors
from app.stock import errors as stock_errors
from app.stock import ledger
from app.stock.models import Discrepancy, DiscrepancySource, LocationKind, Lot, MoveReason, Product, Tracking
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

    @property
    def is_closed(self) -> bool:
        return self.status is ReceiptStatus.CLOSED

    @property
    def expected(self) -> int:
        return sum(line.expected for line in self.lines)

    @property
    def received(self) -> int:
        return sum(line.received for line in self.lines)

    @property
    def damaged(self) -> int:
        return sum(line.damaged for line in self.lines)

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
        lines = [grown if other.line_id == line.line_id else other for other in self.lines]
        if self.line(line.line_id) is None:
            lines.append(grown)
        return self.restated(lines)

    def restated(self, lines, status: ReceiptStatus | None = None) -> Summary:
        status = status or self.status
        return replace(self, status=status, lines=tuple(
            replace(line, state=_state(self.blind, status, line)) for line in lines))


def _state(blind: bool, status: ReceiptStatus, line: LineSummary) -> str:
    if blind:
        return "received"
    if line.unexpected:
        return "unexpected"
    if line.received == line.expected:
        return "complete"
    if line.received > line.expected:
        return "over"
    return "waiting" if status is not ReceiptStatus.CLOSED else "short"  # more may come until it is closed


_entry = ReceiptEntry.__table__
_line = ReceiptLine.__table__
_receipt = Receipt.__table__
_product = Product.__table__
_per_line = (
    select(
        _entry.c.line_id,
        func.sum(_entry.c.quantity).label("received"),
        func.sum(case((_entry.c.damaged.is_(True), _entry.c.quantity), else_=0)).label("damaged"),
    )
    .where(_entry.c.receipt_id == bindparam("receipt_id"), _entry.c.undone_at.is_(None))
    .group_by(_entry.c.line_id)
    .subquery()
)
_SUMMARY = (
    select(
        _receipt.c.id, _receipt.c.code, _receipt.c.supplier, _receipt.c.warehouse_id, _receipt.c.blind,
        _receipt.c.status, _line.c.id.label("line_id"), _line.c.line_no, _line.c.product_id, _product.c.sku,
        _product.c.name, _line.c.lot_number, _line.c.expected_qty, _line.c.unexpected,
        func.coalesce(_per_line.c.received, 0).label("received"), func.coalesce(_per_line.c.damaged, 0).label("damaged"),
    )
    .select_from(_receipt)
    .outerjoin(_line, _line.c.receipt_id == _receipt.c.id)
    .outerjoin(_product, _product.c.id == _line.c.product_id)
    .outerjoin(_per_line, _per_line.c.line_id == _line.c.id)
    .where(_receipt.c.id == bindparam("receipt_id"))
    .order_by(_line.c.line_no)
)
_LOCKED_SUMMARY = _SUMMARY.with_for_update(of=_receipt)


def summarize(session: Session, receipt_id: int, *, lock: bool = False) -> Summary:
    """Every line of the receipt with what was expected, received and damaged, in one statement.

    With `lock`, the receipt row is locked for this unit of work (PostgreSQL). Raises NotHere
    when there is no such receipt.
    """
    rows = session.execute(_LOCKED_SUMMARY if lock else _SUMMARY, {"receipt_id": receipt_id}).all()
    if not rows:
        raise NotHere("receipt")
    first = rows[0]
    lines = [
        LineSummary(r.line_id, r.line_no, r.product_id, r.sku, r.name, r.lot_number, r.expected_qty, int(r.received),
                    int(r.damaged), r.unexpected)
        for r in rows if r.line_id is not None
    ]
    summary = Summary(first.id, first.code, first.supplier, first.warehouse_id, first.blind, ReceiptStatus(first.status), ())
    return summary.restated(lines)


def receipt_here(session: Session, receipt_id: int, warehouse_id: int, *, lock: bool = False) -> Summary:
    """The receipt's figures, refused as not found (NotHere) when it belongs to another warehouse."""
    summary = summarize(session, receipt_id, lock=lock)
    if summary.warehouse_id != warehouse_id:
        raise NotHere("receipt")
    return summary


# --- receiving ------------------------------------------------------------------------------


def receive(session: Session, receipt_id: int, goods: Goods, handling: Handling, item: Item, *,
            warehouse: WarehouseRef, user_id: int | None, key: str, today: date) -> tuple[Outcome, Summary]:
    """One receiving scan of `item` (module docstring), and the receipt's figures after it.

    Raises a FloorRefusal or StockError to refuse; NotHere for a receipt of another warehouse.
    """
    summary = receipt_here(session, receipt_id, warehouse.id, lock=True)
    if summary.is_closed:
        raise errors.ReceiptClosed(summary.code)
    if not 1 <= goods.units <= MAX_UNITS:
        raise BadQuantity(str(goods.units))
    if not item.active:
        raise ProductInactive(item.sku)
    goods, asked = _complete_lot_details(session, item, goods, today)
    if asked:
        return NeedsDetails(goods, item, asked), summary
    short_dated = _is_short_dated(item, goods.expiry, today)
    if short_dated and not handling.confirm_short_dated:
        return NeedsConfirmation(goods, item, "short_dated", days_left=(goods.expiry - today).days), summary
    line = _matching_line(summary, item.product_id, goods.lot)
    beyond_plan = not summary.blind and (line is None or line.unexpected or line.received + goods.units > line.expected)
    if beyond_plan and not handling.confirm_over:
        reason = "over" if line is not None and not line.unexpected else "unexpected"
        return NeedsConfirmation(goods, item, reason, line.expected if line else 0, line.received if line else 0), summary
    line = line or _unexpected_line(session, summary, item, goods.lot or "")
    received = _post_receipt(session, summary, line, item, goods, handling, warehouse=warehouse, user_id=user_id,
                             key=key, short_dated=short_dated, over=beyond_plan)
    return received, summary.with_entry(line, goods.units, handling.damaged)


def _complete_lot_details(session, item: Item, goods: Goods, today: date) -> tuple[Goods, tuple[str, ...]]:
    """Fill what we already know (a known lot's expiry) and name what must still be entered."""
    if item.tracking is Tracking.NONE:
        return Goods(goods.product_id, goods.units), ()
    if item.tracking is Tracking.SERIAL:
        serial = (goods.serial or goods.lot or "").strip()
        if not serial:
            return goods, ("serial",)
        if goods.units != 1:
            raise errors.SerialOnePerUnit(item.sku)
        if _lot_of(session, item.product_id, serial) is not None:
            raise errors.SerialAlreadyReceived(item.sku, serial)
        return Goods(goods.product_id, 1, serial, goods.expiry, serial), ()
    lot_number = (goods.lot or "").strip()
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


def _is_short_dated(item: Item, expiry: date | None, today: date) -> bool:
    return expiry is not None and item.min_shelf_life_days > 0 and expiry < today + timedelta(days=item.min_shelf_life_days)


def _matching_line(summary: Summary, product_id: int, lot: str | None) -> LineSummary | None:
    """The line a scan counts against: same lot, else a line for any lot, else any line of the product."""
    lines = summary.lines_of(product_id)
    same_lot = [line for line in lines if lot and line.lot == lot]
    any_lot = [line for line in lines if line.lot == ""]
    return (same_lot or any_lot or lines or [None])[0]


def _unexpected_line(session, summary: Summary, item: Item, lot_number: str) -> LineSummary:
    """A line for goods the plan did not name (or any line of a blind receipt), created once."""
    number = max((line.line_no for line in summary.lines), default=0) + 1
    line_id = session.execute(
        upsert_insert(session, _line)
        .values(receipt_id=summary.receipt_id, line_no=number, product_id=item.product_id, lot_number=lot_number,
                expected_qty=0, unexpected=not summary.blind)
        .on_conflict_do_update(index_elements=["receipt_id", "product_id", "lot_number"],
                               set_={"expected_qty": _line.c.expected_qty})
        .returning(_line.c.id)
    ).scalar_one()
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
        _entry.insert().returning(_entry.c.id),
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
    summary = receipt_here(session, receipt_id, warehouse.id, lock=True)
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
        summary = summarize(session, receipt_id, lock=True)
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
