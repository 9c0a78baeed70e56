"""Count tasks made by a supervisor: the shelves of a range of 棚番, of a zone, or holding a product,
given to one counter or left to the queue (any counter takes the next in walk order).

Never two open tasks for a shelf: app.stock.counting.create_tasks skips a shelf that has one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from app.auth.models import User, user_warehouse
from app.database import write_transaction
from app.stock import counting
from app.stock.models import (
    OPEN_COUNT_STATUSES, CountTask, Location, LocationKind, Product, ProductBarcode, Quant,
)

MAX_SHELVES = 5000
OPEN_LISTED = 100


class PlanRefused(Exception):
    """A count request that names no shelf, or too many; `field` is the form field to mark."""

    def __init__(self, message, field: str = "form"):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Counter:
    id: int
    login: str
    name: str


@dataclass(frozen=True)
class Planned:
    made: int
    already_open: int
    shelves: int
    assigned_to: str | None


@dataclass(frozen=True)
class OpenTask:
    id: int
    code: str
    shelf: str
    status: str
    cause: str
    assigned_to: str | None
    created_at: datetime


def shelves_in_range(session: Session, warehouse_id: int, first: str, last: str) -> list[int]:
    """Active storage shelves whose 棚番 sorts from `first` to `last` (both included)."""
    low, high = sorted((first, last))
    return _storage(session, warehouse_id, Location.code >= low, Location.code <= high)


def shelves_in_zone(session: Session, warehouse_id: int, zone: str) -> list[int]:
    return _storage(session, warehouse_id, Location.zone == zone)


def shelves_holding(session: Session, warehouse_id: int, product_id: int) -> list[int]:
    """Every storage shelf of the warehouse where the product is on hand."""
    held = exists().where(Quant.location_id == Location.id, Quant.product_id == product_id, Quant.on_hand > 0)
    return _storage(session, warehouse_id, held)


def _storage(session: Session, warehouse_id: int, *where) -> list[int]:
    return list(session.scalars(
        select(Location.id).where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE,
                                  Location.active.is_(True), *where)
        .order_by(Location.pick_sequence, Location.code).limit(MAX_SHELVES + 1)
    ))


def product_by_code(session: Session, text: str) -> Product | None:
    """A product by its SKU or one of its barcodes."""
    code = text.strip()
    if not code:
        return None
    by_barcode = select(ProductBarcode.product_id).where(ProductBarcode.code == code)
    return session.scalar(select(Product).where(or_(Product.sku == code, Product.id.in_(by_barcode))).limit(1))


def zones(session: Session, warehouse_id: int) -> list[str]:
    return [zone for zone in session.scalars(
        select(Location.zone).where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE,
                                    Location.zone.is_not(None)).distinct().order_by(Location.zone)) if zone]


def counters(session: Session, warehouse_id: int) -> list[Counter]:
    """Everyone active who works in the warehouse: every role may count."""
    in_warehouse = or_(User.all_warehouses.is_(True), exists().where(user_warehouse.c.user_id == User.id,
                                                                    user_warehouse.c.warehouse_id == warehouse_id))
    return [Counter(*row) for row in session.execute(
        select(User.id, User.login, User.name).where(User.active.is_(True), in_warehouse)
        .order_by(User.name, User.login))]


def plan(session: Session, warehouse_id: int, *, kind: str, first: str = "", last: str = "", zone: str = "",
         product: str = "", counter_id: int | None = None, user_id: int) -> Planned:
    """Count the shelves a supervisor named (a range of 棚番, a zone, every shelf holding a product), given
    to one counter or left to the queue. PlanRefused names the field that is wrong."""
    counter = None
    if counter_id is not None:
        counter = next((c for c in counters(session, warehouse_id) if c.id == counter_id), None)
        if counter is None:
            raise PlanRefused(_l("This person does not work in this warehouse."), "counter")
    product_id = None
    if kind == "range":
        shelves = shelves_in_range(session, warehouse_id, first, last)
    elif kind == "zone":
        shelves = shelves_in_zone(session, warehouse_id, zone)
    else:
        found = product_by_code(session, product)
        if found is None:
            raise PlanRefused(_l("No product has the SKU or JAN %(code)s.", code=product), "product")
        product_id = found.id
        shelves = shelves_holding(session, warehouse_id, found.id)
        if not shelves:
            raise PlanRefused(_l("%(sku)s is on no shelf of this warehouse.", sku=found.sku), "product")
    return plan_counts(session, warehouse_id, shelves, user_id=user_id, product_id=product_id, assigned_to=counter)


def plan_counts(session: Session, warehouse_id: int, location_ids: list[int], *, user_id: int,
                product_id: int | None = None, assigned_to: Counter | None = None) -> Planned:
    """Make the tasks in one unit of work (PlanRefused: no shelf, or more than MAX_SHELVES)."""
    if not location_ids:
        raise PlanRefused(_l("No shelf matches: nothing to count."))
    if len(location_ids) > MAX_SHELVES:
        raise PlanRefused(_l("More than %(n)s shelves: choose a narrower range.", n=MAX_SHELVES))
    with write_transaction(session):
        made, already = counting.create_tasks(
            session, warehouse_id, location_ids, cause="manual", user_id=user_id, product_id=product_id,
            assigned_to_id=assigned_to.id if assigned_to else None)
    return Planned(made, already, len(location_ids), assigned_to.name if assigned_to else None)


def open_tasks(session: Session, warehouse_id: int, limit: int = OPEN_LISTED) -> tuple[int, list[OpenTask]]:
    """How many tasks are open in the warehouse, and the first `limit` of them in walk order."""
    is_open = (CountTask.warehouse_id == warehouse_id, CountTask.status.in_(OPEN_COUNT_STATUSES))
    total = session.scalar(select(func.count()).select_from(CountTask).where(*is_open)) or 0
    rows = session.execute(
        select(CountTask.id, Location.code, CountTask.status, CountTask.cause, User.name, CountTask.created_at)
        .join(Location, Location.id == CountTask.location_id)
        .outerjoin(User, User.id == CountTask.assigned_to_id)
        .where(*is_open).order_by(Location.pick_sequence, Location.code).limit(limit)
    )
    return total, [OpenTask(task_id, f"ZC-{task_id:06d}", code, str(status), cause, name, created)
                   for task_id, code, status, cause, name, created in rows]


__all__ = ["MAX_SHELVES", "PlanRefused", "Counter", "Planned", "OpenTask", "shelves_in_range", "shelves_in_zone",
           "shelves_holding", "product_by_code", "zones", "counters", "plan", "plan_counts", "open_tasks"]
