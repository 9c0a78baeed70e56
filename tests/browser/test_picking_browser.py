"""ピッキング on a phone, in Japanese: a two-order wave walked one way into two totes, with a wrong
shelf, a wrong item, a lot swap, a short pick re-allocated from another shelf and one that
backorders; and the spoken prompts handed to the browser's speech API."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.models import Role
from app.orders import service as orders
from app.orders.models import Order, OrderStatus
from app.orders.waves import build_wave
from app.stock.ledger import LotSpec
from app.stock.models import Discrepancy, Tracking
from app.stock.verify import verify
from app.timeutil import local_today
from tests import factories as f
from tests.browser.layout import assert_phone_layout

TEA, MILK, SNACK = "4901234567894", "4912345678904", "4902102072618"


def wave(session):
    today = local_today()
    wh = f.warehouse(session, code="TKY", name="東京DC")
    picker = f.user(session, Role.PICKER, login="picker1", warehouses=[wh], all_warehouses=False)
    shelves = {code: f.location(session, wh, code=code, pick_sequence=seq)
               for code, seq in (("A-01-01-1", 10), ("A-01-02-1", 20), ("B-01-01-1", 30), ("C-01-01-1", 40))}
    tea = f.product(session, sku="TEA-500", name="緑茶 500ml", barcode=TEA)
    milk = f.product(session, sku="MILK-1L", name="牛乳 1L", barcode=MILK, tracking=Tracking.LOT_EXPIRY)
    snack = f.product(session, sku="SNACK-1", name="せんべい", barcode=SNACK)
    f.receive(session, tea, shelves["A-01-01-1"], 10)
    f.receive(session, tea, shelves["B-01-01-1"], 5)
    f.receive(session, milk, shelves["A-01-02-1"], 3, LotSpec("L-NEAR", today + timedelta(days=30)))
    f.receive(session, milk, shelves["A-01-02-1"], 5, LotSpec("L-FAR", today + timedelta(days=90)))
    f.receive(session, snack, shelves["C-01-01-1"], 1)
    o1 = orders.create_order(session, wh.id, orders.DraftOrder("rakuten", "100-1", "山田 花子", [
        orders.DraftLine(tea.id, 3), orders.DraftLine(milk.id, 2)]), user_id=None)
    o2 = orders.create_order(session, wh.id, orders.DraftOrder("amazon", "249-1", "佐藤 一郎", [
        orders.DraftLine(tea.id, 1), orders.DraftLine(snack.id, 1)]), user_id=None)
    for order in (o1, o2):
        orders.allocate_order(session, order.id, user_id=None)
    pick_list = build_wave(session, wh.id, [o1.id, o2.id], assigned_to_id=picker.id, user_id=None)
    f.receive(session, milk, shelves["A-01-02-1"], 4, LotSpec("L-SAME", today + timedelta(days=30)))
    return pick_list, o1, o2


def gs1(gtin13: str, lot: str, expiry) -> str:
    return "]C1010" + gtin13 + f"17{expiry:%y%m%d}" + "10" + lot


def at_stage(page, stage: str, expected: str | None = None):
    selector = f'#step[data-stage="{stage}"]'
    if expected:
        selector += f' #prompt[data-expected="{expected}"]'
    page.wait_for_selector(selector)


def test_a_picker_walks_a_two_order_wave_into_two_totes(phone, session, screenshot):
    pick_list, o1, o2 = wave(session)
    page = phone.log_in("picker1")
    page.goto(phone.base_url + "/picking")
    expect(page.locator("#my-lists")).to_contain_text(pick_list.code)
    page.tap(f"#my-lists a")
    page.wait_for_url(f"**/picking/{pick_list.id}")
    assert "1" in page.locator("#prompt").inner_text() and "ZO-RKT-100-1" in page.locator("#step").inner_text()

    phone.scan("ZT-0001")
    expect(page.locator("#feedback")).to_contain_text("ZT-0001")
    phone.scan("ZT-0002")
    at_stage(page, "shelf", "A-01-01-1")
    assert page.locator("#shelf").inner_text() == "A-01-01-1"
    expect(page.locator("#task-pos")).to_contain_text("1 / 4")
    assert_phone_layout(page)
    screenshot(page, "picking")

    phone.scan("B-01-01-1")  # wrong shelf
    expect(phone.answered("error")).to_contain_text("A-01-01-1")
    phone.scan("A-01-01-1")
    at_stage(page, "item")
    phone.scan(SNACK)  # wrong item
    expect(phone.answered("error")).to_contain_text("TEA-500")
    phone.scan(TEA)
    expect(phone.answered("ok")).to_contain_text("ZT-0001")
    expect(page.locator("#remaining")).to_have_text("2")

    page.tap("#short")  # 「ここに足りない」
    expect(phone.answered("confirm")).to_contain_text("A-01-01-1")
    page.tap("#confirm")
    expect(phone.answered("ok")).to_contain_text("他の棚")
    # the second order's tea is on the same shelf: no second shelf scan
    at_stage(page, "item")
    expect(page.locator("#tote")).to_contain_text("ZT-0002")
    phone.scan(TEA)
    at_stage(page, "shelf", "A-01-02-1")
    expect(page.locator("#lot")).to_contain_text("L-NEAR")

    phone.scan("A-01-02-1")
    at_stage(page, "item")
    page.fill("#qty", "2")
    phone.scan(gs1(MILK, "L-SAME", local_today() + timedelta(days=30)))  # as good by FEFO: the reservation moves
    at_stage(page, "shelf", "B-01-01-1")
    expect(page.locator("#feedback")).to_contain_text("ロット")

    phone.scan("B-01-01-1")
    at_stage(page, "item")
    page.fill("#qty", "2")
    phone.scan(TEA)
    at_stage(page, "shelf", "C-01-01-1")
    phone.scan("C-01-01-1")
    at_stage(page, "item")
    page.tap("#short")
    phone.answered("confirm")
    page.tap("#confirm")
    at_stage(page, "done")
    expect(page.locator("#feedback")).to_contain_text("欠品")
    expect(page.locator("#totes")).to_contain_text("ZT-0002")

    session.rollback()
    session.expire_all()  # the test's own objects are not expired by a commit
    first = session.get(Order, o1.id)
    assert first.status is OrderStatus.PICKED, [(l.quantity, l.allocated_qty, l.picked_qty) for l in first.lines]
    second = session.get(Order, o2.id)
    assert second.status is not OrderStatus.PICKED and second.backordered == 1
    assert {d.quantity for d in session.scalars(select(Discrepancy))} == {2, 1}
    assert verify(session) == []


def test_spoken_prompts_say_the_shelf_and_quantity_when_switched_on(phone, session):
    pick_list, _o1, _o2 = wave(session)
    phone.context.add_init_script("""
        window.__spoken = [];
        window.speechSynthesis.speak = function (u) { window.__spoken.push([u.text, u.lang]); };
        window.speechSynthesis.cancel = function () {};
    """)
    page = phone.log_in("picker1")
    page.goto(f"{phone.base_url}/picking/{pick_list.id}")
    phone.scan("ZT-0001")
    phone.answered("ok")
    phone.scan("ZT-0002")
    at_stage(page, "shelf", "A-01-01-1")
    assert page.evaluate("window.__spoken") == []  # off by default
    page.tap("#speech-toggle")
    expect(page.locator("#speech-toggle")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.__spoken") == [["A-01-01-1、3個", "ja-JP"]]
    phone.scan("A-01-01-1")
    at_stage(page, "item")
    page.fill("#qty", "3")
    phone.scan(TEA)
    at_stage(page, "item")
    expect(page.locator("#tote")).to_contain_text("ZT-0002")  # the second order's line, same shelf
    assert page.evaluate("window.__spoken")[-1] == ["A-01-01-1、1個", "ja-JP"]
