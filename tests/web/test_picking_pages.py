"""Picking over HTTP on both databases: totes, shelf then item, refusals that write nothing,
a lot swap, a short pick that re-allocates, a replayed scan that picks once."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.orders import service as orders
from app.orders.models import Order, OrderStatus
from app.orders.picklists import PickLine
from app.orders.waves import build_wave
from app.stock.ledger import LotSpec
from app.stock.models import CountTask, Lot, ProductBarcode, Discrepancy, Quant, StockMove, Tracking
from app.stock.verify import verify
from app.timeutil import local_today
from tests import factories as f
from tests.support import csrf_token, log_in, text_of

_ids = itertools.count(1)


@pytest.fixture
def world(client, session):
    today = local_today()
    wh = f.warehouse(session, code="TKY")
    picker = f.user(session, Role.PICKER, login="picker", warehouses=[wh], all_warehouses=False)
    tea_shelf = f.location(session, wh, code="A-01-01-1", pick_sequence=10)
    milk_shelf = f.location(session, wh, code="A-01-02-1", pick_sequence=20)
    spare = f.location(session, wh, code="B-01-01-1", pick_sequence=30)
    tea = f.product(session, sku="TEA", name="緑茶", barcode="4901234567894", case_gtin="14901234567891", pack_qty=24)
    milk = f.product(session, sku="MILK", name="牛乳", barcode="4912345678904", tracking=Tracking.LOT_EXPIRY)
    f.receive(session, tea, tea_shelf, 10)
    f.receive(session, tea, spare, 5)
    f.receive(session, milk, milk_shelf, 3, LotSpec("L-NEAR", today + timedelta(days=30)))
    f.receive(session, milk, milk_shelf, 5, LotSpec("L-FAR", today + timedelta(days=90)))
    o1 = orders.create_order(session, wh.id, orders.DraftOrder("rakuten", "R-1", "山田", [
        orders.DraftLine(tea.id, 2), orders.DraftLine(milk.id, 2)]), user_id=None)
    o2 = orders.create_order(session, wh.id, orders.DraftOrder("amazon", "A-1", "佐藤", [
        orders.DraftLine(tea.id, 1)]), user_id=None)
    for order in (o1, o2):
        orders.allocate_order(session, order.id, user_id=None)
    wave = build_wave(session, wh.id, [o1.id, o2.id], assigned_to_id=picker.id, user_id=None)
    # arrived after the allocation: as good as the reserved lot by FEFO, so a picker may take it instead
    f.receive(session, milk, milk_shelf, 4, LotSpec("L-SAME", today + timedelta(days=30)))
    log_in(client, "picker")
    return {"wave": wave, "token": csrf_token(client, f"/picking/{wave.id}"), "o1": o1, "o2": o2, "tea": tea,
            "milk": milk, "tea_shelf": tea_shelf, "spare": spare, "wh": wh}


def scan(client, world, code="", scan_id=None, **form):
    """Post a scan with the hidden fields of the step the person sees (the last answer's, as the page would)."""
    if "step" not in world:
        world["step"] = client.get(f"/picking/{world['wave'].id}").get_data(as_text=True)
    carried = dict(_hidden(world["step"]))
    data = {**carried, "csrf_token": world["token"], "scan_id": scan_id or f"scan-{next(_ids):08d}-x", "code": code,
            **form}
    response = client.post(f"/picking/{world['wave'].id}/scan", data=data,
                           headers={"HX-Request": "true", "X-CSRFToken": world["token"]})
    html = response.get_data(as_text=True)
    if '<form class="scan"' in html:
        world["step"] = html
    return response


def _hidden(page: str):
    import re
    form = page[page.index('<form class="scan"'):]
    form = form[:form.index("</form>")]
    for name, value in re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form):
        if name not in ("csrf_token", "scan_id", "code"):
            yield name, value


def moves(session) -> int:
    session.rollback()
    session.expire_all()  # the test's own objects are not expired by a commit
    return session.scalar(select(func.count()).select_from(StockMove))


def bind_totes(client, world):
    assert scan(client, world, "ZT-0001").status_code == 200
    html = scan(client, world, "ZT-0002").get_data(as_text=True)
    assert 'data-stage="shelf"' in html
    return html


def test_the_list_asks_for_totes_then_walks_shelves_in_order(client, world, session):
    page = client.get(f"/picking/{world['wave'].id}").get_data(as_text=True)
    assert "ZO-RKT-R-1" in text_of(page, "prompt") or "1" in text_of(page, "prompt")
    html = bind_totes(client, world)
    assert 'data-expected="A-01-01-1"' in html and text_of(html, "remaining") == "2"
    assert "ZT-0001" in text_of(html, "tote")


