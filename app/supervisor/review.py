"""Reviewing counts: the live queue, one task's figures, and approval or rejection.

The queue shows every count as it arrives: counts waiting for a review (largest variance value
first), counts waiting for a recount by someone else, and counts finished in the last day
(matched, approved by themselves within tolerance, or approved by a supervisor).

A review shows per product and lot what the records said (fixed when the latest count was
submitted: app.stock.counting), what each count found, the variance in units and yen, who counted
when, and the shelf's recent moves. Approval and rejection are app.stock.counting's rules, each in
one unit of work; approving a count also closes the short picks it explains (open picking
discrepancies of that shelf found before the count).
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from app.auth.models import User
from app.database import write_transaction
from app.masterdata.listing import chunks
from app.stock import counting
from app.stock.models import (
    NO_LOT, Count, CountLine, CountTask, CountTaskStatus, Discrepancy, DiscrepancySource, DiscrepancyStatus, Location,
    Lot, Product, StockMove,
)
from app.timeutil import utcnow

RECENT_HOURS = 24
RECENT_LISTED = 20
QUEUE_LISTED = 50  # of the reviews and of the recounts: a phone polls the queue every few seconds
MOVES_LISTED = 15
APPROVAL_REASONS = tuple(code for code in counting.REASON_CODES if code != "within_tolerance")


# --- the queue -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    task_id: int
    code: str
    shelf: str
    status: str
    cause: str
    value: int
    lines_off: int
    units_off: int
    rounds: int
    counted_by: str | None
    submitted_at: datetime | None
    closed_at: datetime | None
    adjusted: bool


@dataclass(frozen=True)
class Queue:
    """The first rows of each list (largest value first; the latest finished first) and how many there are."""

    review: list[QueueRow]
    recount: list[QueueRow]
    recent: list[QueueRow]
    review_total: int
    recount_total: int
    signature: str  # changes whenever a count arrives or a review ends: the page polls with it


def _signature(rows: list[QueueRow]) -> str:
    seen = ",".join(f"{r.task_id}.{r.rounds}.{r.status}" for r in sorted(rows, key=lambda r: r.task_id))
    return hashlib.sha1(seen.encode()).hexdigest()[:16]


def review_queue(session: Session, warehouse_id: int, *, now: datetime | None = None) -> Queue:
    since = (now or utcnow()) - timedelta(hours=RECENT_HOURS)
    tasks = session.execute(
        select(CountTask.id, Location.code, CountTask.status, CountTask.cause, CountTask.variance_value,
               CountTask.closed_at, CountTask.posting_id)
        .join(Location, Location.id == CountTask.location_id)
        .where(CountTask.warehouse_id == warehouse_id,
               or_(CountTask.status.in_([CountTaskStatus.REVIEW, CountTaskStatus.RECOUNT]),
                   and_(CountTask.status == CountTaskStatus.DONE, CountTask.closed_at >= since)))
    ).all()
    latest = _latest_counts(session, [t.id for t in tasks])
    off = _lines_off(session, [c.count_id for c in latest.values()])
    rows = []
    for t in tasks:
        count = latest.get(t.id)
        if count is None:
            continue  # a recount without a count cannot happen; a task closed without counting (none yet) is not news
        lines, units = off.get(count.count_id, (0, 0))
        rows.append(QueueRow(t.id, f"ZC-{t.id:06d}", t.code, str(t.status), t.cause, t.variance_value or 0, lines, units,
                             count.round, count.counted_by, count.submitted_at, t.closed_at, t.posting_id is not None))
    by_value = lambda r: (-r.value, -r.units_off, r.submitted_at or since, r.task_id)  # noqa: E731
    reviews = sorted((r for r in rows if r.status == "review"), key=by_value)
    recounts = sorted((r for r in rows if r.status == "recount"), key=by_value)
    recent = sorted((r for r in rows if r.status == "done"), key=lambda r: r.closed_at or since, reverse=True)
    return Queue(reviews[:QUEUE_LISTED], recounts[:QUEUE_LISTED], recent[:RECENT_LISTED], len(reviews), len(recounts),
                 _signature(rows))


@dataclass(frozen=True)
class _Latest:
    count_id: int
    round: int
    counted_by: str | None
    submitted_at: datetime


def _latest_counts(session: Session, task_ids: list[int]) -> dict[int, _Latest]:
    latest: dict[int, _Latest] = {}
    for part in chunks(task_ids):
        for count_id, task_id, round_, name, submitted in session.execute(
            select(Count.id, Count.task_id, Count.round, User.name, Count.submitted_at)
            .outerjoin(User, User.id == Count.counted_by_id)
            .where(Count.task_id.in_(part), Count.submitted_at.is_not(None))
        ):
            if task_id not in latest or round_ > latest[task_id].round:
                latest[task_id] = _Latest(count_id, round_, name, submitted)
    return latest


def _lines_off(session: Session, count_ids: list[int]) -> dict[int, tuple[int, int]]:
    off: dict[int, tuple[int, int]] = {}
    for part in chunks(count_ids):
        off.update((count_id, (int(lines), int(units or 0))) for count_id, lines, units in session.execute(
            select(CountLine.count_id, func.count(), func.sum(func.abs(CountLine.counted_qty - CountLine.expected_qty)))
            .where(CountLine.count_id.in_(part), CountLine.counted_qty != CountLine.expected_qty)
            .group_by(CountLine.count_id)))
    return off


# --- one task ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Round:
    number: int
    counted_by: str | None
    started_at: datetime
    submitted_at: datetime | None
    empty: bool


@dataclass(frozen=True)
class ReviewLine:
    product_id: int
    sku: str
    name: str
    lot: str | None
    expiry: date | None
    cost_price: int | None
    expected: int | None  # as the latest count fixed it; None: not on the latest count
    counted: tuple[int | None, ...]  # per round; None: not on that count
    counted_at: datetime | None  # the latest count's last scan of it

    @property
    def latest(self) -> int | None:
        return self.counted[-1] if self.counted else None

    @property
    def variance(self) -> int:
        if self.expected is None or self.latest is None:
            return 0
        return self.latest - self.expected

    @property
    def value(self) -> int | None:
        return None if self.cost_price is None else self.variance * self.cost_price


@dataclass(frozen=True)
class ShelfMove:
    at: datetime
    sku: str
    lot: str | None
    quantity: int  # + onto the shelf, − off it
    reason: str
    other_place: str
    user: str | None
    reference: str | None


@dataclass(frozen=True)
class ReviewView:
    task: CountTask
    shelf: str
    zone: str | None
    product_sku: str | None
    rounds: tuple[Round, ...]
    running: Round | None
    lines: tuple[ReviewLine, ...]
    moves: tuple[ShelfMove, ...]
    people: dict = field(default_factory=dict)  # assigned_to, created_by, approved_by → name

    @property
    def waiting(self) -> bool:
        return self.task.status is CountTaskStatus.REVIEW

    @property
    def total_value(self) -> int:
        return sum(abs(line.value or 0) for line in self.lines)

    @property
    def units_off(self) -> int:
        return sum(abs(line.variance) for line in self.lines)

    @property
    def priced(self) -> bool:
        return all(line.cost_price is not None for line in self.lines if line.variance)

    @property
    def round_numbers(self) -> tuple[int, ...]:
        return tuple(r.number for r in self.rounds)


def review_view(session: Session, warehouse_id: int, task_id: int) -> ReviewView | None:
    task = session.scalar(select(CountTask).where(CountTask.id == task_id, CountTask.warehouse_id == warehouse_id)
                          .execution_options(populate_existing=True))
    if task is None:
        return None
    counts = session.execute(
        select(Count, User.name).outerjoin(User, User.id == Count.counted_by_id)
        .where(Count.task_id == task.id).order_by(Count.round)
    ).all()
    rounds = tuple(Round(c.round, name, c.started_at, c.submitted_at, c.empty) for c, name in counts
                   if c.submitted_at is not None)
    running = next((Round(c.round, name, c.started_at, None, c.empty) for c, name in counts if c.submitted_at is None),
                   None)
    submitted = [c for c, _ in counts if c.submitted_at is not None]
    product_sku = session.scalar(select(Product.sku).where(Product.id == task.product_id)) if task.product_id else None
    return ReviewView(task, task.location.code, task.location.zone, product_sku, rounds, running,
                      _review_lines(session, submitted), shelf_moves(session, task.location_id),
                      _people(session, task))


def _review_lines(session: Session, counts: list[Count]) -> tuple[ReviewLine, ...]:
    if not counts:
        return ()
    position = {c.id: i for i, c in enumerate(counts)}
    latest_id = counts[-1].id
    found: dict[tuple[int, int], dict] = defaultdict(lambda: {"counted": [None] * len(counts)})
    rows = session.execute(
        select(CountLine, Product.sku, Product.name, Product.cost_price, Lot.number, Lot.expiry)
        .join(Product, Product.id == CountLine.product_id).outerjoin(Lot, Lot.id == CountLine.lot_id)
        .where(CountLine.count_id.in_(list(position)))
    ).all()
    for line, sku, name, cost, lot, expiry in rows:
        entry = found[(line.product_id, line.lot_key or NO_LOT)]
        entry.update(product_id=line.product_id, sku=sku, name=name, cost=cost, lot=lot, expiry=expiry)
        entry["counted"][position[line.count_id]] = line.counted_qty
        if line.count_id == latest_id:
            entry["expected"], entry["counted_at"] = line.expected_qty, line.counted_at
    lines = [ReviewLine(e["product_id"], e["sku"], e["name"], e["lot"], e["expiry"], e["cost"], e.get("expected"),
                        tuple(e["counted"]), e.get("counted_at")) for e in found.values()]
    return tuple(sorted(lines, key=lambda l: (-abs(l.value or 0), -abs(l.variance), l.sku, l.lot or "")))


def shelf_moves(session: Session, location_id: int, limit: int = MOVES_LISTED) -> tuple[ShelfMove, ...]:
    """The shelf's latest moves, in and out, newest first."""
    columns = (StockMove.id, StockMove.created_at, StockMove.quantity, StockMove.from_location_id,
               StockMove.to_location_id, StockMove.reason, StockMove.reference, Product.sku, Lot.number, User.login)
    rows = []
    for side in (StockMove.from_location_id, StockMove.to_location_id):
        rows += session.execute(
            select(*columns).join(Product, Product.id == StockMove.product_id)
            .outerjoin(Lot, Lot.id == StockMove.lot_id).outerjoin(User, User.id == StockMove.user_id)
            .where(side == location_id).order_by(StockMove.id.desc()).limit(limit)
        ).all()
    rows = sorted(rows, key=lambda r: r.id, reverse=True)[:limit]
    others = {r.from_location_id if r.to_location_id == location_id else r.to_location_id for r in rows}
    codes = dict(session.execute(select(Location.id, Location.code).where(Location.id.in_(others))).all()) if others else {}
    return tuple(
        ShelfMove(r.created_at, r.sku, r.number, r.quantity if r.to_location_id == location_id else -r.quantity,
                  str(r.reason), codes.get(r.from_location_id if r.to_location_id == location_id else r.to_location_id, ""),
                  r.login, r.reference)
        for r in rows)


