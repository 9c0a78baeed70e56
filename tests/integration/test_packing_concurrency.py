"""Two packers scan the same order at the same moment: one packs it, the other is told who does."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.orders.shipments import PackedUnit
from app.stock.models import LocationKind
from app.stock.verify import verify
from app.stock.warehouses import warehouse_ref
from tests import concurrency, factories as f
from tests.packing_support import picked_order
from tests.picking_jobs import claim_and_pack_one

pytestmark = pytest.mark.slow


def test_two_packers_on_one_order_at_once_one_wins_the_other_sees_why(app, session, instance_dir):
    wh = f.warehouse(session)
    tea = f.product(session, sku="TEA")
    f.receive(session, tea, f.location(session, wh, code="A-01-01-1", pick_sequence=1), 10)
    order = picked_order(session, wh, [(tea, 4, None)], external_id="P-1", tote="ZT-0001")
    users = [f.user(session, Role.PICKER, login=f"packer{n}").id for n in range(2)]
    station = warehouse_ref(session, wh.id).place(LocationKind.PACKING)
    outcomes = concurrency.run_workers(app.config["SQLALCHEMY_DATABASE_URI"], str(instance_dir), claim_and_pack_one,
                                       processes=2, threads=1, args=(order.id, wh.id, users, station))
    session.rollback()
    results = [o.result for o in outcomes]
    assert results.count("packed_by_another") == 1 and sum(r.startswith("packed-by:") for r in results) == 1, results
    assert session.scalar(select(func.sum(PackedUnit.quantity))) == 1
    assert verify(session) == []
