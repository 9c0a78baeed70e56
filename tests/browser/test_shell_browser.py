"""Logging in on a phone and finding one's way: real Chromium, 360 px wide."""
from __future__ import annotations

from app.auth.models import Role
from tests import factories as f
from tests.browser.layout import assert_phone_layout

def test_a_picker_logs_in_with_id_and_password_and_sees_home_in_japanese(phone, session, screenshot):
    f.warehouse(session, code="TKY", name="東京DC")
    f.user(session, Role.PICKER, login="picker1", password="picker1-pass")
    page = phone.open("/")
    assert page.url.endswith("/login?next=/")
    assert_phone_layout(page)
    screenshot(page, "login")
    page.fill('input[name="login"]', "picker1")
    page.fill('input[name="password"]', "picker1-pass")
    with page.expect_navigation():
        page.tap('button[type="submit"]:has-text("ログイン")')
    assert page.locator("#current-login").inner_text() == "picker1"
    assert page.locator("#current-warehouse").inner_text() == "TKY"
    menu = page.locator(".menu-item strong").all_inner_texts()
    assert "ピッキング" in menu and "在庫照会" in menu and "入荷" not in menu
    assert page.locator("#logout").is_visible()
    assert_phone_layout(page)
    screenshot(page, "home")


def test_a_receiver_logs_in_by_scanning_a_badge_and_typing_a_pin(phone, session):
    f.warehouse(session)
    f.user(session, Role.RECEIVER, login="receiver1", badge="ZU-RCV001", pin="2468")
    page = phone.open("/login")
    page.tap("#tab-badge")
    code = page.locator('input[name="code"]')
    code.type("ZU-RCV001")
    code.press("Enter")
    assert page.locator('input[name="pin"]').evaluate("e => e === document.activeElement")
    page.locator('input[name="pin"]').type("2468")
    page.locator('input[name="pin"]').press("Enter")
    page.wait_for_url("**/")
    assert page.locator("#current-login").inner_text() == "receiver1"
    assert "入荷" in page.locator(".menu-item strong").all_inner_texts()
    assert_phone_layout(page)


def test_wrong_credentials_show_a_clear_message_in_the_users_language(phone_factory, session):
    f.user(session, login="someone")
    phone = phone_factory(locale="en-US")
    page = phone.open("/login")
    page.fill('input[name="login"]', "someone")
    page.fill('input[name="password"]', "wrong")
    page.press('input[name="password"]', "Enter")
    feedback = page.locator("#feedback")
    assert feedback.get_attribute("data-result") == "error"
    assert "check your ID and password" in feedback.inner_text()


def test_switching_to_english_changes_the_home_screen(phone, session):
    f.warehouse(session)
    f.user(session, Role.SUPERVISOR, login="super1")
    page = phone.open("/login")
    page.fill('input[name="login"]', "super1")
    page.fill('input[name="password"]', "pass-1234")
    page.press('input[name="password"]', "Enter")
    page.wait_for_url("**/")
    assert "ピッキング" in page.locator("#menu-floor").inner_text()
    with page.expect_navigation():
        page.tap('button[name="lang"][value="en"]')
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Picking" in page.locator("#menu-floor").inner_text()
    assert "Count review" in page.locator("#menu-office").inner_text()
    assert page.locator("#logout").inner_text() == "Log out"
    assert_phone_layout(page)


def test_the_sound_toggle_is_remembered_on_the_device(phone, session):
    f.warehouse(session)
    f.user(session, login="quiet")
    page = phone.open("/login")
    page.fill('input[name="login"]', "quiet")
    page.fill('input[name="password"]', "pass-1234")
    page.press('input[name="password"]', "Enter")
    page.wait_for_url("**/")
    toggle = page.locator("[data-mute-toggle]")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.tap()
    assert toggle.get_attribute("aria-pressed") == "true"
    page.reload()
    assert page.locator("[data-mute-toggle]").get_attribute("aria-pressed") == "true"
    assert page.locator("[data-mute-toggle] .when-off").is_visible()
