"""Stock figures over the API, on both databases: by SKU, by JAN, up to 500 at once, a paged list, lots."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.api import publishing
from app.stock.ledger import LotSpec
from app.timeutil import local_today
from tests import factories as f
from tests import order_support as o
from tests.api.support import bearer, make_token, world


@pytest.fixture
def w(client, session):
    return world(session)


def test_one_sku_answers_on_hand_reserved_and_available(client, session, w):
    order = o.order(session, w.wh, (w.tea, 4))
    o.allocate(session, order)
    answer = client.get("/api/v1/stock/items/TEA", headers=w.auth)
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["sku"], body["jan"], body["warehouse"], body["kit"]) == ("TEA", "4901234567894", "TKY", False)
    assert (body["on_hand"], body["reserved"], body["available"]) == (15, 4, 11)
    assert body["channels"]["rakuten"] == 11 and "lots" not in body


def test_by_jan_in_any_spelling(client, session, w):
    assert client.get("/api/v1/stock/jan/4901234567894", headers=w.auth).get_json()["sku"] == "TEA"
    assert client.get("/api/v1/stock/jan/04901234567894", headers=w.auth).get_json()["sku"] == "TEA"
    missing = client.get("/api/v1/stock/jan/4900000000003", headers=w.auth)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_lots_with_expiry_and_what_may_still_be_sold(client, session, w):
    today = local_today()
    with_min_days = f.product(session, sku="YOGURT", tracking=o.Tracking.LOT_EXPIRY, min_shelf_life_days=10)
    f.receive(session, with_min_days, w.shelf, 3, LotSpec("SHORT", today + timedelta(days=5)))
    f.receive(session, with_min_days, w.shelf, 4, LotSpec("LONG", today + timedelta(days=60)))
    body = client.get("/api/v1/stock/items/YOGURT?lots=true", headers=w.auth).get_json()
    assert (body["on_hand"], body["available"]) == (7, 4)
    assert [(lot["lot"], lot["on_hand"], lot["available"], lot["sellable"]) for lot in body["lots"]] == [
        ("SHORT", 3, 0, False), ("LONG", 4, 4, True)]
    assert body["lots"][1]["expiry"] == (today + timedelta(days=60)).isoformat()


def test_a_kit_is_as_available_as_its_scarcest_component(client, session, w):
    f.receive(session, w.milk, w.shelf, 4, LotSpec("L1", local_today() + timedelta(days=90)))
    kit = o.kit(session, {w.tea: 2, w.milk: 1})
    body = client.get(f"/api/v1/stock/items/{kit.sku}", headers=w.auth).get_json()
    assert (body["kit"], body["on_hand"], body["reserved"], body["available"]) == (True, None, None, 4)


def test_up_to_500_codes_in_one_call_with_the_unknown_ones_named(client, session, w):
    answer = client.post("/api/v1/stock/lookup", json={"skus": ["TEA", "NOPE"], "jans": ["4912345678904"]},
                         headers=w.auth)
    assert answer.status_code == 200
    body = answer.get_json()
    assert [(i["sku"], i["available"]) for i in body["items"]] == [("TEA", 15), ("MILK", 0)]
    assert body["unknown"] == ["NOPE"]
    too_many = client.post("/api/v1/stock/lookup", json={"skus": [f"S{n}" for n in range(501)]}, headers=w.auth)
    assert too_many.status_code == 422
    assert too_many.get_json()["error"]["fields"][0]["path"] == "skus"
    nothing = client.post("/api/v1/stock/lookup", json={}, headers=w.auth)
    assert nothing.status_code == 422 and nothing.get_json()["error"]["code"] == "invalid_request"


def test_the_paged_list_of_every_product_with_the_feed_cursor(client, session, w):
    for n in range(5):
        f.product(session, sku=f"ZZ-{n}")
    first = client.get("/api/v1/stock?limit=3", headers=w.auth).get_json()
    assert [i["sku"] for i in first["items"]] == ["MILK", "TEA", "ZZ-0"] and first["next"] == "ZZ-0"
    assert first["feed_cursor"] >= 2
    rest = client.get(f"/api/v1/stock?limit=3&after={first['next']}", headers=w.auth).get_json()
    assert [i["sku"] for i in rest["items"]] == ["ZZ-1", "ZZ-2", "ZZ-3"]
    last = client.get("/api/v1/stock?limit=3&after=ZZ-3", headers=w.auth).get_json()
    assert [i["sku"] for i in last["items"]] == ["ZZ-4"] and last["next"] is None


def test_per_channel_figures_come_from_one_stock_figure(client, session, w):
    publishing.set_rule(session, "own", buffer_units=0, buffer_percent=0, priority=10, user_id=None)
    publishing.set_rule(session, "rakuten", buffer_units=2, buffer_percent=0, priority=5, user_id=None)
    publishing.set_rule(session, "amazon", buffer_units=1, buffer_percent=20, priority=1, user_id=None)
    publishing.set_rule(session, "yahoo", buffer_units=0, buffer_percent=0, priority=1, user_id=None)
    body = client.get("/api/v1/stock/items/TEA", headers=w.auth).get_json()
    # 15 available: own all of it; rakuten 2 held back; amazon max(1, 20 % = 3) = 3;
    # yahoo holds nothing back itself but never shows more than rakuten, ranked above it; other (priority 0)
    # never more than amazon and yahoo above it
    assert body["channels"] == {"own": 15, "rakuten": 13, "amazon": 12, "yahoo": 13, "other": 12}


def test_warehouses_of_the_token_only(client, session, w):
    other = f.warehouse(session, code="OSK")
    both = make_token(session, "stock:read", warehouses=("TKY", "OSK"), integration="two-sites")
    needs = client.get("/api/v1/stock/items/TEA", headers=bearer(both))
    assert needs.status_code == 422 and needs.get_json()["error"]["code"] == "warehouse_required"
    assert client.get("/api/v1/stock/items/TEA?warehouse=osk", headers=bearer(both)).get_json()["available"] == 0
    refused = client.get("/api/v1/stock/items/TEA?warehouse=OSK", headers=w.auth)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "warehouse_not_allowed"
    assert other.code == "OSK"


def test_unknown_sku_and_bad_query(client, session, w):
    missing = client.get("/api/v1/stock/items/NOPE", headers=w.auth)
    assert missing.status_code == 404
    bad = client.get("/api/v1/stock?limit=0", headers=w.auth)
    assert bad.status_code == 422
    assert bad.get_json()["error"]["fields"][0]["path"] == "query.limit"
    unknown_param = client.get("/api/v1/stock?colour=red", headers=w.auth)
    assert unknown_param.status_code == 422
    assert unknown_param.get_json()["error"]["fields"][0]["path"] == "query.colour"
