"""Packing over HTTP on both databases: open by tote, wrong and extra items refused with nothing written,
a case counting its pack, lots and serials, the slip with its check digit, the delivery note."""
from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.barcodes.tracking import mod7_check_digit
from app.orders.models import Order, OrderStatus
from app.orders.shipments import PackedUnit
from app.stock.ledger import LotSpec
from app.stock.models import Discrepancy, Location, Quant, StockMove, Tracking
from app.stock.verify import verify
from tests import factories as f
from tests.packing_support import picked_order
from tests.support import csrf_token, log_in, text_of

_ids = itertools.count(1)
SLIP = "12345678901" + mod7_check_digit("12345678901")


@pytest.fixture
def world(client, session):
    wh = f.warehouse(session, code="TKY")
    f.user(session, Role.PICKER, login="packer", warehouses=[wh], all_warehouses=False)
    f.user(session, Role.PICKER, login="packer2", warehouses=[wh], all_warehouses=False)
    tea = f.product(session, sku="TEA", name="緑茶", barcode="4901234567894", case_gtin="14901234567891", pack_qty=6)
    soap = f.product(session, sku="SOAP", name="石けん", barcode="4912345678904")
    cam = f.product(session, sku="CAM", name="カメラ", barcode="4902102072618", tracking=Tracking.SERIAL)
    shelf = f.location(session, wh, code="A-01-01-1", pick_sequence=1)
    f.receive(session, tea, shelf, 20)
    f.receive(session, soap, f.location(session, wh, code="A-01-02-1", pick_sequence=2), 5)
    cam_shelf = f.location(session, wh, code="A-01-03-1", pick_sequence=3)
    for serial in ("SN-1", "SN-2"):
        f.receive(session, cam, cam_shelf, 1, LotSpec(serial))
    order = picked_order(session, wh, [(tea, 7, 150), (soap, 1, 300)], external_id="R-1", tote="ZT-0001")
    cams = picked_order(session, wh, [(cam, 2, 30000)], external_id="C-1", tote="ZT-0002")
    log_in(client, "packer")
    return {"order": order, "cams": cams, "token": csrf_token(client, "/packing"), "wh": wh}


def post(client, world, path, code="", **form):
    data = {"csrf_token": world["token"], "scan_id": f"pack-{next(_ids):08d}-x", "code": code, **form}
    return client.post(path, data=data, headers={"HX-Request": "true", "X-CSRFToken": world["token"]})


def pack(client, world, code="", order="order", **form):
    return post(client, world, f"/packing/{world[order].id}/scan", code, **form)


def moves(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(StockMove))


def test_a_tote_scan_opens_its_order(client, world):
    html = post(client, world, "/packing/open", "ZT-0001").get_data(as_text=True)
    assert f'href="/packing/{world["order"].id}"' in html and "data-redirect" in html
    assert post(client, world, "/packing/open", "ZT-0999").status_code == 422


def test_wrong_and_extra_items_are_refused_and_change_nothing(client, world, session):
    before = moves(session)
    wrong = pack(client, world, "4902102072618")  # the camera belongs to the other order
    assert wrong.status_code == 422 and world["cams"].code in wrong.get_data(as_text=True)
    assert pack(client, world, "4912345678904").status_code == 200  # soap 1/1
    extra = pack(client, world, "4912345678904")
    assert extra.status_code == 422 and "SOAP" in extra.get_data(as_text=True)
    assert moves(session) == before + 1


