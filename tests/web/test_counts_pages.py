"""Counting over HTTP on both databases: blind (the expected figure never shown), the shelf first,
units and cases, この棚は空, a recount only by someone else."""
from __future__ import annotations

import itertools
import re
from datetime import date

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.database import write_transaction
from app.stock import counting
from app.stock.ledger import LotSpec
from app.stock.models import CountLine, CountTask, CountTaskStatus, Location, Product, Tracking
from tests import factories as f
from tests.support import csrf_token, log_in, text_of

_ids = itertools.count(1)


@pytest.fixture
def world(client, session):
    wh = f.warehouse(session, code="TKY")
    f.user(session, Role.PICKER, login="counter1", warehouses=[wh], all_warehouses=False)
    f.user(session, Role.RECEIVER, login="counter2", warehouses=[wh], all_warehouses=False)
    shelf = f.location(session, wh, code="A-01-01-1", pick_sequence=1)
    f.location(session, wh, code="A-01-02-1", pick_sequence=2)
    tea = f.product(session, sku="TEA", barcode="4901234567894", case_gtin="14901234567891", pack_qty=6)
    f.receive(session, tea, shelf, 17)
    with write_transaction(session):
        counting.create_tasks(session, wh.id, [shelf.id], cause="manual", user_id=None)
    task = session.scalar(select(CountTask))
    log_in(client, "counter1")
    return {"task": task, "token": csrf_token(client, "/counts"), "wh": wh}


def scan(client, world, code="", **form):
    page = world.get("step") or client.get(f"/counts/{world['task'].id}").get_data(as_text=True)
    form_html = page[page.index('<form class="scan"'):]
    carried = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form_html[:form_html.index("</form>")]))
    data = {**{k: v for k, v in carried.items() if k not in ("scan_id", "code", "csrf_token")},
            "csrf_token": world["token"], "scan_id": f"count-{next(_ids):08d}-x", "code": code, **form}
    response = client.post(f"/counts/{world['task'].id}/scan", data=data,
                           headers={"HX-Request": "true", "X-CSRFToken": world["token"]})
    if '<form class="scan"' in response.get_data(as_text=True):
        world["step"] = response.get_data(as_text=True)
    return response


def test_next_count_opens_the_task_and_the_shelf_comes_first(client, world):
    answer = client.post("/counts/next", data={"csrf_token": world["token"]})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/counts/{world['task'].id}")
    refused = scan(client, world, "A-01-02-1")
    assert refused.status_code == 422 and "A-01-01-1" in refused.get_data(as_text=True)
    assert scan(client, world, "4901234567894").status_code == 422


def test_a_blind_count_never_shows_the_expected_figure_and_a_difference_goes_to_a_recount(client, world, session):
    scan(client, world, "A-01-01-1")
    scan(client, world, "14901234567891")  # a case of 6
    html = scan(client, world, "4901234567894", qty="10").get_data(as_text=True)
    assert text_of(html, "counted").endswith("-16") and "17" not in text_of(html) and '"17"' not in html  # blind: the records say 17
    asked = scan(client, world, "", finish="1")
    assert 'data-result="confirm"' in asked.get_data(as_text=True)
    done = scan(client, world, "", confirm="1").get_data(as_text=True)
    assert 'data-stage="done"' in done and "17" not in text_of(done)
    session.rollback()
    session.expire_all()
    assert session.get(CountTask, world["task"].id).status is CountTaskStatus.RECOUNT
    # the same counter does not get the recount
    again = client.post("/counts/next", data={"csrf_token": world["token"]})
    assert again.status_code == 200
    other = client.application.test_client()
    log_in(other, "counter2")
    token = csrf_token(other, "/counts")
    assert other.post("/counts/next", data={"csrf_token": token}).status_code == 302


def test_an_empty_shelf_is_one_tap_with_a_confirmation(client, world, session):
    scan(client, world, "A-01-01-1")
    asked = scan(client, world, "", empty="1")
    assert 'data-result="confirm"' in asked.get_data(as_text=True)
    scan(client, world, "", confirm="1")
    session.rollback()
    session.expire_all()
    task = session.get(CountTask, world["task"].id)
    assert task.status is CountTaskStatus.RECOUNT  # 17 on the records, 0 found: counted again by someone else


def test_a_lot_tapped_must_be_a_lot_of_the_product_the_page_names(client, world, session):
    """The lot buttons send the product and the lot back: a product that is not there, or a lot of
    another product, is refused in words (never a server error, never a count line for them)."""
    milk = f.product(session, sku="MILK", barcode="4912345678904", tracking=Tracking.LOT_EXPIRY)
    lot = f.receive(session, milk, session.get(Location, world["task"].location_id), 2,
                    LotSpec("M1", date(2030, 1, 1))).lot_ids[0]
    tea = session.scalar(select(Product.id).where(Product.sku == "TEA"))
    scan(client, world, "A-01-01-1")
    for product_id, lot_id in (("0", lot), ("99999", lot), (str(tea), lot), (str(milk.id), "99999")):
        refused = scan(client, world, "M1", stage="lot", product_id=product_id, lot_id=str(lot_id), units="1")
        assert refused.status_code == 422, (product_id, lot_id)
        assert text_of(refused.get_data(as_text=True), "feedback") != "エラー"
    assert scan(client, world, "M1", stage="lot", product_id=str(milk.id), lot_id=str(lot), units="1").status_code == 200
    session.rollback()
    assert [(line.product_id, line.lot_id, line.counted_qty) for line in session.scalars(select(CountLine))] == [
        (milk.id, lot, 1)]
