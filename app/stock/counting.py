"""Cycle counts (棚卸し): blind counts, variances, recounts, approval — the rules, shared by the
floor's counting screens and the supervisor's review.

**What the shelf held when it was counted.** Stock keeps moving while people count. A count
line (one product and lot on the shelf) is compared with the shelf's on-hand of that product
and lot *at the line's last scan* — the moment the counter finished counting it: on-hand now,
minus what arrived on the shelf since, plus what left it since (from the ledger's moves).
A product the shelf holds but nobody scanned is compared at the moment the count was
submitted. So a pick from the shelf after a product was counted, or after submission and
before approval, is not a difference. A pick *between two scans of the same product* took a
unit the counter had not counted yet (counters keep what they counted apart, and the picker
takes from the rest), so the count is compared with the shelf after that pick. Lines are
fixed at submission (`CountLine.expected_qty`).

**Tolerance.** Per ABC class (units and %, both must hold); none set means 0, so out of the
box every variance is recounted by someone else (blind) and then approved by a supervisor.
A recount that matches the records closes the task; one that still differs waits for review.

**Approval** posts, per line that differs, a move from or to the warehouse's ADJUSTMENT place
through the ledger under `count-approve:<task>` (approving twice adjusts once), releases what
a short pick held for this count, records a discrepancy (source: count) with the reason code,
and closes the task. A review whose figures changed since the supervisor saw them (another
count, a rejection) is refused with the fresh figures. Rejecting sends it back for a recount.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, and_, case, func, literal, or_, select, update
from sqlalchemy.orm import Session

from app.database import upsert_insert
from app.stock import ledger
from app.stock.count_tasks import count_hold
from app.stock.errors import StockError
from app.stock.models import (
    NO_LOT, Count, CountLine, CountTask, CountTaskStatus, CountTolerance, Discrepancy, DiscrepancySource, DiscrepancyStatus, Location,
    LocationKind, MoveReason, Product, Quant, Reservation, ReservationStatus, StockMove,
)
from app.timeutil import UTCDateTime, utcnow

REASON_CODES = ("damaged", "lost", "receiving_error", "shipping_error", "return_not_put_back", "found", "unknown",
                "within_tolerance")


class CountRefused(StockError):
    """A count or review the rules refuse; `why` says which rule."""

    def __init__(self, why: str, task_code: str = ""):
        super().__init__(why)
        self.why = why
        self.task_code = task_code
        self.code = f"count_{why}"

    def message(self) -> str:
        from flask_babel import gettext as _

        messages = {
            "not_open": _("Count %(code)s is no longer waiting to be counted."),
            "own_recount": _("Count %(code)s needs a recount by someone else: you counted it."),
            "stale": _("Count %(code)s changed since you looked at it. Here are the figures as they are now."),
            "not_in_review": _("Count %(code)s is not waiting for a review."),
            "reason": _("Choose a reason for the adjustment."),
            "not_enough": _("Count %(code)s: the shelf now holds less than the adjustment takes. Recount it."),
        }
        return messages.get(self.why, self.why) % {"code": self.task_code}


@dataclass(frozen=True)
class LineResult:
    product_id: int
    lot_id: int | None
    counted: int
    expected: int

    @property
    def variance(self) -> int:
        return self.counted - self.expected


@dataclass(frozen=True)
class Submitted:
    task_id: int
    status: CountTaskStatus
    lines: tuple[LineResult, ...]

    @property
    def matched(self) -> bool:
        return all(line.variance == 0 for line in self.lines)


# --- making tasks --------------------------------------------------------------------------------


SHELVES_PER_INSERT = 5000  # shelf ids bound in one statement (SQLite allows 32,766 values)


def create_tasks(session: Session, warehouse_id: int, location_ids: list[int], *, cause: str, user_id: int | None,
                 product_id: int | None = None, assigned_to_id: int | None = None) -> tuple[int, int]:
    """A task per shelf that has none open (never two open tasks for a shelf): (made, already open).

    The tasks are made by the database from the shelves' ids, in id order, thousands per statement (a
    first ABC schedule makes one for every shelf); a shelf whose task is open already is skipped by the
    unique open_location_id, row by row."""
    wanted = sorted(set(location_ids))
    table = CountTask.__table__
    made = 0
    for start in range(0, len(wanted), SHELVES_PER_INSERT):
        tasks = (
            select(literal(warehouse_id, Integer), Location.id, Location.id, literal(product_id, Integer),
                   literal(cause, String), literal(CountTaskStatus.OPEN.value, String),
                   literal(assigned_to_id, Integer), literal(user_id, Integer), literal(utcnow(), UTCDateTime()),
                   literal(1, Integer))
            .where(Location.id.in_(wanted[start:start + SHELVES_PER_INSERT])).order_by(Location.id)
        )
        made += len(session.execute(
            upsert_insert(session, table)
            .from_select(["warehouse_id", "location_id", "open_location_id", "product_id", "cause", "status",
                          "assigned_to_id", "created_by_id", "created_at", "version"], tasks)
            .on_conflict_do_nothing(index_elements=["open_location_id"]).returning(table.c.id)
        ).all())
    return made, len(wanted) - made


def next_task(session: Session, warehouse_id: int, user_id: int) -> CountTask | None:
    """The counter's own task, else the first in walk order anyone may take (a recount never goes to its first counter)."""
    own = session.scalar(
        select(CountTask).join(Location, Location.id == CountTask.location_id)
        .where(CountTask.warehouse_id == warehouse_id, CountTask.assigned_to_id == user_id,
               CountTask.status.in_([CountTaskStatus.OPEN, CountTaskStatus.RECOUNT]))
        .order_by(Location.pick_sequence, Location.code).limit(1)
    )
    if own is not None and not counted_by(session, own.id, user_id):
        return own
    counted_by_me = select(Count.task_id).where(Count.counted_by_id == user_id, Count.submitted_at.is_not(None))
    return session.scalar(
        select(CountTask).join(Location, Location.id == CountTask.location_id)
        .where(CountTask.warehouse_id == warehouse_id, CountTask.assigned_to_id.is_(None),
               or_(CountTask.status == CountTaskStatus.OPEN,
                   and_(CountTask.status == CountTaskStatus.RECOUNT, CountTask.id.not_in(counted_by_me))))
        .order_by(Location.pick_sequence.is_(None), Location.pick_sequence, Location.code).limit(1)
    )


