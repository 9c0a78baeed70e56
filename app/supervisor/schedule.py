"""The ABC count schedule: which shelves are due for a count, and the tasks that count them.

A shelf's class is the best ABC class of the products it holds (app.stock.counting.abc_classes:
pick velocity of the last 90 days), so a shelf holding one fast mover is counted as often as that
product asks. It is due when its class's interval (COUNT_INTERVAL_DAYS) has passed since its last
finished count, or when it has never been counted. Only active storage shelves holding stock are
scheduled (an empty shelf has nothing to count; a supervisor can still count it by range or zone).
The most overdue shelves come first (never counted before anything else), then in walk order.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from app.database import write_transaction
from app.stock import counting
from app.stock.models import CountTask, CountTaskStatus, Location, LocationKind, MoveReason, Quant, StockMove
from app.timeutil import utcnow

CLASSES = ("A", "B", "C")


@dataclass(frozen=True)
class Shelf:
    location_id: int
    code: str
    pick_sequence: int | None
    abc: str
    last_counted: datetime | None
    open_task: bool

    def due_at(self, intervals: Mapping[str, int]) -> datetime | None:
        """When the shelf's next count is due (None: never counted, so now)."""
        if self.last_counted is None:
            return None
        return self.last_counted + timedelta(days=intervals[self.abc])

    def is_due(self, intervals: Mapping[str, int], now: datetime) -> bool:
        due = self.due_at(intervals)
        return due is None or due <= now


@dataclass(frozen=True)
class ScheduleRun:
    made: int
    already_open: int
    due: int
    by_class: Mapping[str, int]


@dataclass(frozen=True)
class Coverage:
    """Shelves holding stock, and those counted within their class's interval, per class."""

    shelves: Mapping[str, int]
    covered: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.shelves.values())

    @property
    def total_covered(self) -> int:
        return sum(self.covered.values())

    def share(self, abc: str | None = None) -> float | None:
        shelves = self.total if abc is None else self.shelves.get(abc, 0)
        covered = self.total_covered if abc is None else self.covered.get(abc, 0)
        return covered / shelves if shelves else None


def stocked_shelves(session: Session, warehouse_id: int, *, days: int = 90) -> list[Shelf]:
    """Every active storage shelf holding stock, with its class, last finished count and whether a task is open.

    The classes are app.stock.counting.abc_classes's rule (A: the products making the first 80 % of the
    units picked in the last `days`, B the next 15 %, C the rest, ties by product id) computed in SQL with
    a running sum, and each shelf's best class is found from the picked products' side (their stock
    lines by product), so 50,000 stock lines never travel to Python; a test keeps the two rules equal.
    """
    in_warehouse = (Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE,
                    Location.active.is_(True))
    held = exists().where(Quant.location_id == Location.id, Quant.on_hand > 0)
    classes = _classes(days)
    best = dict(session.execute(  # from the A and B products only: a shelf holding neither is C
        select(Quant.location_id, func.min(classes.c.abc)).select_from(classes)
        .join(Quant, Quant.product_id == classes.c.product_id).join(Location, Location.id == Quant.location_id)
        .where(classes.c.abc != "C", *in_warehouse, Quant.on_hand > 0).group_by(Quant.location_id)
    ).all())
    last = last_counted(session, warehouse_id)
    open_ids = open_task_shelves(session, warehouse_id)
    rows = session.execute(select(Location.id, Location.code, Location.pick_sequence).where(*in_warehouse, held))
    return [Shelf(location_id, code, sequence, best.get(location_id, "C"), last.get(location_id), location_id in open_ids)
            for location_id, code, sequence in rows]


def _classes(days: int):
    """(product_id, abc) of every product picked in the last `days` (the others are C)."""
    picked = (select(StockMove.product_id, func.sum(StockMove.quantity).label("units"))
              .where(StockMove.reason == MoveReason.PICK, StockMove.created_at >= utcnow() - timedelta(days=days))
              .group_by(StockMove.product_id).subquery("picked"))
    running = func.sum(picked.c.units).over(order_by=(picked.c.units.desc(), picked.c.product_id), rows=(None, 0))
    ranked = select(picked.c.product_id, (running - picked.c.units).label("before"),
                    func.sum(picked.c.units).over().label("total")).subquery("ranked")
    abc = case((ranked.c.before * 100 < ranked.c.total * 80, "A"), (ranked.c.before * 100 < ranked.c.total * 95, "B"),
               else_="C")
    return select(ranked.c.product_id, abc.label("abc")).subquery("classes")


def last_counted(session: Session, warehouse_id: int) -> dict[int, datetime]:
    """Each shelf's last finished count (approved or matched)."""
    return dict(session.execute(
        select(CountTask.location_id, func.max(CountTask.closed_at))
        .where(CountTask.warehouse_id == warehouse_id, CountTask.status == CountTaskStatus.DONE)
        .group_by(CountTask.location_id)
    ).all())


def open_task_shelves(session: Session, warehouse_id: int) -> set[int]:
    return set(session.scalars(select(CountTask.open_location_id).where(
        CountTask.warehouse_id == warehouse_id, CountTask.open_location_id.is_not(None))))


def overdue(shelves: list[Shelf], intervals: Mapping[str, int], now: datetime | None = None) -> list[Shelf]:
    """The shelves due for a count, most overdue first (never counted first), then in walk order."""
    now = now or utcnow()
    due = [shelf for shelf in shelves if shelf.is_due(intervals, now)]
    return sorted(due, key=lambda s: (s.due_at(intervals) is not None, s.due_at(intervals) or now,
                                      s.pick_sequence is None, s.pick_sequence or 0, s.code))


def run_schedule(session: Session, warehouse_id: int, intervals: Mapping[str, int], *, user_id: int | None,
                 limit: int | None = None, now: datetime | None = None) -> ScheduleRun:
    """A count task for each due shelf that has none open (the most overdue `limit` ones when given)."""
    with write_transaction(session):
        due = overdue(stocked_shelves(session, warehouse_id), intervals, now)
        waiting = [shelf for shelf in due if not shelf.open_task]
        chosen = waiting[:limit] if limit else waiting
        made, already = counting.create_tasks(session, warehouse_id, [s.location_id for s in chosen],
                                              cause="schedule", user_id=user_id)
    by_class = {abc: sum(1 for s in chosen if s.abc == abc) for abc in CLASSES}
    return ScheduleRun(made, already + len(due) - len(waiting), len(due), by_class)


def coverage(shelves: list[Shelf], intervals: Mapping[str, int], now: datetime | None = None) -> Coverage:
    now = now or utcnow()
    counts = {abc: 0 for abc in CLASSES}
    covered = {abc: 0 for abc in CLASSES}
    for shelf in shelves:
        counts[shelf.abc] += 1
        covered[shelf.abc] += not shelf.is_due(intervals, now)
    return Coverage(counts, covered)


__all__ = ["CLASSES", "Shelf", "ScheduleRun", "Coverage", "stocked_shelves", "last_counted", "open_task_shelves",
           "overdue", "run_schedule", "coverage"]
