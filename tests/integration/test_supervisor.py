"""The supervisor's services on SQLite and PostgreSQL: the ABC schedule (and its CLI), approval of a
count after a short pick (the hold released, the short pick resolved, adjusted once), the review queue,
KPIs from real picks and counts, reorder suggestions from demand. `stock verify` is clean after each."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.database import write_transaction
from app.stock import counting, ledger
from app.stock.models import (
    CountTask, CountTaskStatus, Discrepancy, DiscrepancySource, MoveReason, Product, Quant, Reservation,
    ReservationStatus, StockMove,
)
from app.stock.verify import verify
from app.supervisor import alerts, kpis, review, schedule
from app.supervisor.settings import ReorderSettings
from app.timeutil import utcnow
from tests import factories as f
from tests import supervisor_support as sv

INTERVALS = {"A": 30, "B": 90, "C": 180}


@pytest.fixture
def w(session):
    return sv.world(session)


def counted_days_ago(session, w, location, days: int) -> int:
    """A matching count of the shelf, finished `days` ago."""
    task = sv.make_task(session, w, location)
    units = {product: on_hand(session, location, product) for product in (w.tea, w.soap)}
    assert sv.count(session, task, w.counter, units).matched
    with write_transaction(session):
        session.execute(update(CountTask).where(CountTask.id == task)
                        .values(closed_at=utcnow() - timedelta(days=days)))
    return task


def on_hand(session, location, product) -> int:
    return session.scalar(select(func.coalesce(func.sum(Quant.on_hand), 0)).where(
        Quant.location_id == location.id, Quant.product_id == product.id))


def test_a_shelf_is_due_by_the_best_class_it_holds_and_never_gets_two_open_tasks(session, w):
    for n in range(5):  # TEA is picked, SOAP never: TEA is class A, SOAP class C
        sv.pick_one(session, w, w.tea, f"velocity-{n}")
    counted_days_ago(session, w, w.shelf, 40)  # holds TEA (A, every 30 days): due
    counted_days_ago(session, w, w.other_shelf, 40)  # holds only SOAP (C, every 180 days): not due
    shelves = {s.code: s for s in schedule.stocked_shelves(session, w.wh.id)}
    assert (shelves["A-01-01-1"].abc, shelves["A-01-02-1"].abc) == ("A", "C")
    assert [s.code for s in schedule.overdue(list(shelves.values()), INTERVALS)] == ["A-01-01-1"]

    first = schedule.run_schedule(session, w.wh.id, INTERVALS, user_id=w.supervisor.id)
    assert (first.made, first.due, first.by_class["A"]) == (1, 1, 1)
    again = schedule.run_schedule(session, w.wh.id, INTERVALS, user_id=w.supervisor.id)
    assert (again.made, again.already_open) == (0, 1)
    open_tasks = session.scalars(select(CountTask).where(CountTask.status == CountTaskStatus.OPEN)).all()
    assert [(t.location_id, t.cause) for t in open_tasks] == [(w.shelf.id, "schedule")]
    assert verify(session) == []


def test_the_shelf_classes_in_sql_follow_the_count_rules_abc_classes(session, w):
    rng = random.Random(11)
    shelves = [w.shelf, w.other_shelf] + [f.location(session, w.wh, pick_sequence=10 + n) for n in range(6)]
    products = [w.tea, w.soap] + [f.product(session) for _ in range(10)]
    for product in products:
        for shelf in rng.sample(shelves, rng.randint(1, 3)):
            f.receive(session, product, shelf, 40)
    with write_transaction(session):
        held = session.execute(select(Quant.product_id, Quant.location_id).where(Quant.on_hand > 0)).all()
        moves = [ledger.Move(pid, rng.randint(1, 9), loc, w.customer_id, MoveReason.PICK)
                 for pid, loc in rng.sample(held, 14)]
        ledger.post(session, moves, key="picks-for-classes")
    classes = counting.abc_classes(session)
    expected: dict[int, str] = {}
    for pid, loc in session.execute(select(Quant.product_id, Quant.location_id).where(Quant.on_hand > 0)):
        expected[loc] = min(expected.get(loc, "C"), classes.get(pid, "C"))
    assert {s.location_id: s.abc for s in schedule.stocked_shelves(session, w.wh.id)} == expected
    assert {"A", "B"} <= set(classes.values()) and set(expected.values()) != {"A"}


def test_never_counted_shelves_come_first_and_the_limit_takes_the_most_overdue(session, w):
    extra = f.location(session, w.wh, code="B-01-01-1", zone="B", pick_sequence=9)
    f.receive(session, w.soap, extra, 2)
    counted_days_ago(session, w, w.shelf, 400)
    counted_days_ago(session, w, w.other_shelf, 200)
    due = schedule.overdue(schedule.stocked_shelves(session, w.wh.id), INTERVALS)
    assert [s.code for s in due] == ["B-01-01-1", "A-01-01-1", "A-01-02-1"]
    made = schedule.run_schedule(session, w.wh.id, INTERVALS, user_id=None, limit=2)
    assert made.made == 2
    assert set(session.scalars(select(CountTask.location_id).where(CountTask.status == CountTaskStatus.OPEN))) == {
        extra.id, w.shelf.id}


def test_the_schedule_command_makes_the_tasks_of_every_warehouse(app, session, w):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["counts", "schedule"])
    assert result.exit_code == 0, result.output
    assert "TKY: 2 shelves due, 2 count tasks made (A 0, B 0, C 2), 0 already open" in result.output
    again = runner.invoke(args=["counts", "schedule", "--warehouse", "TKY"])
    assert "0 count tasks made" in again.output and "2 already open" in again.output


def test_approving_a_count_after_a_short_pick_releases_the_hold_resolves_the_short_pick_and_adjusts_once(session, w):
    shorted = sv.short_picked(session, w, w.tea, 3, "R-SHORT-1")
    task_id = shorted.count_task_id
    assert session.get(CountTask, task_id).cause == "short_pick"
    assert sv.count(session, task_id, w.recounter, {w.tea: 7, w.soap: 4}).status is CountTaskStatus.RECOUNT
    third = f.user(session, login="counter3")
    assert sv.count(session, task_id, third, {w.tea: 7, w.soap: 4}).status is CountTaskStatus.REVIEW
    version = session.get(CountTask, task_id).version
    before = session.scalar(select(Quant.on_hand).where(Quant.product_id == w.tea.id, Quant.location_id == w.shelf.id))
    assert before == 10  # nothing changes in stock before approval

    with pytest.raises(counting.CountRefused) as stale:
        review.approve(session, w.wh.id, task_id, user_id=w.supervisor.id, reason_code="lost",
                       seen_version=version - 1)
    assert stale.value.why == "stale"
    done = review.approve(session, w.wh.id, task_id, user_id=w.supervisor.id, reason_code="lost",
                          seen_version=version)
    assert (done.already, done.units, done.resolved) == (False, 3, 1)
    twice = review.approve(session, w.wh.id, task_id, user_id=w.supervisor.id, reason_code="lost",
                           seen_version=version)
    assert twice.already

    session.expire_all()
    assert session.scalar(select(Quant.on_hand).where(Quant.product_id == w.tea.id,
                                                      Quant.location_id == w.shelf.id)) == 7
    assert session.scalar(select(func.count()).select_from(StockMove).where(StockMove.reason == "count_adjust")) == 1
    assert session.scalar(select(func.count()).select_from(Reservation).where(
        Reservation.document_line == f"count-task:{task_id}", Reservation.status == ReservationStatus.OPEN)) == 0
    short = session.scalar(select(Discrepancy).where(Discrepancy.source == DiscrepancySource.PICKING))
    assert short.resolved_by_id == w.supervisor.id and short.note == f"counted in ZC-{task_id:06d}"
    adjusted = session.scalar(select(Discrepancy).where(Discrepancy.source == DiscrepancySource.COUNT))
    assert (adjusted.cause, adjusted.expected_qty, adjusted.found_qty, adjusted.resolved_by_id) == (
        "lost", 10, 7, w.supervisor.id)
    assert verify(session) == []


def test_a_review_of_another_warehouse_is_not_found(session, w):
    task = sv.to_review(session, w)
    other = f.warehouse(session, code="OSK")
    with pytest.raises(LookupError):
        review.approve(session, other.id, task, user_id=w.supervisor.id, reason_code="lost", seen_version=None)
    assert review.review_view(session, other.id, task) is None


def test_the_queue_has_reviews_by_value_recounts_and_what_finished_today(session, w):
    cheap = sv.to_review(session, w, tea_found=9)
    dear = sv.make_task(session, w, w.other_shelf)
    sv.count(session, dear, w.counter, {w.soap: 3})
    sv.count(session, dear, w.recounter, {w.soap: 3})
    recount = sv.make_task(session, w, f.location(session, w.wh, code="A-01-03-1", pick_sequence=3))
    sv.count(session, recount, w.counter, {w.tea: 1})
    queue = review.review_queue(session, w.wh.id)
    assert [(r.task_id, r.value, r.lines_off, r.units_off, r.rounds) for r in queue.review] == [
        (dear, 900, 1, 3, 2), (cheap, 120, 1, 1, 2)]
    assert [(r.task_id, r.value) for r in queue.recount] == [(recount, 120)]
    with write_transaction(session):
        counting.approve(session, dear, user_id=w.supervisor.id, reason_code="damaged",
                         seen_version=session.get(CountTask, dear).version)
    queue = review.review_queue(session, w.wh.id)
    assert [r.task_id for r in queue.review] == [cheap] and [(r.task_id, r.adjusted) for r in queue.recent] == [
        (dear, True)]


def test_kpis_from_counts_picks_and_discrepancies(session, w):
    sv.picked(session, w, w.soap, 1, "R-OK-1")
    sv.short_picked(session, w, w.tea, 2, "R-SHORT-2")  # the shelf's task (short pick) is counted below
    task = session.scalar(select(CountTask.id).where(CountTask.location_id == w.shelf.id))
    soap_here, soap_there = on_hand(session, w.shelf, w.soap), on_hand(session, w.other_shelf, w.soap)
    assert soap_here + soap_there == 9
    sv.count(session, task, w.recounter, {w.tea: 8, w.soap: soap_here})
    sv.count(session, task, f.user(session, login="counter3"), {w.tea: 8, w.soap: soap_here})
    review.approve(session, w.wh.id, task, user_id=w.supervisor.id, reason_code="lost",
                   seen_version=session.get(CountTask, task).version)
    matched = sv.make_task(session, w, w.other_shelf)
    sv.count(session, matched, w.counter, {w.soap: soap_there})
    figures = kpis.kpis(session, w.wh.id, INTERVALS)
    assert (figures.accuracy[-1].of, figures.accuracy[-1].hits) == (2, 1)
    assert (figures.short_picks[-1].of, figures.short_picks[-1].hits) == (2, 1)
    assert figures.variance_value["count"][-1] == 2 * 120 and figures.variance_value["picking"][-1] == 2 * 120
    assert figures.coverage.share() == 1.0 and figures.coverage.shelves["C"] == 0
    assert figures.open_total == 0  # the count resolved the short pick
    assert len(figures.weeks) == kpis.WEEKS and figures.weeks[-1].weekday() == 0
    assert verify(session) == []


def test_reorder_suggestions_from_recent_demand_lead_time_and_safety_stock(session, w):
    with write_transaction(session):
        tea = session.get(Product, w.tea.id)
        tea.reorder_point, tea.safety_stock, tea.lead_time_days = 5, 2, 7
    for n in range(4):  # 4 picked in the window: 4 / 28 a day
        sv.pick_one(session, w, w.tea, f"demand-{n}")
    settings = ReorderSettings(demand_days=28, cover_days=28, default_lead_time=7)
    assert alerts.reorder_alerts(session, w.wh.id, settings) == []  # 6 available, point max(5, ⌈1⌉ + 2)
    sv.pick_one(session, w, w.tea, "demand-4")
    [alert] = alerts.reorder_alerts(session, w.wh.id, settings)
    assert (alert.sku, alert.available, alert.lead_time_set) == ("TEA-500", 5, True)
    assert alert.computed_point == 2 + 2  # ⌈5/28 × 7⌉ + safety
    assert alert.suggested == 5 + 5 - 5  # up to max(4, 5) + ⌈5/28 × 28⌉, less the 5 available
    assert verify(session) == []
