"""The change feed: availability changes (stock events) in commit order, from a cursor.

The cursor is the events' `position`, given when the writing transaction commits, in commit order
(app.stock.models.StockEvent). So a reader never moves past a change that is still to commit:
the highest position it can see is its horizon, and every smaller position that will ever exist
is already visible. A page is read in two statements, the horizon first: what the second sees up
to the horizon is complete, whatever commits meanwhile.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.stock.models import Product, StockEvent, Warehouse

MAX_PAGE = 1000


@dataclass(frozen=True)
class Change:
    position: int
    event_id: int
    product_id: int
    sku: str
    warehouse_id: int
    warehouse: str
    available: int
    cause: str
    at: datetime


@dataclass(frozen=True)
class FeedPage:
    changes: list[Change]
    next: int  # the cursor to ask with next time
    more: bool  # more changes wait beyond `next` already


def horizon(session: Session) -> int:
    """The highest position committed (0 before the first change)."""
    return int(session.scalar(select(func.coalesce(func.max(StockEvent.position), 0))) or 0)


def changes(session: Session, after: int, limit: int, warehouse_ids: Sequence[int]) -> FeedPage:
    """The changes of the warehouses after `after`, in order, at most `limit` (≤ MAX_PAGE)."""
    limit = max(1, min(limit, MAX_PAGE))
    top = horizon(session)
    rows = session.execute(
        select(StockEvent.position, StockEvent.id, StockEvent.product_id, Product.sku, StockEvent.warehouse_id,
               Warehouse.code, StockEvent.available, StockEvent.cause, StockEvent.created_at)
        .join(Product, Product.id == StockEvent.product_id)
        .join(Warehouse, Warehouse.id == StockEvent.warehouse_id)
        .where(StockEvent.position > after, StockEvent.position <= top,
               StockEvent.warehouse_id.in_(sorted(set(warehouse_ids))))
        .order_by(StockEvent.position)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    found = [Change(*row) for row in rows[:limit]]
    if more:
        return FeedPage(found, found[-1].position, True)
    return FeedPage(found, max(top, after), False)


__all__ = ["MAX_PAGE", "Change", "FeedPage", "horizon", "changes"]
