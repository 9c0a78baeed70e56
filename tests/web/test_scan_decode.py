"""Photos of barcodes: answered by the scan view they are sent to, with that view's checks;
POST /scan/decode reads one as JSON and never runs a step."""
from __future__ import annotations

import io
import struct
import zlib

import pytest

from sqlalchemy import func, select

from app.auth.models import Role
from app.database import write_transaction
from app.receipts.models import ReceiptEntry
from app.receipts.plans import PlannedLine, create_receipt
from app.stock.models import LocationKind, Quant
from app.stock.warehouses import standard_location
from app.timeutil import local_today
from tests import factories as f
from tests.photos import phone_photo
from tests.support import csrf_token, log_in, text_of


@pytest.fixture
def signed_in(client, session):
    wh = f.warehouse(session)
    f.user(session, Role.PICKER, login="camera", warehouses=[wh], all_warehouses=False)
    log_in(client, "camera")
    shelf = f.location(session, wh)
    tea = f.product(session, sku="TEA-CAM", barcode="4901234567894")
    f.receive(session, tea, shelf, 3)
    return csrf_token(client, "/lookup")


def post_photo(client, token, data: bytes, htmx=False, path="/scan/decode", **fields):
    form = {"image": (io.BytesIO(data), "anything.txt"), "csrf_token": token, **fields}
    headers = {"HX-Request": "true", "X-CSRFToken": token} if htmx else {}
    return client.post(path, data=form, headers=headers, content_type="multipart/form-data")


def jan_photo(jan: str = "4901234567894"):
    return phone_photo("ean13", megapixels=1, seed=3, content=jan).jpeg


def test_a_phone_photo_of_a_jan_is_read_as_json(client, signed_in):
    photo = phone_photo("ean13", megapixels=1, seed=3, content="4901234567894")
    response = post_photo(client, signed_in, photo.jpeg)
    assert response.status_code == 200
    assert response.json["results"][0] == {"text": "4901234567894", "symbology": "EAN13"}


def test_a_photo_sent_to_a_scan_view_is_answered_by_that_view(client, signed_in):
    response = post_photo(client, signed_in, jan_photo(), htmx=True, path="/lookup", scan_id="photo-scan-0001")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="step"' in html and 'data-result="ok"' in html and "TEA-CAM" in html


def test_decode_never_runs_a_step_whatever_it_is_asked(client, signed_in, session):
    """The probe: a picker posted shelf photos with step_action=/putaway/scan and put stock away."""
    response = post_photo(client, signed_in, jan_photo(), htmx=True, step_action="/putaway/scan", stage="location")
    assert response.status_code == 200 and response.json["results"][0]["text"] == "4901234567894"


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(client, signed_in):
    response = post_photo(client, signed_in, b"%PDF-1.4 not a photo")
    assert response.status_code == 422 and response.json["error"] == "not_an_image"


def test_a_decompression_bomb_is_refused_before_decoding(client, signed_in):
    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")
    response = post_photo(client, signed_in, bomb)
    assert response.status_code == 413 and response.json["error"] == "too_many_pixels"


def test_a_photo_without_a_barcode_says_so_in_the_feedback(client, signed_in):
    from PIL import Image

    blank = io.BytesIO()
    Image.new("RGB", (800, 600), "white").save(blank, "JPEG")
    response = post_photo(client, signed_in, blank.getvalue(), htmx=True, path="/lookup")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="feedback"' in html and 'data-result="error"' in html


def test_no_photo_is_a_clear_error(client, signed_in):
    response = client.post("/scan/decode", data={"csrf_token": signed_in})
    assert response.status_code == 400 and response.json["error"] == "missing"


def test_health_says_which_decoders_serve(client):
    decoder = client.get("/health").json["decoder"]
    assert decoder["zbar"] in (True, False) and decoder["zxing"]


@pytest.fixture
def dock_world(client, session):
    wh = f.warehouse(session)
    tea = f.product(session, sku="TEA-CAM", barcode="4901234567894")
    shelf = f.location(session, wh, code="A-01-01-1")
    f.receive(session, tea, standard_location(session, wh.id, LocationKind.DOCK), 5)
    with write_transaction(session):
        receipt = create_receipt(session, wh.id, "伊藤園", local_today(), [PlannedLine(tea.id, 10)], None)
    return {"wh": wh, "tea": tea, "shelf": shelf, "receipt": receipt}


def test_a_role_refused_a_typed_scan_is_refused_the_photo_too(client, session, dock_world):
    f.user(session, Role.PICKER, login="picker-cam", warehouses=[dock_world["wh"]], all_warehouses=False)
    log_in(client, "picker-cam")
    token = csrf_token(client, "/lookup")
    shelf_photo = phone_photo("code128", megapixels=1, seed=5, content="ZL-A-01-01-1").jpeg
    fields = {"stage": "location", "product_id": str(dock_world["tea"].id), "lot_id": "", "qty": "5"}
    typed = client.post("/putaway/scan", data={"csrf_token": token, "code": "ZL-A-01-01-1", **fields},
                        headers={"HX-Request": "true", "X-CSRFToken": token})
    photo = post_photo(client, token, shelf_photo, htmx=True, path="/putaway/scan", **fields)
    opened = post_photo(client, token, shelf_photo, htmx=True, path="/receiving/open")
    assert (typed.status_code, photo.status_code, opened.status_code) == (403, 403, 403)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Quant).where(Quant.location_id == dock_world["shelf"].id)) == 0


def test_the_receiving_camera_path_receives_and_undoes(client, session, dock_world):
    f.user(session, Role.RECEIVER, login="clerk-cam", warehouses=[dock_world["wh"]], all_warehouses=False)
    log_in(client, "clerk-cam")
    receipt_id = dock_world["receipt"].id
    token = csrf_token(client, f"/receiving/{receipt_id}")
    response = post_photo(client, token, jan_photo(), htmx=True, path=f"/receiving/{receipt_id}/scan",
                          scan_id="photo-receive-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "+1 TEA-CAM" in text_of(html, "feedback")
    asked = post_photo(client, token, jan_photo(), htmx=True, path=f"/receiving/{receipt_id}/undo",
                       scan_id="photo-undo-0001")
    assert asked.status_code == 200 and 'data-result="confirm"' in asked.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ReceiptEntry)) == 1


def test_a_photo_for_a_receipt_of_another_warehouse_is_not_found(client, session, dock_world):
    other = f.warehouse(session)
    f.user(session, Role.RECEIVER, login="clerk-elsewhere", warehouses=[other], all_warehouses=False)
    log_in(client, "clerk-elsewhere")
    token = csrf_token(client, "/receiving")
    response = post_photo(client, token, jan_photo(), htmx=True, path=f"/receiving/{dock_world['receipt'].id}/scan")
    assert response.status_code == 404
