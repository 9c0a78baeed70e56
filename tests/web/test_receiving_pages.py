"""Receiving over HTTP: each stage of the step, refusals (422) that write nothing, close."""
from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.database import write_transaction
from app.receipts.models import ReceiptEntry
from app.receipts.plans import PlannedLine, create_receipt
from app.stock.models import Discrepancy, Tracking
from app.timeutil import local_today
from tests import factories as f
from tests.support import csrf_token, log_in, text_of

_ids = itertools.count(1)


@pytest.fixture
def world(client, session):
    wh = f.warehouse(session, code="TKY")
    clerk = f.user(session, Role.RECEIVER, login="clerk", warehouses=[wh], all_warehouses=False)
    tea = f.product(session, sku="TEA", name="緑茶", barcode="4901234567894", case_gtin="14901234567891", pack_qty=24)
    milk = f.product(session, sku="MILK", name="牛乳", barcode="4912345678904", tracking=Tracking.LOT_EXPIRY,
                     min_shelf_life_days=30)
    with write_transaction(session):
        receipt = create_receipt(session, wh.id, "伊藤園", local_today(),
                                 [PlannedLine(tea.id, 48), PlannedLine(milk.id, 6)], clerk.id)
    log_in(client, "clerk")
    return {"receipt": receipt, "token": csrf_token(client, f"/receiving/{receipt.id}"), "tea": tea, "milk": milk}


def post(client, world, path, **form):
    data = {"csrf_token": world["token"], "scan_id": f"scan-{next(_ids):08d}-x", **form}
    return client.post(path, data=data, headers={"HX-Request": "true", "X-CSRFToken": world["token"]})


def scan(client, world, **form):
    return post(client, world, f"/receiving/{world['receipt'].id}/scan", **form)


def entries(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(ReceiptEntry))


def test_the_list_shows_open_receipts_and_the_label_scan_opens_one(client, world):
    page = client.get("/receiving").get_data(as_text=True)
    code = world["receipt"].code
    assert code in page and 'name="code"' in page
    answer = post(client, world, "/receiving/open", code=code).get_data(as_text=True)
    assert f'data-redirect href="/receiving/{world["receipt"].id}"' in answer


def test_an_unknown_receipt_label_is_refused(client, world):
    response = post(client, world, "/receiving/open", code="ZR-20200101-999")
    assert response.status_code == 422 and "ZR-20200101-999" in response.get_data(as_text=True)


def test_a_case_gtin_scan_receives_its_pack_and_shows_progress(client, world, session):
    response = scan(client, world, code="14901234567891")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-result="ok"' in html
    assert "+24 TEA" in text_of(html, "feedback") and text_of(html, "progress") == "24 / 54"
    assert text_of(html, "line-progress").endswith("24 / 48")
    assert entries(session) == 1


def test_a_typed_quantity_multiplies_a_unit_scan(client, world):
    html = scan(client, world, code="4901234567894", qty="6").get_data(as_text=True)
    assert "+6 TEA" in text_of(html, "feedback")


def test_a_gs1_label_fills_lot_and_expiry_in_one_scan(client, world, session):
    expiry = local_today() + timedelta(days=120)
    code = "]C10104912345678904" + f"17{expiry:%y%m%d}" + "10LOT7\x1d" + "302"
    html = scan(client, world, code=code).get_data(as_text=True)
    assert "+2 MILK" in text_of(html, "feedback") and "LOT7" in text_of(html, "feedback")


def test_a_lot_tracked_product_asks_for_its_lot_then_receives(client, world, session):
    asked = scan(client, world, code="4912345678904").get_data(as_text=True)
    assert 'data-stage="details"' in asked and 'name="lot"' in asked and 'name="expiry"' in asked
    assert 'data-result="question"' in asked
    expiry = local_today() + timedelta(days=200)
    done = scan(client, world, stage="details", product_id=str(world["milk"].id), units="1", missing="lot,expiry",
                lot="M-1", expiry=f"{expiry:%Y/%m/%d}").get_data(as_text=True)
    assert "+1 MILK" in text_of(done, "feedback") and 'data-stage="item"' in done
    assert entries(session) == 1


def test_an_expired_lot_is_refused_with_a_clear_message_and_nothing_written(client, world, session):
    response = scan(client, world, stage="details", product_id=str(world["milk"].id), units="1",
                    missing="lot,expiry", lot="OLD", expiry="200101")
    assert response.status_code == 422
    assert "OLD" in response.get_data(as_text=True)
    assert entries(session) == 0


def test_a_bad_date_is_refused(client, world, session):
    response = scan(client, world, stage="details", product_id=str(world["milk"].id), units="1",
                    missing="lot,expiry", lot="L", expiry="31/02/27")
    assert response.status_code == 422 and entries(session) == 0


