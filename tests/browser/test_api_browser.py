"""The API's screens on a phone (360 px, Japanese browser), in real Chromium: an admin makes a token and
sees it once, registers a webhook, and sets a channel's buffer on the channel stock screen."""
from __future__ import annotations

from playwright.sync_api import expect

from app.api import tokens
from app.auth.models import Role
from app.database import write_transaction
from app.orders.service import ensure_channels
from tests import factories as f
from tests.browser.layout import assert_phone_layout


def api_world(session):
    with write_transaction(session):
        ensure_channels(session)
    wh = f.warehouse(session, code="TKY", name="東京DC")
    f.user(session, Role.ADMIN, login="admin1")
    shelf = f.location(session, wh, code="A-01-01-1")
    tea = f.product(session, sku="TEA-500", name="伊右衛門 緑茶 500ml", barcode="4901234567894")
    f.receive(session, tea, shelf, 20)
    return wh


def test_an_admin_makes_a_token_and_sees_it_once(phone, session, screenshot):
    api_world(session)
    page = phone.log_in("admin1")
    page.goto(phone.base_url + "/admin/api-tokens")
    expect(page.locator("#no-tokens")).to_be_visible()
    assert_phone_layout(page)
    page.fill("#integration", "rakuten-rms")
    page.select_option("#channel", "rakuten")
    page.check("#scope-1")
    page.check('#token-warehouses input[value="TKY"]')
    with page.expect_navigation():
        page.tap("#make-token")
    secret = page.locator("#secret").input_value()
    assert tokens.authenticate(session, secret).integration == "rakuten-rms"
    expect(page.locator("#shown-once")).to_be_visible()
    assert_phone_layout(page)
    screenshot(page, "api-token")
    with page.expect_navigation():
        page.tap("#done")
    expect(page.locator("#tokens [data-state=active]")).to_contain_text("rakuten-rms")
    assert secret not in page.content()
    assert_phone_layout(page)


def test_an_admin_registers_a_webhook_and_sets_a_channel_buffer(phone, session):
    api_world(session)
    page = phone.log_in("admin1")
    page.goto(phone.base_url + "/admin/webhooks")
    page.fill("#integration", "own-shop")
    page.fill("#url", "https://hooks.example.invalid/tana/stock-changed-with-a-rather-long-path-that-must-wrap")
    page.check('#webhook-warehouses input[value="TKY"]')
    with page.expect_navigation():
        page.tap("#register-webhook")
    assert page.locator("#secret").input_value().startswith("whsec_")
    with page.expect_navigation():
        page.tap("#done")
    expect(page.locator("#webhook-url")).to_contain_text("stock-changed")
    assert_phone_layout(page)
    page.goto(phone.base_url + "/channels")
    page.fill("#units-amazon", "5")
    with page.expect_navigation():
        page.tap("#save-amazon")
    expect(page.locator("#messages [data-result=ok]")).to_be_visible()
    row = page.locator('#figures tr[data-sku="TEA-500"]')
    expect(row.locator('td[data-channel="amazon"]')).to_have_text("15")
    expect(row.locator('td[data-channel="rakuten"]')).to_have_text("20")
    assert_phone_layout(page)
