"""Count tasks asked for by the floor: a shelf to count because someone found less than the records say.

The counting screens belong to the counts workflow; any workflow may ask for a count here.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.database import upsert_insert
from app.stock.models import CountTask, CountTaskStatus
from app.timeutil import utcnow


def request_count(session: Session, warehouse_id: int, location_id: int, product_id: int | None, *, cause: str,
                  reference: str | None, user_id: int | None) -> int:
    """The shelf's open count task, made if there is none (never two open tasks for one shelf)."""
    session.execute(
        upsert_insert(session, CountTask.__table__).values(
            warehouse_id=warehouse_id, location_id=location_id, open_location_id=location_id, product_id=product_id,
            cause=cause, status=CountTaskStatus.OPEN.value, reference=reference, created_by_id=user_id,
            created_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["open_location_id"])
    )
    return session.scalar(select(CountTask.id).where(CountTask.open_location_id == location_id))


def count_hold(task_id: int) -> str:
    """The document line under which a count task holds stock the floor could not find."""
    return f"count-task:{task_id}"


__all__ = ["request_count", "count_hold"]