def counted_by(session: Session, task_id: int, user_id: int) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Count).where(
        Count.task_id == task_id, Count.counted_by_id == user_id, Count.submitted_at.is_not(None))))


# --- counting ------------------------------------------------------------------------------------


def current_count(session: Session, task: CountTask, user_id: int) -> Count:
    """The count this person is making of the task: resumed if started, else a new round."""
    if not task.status.is_open or task.status is CountTaskStatus.REVIEW:
        raise CountRefused("not_open", task.code)
    if task.status is CountTaskStatus.RECOUNT and counted_by(session, task.id, user_id):
        raise CountRefused("own_recount", task.code)
    running = session.scalar(select(Count).where(Count.task_id == task.id, Count.submitted_at.is_(None))
                             .order_by(Count.round.desc()).limit(1))
    if running is not None:
        running.counted_by_id = user_id
        return running
    last_round = session.scalar(select(func.max(Count.round)).where(Count.task_id == task.id)) or 0
    count = Count(task_id=task.id, round=last_round + 1, counted_by_id=user_id, started_at=utcnow())
    session.add(count)
    session.flush()
    return count


def add_units(session: Session, count: Count, product_id: int, lot_id: int | None, quantity: int) -> int:
    """Count `quantity` more of a product (and lot) on the shelf; returns the line's count so far."""
    now = utcnow()
    table = CountLine.__table__
    stmt = upsert_insert(session, table).values(
        count_id=count.id, product_id=product_id, lot_id=lot_id, lot_key=lot_id or NO_LOT, counted_qty=quantity,
        counted_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["count_id", "product_id", "lot_key"],
        set_={"counted_qty": table.c.counted_qty + quantity, "counted_at": now},
    ).returning(table.c.counted_qty)
    return session.execute(stmt).scalar_one()


def mark_empty(session: Session, count: Count) -> None:
    """「この棚は空」: nothing counted on the shelf, on purpose."""
    session.execute(update(CountLine).where(CountLine.count_id == count.id).values(counted_qty=0, counted_at=utcnow()))
    count.empty = True


