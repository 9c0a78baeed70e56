"""What a pick costs the shared stock store, counted per HTTP request as a phone sends it, on
SQLite and PostgreSQL (transaction control not counted, as in test_scan_costs)."""
from __future__ import annotations

import itertools

import pytest

from app.auth.models import Role
from app.orders import service as orders
from app.orders.waves import build_wave
from app.picking import service as picking
from app.database import write_transaction
from tests import factories as f
from tests.support import csrf_token, log_in
from tests.web.test_scan_costs import counted

_ids = itertools.count(1)
# A shelf scan reads the list once. An item scan is the user, the list (the next line comes with the
# list's one read), the line and the scan record, plus the ledger's pick out of a reservation: read
# the reservation, claim the key, then shelf quant down, tote quant up, the move and the reservation
# down; no stock event, since availability does not change. On PostgreSQL, where every statement is
# a network round trip, the ledger writes those four in one statement: 7. On SQLite a statement is a
# call inside the process, and it has no data-modifying WITH: 10. The same when it finishes the line.
SHELF_BUDGET = 3
ITEM_BUDGET = {"postgresql": 7, "sqlite": 10}


@pytest.fixture
def walk(client, session):
    wh = f.warehouse(session, code="TKY")
    picker = f.user(session, Role.PICKER, login="picker", warehouses=[wh], all_warehouses=False)
    tea = f.product(session, sku="TEA", barcode="4901234567894")
    soap = f.product(session, sku="SOAP", barcode=f.ean13("490987654321"))
    f.receive(session, tea, f.location(session, wh, code="A-01-01-1", pick_sequence=1), 20)
    f.receive(session, soap, f.location(session, wh, code="A-01-02-1", pick_sequence=2), 20)
    order = orders.create_order(session, wh.id, orders.DraftOrder("own", "C-1", "山田", [
        orders.DraftLine(tea.id, 3), orders.DraftLine(soap.id, 2)]), user_id=None)
    orders.allocate_order(session, order.id, user_id=None)
    pick_list = build_wave(session, wh.id, [order.id], assigned_to_id=picker.id, user_id=None)
    with write_transaction(session):
        view = picking.load_list(session, pick_list.id, wh.id)
        picking.bind_tote(session, view, "ZT-0001")
    log_in(client, "picker")
    return {"list": pick_list, "token": csrf_token(client, f"/picking/{pick_list.id}")}


def post(client, walk, **form):
    data = {"csrf_token": walk["token"], "scan_id": f"cost-{next(_ids):08d}-x", **form}
    response = client.post(f"/picking/{walk['list'].id}/scan", data=data,
                           headers={"HX-Request": "true", "X-CSRFToken": walk["token"]})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def test_a_shelf_scan_an_item_scan_and_the_scan_that_finishes_a_line_stay_within_budget(app, client, walk, backend):
    client.get(f"/picking/{walk['list'].id}")
    line = next(iter(picking_lines(app, walk)))
    version = str(picking_version(app, walk))
    at = {"line": str(line[0]), "at": str(line[1]), "version": version}
    post(client, walk, code="A-01-01-1", stage="shelf", **at)  # the first scan starts the list
    with counted(app) as shelf:
        post(client, walk, code="A-01-01-1", stage="shelf", **at)
    with counted(app) as item:
        post(client, walk, code="4901234567894", stage="item", **at)
    with counted(app) as done:
        post(client, walk, code="4901234567894", stage="item", qty="2", **at)
    budget = ITEM_BUDGET[backend]
    assert len(shelf) <= SHELF_BUDGET, shelf
    assert len(item) <= budget, item
    assert len(done) <= budget, done


def picking_lines(app, walk):
    from app.extensions import db
    from sqlalchemy import select
    from app.orders.picklists import PickLine
    from app.stock.models import Location
    with app.app_context():
        return db.session.execute(select(PickLine.id, PickLine.location_id).join(Location)
                                  .where(PickLine.pick_list_id == walk["list"].id).order_by(PickLine.walk)).all()


def picking_version(app, walk):
    from app.extensions import db
    from app.orders.picklists import PickList
    with app.app_context():
        return db.session.get(PickList, walk["list"].id).version
