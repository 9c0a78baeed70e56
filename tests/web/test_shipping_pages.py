"""Shipping over HTTP on both databases: a slip scan ships its order, a double submit ships once,
the shipment CSV for the channels in UTF-8 and Shift_JIS."""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.barcodes.tracking import mod7_check_digit
from app.orders.models import Order, OrderStatus
from app.stock.models import Location, Quant, StockMove
from app.stock.verify import verify
from tests import factories as f
from tests.packing_support import packed_order
from tests.support import csrf_token, log_in, text_of

_ids = itertools.count(1)


def slip(n: int) -> str:
    body = f"{40000000000 + n:011d}"
    return body + mod7_check_digit(body)


@pytest.fixture
def world(client, session):
    wh = f.warehouse(session, code="TKY")
    f.user(session, Role.PICKER, login="shipper", warehouses=[wh], all_warehouses=False)
    tea = f.product(session, sku="TEA", name="緑茶", barcode="4901234567894")
    f.receive(session, tea, f.location(session, wh, code="A-01-01-1", pick_sequence=1), 20)
    one = packed_order(session, wh, [(tea, 2, 150)], external_id="楽天-1", tote="ZT-0001", slip=slip(1),
                       channel="rakuten")
    two = packed_order(session, wh, [(tea, 3, 150)], external_id="A-2", tote="ZT-0002", slip=slip(2),
                       channel="amazon")
    log_in(client, "shipper")
    return {"one": one, "two": two, "wh": wh, "token": csrf_token(client, "/shipping")}


def post(client, world, path, **form):
    data = {"csrf_token": world["token"], "scan_id": f"ship-{next(_ids):08d}-x", "code": "", **form}
    return client.post(path, data=data, headers={"HX-Request": "true", "X-CSRFToken": world["token"]})


def test_scanning_a_slip_ships_its_order_to_the_customer(client, world, session):
    html = post(client, world, "/shipping/scan", code="A" + slip(1) + "A").get_data(as_text=True)
    assert world["one"].code in text_of(html, "feedback")
    session.rollback()
    session.expire_all()
    assert session.get(Order, world["one"].id).status is OrderStatus.SHIPPED
    customer = session.scalar(select(Location.id).where(Location.code == "CUSTOMER", Location.warehouse_id == world["wh"].id))
    assert session.scalar(select(func.sum(StockMove.quantity)).where(StockMove.to_location_id == customer)) == 2
    assert post(client, world, "/shipping/scan", code="999999999999").status_code == 422
    assert verify(session) == []


def test_a_double_submit_of_the_batch_ships_once(client, world, session):
    ticked = {"order": [str(world["one"].id), str(world["two"].id)]}
    first = post(client, world, "/shipping/confirm", **ticked)
    second = post(client, world, "/shipping/confirm", **ticked)
    assert first.status_code == second.status_code == 200
    assert "already" in second.get_data(as_text=True) or "出荷済み" in second.get_data(as_text=True)
    session.rollback()
    ship_moves = session.scalar(select(func.count()).select_from(StockMove).where(StockMove.reason == "ship"))
    assert ship_moves == 2
    assert verify(session) == []


def test_the_shipment_csv_carries_the_channels_order_ids_in_either_encoding(client, world, session):
    post(client, world, "/shipping/confirm", order=[str(world["one"].id), str(world["two"].id)])
    utf8 = client.get("/shipping/export").data.decode("utf-8-sig")
    assert utf8.splitlines()[0] == "order_id,channel,carrier,tracking_number,shipped_at"
    assert f"楽天-1,rakuten,yamato,{slip(1)}," in utf8
    sjis = client.get("/shipping/export?encoding=sjis")
    assert sjis.headers["Content-Type"] == "text/csv; charset=shift_jis"
    assert "楽天-1" in sjis.data.decode("cp932")


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_shipment_csv_for_the_first_or_last_day_there_is_is_todays_not_a_server_error(client, world, day):
    """Their local start or end is no time Python can hold (an overflow, a server error before)."""
    post(client, world, "/shipping/confirm", order=[str(world["one"].id)])
    answer = client.get("/shipping/export", query_string={"day": day})
    assert answer.status_code == 200 and f"楽天-1,rakuten,yamato,{slip(1)}," in answer.data.decode("utf-8-sig")