def test_a_case_counts_its_pack_and_the_order_is_packed_then_the_slip_is_checked(client, world, session):
    html = pack(client, world, "14901234567891").get_data(as_text=True)  # 6 of 7 tea
    assert "6" in text_of(html, "feedback")
    pack(client, world, "4901234567894")
    html = pack(client, world, "4912345678904").get_data(as_text=True)
    assert 'data-stage="slip"' in html
    session.rollback()
    session.expire_all()
    order = session.get(Order, world["order"].id)
    assert order.status is OrderStatus.PACKED and [line.packed_qty for line in order.lines] == [7, 1]
    outbound = session.scalar(select(Location.id).where(Location.code == "OUTBOUND", Location.warehouse_id == world["wh"].id))
    assert session.scalar(select(func.sum(Quant.on_hand)).where(Quant.location_id == outbound)) == 8
    bad = pack(client, world, SLIP[:-1] + str((int(SLIP[-1]) + 1) % 7), carrier="yamato")
    assert bad.status_code == 422
    html = pack(client, world, "A" + SLIP + "A", carrier="yamato").get_data(as_text=True)  # NW-7 start/stop letters
    assert 'data-stage="done"' in html
    session.rollback()
    session.expire_all()
    assert session.get(Order, world["order"].id).tracking_number == SLIP
    assert verify(session) == []


def test_a_serial_product_is_packed_serial_by_serial_and_a_repeat_is_refused(client, world, session):
    asked = pack(client, world, "4902102072618", order="cams")
    assert 'data-result="question"' in asked.get_data(as_text=True)
    fields = dict(re.findall(r'name="(stage|part)" value="([^"]*)"', asked.get_data(as_text=True)))
    assert pack(client, world, "SN-1", order="cams", **fields).status_code == 200
    again = pack(client, world, "]C1010490210207261821SN-1", order="cams")
    assert again.status_code == 422 and "SN-1" in again.get_data(as_text=True)
    html = pack(client, world, "]C1010490210207261821SN-2", order="cams").get_data(as_text=True)
    assert 'data-stage="slip"' in html
    session.rollback()
    assert sorted(session.scalars(select(PackedUnit.serial))) == ["SN-1", "SN-2"]
    assert verify(session) == []


def test_a_second_packer_is_refused_and_told_who_packs(client, world, session, app):
    pack(client, world, "4912345678904")
    other = app.test_client()
    log_in(other, "packer2")
    token = csrf_token(other, "/packing")
    answer = other.post(f"/packing/{world['order'].id}/scan", data={
        "csrf_token": token, "scan_id": "pack-other-000001", "code": "4901234567894"},
        headers={"HX-Request": "true", "X-CSRFToken": token})
    assert answer.status_code == 422 and "テスト 太郎" in answer.get_data(as_text=True)


def test_a_unit_missing_at_packing_is_a_discrepancy_and_the_pick_is_reopened(client, world, session):
    pack(client, world, "14901234567891")
    asked = pack(client, world, "", missing=f"{world['order'].lines[0].id}:{world['order'].lines[0].product_id}")
    assert 'data-result="confirm"' in asked.get_data(as_text=True)
    fields = dict(re.findall(r'name="(stage|part)" value="([^"]*)"', asked.get_data(as_text=True)))
    pack(client, world, "", confirm="1", **fields)
    session.rollback()
    session.expire_all()
    d = session.scalars(select(Discrepancy)).one()
    assert (d.source.value, d.expected_qty, d.found_qty, d.quantity) == ("packing", 7, 6, 1)
    order = session.get(Order, world["order"].id)
    tea_line = order.lines[0]
    assert order.status is OrderStatus.ALLOCATED and tea_line.picked_qty == 6 and tea_line.allocated_qty == 1
    from app.stock.models import CountTask
    task = session.scalars(select(CountTask)).one()
    assert (task.cause, task.location.code) == ("packing_shortage", "A-01-01-1")
    assert verify(session) == []


def test_the_delivery_note_shows_prices_unless_it_is_a_gift(client, world, session):
    html = client.get(f"/packing/{world['order'].id}/note?prices=1").get_data(as_text=True)
    assert "¥1,050" in html and "R-1" in text_of(html, "channel-order") and "納品書" in html
    english = client.get(f"/packing/{world['order'].id}/note?prices=0&lang=en").get_data(as_text=True)
    assert "Delivery note" in english and "¥" not in english
