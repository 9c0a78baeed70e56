"""The floor page as a clerk works it: no scan is ever lost, the queue survives the Wi-Fi and a
reload, each answer sounds once, and the screen reads at arm's length.

Driven in Chromium on a 360 × 560 handheld in Japanese and on an iPhone profile in English. A
wedge scanner is a burst of keys ending in Enter, wherever the focus happens to be.
"""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.auth.models import Role
from app.database import write_transaction
from app.floor.models import ScanRecord
from app.receipts.models import ReceiptEntry
from app.receipts.plans import PlannedLine, create_receipt
from app.stock.models import LocationKind, Product, StockMove, Tracking
from app.stock.warehouses import standard_location
from app.timeutil import local_today
from tests import factories as f
from tests.browser.conftest import IPHONE, SMALL_HANDHELD
from tests.browser.layout import assert_phone_layout, bottom_of, top_of

TEA, SNACK, MILK = "4901234567894", "4902102072618", "4912345678904"
OTHER_JANS = [f.ean13(f"49055500{n:04d}") for n in range(1, 6)]
SIGNALS = """
window.__vibrations = [];
navigator.vibrate = function (pattern) { window.__vibrations.push(JSON.stringify(pattern)); return true; };
"""


def wedge(page, code: str) -> None:
    """A keyboard-wedge scanner: the code as a fast burst of keys, then Enter, wherever the focus is."""
    page.keyboard.type(code, delay=4)
    page.keyboard.press("Enter")


def world(session, *, tea_planned=2, others=()):
    wh = f.warehouse(session, code="TKY", name="東京DC")
    f.user(session, Role.RECEIVER, login="receiver1", warehouses=[wh], all_warehouses=False)
    f.location(session, wh, code="A-01-01-1", zone="A", pick_sequence=10)
    f.location(session, wh, code="A-01-02-1", zone="A", pick_sequence=20)
    tea = f.product(session, sku="TEA-500", name="緑茶 500ml", barcode=TEA)
    snack = f.product(session, sku="SNACK-1", name="せんべい", barcode=SNACK)
    milk = f.product(session, sku="MILK-1L", name="牛乳 1L", barcode=MILK, tracking=Tracking.LOT_EXPIRY)
    extra = [f.product(session, sku=f"ITEM-{n}", name=f"商品 {n}", barcode=code) for n, code in enumerate(others, 1)]
    with write_transaction(session):
        for prod in (tea, snack, milk, *extra):
            session.get(Product, prod.id).zone = "A"
        lines = [PlannedLine(tea.id, tea_planned), PlannedLine(snack.id, 10), PlannedLine(milk.id, 5)]
        lines += [PlannedLine(prod.id, 3) for prod in extra]
        receipt = create_receipt(session, wh.id, "伊藤園", local_today(), lines, None)
    return wh, receipt


def entries(session, sku: str | None = None) -> int:
    session.rollback()
    stmt = select(func.coalesce(func.sum(ReceiptEntry.quantity), 0))
    if sku:
        stmt = stmt.join(Product, Product.id == ReceiptEntry.product_id).where(Product.sku == sku)
    return session.scalar(stmt)


def queue_states(page) -> list[str]:
    return page.locator("#scan-queue .queue-item").evaluate_all("items => items.map(i => i.dataset.state)")


def wait_until_all_sent(page, count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = queue_states(page)
        if len(states) >= count and all(s in ("sent", "refused") for s in states):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"scans not all answered: {queue_states(page)}")


def receiving_phone(phone_factory, session, profile=SMALL_HANDHELD, locale="ja-JP", **world_args):
    wh, receipt = world(session, **world_args)
    phone = phone_factory(locale, **profile)
    phone.context.add_init_script(SIGNALS)
    page = phone.log_in("receiver1")
    page.goto(phone.base_url + f"/receiving/{receipt.id}")
    return phone, page, receipt


def test_a_scan_after_a_tap_elsewhere_is_taken_and_answered(phone_factory, session):
    phone, page, _receipt = receiving_phone(phone_factory, session)
    phone.scan(TEA)
    expect(page.locator("#feedback")).to_have_attribute("data-result", "ok")
    page.locator("#lines").tap()  # the focus leaves the scan field
    assert not page.locator("#code").evaluate("e => e === document.activeElement")
    wedge(page, SNACK)
    expect(page.locator("#feedback")).to_contain_text("SNACK-1")
    assert page.locator("#feedback").get_attribute("data-result") == "ok"
    assert entries(session, "SNACK-1") == 1


