"""The floor's side of counting: a counter's view of a task (never the expected figures), and the
units they count, through the count rules of app.stock.counting."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.stock import counting
from app.stock.models import Count, CountLine, CountTask, CountTaskStatus, Location, Lot, Product


@dataclass(frozen=True)
class CountedLine:
    sku: str
    name: str
    lot: str | None
    counted: int


@dataclass(frozen=True)
class CountView:
    task: CountTask
    count: Count | None  # this person's running count of it, if started
    lines: tuple[CountedLine, ...] = ()

    @property
    def counted_units(self) -> int:
        return sum(line.counted for line in self.lines)


def load(session: Session, task_id: int, warehouse_id: int, user_id: int) -> CountView | None:
    task = session.scalar(select(CountTask).where(CountTask.id == task_id, CountTask.warehouse_id == warehouse_id)
                          .execution_options(populate_existing=True))
    if task is None:
        return None
    count = session.scalar(select(Count).where(Count.task_id == task.id, Count.counted_by_id == user_id)
                           .order_by(Count.round.desc()).limit(1))
    if count is not None and count.submitted_at is not None and task.status in (CountTaskStatus.OPEN,
                                                                                 CountTaskStatus.RECOUNT):
        count = None  # a new round (someone else's recount is theirs)
    return CountView(task, count, _lines(session, count))


def reload(session: Session, view: CountView, user_id: int) -> CountView:
    session.flush()
    return load(session, view.task.id, view.task.warehouse_id, user_id)


def _lines(session: Session, count: Count | None) -> tuple[CountedLine, ...]:
    if count is None:
        return ()
    rows = session.execute(
        select(Product.sku, Product.name, Lot.number, CountLine.counted_qty)
        .join(Product, Product.id == CountLine.product_id).outerjoin(Lot, Lot.id == CountLine.lot_id)
        .where(CountLine.count_id == count.id, CountLine.counted_qty > 0).order_by(Product.sku, Lot.number)
    )
    return tuple(CountedLine(*row) for row in rows)


def my_tasks(session: Session, warehouse_id: int, user_id: int) -> list[CountTask]:
    return list(session.scalars(
        select(CountTask).join(Location, Location.id == CountTask.location_id)
        .where(CountTask.warehouse_id == warehouse_id, CountTask.assigned_to_id == user_id,
               CountTask.status.in_([CountTaskStatus.OPEN, CountTaskStatus.RECOUNT]))
        .order_by(Location.pick_sequence, Location.code)
    ))


def waiting(session: Session, warehouse_id: int) -> int:
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(CountTask).where(
        CountTask.warehouse_id == warehouse_id, CountTask.assigned_to_id.is_(None),
        CountTask.status.in_([CountTaskStatus.OPEN, CountTaskStatus.RECOUNT]))) or 0


def start(session: Session, view: CountView, user_id: int) -> Count:
    return counting.current_count(session, view.task, user_id)


def count_units(session: Session, view: CountView, user_id: int, product_id: int, lot_id: int | None,
                units: int) -> int:
    count = view.count if view.count is not None else counting.current_count(session, view.task, user_id)
    return counting.add_units(session, count, product_id, lot_id, units)


def finish(session: Session, view: CountView, user_id: int, *, empty: bool) -> counting.Submitted:
    count = view.count if view.count is not None else counting.current_count(session, view.task, user_id)
    if empty:
        counting.mark_empty(session, count)
    return counting.submit(session, view.task, count)


def known_lots(session: Session, product_id: int) -> list[tuple[int, str]]:
    return [tuple(row) for row in session.execute(
        select(Lot.id, Lot.number).where(Lot.product_id == product_id).order_by(Lot.expiry, Lot.number).limit(12))]
