"""Orders, their cancellation, expected receipts and products over the API, on both databases."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.orders.models import Order
from app.receipts.models import Receipt
from app.stock.models import Product, ProductBarcode, StockEvent
from app.timeutil import local_today
from tests import factories as f
from tests.api.support import bearer, make_token, world


@pytest.fixture
def w(client, session):
    return world(session)


def order_body(external_id="R-1001", **changes):
    body = {"channel": "rakuten", "external_id": external_id, "ship_to_name": "山田 花子",
            "lines": [{"sku": "TEA", "quantity": 3, "unit_price": 480}, {"jan": "4912345678904", "quantity": 1}]}
    return {**body, **changes}


def count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_an_order_is_made_and_reserved_at_once(client, session, w):
    answer = client.post("/api/v1/orders", json=order_body(), headers=w.auth)
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["created"] is True
    order = body["order"]
    assert (order["code"], order["channel"], order["warehouse"], order["status"]) == (
        "ZO-RKT-R-1001", "rakuten", "TKY", "allocated")
    assert [(line["sku"], line["quantity"], line["allocated"], line["backordered"]) for line in order["lines"]] == [
        ("TEA", 3, 3, 0), ("MILK", 1, 0, 1)]
    stock = client.get("/api/v1/stock/items/TEA", headers=w.auth).get_json()
    assert (stock["reserved"], stock["available"]) == (3, 12)


def test_the_same_post_sent_again_never_makes_two_orders(client, session, w):
    first = client.post("/api/v1/orders", json=order_body(), headers=w.auth)
    again = client.post("/api/v1/orders", json=order_body(), headers=w.auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["created"] is False
    assert again.get_json()["order"]["code"] == first.get_json()["order"]["code"]
    assert count(session, Order) == 1
    assert client.get("/api/v1/stock/items/TEA", headers=w.auth).get_json()["reserved"] == 3
    other = client.post("/api/v1/orders", json=order_body(lines=[{"sku": "TEA", "quantity": 9}]), headers=w.auth)
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "order_exists"
    assert count(session, Order) == 1


def test_an_order_without_allocation_and_then_read(client, session, w):
    made = client.post("/api/v1/orders", json=order_body(allocate=False), headers=w.auth)
    assert made.get_json()["order"]["status"] == "new"
    read = client.get("/api/v1/orders/rakuten/R-1001", headers=w.auth)
    assert read.status_code == 200 and read.get_json()["lines"][0]["allocated"] == 0
    assert client.get("/api/v1/orders/rakuten/NOPE", headers=w.auth).status_code == 404
    assert client.get("/api/v1/orders/amazon/R-1001", headers=w.auth).status_code == 404


def test_wrong_lines_are_named_by_their_path(client, session, w):
    answer = client.post("/api/v1/orders", json=order_body(lines=[
        {"sku": "TEA", "quantity": 1}, {"sku": "GHOST", "quantity": 1}, {"quantity": 2}]), headers=w.auth)
    assert answer.status_code == 422
    fields = answer.get_json()["error"]["fields"]
    assert [p["path"] for p in fields] == ["lines[2]"]
    answer = client.post("/api/v1/orders", json=order_body(lines=[
        {"sku": "TEA", "quantity": 1}, {"sku": "GHOST", "quantity": 1}]), headers=w.auth)
    assert answer.status_code == 422
    assert [p["path"] for p in answer.get_json()["error"]["fields"]] == ["lines[1].sku"]
    assert "GHOST" in answer.get_json()["error"]["fields"][0]["message"]
    unknown_channel = client.post("/api/v1/orders", json=order_body(channel="mars"), headers=w.auth)
    assert unknown_channel.status_code == 422
    assert unknown_channel.get_json()["error"]["fields"][0]["path"] == "channel"
    assert count(session, Order) == 0


def test_cancel_lets_the_reservation_go(client, session, w):
    client.post("/api/v1/orders", json=order_body(), headers=w.auth)
    answer = client.post("/api/v1/orders/rakuten/R-1001/cancel", json={"reason": "customer cancelled"},
                         headers=w.auth)
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["released"], body["already"], body["order"]["status"]) == (3, False, "cancelled")
    again = client.post("/api/v1/orders/rakuten/R-1001/cancel", json={"reason": "again"}, headers=w.auth)
    assert again.get_json()["already"] is True
    stock = client.get("/api/v1/stock/items/TEA", headers=w.auth).get_json()
    assert (stock["reserved"], stock["available"]) == (0, 15)
    missing = client.post("/api/v1/orders/rakuten/NOPE/cancel", json={"reason": "x"}, headers=w.auth)
    assert missing.status_code == 404


def test_a_channel_bound_token_writes_its_channel_s_orders_only(client, session, w):
    amazon = make_token(session, "orders:write", integration="amazon-sp", channel="amazon")
    refused = client.post("/api/v1/orders", json=order_body(), headers=bearer(amazon))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "channel_not_allowed"
    assert client.post("/api/v1/orders", json=order_body(channel="amazon"), headers=bearer(amazon)).status_code == 201


def test_an_expected_receipt_once_per_reference(client, session, w):
    expiry = (local_today() + timedelta(days=200)).isoformat()
    body = {"reference": "ASN-77", "supplier": "伊藤園", "expected_date": local_today().isoformat(),
            "lines": [{"sku": "TEA", "quantity": 24}, {"jan": "4912345678904", "quantity": 12, "lot": "L9",
                                                       "expiry": expiry}]}
    first = client.post("/api/v1/receipts", json=body, headers=w.auth)
    assert first.status_code == 201
    receipt = first.get_json()["receipt"]
    assert receipt["reference"] == "ASN-77" and receipt["status"] == "expected"
    assert [(line["sku"], line["expected"], line["lot"]) for line in receipt["lines"]] == [
        ("TEA", 24, ""), ("MILK", 12, "L9")]
    again = client.post("/api/v1/receipts", json=body, headers=w.auth)
    assert again.status_code == 200 and again.get_json()["receipt"]["code"] == receipt["code"]
    assert count(session, Receipt) == 1
    read = client.get("/api/v1/receipts/ASN-77", headers=w.auth)
    assert read.status_code == 200 and read.get_json()["lines"][0]["received"] == 0
    assert client.get("/api/v1/receipts/ASN-NOPE", headers=w.auth).status_code == 404


def test_a_wrong_receipt_line_is_named(client, session, w):
    body = {"reference": "ASN-78", "supplier": "伊藤園",
            "lines": [{"sku": "TEA", "quantity": 1, "lot": "X1"}]}
    answer = client.post("/api/v1/receipts", json=body, headers=w.auth)
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"][0]["path"] == "lines[0].lot"
    assert count(session, Receipt) == 0


def test_products_are_upserted_all_or_nothing(client, session, w):
    answer = client.put("/api/v1/products", json={"products": [
        {"sku": "NEW-1", "name": "新商品", "jan": "4900000000016", "tracking": "lot_expiry", "min_shelf_life_days": 30},
        {"sku": "TEA", "name": "緑茶 500ml"},
    ]}, headers=w.auth)
    assert answer.status_code == 200
    assert answer.get_json() == {"created": 1, "updated": 1, "unchanged": 0}
    session.rollback()
    new = session.scalar(select(Product).where(Product.sku == "NEW-1"))
    assert (new.name, new.tracking.value, new.min_shelf_life_days) == ("新商品", "lot_expiry", 30)
    refused = client.put("/api/v1/products", json={"products": [
        {"sku": "NEW-2", "name": "x"}, {"sku": "NEW-3"}, {"sku": "NEW-4", "name": "y", "jan": "4901234567894"}]},
        headers=w.auth)
    assert refused.status_code == 422
    assert [p["path"] for p in refused.get_json()["error"]["fields"]] == ["products[1].name", "products[2].jan"]
    assert count(session, Product) == 3
    assert session.scalar(select(ProductBarcode.product_id).where(ProductBarcode.code == "4900000000016")) == new.id


def test_writes_make_stock_events_only_where_availability_moved(client, session, w):
    before = count(session, StockEvent)
    client.post("/api/v1/receipts", json={"reference": "R", "supplier": "s", "lines": [{"sku": "TEA", "quantity": 1}]},
                headers=w.auth)
    assert count(session, StockEvent) == before  # a plan moves no stock
    client.post("/api/v1/orders", json=order_body(lines=[{"sku": "TEA", "quantity": 1}]), headers=w.auth)
    assert count(session, StockEvent) == before + 1


def test_bodies_that_are_not_json(client, session, w):
    bad = client.post("/api/v1/orders", data="{not json", headers={**w.auth, "Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_json"
    form = client.post("/api/v1/orders", data="a=b", headers={**w.auth, "Content-Type": "text/plain"})
    assert form.status_code == 415 and form.get_json()["error"]["code"] == "unsupported_media_type"
    extra = client.post("/api/v1/orders", json={**order_body(), "colour": "red"}, headers=w.auth)
    assert extra.status_code == 422 and extra.get_json()["error"]["fields"][0]["path"] == "colour"
    f.warehouse(session, code="OSK")