def test_a_scan_during_a_confirmation_waits_behind_it_and_is_then_answered(phone_factory, session):
    phone, page, _receipt = receiving_phone(phone_factory, session, tea_planned=1)
    phone.scan(TEA)
    expect(page.locator("#feedback")).to_have_attribute("data-result", "ok")
    phone.scan(TEA)  # beyond the plan: asks first
    expect(page.locator("#feedback")).to_have_attribute("data-result", "confirm")
    wedge(page, SNACK)  # the clerk keeps scanning without looking
    expect(page.locator("#scan-queue .queue-item[data-state='held']")).to_have_count(1)
    assert entries(session, "SNACK-1") == 0, "a scan never answers a question"
    assert page.locator("#feedback").get_attribute("data-result") == "confirm"
    page.tap("#confirm")
    wait_until_all_sent(page, 1)
    expect(page.locator("#feedback")).to_contain_text("SNACK-1")
    assert entries(session, "TEA-500") == 2 and entries(session, "SNACK-1") == 1


def test_a_burst_of_five_scans_across_a_confirmation_gives_five_answers(phone_factory, session, screenshot):
    phone, page, _receipt = receiving_phone(phone_factory, session, tea_planned=1)
    phone.scan(TEA)
    expect(page.locator("#feedback")).to_have_attribute("data-result", "ok")
    for code in (SNACK, TEA, SNACK, SNACK, SNACK):  # the second is beyond the plan
        wedge(page, code)
    expect(page.locator("#feedback")).to_have_attribute("data-result", "confirm")
    expect(page.locator("#scan-queue .queue-item[data-state='held']")).to_have_count(3)
    screenshot(page, "scans-held-behind-a-question")
    page.tap("#confirm")
    wait_until_all_sent(page, 5)
    assert queue_states(page)[-5:] == ["sent"] * 5
    assert page.locator("#scan-queue .q-n").all_inner_texts()[-5:] == ["#2", "#3", "#4", "#5", "#6"]
    assert entries(session, "SNACK-1") == 4 and entries(session, "TEA-500") == 2
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ScanRecord)) == 7  # 6 scans and one answer


def test_each_answer_sounds_once_and_a_question_is_not_green(phone_factory, session):
    phone, page, _receipt = receiving_phone(phone_factory, session)
    background = "getComputedStyle(document.getElementById('feedback')).backgroundColor"
    seen = {}
    for code, result in ((TEA, "ok"), ("ZL-NOPE-99", "error"), (MILK, "question")):
        phone.scan(code)
        expect(page.locator("#feedback")).to_have_attribute("data-result", result)
        seen[result] = page.evaluate(background)
    page.wait_for_timeout(300)
    vibrations = page.evaluate("window.__vibrations")
    assert len(vibrations) == 3, f"one vibration per answer: {vibrations}"
    assert len(set(vibrations)) == 3, "ok, error and question feel different"
    assert len(set(seen.values())) == 3, f"ok, error and question look different: {seen}"
    assert page.locator("#feedback .word").inner_text() != "OK"
    assert entries(session) == 1, "asking for the lot received nothing"


def test_thirty_seconds_offline_five_scans_then_online_five_answers_in_order_without_a_tap(phone_factory, session,
                                                                                         screenshot):
    wh, receipt = world(session, others=OTHER_JANS)
    phone = phone_factory("ja-JP", **SMALL_HANDHELD)
    page = phone.log_in("receiver1")
    page.goto(phone.base_url + f"/receiving/{receipt.id}")
    phone.context.set_offline(True)
    for code in OTHER_JANS:
        wedge(page, code)
        expect(page.locator("#feedback")).to_have_attribute("data-result", "offline")
    expect(page.locator("#scan-queue .queue-item")).to_have_count(5)
    assert page.locator("#net-status").get_attribute("data-state") == "offline"
    screenshot(page, "offline-scans-kept")
    page.wait_for_timeout(30_000)
    assert entries(session) == 0
    phone.context.set_offline(False)
    wait_until_all_sent(page, 5, timeout=30)
    assert page.locator("#net-status").get_attribute("data-state") == "done"
    session.rollback()
    received = session.scalars(
        select(Product.sku).join(ReceiptEntry, ReceiptEntry.product_id == Product.id).order_by(ReceiptEntry.id)
    ).all()
    assert received == [f"ITEM-{n}" for n in range(1, 6)], "in the order scanned, each once"
    assert session.scalar(select(func.count()).select_from(StockMove)) == 5
    phone.problems.clear()  # Chromium logs the requests that failed while offline


def test_scans_kept_offline_survive_a_closed_tab_and_go_when_the_screen_opens_again(phone_factory, session):
    wh, receipt = world(session, others=OTHER_JANS)
    phone = phone_factory("ja-JP", **SMALL_HANDHELD)
    page = phone.log_in("receiver1")
    url = phone.base_url + f"/receiving/{receipt.id}"
    page.goto(url)
    phone.context.set_offline(True)
    for code in OTHER_JANS:
        wedge(page, code)
    expect(page.locator("#scan-queue .queue-item")).to_have_count(5)
    page.close()
    phone.context.set_offline(False)
    assert entries(session) == 0
    page = phone.context.new_page()
    page.goto(url)
    wait_until_all_sent(page, 5, timeout=30)
    session.rollback()
    received = session.scalars(
        select(Product.sku).join(ReceiptEntry, ReceiptEntry.product_id == Product.id).order_by(ReceiptEntry.id)
    ).all()
    assert received == [f"ITEM-{n}" for n in range(1, 6)]
    assert OTHER_JANS[0] not in page.evaluate("JSON.stringify(localStorage)"), "sent scans are no longer kept"
    phone.problems.clear()


