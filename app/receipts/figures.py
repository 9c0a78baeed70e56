"""What has been received on a receipt's lines: sums over the entries not undone."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.receipts.models import ReceiptEntry


@dataclass(frozen=True)
class LineCount:
    received: int = 0
    damaged: int = 0


def received_by_line(session: Session, receipt_id: int) -> dict[int, LineCount]:
    """Received and damaged units per receipt line, over entries not undone."""
    rows = session.execute(
        select(ReceiptEntry.line_id, ReceiptEntry.damaged, func.sum(ReceiptEntry.quantity))
        .where(ReceiptEntry.receipt_id == receipt_id, ReceiptEntry.undone_at.is_(None))
        .group_by(ReceiptEntry.line_id, ReceiptEntry.damaged)
    )
    counts: dict[int, LineCount] = defaultdict(LineCount)
    for line_id, damaged, units in rows:
        current = counts[line_id]
        counts[line_id] = LineCount(current.received + units, current.damaged + (units if damaged else 0))
    return dict(counts)
