"""入荷 and 格納 on a phone, in Japanese: a whole delivery from the truck to the shelves."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import func, select

from app.auth.models import Role
from app.database import write_transaction
from app.receipts.models import ReceiptEntry
from app.receipts.plans import PlannedLine, create_receipt
from app.stock.models import LocationKind, Posting, Product, Quant, StockMove, Tracking
from app.stock.warehouses import standard_location
from app.timeutil import local_today
from tests import factories as f
from tests.browser.layout import assert_phone_layout

TEA_JAN, TEA_CASE = "4901234567894", "14901234567891"
MILK_GTIN = "04912345678904"
SNACK_JAN = "4902102072618"


def delivery(session):
    wh = f.warehouse(session, code="TKY", name="東京DC")
    f.user(session, Role.RECEIVER, login="receiver1", warehouses=[wh], all_warehouses=False)
    for n in range(1, 5):
        f.location(session, wh, code=f"A-01-0{n}-1", zone="A", pick_sequence=n * 10)
    tea = f.product(session, sku="TEA-500", name="緑茶 500ml", barcode=TEA_JAN, case_gtin=TEA_CASE, pack_qty=24)
    milk = f.product(session, sku="MILK-1L", name="牛乳 1L", barcode=MILK_GTIN[1:], tracking=Tracking.LOT_EXPIRY,
                     min_shelf_life_days=5)
    snack = f.product(session, sku="SNACK-1", name="せんべい", barcode=SNACK_JAN)
    with write_transaction(session):
        for prod in (tea, milk, snack):
            session.get(Product, prod.id).zone = "A"
        receipt = create_receipt(session, wh.id, "伊藤園", local_today(),
                                 [PlannedLine(tea.id, 30), PlannedLine(milk.id, 12), PlannedLine(snack.id, 3)], None)
    return wh, receipt


def gs1(gtin: str, lot: str, expiry, count: int | None = None) -> str:
    return "]C101" + gtin + f"17{expiry:%y%m%d}" + "10" + lot + ("\x1d30" + str(count) if count else "")


def feedback_text(phone, result):
    return phone.answered(result).inner_text()


def test_a_clerk_receives_a_delivery_and_closes_it_seeing_the_differences(phone, session, screenshot):
    wh, receipt = delivery(session)
    page = phone.log_in("receiver1")
    page.goto(phone.base_url + "/receiving")
    page.tap(f'a[data-code="{receipt.code}"]')
    page.wait_for_url(f"**/receiving/{receipt.id}")
    assert page.locator("#prompt").inner_text() == "商品をスキャン"

    expiry = local_today() + timedelta(days=180)
    phone.scan(gs1(MILK_GTIN, "LOT42", expiry, count=12))
    assert "+12 MILK-1L" in feedback_text(phone, "ok") and "LOT42" in page.locator("#feedback").inner_text()
    assert "LOT42" in page.locator("#print-lot-label").inner_text()

    phone.scan(TEA_JAN)
    assert "+1 TEA-500" in feedback_text(phone, "ok")
    phone.scan(TEA_CASE)
    assert "+24 TEA-500" in feedback_text(phone, "ok")
    assert page.locator('tr[data-sku="TEA-500"] .received').inner_text() == "25"

    phone.scan(TEA_CASE)
    assert "すでに 25" in feedback_text(phone, "confirm")
    page.tap("#confirm")
    assert "+24 TEA-500" in feedback_text(phone, "ok")
    assert "計画超過" in page.locator('tr[data-sku="TEA-500"]').inner_text()

    page.select_option("#reason", "crushed")
    phone.scan(SNACK_JAN)
    assert "→ 隔離" in feedback_text(phone, "ok") and "破損" in page.locator("#feedback").inner_text()
    assert_phone_layout(page)
    screenshot(page, "receiving")

    page.tap("#close-receipt")
    page.wait_for_url(f"**/receiving/{receipt.id}/close")
    with page.expect_navigation():
        page.tap("#close")
    differences = page.locator("#differences").inner_text()
    assert "TEA-500" in differences and "+19" in differences
    assert "SNACK-1" in differences and "-2" in differences and "破損 1" in differences
    assert "MILK-1L" not in differences
    screenshot(page, "receiving-summary")


def test_an_expired_lot_is_refused_with_a_clear_message_and_nothing_is_written(phone, session):
    wh, receipt = delivery(session)
    page = phone.log_in("receiver1")
    page.goto(phone.base_url + f"/receiving/{receipt.id}")
    phone.scan(gs1(MILK_GTIN, "OLD1", local_today() - timedelta(days=3)))
    message = feedback_text(phone, "error")
    assert "OLD1" in message and "期限切れ" in message
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ReceiptEntry)) == 0
    assert session.scalar(select(func.count()).select_from(StockMove)) == 0
    assert page.locator('#step input[name="code"]').evaluate("e => e === document.activeElement")


def test_a_lot_tracked_product_scanned_by_jan_asks_for_lot_and_expiry(phone, session):
    wh, receipt = delivery(session)
    page = phone.log_in("receiver1")
    page.goto(phone.base_url + f"/receiving/{receipt.id}")
    phone.scan(MILK_GTIN[1:])
    phone.answered("question")
    assert page.locator("#step").get_attribute("data-stage") == "details"
    page.fill("#lot", "L-77")
    page.fill("#expiry", f"{local_today() + timedelta(days=90):%y%m%d}")
    page.locator("#lot").press("Enter")
    expect(page.locator("#step")).to_have_attribute("data-stage", "item")
    assert "L-77" in feedback_text(phone, "ok")


def test_a_clerk_puts_everything_away_following_the_suggestions_once_overriding(phone, session, screenshot):
    wh, _receipt = delivery(session)
    dock = standard_location(session, wh.id, LocationKind.DOCK)
    tea = session.scalar(select(Product).where(Product.sku == "TEA-500"))
    snack = session.scalar(select(Product).where(Product.sku == "SNACK-1"))
    f.receive(session, tea, dock, 24)
    f.receive(session, snack, dock, 3)
    page = phone.log_in("receiver1")
    page.goto(phone.base_url + "/putaway")
    assert page.locator("#dock tbody tr").count() == 2

    phone.scan(TEA_JAN)
    phone.answered("ok")
    suggested = page.locator("#prompt").get_attribute("data-expected")
    assert suggested == "A-01-01-1" and page.locator("#suggested").inner_text() == suggested
    assert_phone_layout(page)
    screenshot(page, "putaway")
    phone.scan(f"ZL-{suggested}")
    assert "A-01-01-1" in feedback_text(phone, "ok")

    phone.scan(SNACK_JAN)
    phone.answered("ok")
    assert page.locator("#prompt").get_attribute("data-expected") == "A-01-02-1"
    phone.scan("A-01-04-1")
    assert "A-01-04-1" in feedback_text(phone, "ok") and "A-01-02-1" in page.locator("#feedback").inner_text()
    assert page.locator("#dock-empty").is_visible()
    session.rollback()
    notes = session.scalars(select(Posting.note).where(Posting.note.is_not(None))).all()
    assert notes == ["suggested A-01-02-1, put at A-01-04-1"]


def test_a_shelf_of_another_warehouse_is_refused_and_nothing_moves(phone, session):
    wh, _receipt = delivery(session)
    other = f.warehouse(session, code="OSK", name="大阪倉庫")
    f.location(session, other, code="B-09-09-9")
    tea = session.scalar(select(Product).where(Product.sku == "TEA-500"))
    dock = standard_location(session, wh.id, LocationKind.DOCK)
    f.receive(session, tea, dock, 5)
    page = phone.log_in("receiver1")
    page.goto(phone.base_url + "/putaway")
    phone.scan(TEA_JAN)
    phone.answered("ok")
    phone.scan("ZL-B-09-09-9")
    assert "別の倉庫" in feedback_text(phone, "error")
    assert page.locator("#prompt").get_attribute("data-expected") == "A-01-01-1"
    session.rollback()
    assert session.scalar(select(Quant.on_hand).where(Quant.location_id == dock.id)) == 5
