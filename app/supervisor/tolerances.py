"""Count tolerances per ABC class: a variance within both (units and %) is approved by itself.

None set means 0: out of the box every variance is recounted by someone else and approved by a
supervisor (app.stock.counting reads these rows).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.database import write_transaction
from app.stock.models import CountTolerance
from app.timeutil import utcnow

CLASSES = ("A", "B", "C")
MAX_UNITS = 100_000


@dataclass(frozen=True)
class Tolerance:
    abc: str
    units: int = 0
    percent: int = 0


def tolerances(session: Session) -> list[Tolerance]:
    stored = {row.abc_class: row for row in session.scalars(select(CountTolerance))}
    return [Tolerance(abc, stored[abc].units, stored[abc].percent) if abc in stored else Tolerance(abc)
            for abc in CLASSES]


def save_tolerances(session: Session, wanted: Mapping[str, Tolerance], *, user_id: int) -> int:
    """Store the tolerance of each class given; returns how many changed."""
    changed = 0
    with write_transaction(session):
        stored = {row.abc_class: row for row in session.scalars(select(CountTolerance))}
        for abc, tolerance in wanted.items():
            row = stored.get(abc)
            if row is None:
                if not (tolerance.units or tolerance.percent):
                    continue  # none set is 0 already
                row = CountTolerance(abc_class=abc, units=0, percent=0)
                session.add(row)
            if (row.units, row.percent) != (tolerance.units, tolerance.percent) or abc not in stored:
                row.units, row.percent = tolerance.units, tolerance.percent
                row.updated_by_id, row.updated_at = user_id, utcnow()
                changed += 1
    return changed


__all__ = ["CLASSES", "MAX_UNITS", "Tolerance", "tolerances", "save_tolerances"]
