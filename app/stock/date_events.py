"""Availability that changes because a date passed: written as stock events by a daily job.

A lot leaves availability the day it comes inside its product's minimum remaining shelf life
(or expires) without any posting, so no stock event says so. `refresh_dates` (run by
`flask stock refresh-dates` and once a day by the webhook worker) compares, for every product
with dated lots on sellable shelves (and every kit made of one), what is available today with
the last event of that product and warehouse, and appends an event (cause "date") where they
differ. Each batch holds the products' ledger locks (PostgreSQL), so its figures are the ones
that hold when it commits, as the ledger's are; run twice, it writes nothing the second time.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.database import write_transaction
from app.stock.allocation import lock_stock
from app.stock.availability import availability
from app.stock.models import KitComponent, Location, Lot, Quant, StockEvent, Warehouse
from app.timeutil import local_today, utcnow

BATCH = 200
CAUSE = "date"


def refresh_dates(session: Session, today: date | None = None, warehouse_id: int | None = None) -> int:
    """Append an event for each dated product (and kit) whose availability differs from its last
    event; returns how many were written."""
    today = today or local_today()
    warehouses = [warehouse_id] if warehouse_id is not None else list(session.scalars(select(Warehouse.id)))
    session.rollback()
    written = 0
    for wid in warehouses:
        products = _dated_products(session, wid)
        session.rollback()
        for start in range(0, len(products), BATCH):
            written += _refresh(session, wid, products[start:start + BATCH], today)
    return written


def _dated_products(session: Session, warehouse_id: int) -> list[int]:
    """Products with stock of a dated lot on the warehouse's sellable places, and the kits made of them."""
    dated = set(session.scalars(
        select(Quant.product_id).distinct()
        .join(Location, Location.id == Quant.location_id)
        .join(Lot, Lot.id == Quant.lot_id)
        .where(Location.warehouse_id == warehouse_id, Location.sellable.is_(True), Quant.on_hand > 0,
               Lot.expiry.is_not(None))
    ))
    kits = set(session.scalars(select(KitComponent.kit_id).distinct()
                               .where(KitComponent.component_id.in_(sorted(dated))))) if dated else set()
    return sorted(dated | kits)


def _refresh(session: Session, warehouse_id: int, product_ids: Sequence[int], today: date) -> int:
    with write_transaction(session):
        lock_stock(session, product_ids)
        now_available = availability(session, warehouse_id, product_ids, today)
        last = _last_events(session, warehouse_id, product_ids)
        changed = [(pid, figure) for pid, figure in now_available.items() if figure != last.get(pid, 0)]
        if changed:
            now = utcnow()
            session.execute(insert(StockEvent.__table__), [
                {"product_id": pid, "warehouse_id": warehouse_id, "available": figure, "cause": CAUSE,
                 "posting_id": None, "created_at": now}
                for pid, figure in changed
            ])
        return len(changed)


def _last_events(session: Session, warehouse_id: int, product_ids: Sequence[int]) -> dict[int, int]:
    latest = (
        select(func.max(StockEvent.position).label("position"))
        .where(StockEvent.warehouse_id == warehouse_id, StockEvent.product_id.in_(sorted(product_ids)))
        .group_by(StockEvent.product_id)
        .subquery()
    )
    rows = session.execute(select(StockEvent.product_id, StockEvent.available)
                           .join(latest, latest.c.position == StockEvent.position))
    return {pid: available for pid, available in rows}


__all__ = ["refresh_dates"]
