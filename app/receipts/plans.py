"""Expected receipts (入荷予定 / ASN): creating them, from a screen, a CSV file or a blind start."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from app.database import upsert_insert
from app.receipts.models import Receipt, ReceiptLine, ReceiptNumber, ReceiptStatus
from app.timeutil import local_today


@dataclass(frozen=True)
class PlannedLine:
    product_id: int
    quantity: int
    lot_number: str = ""
    expiry: date | None = None


class PlanError(ValueError):
    """A plan that cannot become a receipt (the message names what is wrong)."""


def next_receipt_code(session: Session, day: date) -> str:
    """ZR-YYYYMMDD-NNN: the day's next number (three digits at least, as many as it takes after 999).

    Taken from the day's counter row, which the taking locks until the caller's unit of work ends,
    so receipts started at once get one number each. The first receipt of a day starts the row
    after the highest number already used that day (receipts made before there were counters).
    """
    number = session.execute(_TAKE_NEXT, {"p_day": day}).scalar_one_or_none()
    if number is None:
        start = _highest_number_used(session, day) + 1
        number = session.execute(_start_the_day(session), {"p_day": day, "p_start": start}).scalar_one()
    return f"{_prefix(day)}{number:03d}"


_counter = ReceiptNumber.__table__
_TAKE_NEXT = (
    update(_counter).where(_counter.c.day == bindparam("p_day")).values(last=_counter.c.last + 1).returning(_counter.c.last)
)


def _start_the_day(session: Session):
    """The day's counter row at `start`, or the next number if another receipt created the row meanwhile."""
    return (
        upsert_insert(session, _counter)
        .values(day=bindparam("p_day"), last=bindparam("p_start"))
        .on_conflict_do_update(index_elements=["day"], set_={"last": _counter.c.last + 1})
        .returning(_counter.c.last)
    )


def _prefix(day: date) -> str:
    return f"ZR-{day:%Y%m%d}-"


def _highest_number_used(session: Session, day: date) -> int:
    prefix = _prefix(day)
    last = session.scalar(
        select(Receipt.code).where(Receipt.code.like(prefix + "%"))
        .order_by(func.length(Receipt.code).desc(), Receipt.code.desc()).limit(1)
    )
    suffix = last[len(prefix):] if last else ""
    return int(suffix) if suffix.isascii() and suffix.isdigit() else 0


def create_receipt(
    session: Session,
    warehouse_id: int,
    supplier: str,
    expected_date: date | None,
    lines: list[PlannedLine],
    user_id: int | None,
    *,
    blind: bool = False,
    note: str | None = None,
    reference: str | None = None,
) -> Receipt:
    """A new receipt with its expected lines; lines of the same product and lot are merged.

    Call inside a write transaction. A blind receipt has no lines: everything received on it
    is what arrived, and closing it records no short or over quantities.
    """
    if not blind and not lines:
        raise PlanError("a receipt needs at least one line")
    if any(line.quantity <= 0 for line in lines):
        raise PlanError("expected quantities must be greater than zero")
    receipt = Receipt(
        warehouse_id=warehouse_id, code=next_receipt_code(session, local_today()), supplier=supplier.strip() or "-",
        expected_date=expected_date, blind=blind, status=ReceiptStatus.OPEN, note=note, reference=reference,
        created_by_id=user_id,
    )
    session.add(receipt)
    session.flush()
    for number, line in enumerate(_merged(lines), start=1):
        session.add(ReceiptLine(
            receipt_id=receipt.id, line_no=number, product_id=line.product_id, lot_number=line.lot_number.strip(),
            expiry=line.expiry, expected_qty=line.quantity,
        ))
    session.flush()
    return receipt


def _merged(lines: list[PlannedLine]) -> list[PlannedLine]:
    merged: dict[tuple[int, str], PlannedLine] = {}
    for line in lines:
        key = (line.product_id, line.lot_number.strip())
        if key in merged:
            first = merged[key]
            if first.expiry and line.expiry and first.expiry != line.expiry:
                raise PlanError(f"lot {key[1]} is planned with two expiry dates")
            merged[key] = PlannedLine(first.product_id, first.quantity + line.quantity, first.lot_number,
                                      first.expiry or line.expiry)
        else:
            merged[key] = line
    return list(merged.values())
