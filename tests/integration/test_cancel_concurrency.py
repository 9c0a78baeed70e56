"""An order cancelled while its picker takes the last line: either the pick or the cancel comes first,
never half of each. Real OS processes (tests.concurrency); on PostgreSQL they run in parallel, on a
SQLite file they are serialised by BEGIN IMMEDIATE and must be just as correct."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.orders.cancel import cancel_order
from app.orders.models import Order, OrderStatus
from app.orders.shipments import PutBackTask
from app.stock.verify import verify
from tests import concurrency
from tests import returns_support as rs

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("attempt", range(3))
def test_a_cancel_and_a_pick_at_once_leave_every_picked_unit_with_a_put_back(app, session, instance_dir, attempt):
    w = rs.world(session)
    placed = rs.order(session, w, (w.tea, 3))
    pick_list = rs.wave(session, w, placed)
    rs.bind_totes(session, w, pick_list)
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    outcomes = concurrency.run_workers(url, str(instance_dir), rs.cancel_or_pick, processes=1, threads=2,
                                       args=(placed.id, pick_list.id, w.wh.id, w.picker.id, w.office.id))

    results = {o.worker[-2:]: o.result for o in outcomes}
    assert results["t0"] in ("cancelled:0", "cancelled:3", "order_changed_meanwhile"), results
    assert results["t1"] in ("picked:3", "nothing_to_pick", "list_finished", "reservation_not_open"), results
    if results["t0"] == "order_changed_meanwhile":  # the pick came first: cancelling again puts it back
        assert results["t1"] == "picked:3"
        cancel_order(session, placed.id, user_id=w.office.id, reason="again")
    session.rollback()
    session.expire_all()
    assert session.get(Order, placed.id).status is OrderStatus.CANCELLED
    in_tote = rs.on_hand(session, rs.tote_of(session, placed))
    to_put_back = session.scalar(select(func.coalesce(func.sum(PutBackTask.quantity), 0)))
    assert in_tote == to_put_back and in_tote in (0, 3)
    assert rs.open_reservations(session, placed) == 0
    assert verify(session) == []


@pytest.mark.parametrize("attempt", range(3))
def test_a_cancel_and_the_pick_that_finishes_the_list_never_deadlock(app, session, instance_dir, attempt):
    w = rs.world(session)
    staying = rs.order(session, w, (w.soap, 1))  # the lower id, walked last (B-01-01-1)
    leaving = rs.order(session, w, (w.tea, 2))  # walked first (A-01-01-1), picked whole, then cancelled
    pick_list = rs.wave(session, w, staying, leaving)
    rs.pick(session, w, pick_list, lines=1)
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    outcomes = concurrency.run_workers(url, str(instance_dir), rs.cancel_or_pick, processes=1, threads=2,
                                       args=(leaving.id, pick_list.id, w.wh.id, w.picker.id, w.office.id))

    assert sorted(o.result for o in outcomes) == ["cancelled:2", "picked:1"]
    session.rollback()
    session.expire_all()
    assert session.get(Order, leaving.id).status is OrderStatus.CANCELLED
    assert session.get(Order, staying.id).status is OrderStatus.PICKED
    assert rs.on_hand(session, rs.tote_of(session, leaving) or rs.tasks_of(session, leaving)[0].from_location_id) == 2
    assert verify(session) == []
