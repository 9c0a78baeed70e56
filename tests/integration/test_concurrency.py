"""Concurrent writers against one database: no lost update, nothing negative, nothing doubled.

Real OS processes with threads in each; on PostgreSQL they run in parallel, on a SQLite
file they are serialised by BEGIN IMMEDIATE but must be just as correct.
"""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from app.stock.models import LocationKind, Lot, Posting, Quant, StockMove, Tracking
from app.stock.verify import verify
from app.stock.warehouses import standard_location
from tests import concurrency, factories as f

pytestmark = pytest.mark.slow


@pytest.fixture
def world(session):
    wh = f.warehouse(session)
    shelf = f.location(session, wh)
    return {
        "wh": wh,
        "shelf": shelf,
        "customer": standard_location(session, wh.id, LocationKind.CUSTOMER),
        "supplier": standard_location(session, wh.id, LocationKind.SUPPLIER),
    }


def run(app, session, instance_dir, job, processes, threads, *args):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    outcomes = concurrency.run_workers(url, str(instance_dir), job, processes=processes, threads=threads, args=args)
    session.rollback()  # read what the workers committed, not an older snapshot
    return outcomes


def test_twenty_workers_taking_one_of_ten_units_leave_exactly_zero(app, session, instance_dir, world):
    prod = f.product(session)
    f.receive(session, prod, world["shelf"], 10)
    outcomes = run(app, session, instance_dir, concurrency.take_one, 4, 5, prod.id, world["shelf"].id, world["customer"].id)
    assert Counter(o.result for o in outcomes) == {"ok": 10, "not_enough_stock": 10}
    assert session.scalar(select(Quant.on_hand).where(Quant.product_id == prod.id)) == 0
    assert session.scalar(select(func.sum(StockMove.quantity)).where(StockMove.to_location_id == world["customer"].id)) == 10
    assert verify(session) == []


def test_two_workers_reserving_overlapping_stock_cannot_both_get_it(app, session, instance_dir, world):
    prod = f.product(session)
    f.receive(session, prod, world["shelf"], 10)
    outcomes = run(app, session, instance_dir, concurrency.reserve, 2, 1, prod.id, world["shelf"].id, 7)
    assert sorted(o.result for o in outcomes) == ["not_enough_stock", "ok"]
    q = session.execute(select(Quant).where(Quant.product_id == prod.id)).scalar_one()
    assert (q.on_hand, q.reserved) == (10, 7)
    assert verify(session) == []


def test_workers_receiving_the_first_units_of_a_new_lot_make_one_lot_and_one_quant(app, session, instance_dir, world):
    prod = f.product(session, tracking=Tracking.LOT)
    outcomes = run(app, session, instance_dir, concurrency.receive_new_lot, 2, 4,
                   prod.id, world["supplier"].id, world["shelf"].id, "NEW-LOT-1")
    assert all(o.result == "ok" for o in outcomes), outcomes
    lots = session.scalars(select(Lot).where(Lot.product_id == prod.id)).all()
    quants = session.scalars(select(Quant).where(Quant.product_id == prod.id)).all()
    assert len(lots) == 1
    assert [(q.on_hand, q.lot_id) for q in quants] == [(8, lots[0].id)]
    assert verify(session) == []


def test_a_burst_of_replays_of_one_key_posts_one_move(app, session, instance_dir, world):
    prod = f.product(session)
    outcomes = run(app, session, instance_dir, concurrency.replay_same_key, 2, 5,
                   prod.id, world["supplier"].id, world["shelf"].id, "scan-burst-1")
    assert all(o.result == "ok" for o in outcomes)
    assert len({o.posting_id for o in outcomes}) == 1
    assert sum(not o.replayed for o in outcomes) == 1
    assert session.scalar(select(func.count()).select_from(StockMove)) == 1
    assert session.scalar(select(func.count()).select_from(Posting)) == 1
    assert session.scalar(select(Quant.on_hand).where(Quant.product_id == prod.id)) == 3
