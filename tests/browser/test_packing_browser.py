"""検品・梱包 and 出荷 on a phone, in Japanese: a wrong item refused then the right one, a serial product
packed serial by serial with a repeat refused, the slip typed as a wedge scanner types it, ship; and the
delivery note printed to PDF by Chromium on one A4 page for a 10-line order."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.models import Role
from app.barcodes.tracking import mod7_check_digit
from app.orders.models import Order, OrderStatus
from app.stock.ledger import LotSpec
from app.stock.models import Tracking
from app.stock.verify import verify
from tests import factories as f
from tests.browser.layout import assert_phone_layout
from tests.packing_support import picked_order

TEA, SOAP, CAM = "4901234567894", "4912345678904", "4902102072618"
SLIP = "31234567890" + mod7_check_digit("31234567890")


def packing_floor(session):
    wh = f.warehouse(session, code="TKY", name="東京DC")
    f.user(session, Role.PICKER, login="packer1", warehouses=[wh], all_warehouses=False)
    tea = f.product(session, sku="TEA-500", name="緑茶 500ml", barcode=TEA)
    soap = f.product(session, sku="SOAP-1", name="石けん", barcode=SOAP)
    cam = f.product(session, sku="CAM-1", name="カメラ", barcode=CAM, tracking=Tracking.SERIAL)
    f.receive(session, tea, f.location(session, wh, code="A-01-01-1", pick_sequence=1), 10)
    f.receive(session, soap, f.location(session, wh, code="A-01-02-1", pick_sequence=2), 10)
    cam_shelf = f.location(session, wh, code="A-01-03-1", pick_sequence=3)
    for serial in ("SN-100", "SN-101"):
        f.receive(session, cam, cam_shelf, 1, LotSpec(serial))
    order = picked_order(session, wh, [(tea, 2, 150), (cam, 2, 29800)], external_id="100-7", tote="ZT-0001",
                         channel="rakuten")
    other = picked_order(session, wh, [(soap, 1, 300)], external_id="249-7", tote="ZT-0002", channel="amazon")
    return wh, order, other


def test_a_packer_packs_an_order_with_a_serial_product_scans_the_slip_and_ships_it(phone, session, screenshot):
    _wh, order, other = packing_floor(session)
    page = phone.log_in("packer1")
    page.goto(phone.base_url + "/packing")
    phone.scan("ZT-0001")
    page.wait_for_url(f"**/packing/{order.id}")

    phone.scan(SOAP)  # the other order's soap
    expect(phone.answered("error")).to_contain_text(other.code)
    phone.scan(TEA)
    expect(phone.answered("ok")).to_contain_text("TEA-500")
    phone.scan(TEA)
    expect(page.locator('tr[data-sku="TEA-500"] .packed')).to_have_text("2")

    phone.scan(CAM)
    expect(phone.answered("question")).to_contain_text("シリアル")
    phone.scan("SN-100")
    expect(phone.answered("ok")).to_contain_text("SN-100")
    phone.scan("]C101" + "0" + CAM + "21SN-100")  # the same serial again
    expect(phone.answered("error")).to_contain_text("SN-100")
    assert_phone_layout(page)
    screenshot(page, "packing")
    phone.scan("]C101" + "0" + CAM + "21SN-101")
    page.wait_for_selector('#step[data-stage="slip"]')

    phone.scan(SLIP[:-1] + str((int(SLIP[-1]) + 3) % 7))  # one digit misread
    expect(phone.answered("error")).to_contain_text("チェックデジット")
    phone.scan("A" + SLIP + "A")  # NW-7 as a wedge scanner types it, start and stop letters included
    page.wait_for_selector('#step[data-stage="done"]')
    expect(page.locator("#prompt")).to_contain_text(SLIP)

    page.goto(phone.base_url + "/shipping")
    expect(page.locator("#ready")).to_contain_text(SLIP)
    phone.scan(SLIP)
    expect(phone.answered("ok")).to_contain_text(order.code)
    assert_phone_layout(page)
    screenshot(page, "shipping")
    session.rollback()
    session.expire_all()
    assert session.get(Order, order.id).status is OrderStatus.SHIPPED
    assert verify(session) == []


def test_the_delivery_note_prints_on_one_a4_page_for_ten_lines(phone, session):
    wh = f.warehouse(session, code="OSA", name="大阪DC")
    f.user(session, Role.SUPERVISOR, login="boss", warehouses=[wh], all_warehouses=False)
    lines = []
    for n in range(10):
        product = f.product(session, sku=f"ITEM-{n:02d}", name=f"商品 {n} のとても長い名前 ギフトセット 詰め合わせ")
        f.receive(session, product, f.location(session, wh, code=f"B-01-{n + 1:02d}-1", pick_sequence=n), 5)
        lines.append((product, 1 + n % 3, 980 + 100 * n))
    order = picked_order(session, wh, lines, external_id="NOTE-1", tote="ZT-0009")
    page = phone.log_in("boss")
    page.goto(f"{phone.base_url}/packing/{order.id}/note?prices=1")
    expect(page.locator("#note-lines tbody tr")).to_have_count(10)
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