def _people(session: Session, task: CountTask) -> dict:
    ids = {"assigned_to": task.assigned_to_id, "created_by": task.created_by_id, "approved_by": task.approved_by_id}
    wanted = {i for i in ids.values() if i}
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all()) if wanted else {}
    return {key: names.get(user_id) for key, user_id in ids.items()}


# --- approval and rejection ----------------------------------------------------------------------


@dataclass(frozen=True)
class Approved:
    code: str
    already: bool
    units: int
    resolved: int


def approve(session: Session, warehouse_id: int, task_id: int, *, user_id: int, reason_code: str,
            seen_version: int | None) -> Approved:
    """Approve the latest count (CountRefused: stale, not waiting, no reason, the shelf holds less now)."""
    with write_transaction(session):
        task = _task_in(session, warehouse_id, task_id, lock=True)
        already = task.status is CountTaskStatus.DONE and task.posting_id is not None
        task = counting.approve(session, task.id, user_id=user_id, reason_code=reason_code, seen_version=seen_version)
        units = 0 if already else _units_adjusted(session, task.id)
        resolved = 0 if already else _resolve_explained(session, task, user_id)
        return Approved(task.code, already, units, resolved)


def reject(session: Session, warehouse_id: int, task_id: int, *, user_id: int, seen_version: int | None) -> str:
    """Send the count back for another blind count by someone who has not counted it."""
    with write_transaction(session):
        task = _task_in(session, warehouse_id, task_id, lock=True)
        return counting.reject(session, task.id, user_id=user_id, seen_version=seen_version).code


