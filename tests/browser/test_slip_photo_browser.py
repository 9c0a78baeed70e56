"""The carrier's slip from a photo on a phone, in Japanese: an order packed, then at the slip stage
a photo of the slip's NW-7 barcode (rendered by the tests, as a phone takes it) given to the
camera's photo fallback; the photo decoder reads it with its start and stop letters, the mod-7
check digit holds, and the order is done with that tracking number."""
from __future__ import annotations

from playwright.sync_api import expect

from app.auth.models import Role
from app.orders.models import Order, OrderStatus
from tests import factories as f
from tests.packing_support import picked_order
from tests.photos import mod7_tracking_number, nw7_symbol, phone_photo

TEA = "4901234567894"
SLIP = mod7_tracking_number("41234567890")  # ヤマト: 12 digits, the last the first 11 mod 7


def test_a_photo_of_the_nw7_slip_records_the_tracking_number(phone, session, tmp_path):
    wh = f.warehouse(session, code="TKY", name="東京DC")
    f.user(session, Role.PICKER, login="packer1", warehouses=[wh], all_warehouses=False)
    tea = f.product(session, sku="TEA-500", name="緑茶 500ml", barcode=TEA)
    f.receive(session, tea, f.location(session, wh, code="A-01-01-1", pick_sequence=1), 5)
    order = picked_order(session, wh, [(tea, 1, 150)], external_id="300-1", tote="ZT-0003")
    photo = tmp_path / "slip.jpg"
    photo.write_bytes(
        phone_photo("nw7", megapixels=3, seed=2, content=nw7_symbol(SLIP, "D"), share_of_short_side=0.6, angle=178).jpeg
    )

    page = phone.log_in("packer1")
    page.goto(phone.base_url + "/packing")
    phone.scan("ZT-0003")
    page.wait_for_url(f"**/packing/{order.id}")
    phone.scan(TEA)
    page.wait_for_selector('#step[data-stage="slip"]')
    expect(page.locator("#carrier")).to_have_value("yamato")

    page.set_input_files("#step input[data-camera-file]", str(photo))

    page.wait_for_selector('#step[data-stage="done"]')
    expect(phone.answered("ok")).to_be_visible()
    expect(page.locator("#prompt")).to_contain_text(SLIP)
    session.rollback()
    session.expire_all()
    packed = session.get(Order, order.id)
    assert (packed.status, packed.carrier, packed.tracking_number) == (OrderStatus.PACKED, "yamato", SLIP)
