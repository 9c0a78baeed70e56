"""Expected receipts (入荷予定 / ASN): creating them, from a screen, a CSV file or a blind start."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.receipts.models import Receipt, ReceiptLine, ReceiptStatus
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
    """ZR-YYYYMMDD-NNN, the next free number of the day (the unique constraint backs it)."""
    prefix = f"ZR-{day:%Y%m%d}-"
    last = session.scalar(select(func.max(Receipt.code)).where(Receipt.code.like(prefix + "%")))
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:03d}"


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
