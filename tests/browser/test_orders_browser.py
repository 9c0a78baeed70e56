"""Orders on a phone (360 px, Japanese browser): a supervisor ticks two allocated orders, gives
them to a picker as one pick list by tapping, and sees the list with its picker; every orders
screen fits the phone."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.models import Role
from app.orders import service
from app.orders.picklists import PickList
from app.stock.ledger import LotSpec
from app.stock.models import Tracking
from app.timeutil import local_today
from tests import factories as f
from tests.browser.layout import assert_phone_layout as assert_layout_rules

TODAY = local_today()
# Rakuten's order numbers make the longest order codes.
LONG_ID = "788860-20261201-0000000196"


def assert_phone_layout(page) -> None:
    """layout.py's rules, and the page is really laid out at 360 px: a mobile browser widens its
    layout viewport to content that does not fit (innerWidth grows with it), so scrollWidth alone
    cannot tell."""
    assert_layout_rules(page)
    widths = page.evaluate("() => [window.innerWidth, document.documentElement.clientWidth]")
    assert widths == [360, 360], f"laid out wider than the phone: {widths}"


def orders_world(session):
    wh = f.warehouse(session, code="TKY", name="東京DC")
    f.user(session, Role.SUPERVISOR, login="super1")
    picker = f.user(session, Role.PICKER, login="picker1", warehouses=[wh], all_warehouses=False)
    tea = f.product(session, tracking=Tracking.LOT_EXPIRY, sku="TEA-500", name="伊右衛門 緑茶 500ml",
                    min_shelf_life_days=30)
    soap = f.product(session, sku="SOAP-1", name="石けん 3個パック")
    f.receive(session, tea, f.location(session, wh, code="A-01-01-1", pick_sequence=10), 24,
              lot=LotSpec("L2611A", TODAY + timedelta(days=200)))
    f.receive(session, soap, f.location(session, wh, code="A-01-02-1", pick_sequence=20), 4)
    made = []
    for channel, external_id, lines, ship_by in (("amazon", "250-1111111-2222222", {tea: 2, soap: 1}, TODAY),
                                                 ("amazon", "250-3333333-4444444", {tea: 6}, TODAY),
                                                 ("rakuten", LONG_ID, {soap: 9}, TODAY + timedelta(days=1))):
        draft = service.DraftOrder(channel, external_id, "山田 花子",
                                   [service.DraftLine(p.id, q) for p, q in lines.items()], ship_by=ship_by)
        order = service.create_order(session, wh.id, draft, user_id=None)
        service.allocate_order(session, order.id, user_id=None)
        made.append(order)
    return wh, picker, made


def test_a_supervisor_builds_a_pick_list_for_a_picker_by_tapping(phone, session, screenshot):
    wh, picker, (first, second, short) = orders_world(session)
    page = phone.log_in("super1")
    page.goto(phone.base_url + "/orders")
    cards = page.locator("#orders li.order-card")
    expect(cards).to_have_count(3)
    short_card = page.locator(f'#orders li[data-code="{short.code}"]')
    assert short_card.get_attribute("data-backordered") == "6"
    expect(short_card).to_contain_text("欠品")
    assert_phone_layout(page)
    screenshot(page, "orders")

    page.tap(f"#choose-{first.id}")
    page.tap(f"#choose-{second.id}")
    expect(page.locator(f"#choose-{first.id}")).to_be_checked()
    page.locator("#picker").select_option(label="テスト 太郎 (picker1)")
    page.locator("#build-wave").scroll_into_view_if_needed()
    assert_phone_layout(page)
    with page.expect_navigation():
        page.tap("#build-wave")
    page.wait_for_url("**/orders/waves")

    session.expire_all()
    [pick_list] = session.scalars(select(PickList)).all()
    assert pick_list.assigned_to_id == picker.id
    message = page.locator("#messages [data-result=ok]")
    expect(message).to_contain_text(pick_list.code)
    expect(message).to_contain_text("テスト 太郎")
    card = page.locator(f'#open-lists li[data-code="{pick_list.code}"]')
    expect(card).to_contain_text("テスト 太郎")
    expect(card).to_contain_text(f"{first.code}, {second.code}")
    assert card.get_attribute("data-lines") == "3" and card.get_attribute("data-lines-done") == "0"
    assert_phone_layout(page)
    screenshot(page, "pick-lists")

    page.goto(phone.base_url + "/orders")
    expect(page.locator(f'#orders li[data-code="{first.code}"]')).to_contain_text(pick_list.code)
    expect(page.locator(f"#choose-{short.id}")).to_be_visible()


def test_every_orders_screen_fits_a_phone(phone, session):
    wh, picker, (first, _second, short) = orders_world(session)
    page = phone.log_in("super1")
    for path in ("/orders/new", "/orders/import", "/orders/waves", f"/orders/{first.id}", f"/orders/{short.id}"):
        page.goto(phone.base_url + path)
        assert_phone_layout(page)
    page.goto(phone.base_url + f"/orders/{first.id}")
    rows = page.locator("#order-lines li.order-line")
    expect(rows).to_have_count(2)
    assert rows.first.locator("tbody tr").first.get_attribute("data-location") == "A-01-01-1"
    page.fill("#reason-1", "店舗催事で当日消化")
    with page.expect_navigation():
        page.tap("#override-form-1 button")
    expect(page.locator("#override-1")).to_contain_text("店舗催事で当日消化")
    assert_phone_layout(page)
    page.goto(phone.base_url + "/orders/new")
    page.fill("#external_id", "R-1")
    with page.expect_navigation():
        page.tap("#create-order")
    expect(page.locator("#form-errors")).to_be_visible()
    assert_phone_layout(page)
