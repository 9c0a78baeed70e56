"""The supervisor's figures, week by week (Monday to Sunday, the warehouse's time), each from one
aggregate query:

- inventory record accuracy: of the shelves whose count finished in the week, the share that needed
  no adjustment (the count matched the records);
- variance value by source: Σ |difference| × cost price of the discrepancies recorded in the week,
  per source (receiving, picking, packing, count, returns);
- short-pick rate: of the pick lines finished in the week, the share a picker reported short;
- count coverage (now): of the shelves holding stock, the share counted within their class's interval;
- open discrepancies (now): rows nobody has resolved yet, per source, with their value.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.orders.picklists import PickLine, PickLineStatus, PickList
from app.stock.models import CountTask, CountTaskStatus, Discrepancy, DiscrepancySource, Product
from app.supervisor import schedule
from app.supervisor.discrepancies import difference_of, is_open
from app.timeutil import WAREHOUSE_TZ, local_today

WEEKS = 8
SOURCES = tuple(s.value for s in DiscrepancySource)


@dataclass(frozen=True)
class Share:
    of: int
    hits: int

    @property
    def value(self) -> float | None:
        return self.hits / self.of if self.of else None


@dataclass(frozen=True)
class Kpis:
    weeks: tuple[date, ...]
    accuracy: tuple[Share, ...]  # per week: counted shelves, those with no variance
    variance_value: Mapping[str, tuple[int, ...]]  # per source, per week
    short_picks: tuple[Share, ...]  # per week: finished pick lines, short ones
    coverage: schedule.Coverage
    open_count: Mapping[str, int]
    open_value: Mapping[str, int]

    @property
    def accuracy_total(self) -> Share:
        return Share(sum(s.of for s in self.accuracy), sum(s.hits for s in self.accuracy))

    @property
    def short_total(self) -> Share:
        return Share(sum(s.of for s in self.short_picks), sum(s.hits for s in self.short_picks))

    @property
    def value_total(self) -> int:
        return sum(sum(values) for values in self.variance_value.values())

    @property
    def open_total(self) -> int:
        return sum(self.open_count.values())


def week_starts(today: date, weeks: int = WEEKS) -> tuple[date, ...]:
    monday = today - timedelta(days=today.weekday())
    return tuple(monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1))


def _bounds(starts: tuple[date, ...]) -> list[datetime]:
    return [datetime.combine(day, time.min, WAREHOUSE_TZ) for day in starts]


def _week_of(column, bounds: list[datetime]):
    """The index of the week a moment falls in (rows before the first week are filtered out)."""
    return case(*((column < bounds[i + 1], i) for i in range(len(bounds) - 1)), else_=len(bounds) - 1)


def kpis(session: Session, warehouse_id: int, intervals: Mapping[str, int], *, today: date | None = None,
         weeks: int = WEEKS) -> Kpis:
    starts = week_starts(today or local_today(), weeks)
    bounds = _bounds(starts)
    open_count, open_value = _open(session, warehouse_id)
    return Kpis(
        starts,
        _accuracy(session, warehouse_id, bounds),
        _variance_value(session, warehouse_id, bounds),
        _short_picks(session, warehouse_id, bounds),
        schedule.coverage(schedule.stocked_shelves(session, warehouse_id), intervals),
        open_count, open_value,
    )


def _per_week(session: Session, rows, n: int) -> tuple[Share, ...]:
    found = {int(week): Share(int(total), int(hits or 0)) for week, total, hits in session.execute(rows)}
    return tuple(found.get(i, Share(0, 0)) for i in range(n))


def _accuracy(session: Session, warehouse_id: int, bounds: list[datetime]) -> tuple[Share, ...]:
    done = (
        select(_week_of(CountTask.closed_at, bounds).label("week"),
               case((CountTask.posting_id.is_(None), 1), else_=0).label("hit"))
        .where(CountTask.warehouse_id == warehouse_id, CountTask.status == CountTaskStatus.DONE,
               CountTask.closed_at >= bounds[0])
    ).subquery()
    rows = select(done.c.week, func.count(), func.sum(done.c.hit)).group_by(done.c.week)
    return _per_week(session, rows, len(bounds))


def _short_picks(session: Session, warehouse_id: int, bounds: list[datetime]) -> tuple[Share, ...]:
    finished = (
        select(_week_of(PickLine.done_at, bounds).label("week"),
               case((PickLine.status == PickLineStatus.SHORT, 1), else_=0).label("hit"))
        .join(PickList, PickList.id == PickLine.pick_list_id)
        .where(PickList.warehouse_id == warehouse_id, PickLine.done_at >= bounds[0],
               PickLine.status.in_([PickLineStatus.DONE, PickLineStatus.SHORT]))
    ).subquery()
    rows = select(finished.c.week, func.count(), func.sum(finished.c.hit)).group_by(finished.c.week)
    return _per_week(session, rows, len(bounds))


def _variance_value(session: Session, warehouse_id: int, bounds: list[datetime]) -> dict[str, tuple[int, ...]]:
    recorded = (
        select(_week_of(Discrepancy.created_at, bounds).label("week"), Discrepancy.source.label("source"),
               (func.abs(difference_of()) * func.coalesce(Product.cost_price, 0)).label("value"))
        .outerjoin(Product, Product.id == Discrepancy.product_id)
        .where(Discrepancy.warehouse_id == warehouse_id, Discrepancy.created_at >= bounds[0])
    ).subquery()
    values = {source: [0] * len(bounds) for source in SOURCES}
    for week, source, value in session.execute(
        select(recorded.c.week, recorded.c.source, func.sum(recorded.c.value))
        .group_by(recorded.c.week, recorded.c.source)
    ):
        values[str(source)][int(week)] = int(value or 0)
    return {source: tuple(v) for source, v in values.items()}


def _open(session: Session, warehouse_id: int) -> tuple[dict[str, int], dict[str, int]]:
    counts = {source: 0 for source in SOURCES}
    values = {source: 0 for source in SOURCES}
    for source, n, value in session.execute(
        select(Discrepancy.source, func.count(),
               func.sum(func.abs(difference_of()) * func.coalesce(Product.cost_price, 0)))
        .outerjoin(Product, Product.id == Discrepancy.product_id)
        .where(Discrepancy.warehouse_id == warehouse_id, is_open())
        .group_by(Discrepancy.source)
    ):
        counts[str(source)], values[str(source)] = int(n), int(value or 0)
    return counts, values


__all__ = ["WEEKS", "Share", "Kpis", "week_starts", "kpis"]