def submit(session: Session, task: CountTask, count: Count, *, today=None) -> Submitted:
    """Fix each line's expected figure (module docstring) and decide: matched, recount or review."""
    now = utcnow()
    lines = list(session.scalars(select(CountLine).where(CountLine.count_id == count.id)))
    held_now = _on_hand_now(session, task.location_id)
    for (product_id, lot_key), _qty in held_now.items():
        if not any(line.product_id == product_id and line.lot_key == lot_key for line in lines):
            line = CountLine(count_id=count.id, product_id=product_id, lot_id=lot_key or None, lot_key=lot_key,
                             counted_qty=0, counted_at=None)
            session.add(line)
            lines.append(line)
    for line in lines:
        line.expected_qty = max(0, _on_hand_at(session, task.location_id, line.product_id, line.lot_key,
                                               line.counted_at or now, held_now.get((line.product_id, line.lot_key), 0)))
    count.submitted_at = now
    results = tuple(LineResult(line.product_id, line.lot_id, line.counted_qty, line.expected_qty) for line in lines)
    task.version = (task.version or 1) + 1
    task.variance_value = _value(session, results)
    if all(r.variance == 0 for r in results):
        _close(session, task, now)
    elif _within_tolerance(session, results):
        task.status = CountTaskStatus.REVIEW
        session.flush()
        approve(session, task.id, user_id=None, reason_code="within_tolerance", seen_version=None, auto=True)
    else:
        task.status = CountTaskStatus.RECOUNT if count.round == 1 else CountTaskStatus.REVIEW
        if task.status is CountTaskStatus.RECOUNT:
            task.assigned_to_id = None  # to the queue: someone else counts it again
    session.flush()
    return Submitted(task.id, task.status, results)


def _within_tolerance(session: Session, results) -> bool:
    tolerances = {t.abc_class: t for t in session.scalars(select(CountTolerance))}
    if not tolerances:
        return False
    classes = abc_classes(session, [r.product_id for r in results])
    for r in results:
        tolerance = tolerances.get(classes.get(r.product_id, "C"))
        if tolerance is None:
            return False
        if abs(r.variance) > tolerance.units:
            return False
        if r.expected and abs(r.variance) * 100 > tolerance.percent * r.expected:
            return False
        if not r.expected and r.variance:
            return False
    return True


def _on_hand_now(session: Session, location_id: int) -> dict[tuple[int, int], int]:
    rows = session.execute(select(Quant.product_id, Quant.lot_key, Quant.on_hand)
                           .where(Quant.location_id == location_id, Quant.on_hand > 0))
    return {(product_id, lot_key): on_hand for product_id, lot_key, on_hand in rows}


def _on_hand_at(session: Session, location_id: int, product_id: int, lot_key: int, moment: datetime, now_qty: int) -> int:
    """On-hand of the product and lot on the shelf at `moment`: now, minus arrivals since, plus departures since."""
    lot_match = StockMove.lot_id.is_(None) if lot_key == NO_LOT else StockMove.lot_id == lot_key
    since = session.execute(
        select(func.coalesce(func.sum(case((StockMove.to_location_id == location_id, StockMove.quantity), else_=0)), 0),
               func.coalesce(func.sum(case((StockMove.from_location_id == location_id, StockMove.quantity), else_=0)), 0))
        .where(StockMove.product_id == product_id, lot_match, StockMove.created_at > moment,
               or_(StockMove.to_location_id == location_id, StockMove.from_location_id == location_id))
    ).one()
    return now_qty - int(since[0]) + int(since[1])


def _value(session: Session, results) -> int:
    prices = dict(session.execute(select(Product.id, Product.cost_price)
                                  .where(Product.id.in_([r.product_id for r in results]))).all())
    return sum(abs(r.variance) * (prices.get(r.product_id) or 0) for r in results)


def _close(session: Session, task: CountTask, now: datetime) -> None:
    """Done: the shelf may get a new task, and what a short pick held for this count is free again."""
    task.open_location_id = None
    task.closed_at = now
    task.status = CountTaskStatus.DONE
    _release_holds(session, task)


def _release_holds(session: Session, task: CountTask) -> None:
    holds = list(session.scalars(select(Reservation.id).where(Reservation.document_line == count_hold(task.id),
                                                              Reservation.status == ReservationStatus.OPEN)))
    if holds:
        ledger.post(session, [ledger.Release(hold) for hold in holds], key=f"count-release:{task.id}",
                    reference=task.code)


# --- review --------------------------------------------------------------------------------------


def latest_count(session: Session, task_id: int) -> Count | None:
    return session.scalar(select(Count).where(Count.task_id == task_id, Count.submitted_at.is_not(None))
                          .order_by(Count.round.desc()).limit(1))


