"""The office on a tablet, in Japanese (issue 15), in real Chromium: an admin creates a picker with a
badge and a PIN, the picker logs in with them on a phone; a supervisor changes a product's barcode,
the lookup finds the product by the new code, and the product's page shows the changes, newest first."""
from __future__ import annotations

from playwright.sync_api import expect

from app.auth.models import Role
from app.barcodes.checkdigit import with_check_digit
from tests import factories as f
from tests.browser.layout import assert_phone_layout
from tests.browser.test_accessibility_browser import AXE_RUN, AXE_SOURCE, format_violations

TABLET = {
    "viewport": {"width": 820, "height": 1180},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
}
OLD_JAN = "4901234567894"
NEW_JAN = with_check_digit("490123456790")


def office_world(session):
    wh = f.warehouse(session, code="TKY", name="東京DC")
    f.user(session, Role.ADMIN, login="admin1")
    f.user(session, Role.SUPERVISOR, login="super1", warehouses=[wh], all_warehouses=False)
    product = f.product(session, sku="TEA-500", name="伊右衛門 緑茶 500ml", barcode=OLD_JAN)
    f.receive(session, product, f.location(session, wh, code="A-01-01-1", pick_sequence=10), 12)
    return wh, product


def test_an_admin_creates_a_picker_who_logs_in_with_the_badge_and_pin_on_a_phone(phone_factory, session, screenshot):
    office_world(session)
    tablet = phone_factory("ja-JP", **TABLET)
    page = tablet.log_in("admin1")
    page.goto(tablet.base_url + "/")
    page.tap('a[data-screen="users"]')
    page.wait_for_url("**/admin/users")
    assert_phone_layout(page)
    page.tap("#new-user")
    page.wait_for_url("**/admin/users/new")
    page.fill("#login", "hana")
    page.fill("#name", "山田 花子")
    expect(page.locator("#role-picker")).to_be_checked()
    page.check("#warehouse-TKY")
    expect(page.locator("#badge")).to_be_checked()
    expect(page.locator("#pin-mode-make")).to_be_checked()
    expect(page.locator("#password-mode-none")).to_be_checked()
    assert_phone_layout(page)
    screenshot(page, "office-new-user")
    with page.expect_navigation():
        page.tap("#create-user")
    expect(page.locator("#shown-title")).to_contain_text("hana を作成しました")
    badge = page.locator("#shown-badge").inner_text()
    pin = page.locator("#shown-pin").inner_text()
    assert badge.startswith("ZU-") and len(pin) == 6
    assert_phone_layout(page)

    phone = phone_factory("ja-JP")
    floor = phone.open("/login")
    floor.tap("#tab-badge")
    floor.locator('input[name="code"]').type(badge)
    floor.locator('input[name="code"]').press("Enter")
    floor.locator('input[name="pin"]').type(pin)
    with floor.expect_navigation():
        floor.locator('input[name="pin"]').press("Enter")
    floor.wait_for_url("**/profile/first**")
    expect(floor.locator("#first-secret-why")).to_contain_text("PIN")
    assert_phone_layout(floor)
    floor.fill("#new", "7395")
    floor.fill("#repeat", "7395")
    with floor.expect_navigation():
        floor.tap("#first-secret-submit")
    assert floor.locator("#current-login").inner_text() == "hana"
    assert "ピッキング" in floor.locator(".menu-item strong").all_inner_texts()

    page.goto(tablet.base_url + "/admin/users?q=hana")
    page.tap('tr[data-login="hana"] a')
    history = page.locator("#history")
    expect(history).to_contain_text("作成")
    expect(history.locator('li[data-field="pin"]')).to_have_count(1)  # the PIN the picker chose
    assert pin not in page.content()


def test_a_supervisor_changes_a_barcode_and_the_lookup_finds_the_new_code(phone_factory, session, screenshot):
    _wh, product = office_world(session)
    tablet = phone_factory("ja-JP", **TABLET)
    page = tablet.log_in("super1")
    page.goto(tablet.base_url + "/admin/products")
    page.fill("#q", OLD_JAN)
    with page.expect_navigation():
        page.press("#q", "Enter")
    page.tap('tr[data-sku="TEA-500"] a')
    page.wait_for_url(f"**/admin/products/{product.id}")
    assert_phone_layout(page)
    page.fill("#barcode-0", "4901234567890")  # a wrong check digit first
    with page.expect_navigation():
        page.tap("#save-product")
    expect(page.locator("#error-barcode-0")).to_contain_text("チェックデジット")
    page.fill("#barcode-0", NEW_JAN)
    with page.expect_navigation():
        page.tap("#save-product")
    expect(page.locator("#messages [data-result=ok]")).to_be_visible()
    page.fill("#min_shelf_life_days", "30")
    with page.expect_navigation():
        page.tap("#save-product")
    lines = page.locator("#history li")
    fields = [lines.nth(i).get_attribute("data-field") for i in range(lines.count())]
    assert fields[:2] == ["min_shelf_life_days", "barcode"] and fields[-1] == "created"  # newest first
    expect(lines.nth(1)).to_contain_text(OLD_JAN)
    expect(lines.nth(1)).to_contain_text(NEW_JAN)
    expect(lines.nth(0)).to_contain_text("30")
    assert_phone_layout(page)
    screenshot(page, "office-product")

    page.goto(tablet.base_url + "/lookup")
    tablet.scan(NEW_JAN)
    expect(tablet.answered("ok")).to_contain_text("TEA-500")
    tablet.scan(OLD_JAN)
    tablet.answered("error")


def test_every_office_screen_of_issue_15_lays_out_on_a_phone_and_passes_axe(phone, session):
    wh, product = office_world(session)
    hana = f.user(session, Role.PICKER, login="hana", badge="ZU-HANA01", pin="4826", warehouses=[wh],
                  all_warehouses=False)
    shelf = f.location(session, wh, code="B-01-01-1")
    page = phone.log_in("admin1")
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{hana.id}", "/admin/warehouses",
                 "/admin/warehouses/new", f"/admin/warehouses/{wh.id}", "/admin/settings", "/admin/products",
                 "/admin/products/new", f"/admin/products/{product.id}", f"/admin/locations/{shelf.id}", "/team",
                 "/profile", "/profile/password", "/profile/pin"):
        page.goto(phone.base_url + path)
        assert page.locator("#main").count() == 1, path
        assert_phone_layout(page)
        page.evaluate(AXE_SOURCE)
        violations = [dict(v, nodes=[n for n in v["nodes"] if not n["shell"]]) for v in page.evaluate(AXE_RUN)["violations"]]
        violations = [v for v in violations if v["nodes"]]
        assert violations == [], f"axe on {path}:\n{format_violations(violations)}"