def test_a_wrong_shelf_and_a_wrong_item_are_refused_and_change_nothing(client, world, session):
    bind_totes(client, world)
    before = moves(session)
    wrong = scan(client, world, "B-01-01-1")
    assert wrong.status_code == 422 and "A-01-01-1" in wrong.get_data(as_text=True)
    assert scan(client, world, "A-01-01-1").status_code == 200
    wrong_item = scan(client, world, "4912345678904")
    assert wrong_item.status_code == 422 and "TEA" in wrong_item.get_data(as_text=True)
    assert moves(session) == before


def test_a_wave_is_picked_into_two_totes_with_a_lot_swap_and_the_orders_are_picked(client, world, session):
    bind_totes(client, world)
    assert scan(client, world, "A-01-01-1").status_code == 200
    html = scan(client, world, "4901234567894", qty="2").get_data(as_text=True)
    assert "ZT-0001" in text_of(html, "feedback")
    # the second order's tea is on the same shelf: no shelf scan again
    assert 'data-stage="item"' in html and "ZT-0002" in text_of(html, "tote")
    html = scan(client, world, "4901234567894").get_data(as_text=True)
    assert 'data-expected="A-01-02-1"' in html and "L-NEAR" in text_of(html, "lot")
    assert scan(client, world, "A-01-02-1").status_code == 200
    # a later-expiring lot is refused (FEFO), nothing written
    far = "]C10104912345678904" + f"17{local_today() + timedelta(days=90):%y%m%d}" + "10L-FAR"
    before = moves(session)
    refused = scan(client, world, far)
    assert refused.status_code == 422 and "L-NEAR" in refused.get_data(as_text=True)
    assert moves(session) == before
    same = "]C10104912345678904" + f"17{local_today() + timedelta(days=30):%y%m%d}" + "10L-SAME"
    html = scan(client, world, same, qty="2").get_data(as_text=True)
    assert 'data-stage="done"' in html
    session.rollback()
    session.expire_all()  # the test's own objects are not expired by a commit
    swapped = session.scalars(select(PickLine).where(PickLine.product_id == world["milk"].id)).one()
    assert session.get(Lot, swapped.lot_id).number == "L-SAME" and swapped.picked_qty == 2
    session.rollback()
    session.expire_all()  # the test's own objects are not expired by a commit
    assert {o.status for o in session.scalars(select(Order))} == {OrderStatus.PICKED}
    tote_stock = session.scalar(select(func.sum(Quant.on_hand)).where(Quant.location_id.in_(
        select(Quant.location_id).where(Quant.reserved == 0))))
    assert tote_stock
    assert verify(session) == []


def test_a_replayed_item_scan_picks_once(client, world, session):
    bind_totes(client, world)
    scan(client, world, "A-01-01-1")
    first = scan(client, world, "4901234567894", scan_id="same-scan-0001")
    again = scan(client, world, "4901234567894", scan_id="same-scan-0001")
    assert first.get_data() == again.get_data()
    session.rollback()
    session.expire_all()  # the test's own objects are not expired by a commit
    assert session.scalar(select(func.sum(PickLine.picked_qty))) == 1


def test_a_short_pick_records_a_discrepancy_asks_a_count_and_reallocates_from_another_shelf(client, world, session):
    bind_totes(client, world)
    scan(client, world, "A-01-01-1")
    scan(client, world, "4901234567894")  # 1 of 2
    asked = scan(client, world, "", short="1")
    assert asked.status_code == 200 and 'data-result="confirm"' in asked.get_data(as_text=True)
    html = scan(client, world, "", confirm="1").get_data(as_text=True)
    assert "1" in text_of(html, "feedback")
    session.rollback()
    session.expire_all()  # the test's own objects are not expired by a commit
    d = session.scalars(select(Discrepancy)).one()
    assert (d.expected_qty, d.found_qty, d.quantity, d.cause) == (2, 1, 1, "short_pick")
    assert session.scalar(select(func.count()).select_from(CountTask)) == 1
    walk = [(line.location_id, line.quantity) for line in session.scalars(
        select(PickLine).where(PickLine.pick_list_id == world["wave"].id).order_by(PickLine.walk, PickLine.id))]
    assert (world["spare"].id, 1) in walk
    assert verify(session) == []


def test_a_short_pick_with_no_other_stock_backorders(client, world, session):
    bind_totes(client, world)
    scan(client, world, "A-01-01-1")
    scan(client, world, "4901234567894", qty="2")
    scan(client, world, "4901234567894")  # second order's tea, line done
    scan(client, world, "A-01-02-1")
    scan(client, world, "", short="1")
    html = scan(client, world, "", confirm="1").get_data(as_text=True)
    assert 'data-stage="done"' in html or 'data-stage="shelf"' in html
    session.rollback()
    session.expire_all()  # the test's own objects are not expired by a commit
    o1 = session.get(Order, world["o1"].id)
    milk_line = next(line for line in o1.lines if line.product_id == world["milk"].id)
    # L-FAR (5 free on the same shelf) is not taken from the shelf found short: backordered
    assert milk_line.backordered == 2
    assert session.get(Order, world["o2"].id).status is OrderStatus.PICKED
    assert o1.status is OrderStatus.NEW  # tea picked, milk backordered: nothing held, waits for stock
    assert verify(session) == []