def approve(session: Session, task_id: int, *, user_id: int | None, reason_code: str, seen_version: int | None,
            auto: bool = False) -> CountTask:
    """Adjust the stock to the latest count (module docstring)."""
    task = _locked_task(session, task_id)
    if task.status is CountTaskStatus.DONE and task.posting_id is not None:
        return task  # approved already: once
    if task.status is not CountTaskStatus.REVIEW:
        raise CountRefused("not_in_review", task.code)
    if not auto and seen_version is not None and seen_version != task.version:
        raise CountRefused("stale", task.code)
    if reason_code not in REASON_CODES:
        raise CountRefused("reason", task.code)
    count = latest_count(session, task.id)
    lines = [line for line in session.scalars(select(CountLine).where(CountLine.count_id == count.id))
             if line.counted_qty != line.expected_qty]
    now = utcnow()
    with session.no_autoflush:
        _release_holds(session, task)
    adjustment = session.scalar(select(Location.id).where(Location.warehouse_id == task.warehouse_id,
                                                          Location.kind == LocationKind.ADJUSTMENT))
    operations = []
    for line in lines:
        variance = line.counted_qty - line.expected_qty
        source, target = (adjustment, task.location_id) if variance > 0 else (task.location_id, adjustment)
        operations.append(ledger.Move(line.product_id, abs(variance), source, target, MoveReason.COUNT_ADJUST,
                                      lot=line.lot_id, reference=task.code))
        session.add(Discrepancy(
            warehouse_id=task.warehouse_id, source=DiscrepancySource.COUNT, cause=reason_code,
            product_id=line.product_id, lot_id=line.lot_id, location_id=task.location_id,
            expected_qty=line.expected_qty, found_qty=line.counted_qty, quantity=variance, reference=task.code,
            user_id=count.counted_by_id, status=DiscrepancyStatus.RESOLVED, resolved_by_id=user_id, resolved_at=now,
        ))
    if operations:
        try:
            posted = ledger.post(session, operations, key=f"count-approve:{task.id}", user_id=user_id,
                                 reference=task.code, note=f"count approved: {reason_code}")
        except StockError:
            raise CountRefused("not_enough", task.code) from None
        task.posting_id = posted.posting_id
    task.status = CountTaskStatus.DONE
    task.reason_code = reason_code
    task.approved_by_id = user_id
    task.version += 1
    task.open_location_id = None
    task.closed_at = now
    return task


def reject(session: Session, task_id: int, *, user_id: int | None, seen_version: int | None) -> CountTask:
    """Not convincing: count it again (blind, by someone who has not counted it)."""
    task = _locked_task(session, task_id)
    if task.status is not CountTaskStatus.REVIEW:
        raise CountRefused("not_in_review", task.code)
    if seen_version is not None and seen_version != task.version:
        raise CountRefused("stale", task.code)
    task.status = CountTaskStatus.RECOUNT
    task.assigned_to_id = None
    task.version += 1
    return task


def _locked_task(session: Session, task_id: int) -> CountTask:
    stmt = select(CountTask).where(CountTask.id == task_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=CountTask)
    task = session.scalar(stmt)
    if task is None:
        raise LookupError(task_id)
    return task


# --- ABC classes ---------------------------------------------------------------------------------


def abc_classes(session: Session, product_ids: list[int] | None = None, *, days: int = 90) -> dict[int, str]:
    """A: the products making the first 80 % of units picked in the last `days`, B the next 15 %, C the rest
    (and anything not picked)."""
    since = utcnow() - timedelta(days=days)
    rows = session.execute(
        select(StockMove.product_id, func.sum(StockMove.quantity).label("units"))
        .where(StockMove.reason == MoveReason.PICK, StockMove.created_at >= since)
        .group_by(StockMove.product_id).order_by(func.sum(StockMove.quantity).desc(), StockMove.product_id)
    ).all()
    total = sum(int(r.units) for r in rows) or 1
    classes: dict[int, str] = defaultdict(lambda: "C")
    running = 0
    for row in rows:
        share = running / total
        classes[row.product_id] = "A" if share < 0.80 else "B" if share < 0.95 else "C"
        running += int(row.units)
    if product_ids is None:
        return dict(classes)
    return {pid: classes[pid] for pid in product_ids}


__all__ = ["REASON_CODES", "CountRefused", "LineResult", "Submitted", "create_tasks", "next_task", "counted_by",
           "current_count", "add_units", "mark_empty", "submit", "latest_count", "approve",
           "reject", "abc_classes"]
