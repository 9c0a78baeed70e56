"""Two pickers find the same shelf short at the same moment: nothing of it is lost.

Real OS processes (tests.concurrency); on PostgreSQL they run in parallel, on a SQLite file
they are serialised by BEGIN IMMEDIATE and must be just as correct.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.database import write_transaction
from app.orders import service as orders
from app.orders.picklists import PickLine
from app.orders.waves import build_wave
from app.picking import service as picking
from app.stock.models import CountTask, Discrepancy, Quant
from app.stock.verify import verify
from tests import concurrency, factories as f
from tests.picking_jobs import short_one_of_the_lists

pytestmark = pytest.mark.slow


def test_two_pickers_short_picking_one_shelf_at_once_share_one_count_and_both_get_other_stock(app, session, instance_dir):
    wh = f.warehouse(session)
    near = f.location(session, wh, code="A-01-01-1", pick_sequence=1)
    far = f.location(session, wh, code="B-01-01-1", pick_sequence=2)
    tea = f.product(session, sku="TEA")
    f.receive(session, tea, near, 4)
    f.receive(session, tea, far, 10)
    lists, users = [], []
    for n in range(2):
        picker = f.user(session, Role.PICKER, login=f"p{n}")
        order = orders.create_order(session, wh.id, orders.DraftOrder("own", f"O-{n}", "客", [
            orders.DraftLine(tea.id, 2)]), user_id=None)
        orders.allocate_order(session, order.id, user_id=None)
        pick_list = build_wave(session, wh.id, [order.id], assigned_to_id=picker.id, user_id=None)
        with write_transaction(session):
            picking.bind_tote(session, picking.load_list(session, pick_list.id, wh.id), f"ZT-000{n + 1}")
        lists.append(pick_list.id)
        users.append(picker.id)

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    outcomes = concurrency.run_workers(url, str(instance_dir), short_one_of_the_lists, processes=2, threads=1,
                                       args=(lists, users, wh.id))
    session.rollback()
    session.expire_all()
    assert sorted(o.result for o in outcomes) == ["short:2:2", "short:2:2"]
    assert session.scalar(select(func.count()).select_from(CountTask)) == 1
    assert session.scalar(select(func.count()).select_from(Discrepancy)) == 2
    held = session.scalar(select(Quant.reserved).where(Quant.location_id == near.id))
    reserved_far = session.scalar(select(Quant.reserved).where(Quant.location_id == far.id))
    assert (held, reserved_far) == (4, 4)
    assert session.scalar(select(func.count()).select_from(PickLine).where(PickLine.location_id == far.id)) == 2
    assert verify(session) == []


