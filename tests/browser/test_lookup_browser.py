"""在庫照会 on a phone: the whole scan loop in real Chromium — typed scans, a scanner burst,
a dropped connection, the camera's photo fallback, both languages."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from app.auth.models import Role
from app.floor.models import ScanRecord
from tests import factories as f
from tests.browser.layout import assert_phone_layout
from tests.photos import phone_photo

JANS = ["4901234567894", "4549131970258", "4902102072618", "4901085089422", "4987176014368"]


def stock_world(session):
    wh = f.warehouse(session, code="TKY", name="東京DC")
    f.user(session, Role.PICKER, login="picker1", warehouses=[wh], all_warehouses=False)
    near = f.location(session, wh, code="A-01-01-1", pick_sequence=10)
    far = f.location(session, wh, code="C-12-04-3", pick_sequence=990)
    products = []
    for n, jan in enumerate(JANS):
        product = f.product(session, sku=f"SKU-{n + 1}", name=f"緑茶 {n + 1}", barcode=jan)
        f.receive(session, product, far, 2 + n)
        f.receive(session, product, near, 10 + n)
        products.append(product)
    return products


def test_a_typed_scan_shows_the_product_where_it_is_and_what_is_available(phone, session, screenshot):
    stock_world(session)
    page = phone.log_in("picker1")
    page.goto(phone.base_url + "/lookup")
    code = page.locator('#step input[name="code"]')
    assert code.evaluate("e => e === document.activeElement")
    phone.scan(JANS[0])
    feedback = phone.answered("ok")
    assert "SKU-1" in feedback.inner_text()
    card = page.locator("#result")
    assert card.get_attribute("data-kind") == "product"
    rows = card.locator("tbody tr td:first-child").all_inner_texts()
    assert rows == ["A-01-01-1", "C-12-04-3"]
    assert page.locator("#available").inner_text() == "12"
    assert page.locator('#step input[name="code"]').evaluate("e => e === document.activeElement && e.value === ''")
    assert page.locator("#history li").count() == 1
    assert_phone_layout(page)
    screenshot(page, "lookup")


def test_an_unknown_code_is_a_clear_error_in_japanese_and_in_english(phone_factory, session):
    stock_world(session)
    ja = phone_factory("ja-JP")
    page = ja.log_in("picker1")
    page.goto(ja.base_url + "/lookup")
    ja.scan("4900000000009")
    feedback = ja.answered("error")
    assert feedback.get_attribute("role") == "alert"
    assert "4900000000009" in feedback.inner_text() and "バーコード" in feedback.inner_text()

    en = phone_factory("en-US")
    page = en.log_in("picker1")
    with page.expect_navigation():
        page.tap('button[name="lang"][value="en"]')
    page.goto(en.base_url + "/lookup")
    en.scan("XYZ-NOT-A-CODE")
    assert "Unknown barcode: XYZ-NOT-A-CODE" in en.answered("error").inner_text()



def test_a_burst_of_five_scans_faster_than_the_network_gets_five_answers_in_order(phone, session, slow_network):
    stock_world(session)
    page = phone.log_in("picker1")
    page.goto(phone.base_url + "/lookup")
    slow_network["/lookup"] = 0.4
    page.locator('#step input[name="code"]').focus()
    for jan in JANS:  # a keyboard-wedge scanner: the digits and Enter within milliseconds
        page.keyboard.type(jan + "\n")
    assert page.locator("#feedback").get_attribute("data-result") == "pending"
    expect(page.locator("#history li")).to_have_count(5, timeout=15_000)
    codes = page.locator("#history li .h-code").all_inner_texts()
    assert codes == list(reversed(JANS))
    assert "SKU-5" in phone.answered("ok").inner_text()


def test_a_dropped_connection_keeps_the_scan_and_retry_sends_it_once(phone, session):
    stock_world(session)
    page = phone.log_in("picker1")
    page.goto(phone.base_url + "/lookup")
    dropped = []

    def lose_the_answer(route):
        if route.request.method == "POST" and not dropped:
            route.fetch()  # the server answers, the phone never hears it
            dropped.append(route.request.post_data)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/lookup", lose_the_answer)
    phone.scan(JANS[1])
    feedback = phone.answered("offline")
    assert JANS[1] in feedback.inner_text()
    retry = feedback.locator('button[name="retry"]')
    assert retry.is_visible()
    retry.tap()
    assert "SKU-2" in phone.answered("ok").inner_text()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ScanRecord).where(ScanRecord.code == JANS[1])) == 1
    phone.problems.clear()  # the dropped request is logged by Chromium


def test_the_camera_button_falls_back_to_a_photo_that_resolves_the_product(phone, session, tmp_path):
    stock_world(session)
    page = phone.log_in("picker1")
    page.goto(phone.base_url + "/lookup")
    photo = tmp_path / "shelf.jpg"
    photo.write_bytes(phone_photo("ean13", megapixels=3, seed=11, content=JANS[2]).jpeg)
    with page.expect_file_chooser() as chooser:
        page.tap("[data-camera]")
    chooser.value.set_files(str(photo))
    assert "SKU-3" in phone.answered("ok").inner_text()
    assert page.locator("#history li .h-code").first.inner_text() == JANS[2]
