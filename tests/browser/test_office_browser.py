"""Office screens on a phone (360 px, Japanese browser): a supervisor uploads an ASN file and
creates a range of shelves, in real Chromium."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from app.auth.models import Role
from app.stock.models import Tracking
from app.timeutil import local_today
from tests import factories as f
from tests.browser.layout import assert_phone_layout

JAN = "4901234567894"


def office_world(session):
    wh = f.warehouse(session, code="TKY", name="東京DC")
    f.user(session, Role.SUPERVISOR, login="super1")
    f.product(session, tracking=Tracking.LOT_EXPIRY, sku="TEA-500", name="伊右衛門 緑茶 500ml", barcode=JAN)
    f.product(session, sku="SOAP-1", name="石けん 3個パック")
    return wh


def asn_file(today) -> bytes:
    arrives, expiry = today + timedelta(days=2), today + timedelta(days=200)
    return ("入荷番号,仕入先,入荷予定日,商品コード,JANコード,数量,ロット,賞味期限\r\n"
            f"ASN-7781,伊藤園 株式会社,{arrives:%Y/%m/%d},,{JAN},48,L2611A,{expiry:%Y/%m/%d}\r\n"
            f"ASN-7781,伊藤園 株式会社,{arrives:%Y/%m/%d},SOAP-1,,12,,\r\n").encode("cp932")


def test_a_supervisor_uploads_a_shift_jis_receipts_file_and_sees_the_new_receipt(phone, session, screenshot):
    office_world(session)
    page = phone.log_in("super1")
    page.goto(phone.base_url + "/receipts")
    expect(page.locator("#no-waiting")).to_be_visible()
    page.tap("#import-receipts")
    page.wait_for_url("**/receipts/import")
    assert_phone_layout(page)
    page.set_input_files("#file", files=[{"name": "bad.csv", "mimeType": "text/csv",
                                          "buffer": "仕入先,入荷予定日,商品コード,数量\r\nA,2026/12/01,NOPE,1\r\n".encode("cp932")}])
    with page.expect_navigation():
        page.tap("#import-submit")
    errors = page.locator("#import-errors")
    expect(errors).to_be_visible()
    assert errors.locator("tbody tr").first.get_attribute("data-row") == "2"
    assert "NOPE" in errors.inner_text()
    assert_phone_layout(page)
    page.set_input_files("#file", files=[{"name": "asn.csv", "mimeType": "text/csv", "buffer": asn_file(local_today())}])
    with page.expect_navigation():
        page.tap("#import-submit")
    page.wait_for_url("**/receipts")
    code = f"ZR-{local_today():%Y%m%d}-001"
    expect(page.locator("#messages [data-result=ok]")).to_contain_text(code)
    card = page.locator(f'#waiting a[data-code="{code}"]')
    expect(card).to_contain_text("伊藤園 株式会社")
    expect(card).to_contain_text("ASN-7781")
    assert_phone_layout(page)
    screenshot(page, "receipts")
    card.tap()
    page.wait_for_url("**/receipts/*")
    assert page.locator("#receipt-code").inner_text() == code
    rows = page.locator("#receipt-lines tbody tr")
    assert [rows.nth(i).get_attribute("data-sku") for i in range(rows.count())] == ["TEA-500", "SOAP-1"]
    assert [rows.nth(i).get_attribute("data-expected") for i in range(rows.count())] == ["48", "12"]
    assert_phone_layout(page)


def test_a_supervisor_creates_a_range_of_shelves_and_deactivates_an_empty_one(phone, session, screenshot):
    office_world(session)
    page = phone.log_in("super1")
    page.goto(phone.base_url + "/admin/locations/range")
    assert_phone_layout(page)
    page.fill("#zones", "ZR")
    with page.expect_navigation():
        page.tap("#range-submit")
    expect(page.locator("#error-zones")).to_contain_text("ZR-")
    page.fill("#zones", "A-B")
    for field, value in (("aisle_from", "1"), ("aisle_to", "3"), ("rack_from", "1"), ("rack_to", "5"),
                         ("level_from", "1"), ("level_to", "4")):
        page.fill(f"#{field}", value)
    assert_phone_layout(page)
    with page.expect_navigation():
        page.tap("#range-submit")
    page.wait_for_url("**/admin/locations?zone=A")
    expect(page.locator("#messages [data-result=ok]")).to_contain_text("120")
    expect(page.locator("#location-count")).to_contain_text("60")
    codes = page.locator("#locations tbody tr").evaluate_all("rows => rows.slice(0, 6).map(r => r.dataset.code)")
    assert codes == ["A-01-01-1", "A-01-01-2", "A-01-01-3", "A-01-01-4", "A-01-02-1", "A-01-02-2"]
    assert_phone_layout(page)
    screenshot(page, "locations")
    row = page.locator('#locations tr[data-code="A-01-01-1"]')
    row.locator("button").tap()  # one tap asks first
    expect(page.locator('#locations tr[data-code="A-01-01-1"] button[name="confirm"][value="1"]')).to_be_visible()
    assert page.locator('#locations tr[data-code="A-01-01-1"]').get_attribute("data-active") == "true"
    assert_phone_layout(page)
    page.locator('#locations tr[data-code="A-01-01-1"] button[name="confirm"][value="1"]').tap()
    expect(page.locator('#locations tr[data-code="A-01-01-1"]')).to_have_attribute("data-active", "false")
    expect(page.locator('#locations tr[data-code="A-01-01-1"] .row-message')).to_be_visible()
    assert_phone_layout(page)
