"""Count rules on both databases: blind counts against what the shelf held when each product was
counted, with moves interleaved at every step; recount by someone else; approval adjusts once."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.database import write_transaction
from app.stock import counting, ledger
from app.stock.models import (
    CountTask, CountTaskStatus, CountTolerance, Discrepancy, LocationKind, MoveReason, Quant, StockMove,
)
from app.stock.verify import verify
from app.stock.warehouses import standard_location
from tests import factories as f


@pytest.fixture
def shelf_world(session):
    wh = f.warehouse(session)
    shelf = f.location(session, wh, code="A-01-01-1", pick_sequence=1)
    tea = f.product(session, sku="TEA")
    soap = f.product(session, sku="SOAP")
    f.receive(session, tea, shelf, 10)
    f.receive(session, soap, shelf, 4)
    counter = f.user(session, login="counter1")
    other = f.user(session, login="counter2")
    customer = standard_location(session, wh.id, LocationKind.CUSTOMER)
    with write_transaction(session):
        counting.create_tasks(session, wh.id, [shelf.id], cause="manual", user_id=None)
    task = session.scalar(select(CountTask))
    return {"wh": wh, "shelf": shelf, "tea": tea, "soap": soap, "counter": counter, "other": other,
            "customer": customer, "task": task}


def pick_one(session, w, product, key):
    with write_transaction(session):
        ledger.post(session, [ledger.Move(product.id, 1, w["shelf"].id, w["customer"].id, MoveReason.PICK)], key=key)


def count(session, w, user, counts, between=None):
    """One blind count: `counts` {product: units}, `between(step)` called between every two steps."""
    between = between or (lambda step: None)
    with write_transaction(session):
        c = counting.current_count(session, session.get(CountTask, w["task"].id), user.id)
    between("started")
    for product, units in counts.items():
        for n in range(units):
            with write_transaction(session):
                counting.add_units(session, c, product.id, None, 1)
            between(f"{product.sku}-{n}")
    with write_transaction(session):
        return counting.submit(session, session.get(CountTask, w["task"].id), c)


def test_a_count_that_matches_closes_the_task(session, shelf_world):
    w = shelf_world
    submitted = count(session, w, w["counter"], {w["tea"]: 10, w["soap"]: 4})
    assert submitted.matched and submitted.status is CountTaskStatus.DONE
    assert session.get(CountTask, w["task"].id).open_location_id is None


@pytest.mark.parametrize("step", ["started", "TEA-0", "TEA-9", "SOAP-3"])
def test_a_pick_after_any_step_of_the_count_is_no_false_variance(session, shelf_world, step):
    w = shelf_world
    picked = []

    def between(at):
        if at == step:
            pick_one(session, w, w["tea"], f"pick-{at}")
            picked.append(at)

    # the counter counts what is on the shelf when they count it: a pick before they finished the tea took
    # one they had not counted yet (they keep the counted ones apart), so they find one fewer
    tea_seen = 9 if step in ("started", "TEA-0") else 10
    submitted = count(session, w, w["counter"], {w["tea"]: tea_seen, w["soap"]: 4}, between)
    assert picked == [step]
    assert submitted.matched, [(r.product_id, r.counted, r.expected) for r in submitted.lines]


def test_a_pick_between_submission_and_approval_is_not_a_difference(session, shelf_world):
    w = shelf_world
    submitted = count(session, w, w["counter"], {w["tea"]: 8, w["soap"]: 4})  # two tea missing
    assert submitted.status is CountTaskStatus.RECOUNT  # tolerance 0: someone else counts again
    pick_one(session, w, w["tea"], "pick-after-count-1")  # 9 on the shelf now
    second = count(session, w, w["other"], {w["tea"]: 7, w["soap"]: 4})  # still two missing
    assert second.status is CountTaskStatus.REVIEW
    pick_one(session, w, w["tea"], "pick-before-approval")  # 8 now, 6 really
    task = session.get(CountTask, w["task"].id)
    with write_transaction(session):
        counting.approve(session, task.id, user_id=None, reason_code="lost", seen_version=task.version)
    session.expire_all()
    tea_now = session.scalar(select(Quant.on_hand).where(Quant.product_id == w["tea"].id))
    assert tea_now == 6
    assert session.scalars(select(Discrepancy.quantity)).all() == [-2]
    assert verify(session) == []


def test_the_same_person_cannot_recount_and_approving_twice_adjusts_once(session, shelf_world):
    w = shelf_world
    count(session, w, w["counter"], {w["tea"]: 12, w["soap"]: 4})
    with pytest.raises(counting.CountRefused):
        with write_transaction(session):
            counting.current_count(session, session.get(CountTask, w["task"].id), w["counter"].id)
    count(session, w, w["other"], {w["tea"]: 12, w["soap"]: 4})
    task = session.get(CountTask, w["task"].id)
    version = task.version
    for _ in range(2):
        with write_transaction(session):
            counting.approve(session, task.id, user_id=None, reason_code="found", seen_version=version)
    session.expire_all()
    assert session.scalar(select(Quant.on_hand).where(Quant.product_id == w["tea"].id)) == 12
    assert session.scalar(select(func.count()).select_from(StockMove).where(StockMove.reason == "count_adjust")) == 1


def test_a_stale_review_is_refused_and_nothing_changes_before_approval(session, shelf_world):
    w = shelf_world
    count(session, w, w["counter"], {w["tea"]: 9, w["soap"]: 4})
    count(session, w, w["other"], {w["tea"]: 9, w["soap"]: 4})
    task = session.get(CountTask, w["task"].id)
    assert session.scalar(select(Quant.on_hand).where(Quant.product_id == w["tea"].id)) == 10
    with pytest.raises(counting.CountRefused) as refused:
        with write_transaction(session):
            counting.approve(session, task.id, user_id=None, reason_code="lost", seen_version=task.version - 1)
    assert refused.value.why == "stale"
    with write_transaction(session):
        counting.reject(session, task.id, user_id=None, seen_version=task.version)
    assert session.get(CountTask, task.id).status is CountTaskStatus.RECOUNT


def test_within_a_set_tolerance_a_variance_is_approved_by_itself(session, shelf_world):
    w = shelf_world
    with write_transaction(session):
        for abc in "ABC":
            session.add(CountTolerance(abc_class=abc, units=1, percent=10))
    submitted = count(session, w, w["counter"], {w["tea"]: 9, w["soap"]: 4})
    assert submitted.status is CountTaskStatus.DONE
    session.expire_all()
    assert session.scalar(select(Quant.on_hand).where(Quant.product_id == w["tea"].id)) == 9
    assert verify(session) == []


def test_an_empty_shelf_count_and_a_short_picks_hold_released_on_approval(session, shelf_world):
    w = shelf_world
    with write_transaction(session):
        c = counting.current_count(session, session.get(CountTask, w["task"].id), w["counter"].id)
        counting.mark_empty(session, c)
        first = counting.submit(session, session.get(CountTask, w["task"].id), c)
    assert first.status is CountTaskStatus.RECOUNT and {r.counted for r in first.lines} == {0}
    with write_transaction(session):
        c = counting.current_count(session, session.get(CountTask, w["task"].id), w["other"].id)
        counting.mark_empty(session, c)
        counting.submit(session, session.get(CountTask, w["task"].id), c)
    task = session.get(CountTask, w["task"].id)
    with write_transaction(session):
        counting.approve(session, task.id, user_id=None, reason_code="lost", seen_version=task.version)
    session.expire_all()
    assert session.scalar(select(func.sum(Quant.on_hand)).where(Quant.location_id == w["shelf"].id)) == 0
    assert verify(session) == []