@pytest.mark.parametrize("profile, locale", [(SMALL_HANDHELD, "ja-JP"), (IPHONE, "en-US")], ids=["360x560-ja", "iphone-en"])
def test_the_receiving_answer_is_visible_without_scrolling_and_nothing_breaks_or_is_too_small(
        phone_factory, session, profile, locale, screenshot):
    phone, page, _receipt = receiving_phone(phone_factory, session, profile=profile, locale=locale)
    assert_phone_layout(page)
    phone.scan(TEA)
    expect(page.locator("#feedback")).to_have_attribute("data-result", "ok")
    height = profile["viewport"]["height"]
    assert bottom_of(page, "#feedback") <= height and bottom_of(page, "#line-progress") <= height
    assert page.locator("#line-progress").inner_text().split()[-3:] == ["1", "/", "2"]
    assert page.locator("#task-pos").inner_text().replace(" ", "") == "1/17"
    assert_phone_layout(page)
    phone.scan(MILK)
    expect(page.locator("#feedback")).to_have_attribute("data-result", "question")
    assert_phone_layout(page)


@pytest.mark.parametrize("profile, locale", [(SMALL_HANDHELD, "ja-JP"), (IPHONE, "en-US")], ids=["360x560-ja", "iphone-en"])
def test_the_lookup_shows_its_stock_above_the_fold_and_keeps_ten_scans(phone_factory, session, profile, locale):
    wh = f.warehouse(session, code="TKY", name="東京DC")
    f.user(session, Role.PICKER, login="picker1", warehouses=[wh], all_warehouses=False)
    tea = f.product(session, sku="TEA-500", name="緑茶 500ml", barcode=TEA)
    for n in range(1, 4):
        f.receive(session, tea, f.location(session, wh, code=f"A-01-0{n}-1", pick_sequence=n), 10 * n)
    phone = phone_factory(locale, **profile)
    page = phone.log_in("picker1")
    page.goto(phone.base_url + "/lookup")
    phone.scan(TEA)
    expect(page.locator("#feedback")).to_have_attribute("data-result", "ok")
    first_row = "#result table.stock tbody tr"
    assert bottom_of(page, first_row) <= profile["viewport"]["height"], "the first stock line is above the fold"
    assert_phone_layout(page)
    for _ in range(11):
        phone.scan(TEA)
        page.wait_for_timeout(50)
    expect(page.locator("#history li")).to_have_count(10)
    assert top_of(page, "#feedback") < profile["viewport"]["height"]


def test_putaway_has_a_way_back_a_visible_default_and_asks_before_a_shelf_of_another_product(phone_factory, session,
                                                                                            screenshot):
    wh, _receipt = world(session)
    dock = standard_location(session, wh.id, LocationKind.DOCK)
    tea = session.scalar(select(Product).where(Product.sku == "TEA-500"))
    snack = session.scalar(select(Product).where(Product.sku == "SNACK-1"))
    f.receive(session, tea, dock, 6)
    f.receive(session, snack, f.location(session, wh, code="A-01-03-1", pick_sequence=30), 2)
    phone = phone_factory("ja-JP", **SMALL_HANDHELD)
    page = phone.log_in("receiver1")
    page.goto(phone.base_url + "/putaway")
    phone.scan(TEA)
    expect(page.locator("#step")).to_have_attribute("data-stage", "location")
    assert page.locator("#qty").input_value() == "6" and "6" in page.locator("#qty-default").inner_text()
    assert_phone_layout(page)
    page.tap("#back")
    expect(page.locator("#step")).to_have_attribute("data-stage", "item")
    phone.scan(TEA)
    expect(page.locator("#step")).to_have_attribute("data-stage", "location")
    page.fill("#qty", "4")
    phone.scan("ZL-A-01-03-1")  # holds SNACK-1
    expect(page.locator("#feedback")).to_have_attribute("data-result", "confirm")
    assert "SNACK-1" in page.locator("#feedback").inner_text()
    assert_phone_layout(page)
    screenshot(page, "putaway-asks-first")
    page.tap("#decline")
    expect(page.locator("#step")).to_have_attribute("data-stage", "location")
    page.fill("#qty", "4")
    phone.scan("ZL-A-01-03-1")
    expect(page.locator("#feedback")).to_have_attribute("data-result", "confirm")
    page.tap("#confirm")
    expect(page.locator("#feedback")).to_have_attribute("data-result", "ok")
    assert "A-01-03-1" in page.locator("#feedback").inner_text()
    assert "2" in page.locator("#dock").inner_text()
