"""在庫照会 over HTTP: full page vs partial, refused scans, replays."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.floor.models import ScanRecord
from app.stock.ledger import LotSpec
from app.stock.models import LocationKind, Tracking
from app.stock.warehouses import standard_location
from tests import factories as f
from tests.support import csrf_token, log_in, text_of

HX = {"HX-Request": "true"}


@pytest.fixture
def world(client, session):
    wh = f.warehouse(session, code="TKY")
    f.user(session, Role.PICKER, login="looker", warehouses=[wh], all_warehouses=False)
    log_in(client, "looker")
    shelf = f.location(session, wh, code="A-01-02-1", pick_sequence=10)
    far_shelf = f.location(session, wh, code="C-09-09-4", pick_sequence=900)
    tea = f.product(session, sku="TEA-500", name="緑茶 500ml", barcode="4901234567894", case_gtin="14901234567891")
    f.receive(session, tea, far_shelf, 5)
    f.receive(session, tea, shelf, 7)
    return {"wh": wh, "shelf": shelf, "tea": tea, "token": csrf_token(client, "/lookup")}


def scan(client, world, code, scan_id="scan-0001-aaaa", htmx=True):
    data = {"code": code, "scan_id": scan_id, "csrf_token": world["token"]}
    return client.post("/lookup", data=data, headers={**HX, "X-CSRFToken": world["token"]} if htmx else {})


def test_the_page_has_the_scan_step_contract(client, world):
    page = client.get("/lookup").get_data(as_text=True)
    assert 'name="code"' in page and 'id="prompt"' in page and 'name="scan_id"' in page
    assert 'id="feedback"' in page and 'data-result=""' in page
    assert 'id="history"' in page


def test_a_jan_scan_shows_stock_by_location_in_walking_order_and_availability(client, world):
    response = scan(client, world, "4901234567894")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-result="ok"' in html and "TEA-500" in html
    assert html.index("A-01-02-1") < html.index("C-09-09-4")
    assert text_of(html, "available") == "12"
    assert "<html" not in html
    assert len(response.get_data()) < 4096


def test_a_case_gtin_says_how_many_units_it_holds(client, world):
    html = scan(client, world, "14901234567891").get_data(as_text=True)
    assert "TEA-500" in html and "12" in html


def test_a_location_scan_lists_what_is_on_it(client, world):
    html = scan(client, world, "ZL-A-01-02-1").get_data(as_text=True)
    assert 'data-kind="location"' in html and "TEA-500" in html and ">7<" in html


def test_an_unknown_code_is_refused_with_the_reason_and_a_422(client, world):
    response = scan(client, world, "4900000000000")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-result="error"' in html and 'role="alert"' in html
    assert "4900000000000" in html


def test_a_bad_check_digit_is_named_as_such(client, world):
    html = scan(client, world, "4901234567895").get_data(as_text=True)
    assert "チェックデジット" in html or "Check digit" in html


def test_a_replayed_scan_gets_the_first_answer_and_is_recorded_once(client, world, session):
    first = scan(client, world, "4901234567894", scan_id="replay-000000001")
    again = scan(client, world, "4901234567894", scan_id="replay-000000001")
    assert again.status_code == first.status_code == 200
    assert again.get_data() == first.get_data()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ScanRecord).where(ScanRecord.scan_id == "replay-000000001")) == 1


def test_a_replayed_refusal_stays_a_refusal(client, world):
    first = scan(client, world, "nothing-like-it", scan_id="replay-000000002")
    again = scan(client, world, "nothing-like-it", scan_id="replay-000000002")
    assert first.status_code == again.status_code == 422


def test_without_javascript_the_form_post_returns_the_whole_page(client, world):
    response = scan(client, world, "4901234567894", htmx=False)
    html = response.get_data(as_text=True)
    assert "<html" in html and "TEA-500" in html and 'data-result="ok"' in html


def test_a_gs1_label_shows_that_lots_stock_with_its_expiry(client, world, session):
    milk = f.product(session, sku="MILK-1", tracking=Tracking.LOT_EXPIRY, barcode="4912345678904")
    expiry = date.today() + timedelta(days=200)
    f.receive(session, milk, world["shelf"], 3, lot=LotSpec("L42", expiry))
    code = f"]C10104912345678904" + f"17{expiry:%y%m%d}" + "10L42"
    html = scan(client, world, code).get_data(as_text=True)
    assert text_of(html, "scanned-lot").startswith("L42")
    assert "MILK-1" in html


def test_a_badge_shows_only_the_persons_name(client, world, session):
    f.user(session, Role.RECEIVER, login="other", badge="ZU-Q1W2E3")
    html = scan(client, world, "ZU-Q1W2E3").get_data(as_text=True)
    assert 'data-kind="badge"' in html and "テスト 太郎" in html
    assert "other" not in html.split('id="result"')[1]


def test_a_location_of_another_warehouse_is_refused(client, world, session):
    other = f.warehouse(session, code="OSK")
    f.location(session, other, code="B-01-01-1")
    response = scan(client, world, "ZL-B-01-01-1")
    assert response.status_code == 422


def test_dock_stock_is_shown_but_not_counted_as_available(client, world, session):
    dock = standard_location(session, world["wh"].id, LocationKind.DOCK)
    f.receive(session, world["tea"], dock, 100)
    html = scan(client, world, "4901234567894").get_data(as_text=True)
    shown = text_of(html, "result")
    assert "DOCK" not in shown and ("入荷場" in shown or "Receiving dock" in shown)
    assert text_of(html, "available") == "12"