def test_over_receipt_asks_with_a_confirm_button_and_records_after_yes(client, world, session):
    scan(client, world, code="14901234567891")
    scan(client, world, code="14901234567891")
    asked = scan(client, world, code="4901234567894").get_data(as_text=True)
    assert 'data-result="confirm"' in asked and 'name="confirm"' in asked
    assert entries(session) == 2
    done = scan(client, world, stage="confirm", product_id=str(world["tea"].id), units="1", confirm_over="1", confirm="1")
    assert done.status_code == 200 and entries(session) == 3


def test_a_wrong_scan_in_the_item_step_is_refused(client, world, session):
    response = scan(client, world, code="ZL-A-01-01-1")
    assert response.status_code == 422 and entries(session) == 0


def test_undo_asks_first_then_reverses_my_last_scan(client, world, session):
    scan(client, world, code="4901234567894", qty="3")
    asked = post(client, world, f"/receiving/{world['receipt'].id}/undo").get_data(as_text=True)
    assert 'data-result="confirm"' in asked and "3 × TEA" in text_of(asked, "feedback")
    assert text_of(asked, "progress") == "3 / 54"
    entry_id = re.search(r'name="entry_id" value="(\d+)"', asked).group(1)
    html = post(client, world, f"/receiving/{world['receipt'].id}/undo", confirm="1", entry_id=entry_id).get_data(as_text=True)
    assert text_of(html, "progress") == "0 / 54"


def test_no_at_a_confirmation_receives_nothing(client, world, session):
    scan(client, world, code="14901234567891")
    scan(client, world, code="14901234567891")
    html = scan(client, world, stage="confirm", product_id=str(world["tea"].id), units="1", asked="over",
                confirm="0").get_data(as_text=True)
    assert 'data-result="ok"' in html and 'data-stage="item"' in html and entries(session) == 2


def test_closing_short_records_discrepancies_and_shows_a_summary(client, world, session):
    scan(client, world, code="14901234567891")
    page = client.get(f"/receiving/{world['receipt'].id}/close").get_data(as_text=True)
    seen = re.search(r'name="seen" value="([^"]+)"', page).group(1)
    response = client.post(f"/receiving/{world['receipt'].id}/close",
                           data={"csrf_token": world["token"], "seen": seen})
    assert response.status_code == 302
    summary = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="figures"' in summary and "MILK" in summary
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Discrepancy)) == 2


def test_closing_on_a_stale_page_shows_the_fresh_figures(client, world, session):
    page = client.get(f"/receiving/{world['receipt'].id}/close").get_data(as_text=True)
    seen = re.search(r'name="seen" value="([^"]+)"', page).group(1)
    scan(client, world, code="4901234567894")  # someone receives while the page is open
    response = client.post(f"/receiving/{world['receipt'].id}/close", data={"csrf_token": world["token"], "seen": seen})
    assert response.status_code == 409 and 'id="figures"' in response.get_data(as_text=True)
    assert entries(session) == 1 and session.scalar(select(func.count()).select_from(Discrepancy)) == 0


def test_a_received_lot_can_get_a_label_printed_by_the_clerk(client, world):
    expiry = local_today() + timedelta(days=120)
    html = scan(client, world, code="]C10104912345678904" + f"17{expiry:%y%m%d}" + "10LOT9").get_data(as_text=True)
    link = re.search(r'id="print-lot-label" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    sheet = client.get(link)
    page = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and "<svg" in page
    assert f"(01)04912345678904(17){expiry:%y%m%d}(10)LOT9" in page
    reprint = client.get(f"/receiving/{world['receipt'].id}/summary")
    assert reprint.status_code in (200, 302)


def test_a_receipt_without_lots_has_nothing_to_print(client, world):
    assert client.get(f"/labels/receipt/{world['receipt'].id}").status_code == 404


def test_a_lot_id_past_the_databases_integers_prints_nothing_and_says_so(client, world):
    """?lot= is read as a number: one past 64 bits was a server error on SQLite."""
    expiry = local_today() + timedelta(days=120)
    scan(client, world, code="]C10104912345678904" + f"17{expiry:%y%m%d}" + "10LOT9")
    for lot in ("10000000000000000000", "-99999999999999999999", "2147483648"):
        refused = client.get(f"/labels/receipt/{world['receipt'].id}", query_string={"lot": lot})
        assert refused.status_code == 404 and 'role="alert"' in refused.get_data(as_text=True), lot
    assert client.get(f"/labels/receipt/{world['receipt'].id}").status_code == 200