def _task_in(session: Session, warehouse_id: int, task_id: int, *, lock: bool) -> CountTask:
    stmt = select(CountTask).where(CountTask.id == task_id, CountTask.warehouse_id == warehouse_id) \
        .execution_options(populate_existing=True)
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=CountTask)
    task = session.scalar(stmt)
    if task is None:
        raise LookupError(task_id)
    return task


def _units_adjusted(session: Session, task_id: int) -> int:
    count = counting.latest_count(session, task_id)
    return int(session.scalar(
        select(func.coalesce(func.sum(func.abs(CountLine.counted_qty - CountLine.expected_qty)), 0))
        .where(CountLine.count_id == count.id)) or 0) if count else 0


def _resolve_explained(session: Session, task: CountTask, user_id: int) -> int:
    """Open short picks of this shelf (of the task's product, when it names one) found before the count are
    explained by it: resolved by the approver."""
    count = counting.latest_count(session, task.id)
    if count is None:
        return 0
    explained = [Discrepancy.warehouse_id == task.warehouse_id, Discrepancy.location_id == task.location_id,
                 Discrepancy.source == DiscrepancySource.PICKING, Discrepancy.resolved_at.is_(None),
                 Discrepancy.created_at <= count.submitted_at]
    if task.product_id is not None:
        explained.append(Discrepancy.product_id == task.product_id)
    return session.execute(update(Discrepancy).where(*explained).values(
        status=DiscrepancyStatus.RESOLVED, resolved_by_id=user_id, resolved_at=utcnow(),
        note=func.coalesce(Discrepancy.note, f"counted in {task.code}"))
        .execution_options(synchronize_session=False)).rowcount or 0


__all__ = ["APPROVAL_REASONS", "QueueRow", "Queue", "review_queue", "Round", "ReviewLine", "ShelfMove", "ReviewView",
           "review_view", "shelf_moves", "Approved", "approve", "reject"]