def test_another_pickers_list_is_refused(client, world, session):
    other = f.user(session, Role.PICKER, login="other", warehouses=[world["wh"]], all_warehouses=False)
    client._cookies.clear()
    log_in(client, "other")
    token = csrf_token(client, "/picking")
    response = client.post(f"/picking/{world['wave'].id}/scan", data={
        "csrf_token": token, "scan_id": "scan-other-0001", "code": "ZT-0009"},
        headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 422
    assert other.id


def test_a_stale_page_is_refused_with_the_list_as_it_is_now(client, world, session):
    bind_totes(client, world)
    old_version = dict(_hidden(world["step"]))["version"]
    scan(client, world, "A-01-01-1")
    scan(client, world, "4901234567894", qty="2")  # the first line is done meanwhile
    session.rollback()
    from app.orders.picklists import PickList
    from sqlalchemy import update
    from app.database import write_transaction
    with write_transaction(session):  # a supervisor changed the list meanwhile
        session.execute(update(PickList).where(PickList.id == world["wave"].id).values(version=PickList.version + 1))
    before = moves(session)
    stale = scan(client, world, "4901234567894", version=old_version)
    html = stale.get_data(as_text=True)
    assert stale.status_code == 422 and 'id="step"' in html and 'data-result="error"' in html
    assert moves(session) == before


def test_an_expired_lot_may_not_ship(client, world, session):
    expired_day = local_today() - timedelta(days=2)
    milk_shelf = session.scalar(select(PickLine.location_id).where(PickLine.product_id == world["milk"].id))
    from app.stock.models import Location
    f.receive(session, world["milk"], session.get(Location, milk_shelf), 2, LotSpec("L-OLD", expired_day))
    bind_totes(client, world)
    scan(client, world, "A-01-01-1")
    scan(client, world, "4901234567894", qty="2")
    scan(client, world, "4901234567894")
    scan(client, world, "A-01-02-1")
    before = moves(session)
    refused = scan(client, world, "]C10104912345678904" + f"17{expired_day:%y%m%d}" + "10L-OLD")
    assert refused.status_code == 422 and "L-OLD" in refused.get_data(as_text=True)
    assert moves(session) == before


def test_a_case_gtin_counts_its_pack_and_more_than_the_line_is_refused(client, world, session):
    bind_totes(client, world)
    scan(client, world, "A-01-01-1")
    refused = scan(client, world, "14901234567891")  # a case of 24 for a line of 2
    assert refused.status_code == 422 and "24" in refused.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.sum(PickLine.picked_qty))) == 0


def test_a_kit_is_picked_as_its_components(client, session):
    wh = f.warehouse(session, code="KIT")
    picker = f.user(session, Role.PICKER, login="kitpicker", warehouses=[wh], all_warehouses=False)
    cup = f.product(session, sku="CUP", barcode=f.ean13("490000000001"))
    tea = f.product(session, sku="TEA-BAG", barcode=f.ean13("490000000002"))
    gift = f.product(session, sku="GIFT-SET", is_kit=True)
    from app.stock.models import KitComponent
    from app.database import write_transaction
    with write_transaction(session):
        session.add_all([KitComponent(kit_id=gift.id, component_id=cup.id, quantity=1),
                         KitComponent(kit_id=gift.id, component_id=tea.id, quantity=2)])
    f.receive(session, cup, f.location(session, wh, code="A-01-01-1", pick_sequence=1), 5)
    f.receive(session, tea, f.location(session, wh, code="A-01-02-1", pick_sequence=2), 5)
    order = orders.create_order(session, wh.id, orders.DraftOrder("own", "K-1", "鈴木", [
        orders.DraftLine(gift.id, 2)]), user_id=None)
    orders.allocate_order(session, order.id, user_id=None)
    pick_list = build_wave(session, wh.id, [order.id], assigned_to_id=picker.id, user_id=None)
    log_in(client, "kitpicker")
    world = {"wave": pick_list, "token": csrf_token(client, f"/picking/{pick_list.id}")}
    scan(client, world, "ZT-0007")
    scan(client, world, "A-01-01-1")
    scan(client, world, session.scalar(select(ProductBarcode.code).where(ProductBarcode.product_id == cup.id)),
         qty="2")
    scan(client, world, "A-01-02-1")
    html = scan(client, world, session.scalar(select(ProductBarcode.code).where(ProductBarcode.product_id == tea.id)),
                qty="4").get_data(as_text=True)
    assert 'data-stage="done"' in html
    session.rollback()
    session.expire_all()
    done = session.get(Order, order.id)
    assert done.status is OrderStatus.PICKED and done.lines[0].picked_qty == 2
    assert verify(session) == []
