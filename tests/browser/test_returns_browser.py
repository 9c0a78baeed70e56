"""キャンセル, 戻し and 返品 on a phone, in Japanese: an order cancelled before picking (its reservations
let go), one cancelled after picking and its tote put back on a shelf, and a return with one
resaleable unit back on the suggested shelf and one damaged unit scrapped. `stock verify` is
clean after each."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from app.orders.models import Order, OrderStatus
from app.orders.shipments import PutBackStatus, ReturnCondition, ReturnLine
from app.stock.availability import available
from app.stock.verify import verify
from tests import returns_support as rs
from tests.browser.layout import assert_phone_layout


def at_stage(page, stage: str, expected: str | None = None):
    selector = f'#step[data-stage="{stage}"]'
    if expected:
        selector += f' #prompt[data-expected="{expected}"]'
    page.wait_for_selector(selector)


def cancel_on_the_order_page(phone, placed, reason: str):
    page = phone.log_in("boss")
    page.goto(f"{phone.base_url}/orders/{placed.id}")
    page.fill("#cancel-reason", reason)
    with page.expect_navigation():
        page.tap("#cancel-order")
    expect(page.locator("#order-facts [data-status]")).to_have_attribute("data-status", "cancelled")
    expect(page.locator("#cancelled")).to_contain_text(reason)
    return page


def test_an_order_cancelled_before_picking_lets_its_reservations_go(phone, session):
    w = rs.world(session)
    placed = rs.order(session, w, (w.tea, 4), (w.milk, 2))
    assert available(session, w.wh.id, w.tea.id) == 6

    page = cancel_on_the_order_page(phone, placed, "お客様都合でキャンセル")
    expect(page.locator("#messages")).to_contain_text("キャンセル")
    expect(page.locator("#cancel-form")).to_have_count(0)
    expect(page.locator("#put-backs")).to_have_count(0)

    session.rollback()
    session.expire_all()
    assert rs.open_reservations(session, placed) == 0
    assert available(session, w.wh.id, w.tea.id) == 10 and available(session, w.wh.id, w.milk.id) == 6
    assert session.get(Order, placed.id).status is OrderStatus.CANCELLED
    assert verify(session) == []


def test_an_order_cancelled_after_picking_is_put_back_from_its_tote(phone_factory, session, screenshot):
    w = rs.world(session)
    placed = rs.order(session, w, (w.tea, 2), (w.milk, 1))
    rs.pick(session, w, rs.wave(session, w, placed))
    tote = rs.tote_of(session, placed)

    office = phone_factory()
    page = cancel_on_the_order_page(office, placed, "住所不明")
    expect(page.locator('#put-backs tr[data-sku="TEA-500"]')).to_have_attribute("data-done", "no")

    phone = phone_factory()
    page = phone.log_in("picker1")
    page.goto(phone.base_url + "/returns")
    page.tap("#put-back-link")
    page.wait_for_url("**/returns/put-back")
    expect(page.locator("#tasks tbody tr")).to_have_count(2)

    phone.scan(rs.SOAP)  # nothing of it waits
    expect(phone.answered("error")).to_contain_text("SOAP-1")
    phone.scan(rs.TEA)
    at_stage(page, "shelf", "A-01-01-1")
    expect(page.locator("#suggested")).to_have_text("A-01-01-1")
    expect(page.locator("#from")).to_contain_text("ZT-")
    assert_phone_layout(page)
    screenshot(page, "put-back")
    phone.scan("A-01-01-1")
    expect(phone.answered("ok")).to_contain_text("A-01-01-1")
    expect(page.locator("#tasks tbody tr")).to_have_count(1)

    phone.scan(rs.MILK)
    at_stage(page, "shelf", "A-01-02-1")
    phone.scan("C-01-01-1")  # another shelf than the suggestion is allowed
    expect(phone.answered("ok")).to_contain_text("A-01-02-1")
    expect(page.locator("#tasks-empty")).to_be_visible()

    session.rollback()
    session.expire_all()
    assert [t.status for t in rs.tasks_of(session, placed)] == [PutBackStatus.DONE, PutBackStatus.DONE]
    assert rs.on_hand(session, tote) == 0
    assert rs.on_hand(session, w.shelves["C-01-01-1"].id, w.milk.id) == 1
    assert available(session, w.wh.id, w.tea.id) == 10
    assert verify(session) == []


def test_a_return_with_one_resaleable_and_one_damaged_unit(phone, session, screenshot):
    w = rs.world(session)
    shipped = rs.shipped_order(session, w, (w.tea, 2), (w.milk, 1), tracking_number="498765432109")
    page = phone.log_in("picker1")
    page.goto(phone.base_url + "/returns")
    at_stage(page, "order")

    phone.scan("4987-6543-2109")  # the slip's tracking number, as printed
    at_stage(page, "item")
    expect(page.locator("#return-order")).to_contain_text(shipped.code)
    expect(page.locator('#shipped tr[data-sku="TEA-500"]')).to_have_attribute("data-shipped", "2")

    phone.scan(rs.SOAP)  # not on this order: a discrepancy, nothing taken back
    expect(phone.answered("error")).to_contain_text("差異")

    phone.scan(rs.TEA)
    phone.answered("question")
    at_stage(page, "condition")
    assert_phone_layout(page)
    screenshot(page, "return-condition")
    page.tap("#resaleable")
    at_stage(page, "shelf", "A-01-01-1")
    expect(page.locator("#suggested")).to_have_text("A-01-01-1")
    phone.scan("A-01-01-1")
    expect(phone.answered("ok")).to_contain_text("A-01-01-1")
    expect(page.locator('#shipped tr[data-sku="TEA-500"]')).to_have_attribute("data-returned", "1")

    phone.scan(rs.MILK)
    at_stage(page, "condition")
    expect(page.locator("#goods")).to_contain_text("L-1")
    page.tap("#damaged-broken")
    expect(phone.answered("ok")).to_contain_text("廃棄")
    expect(page.locator('#shipped tr[data-sku="MILK-1L"]')).to_have_attribute("data-returned", "1")
    assert_phone_layout(page)

    session.rollback()
    session.expire_all()
    lines = session.scalars(select(ReturnLine).order_by(ReturnLine.id)).all()
    assert [(r.condition, r.quantity, r.reason) for r in lines] == [(ReturnCondition.RESALEABLE, 1, None),
                                                                    (ReturnCondition.DAMAGED, 1, "broken")]
    assert available(session, w.wh.id, w.tea.id) == 9
    assert verify(session) == []
