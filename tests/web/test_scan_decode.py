"""POST /scan/decode: a photo read as a barcode, JSON or answered as the scan step."""
from __future__ import annotations

import io
import struct
import zlib

import pytest

from app.auth.models import Role
from tests import factories as f
from tests.photos import phone_photo
from tests.support import csrf_token, log_in


@pytest.fixture
def signed_in(client, session):
    wh = f.warehouse(session)
    f.user(session, Role.PICKER, login="camera", warehouses=[wh], all_warehouses=False)
    log_in(client, "camera")
    shelf = f.location(session, wh)
    tea = f.product(session, sku="TEA-CAM", barcode="4901234567894")
    f.receive(session, tea, shelf, 3)
    return csrf_token(client, "/lookup")


def post_photo(client, token, data: bytes, htmx=False, **fields):
    form = {"image": (io.BytesIO(data), "anything.txt"), "csrf_token": token, **fields}
    headers = {"HX-Request": "true", "X-CSRFToken": token} if htmx else {}
    return client.post("/scan/decode", data=form, headers=headers, content_type="multipart/form-data")


def test_a_phone_photo_of_a_jan_is_read_as_json(client, signed_in):
    photo = phone_photo("ean13", megapixels=1, seed=3, content="4901234567894")
    response = post_photo(client, signed_in, photo.jpeg)
    assert response.status_code == 200
    assert response.json["results"][0] == {"text": "4901234567894", "symbology": "EAN13"}


def test_with_htmx_the_photo_is_answered_as_the_scan_step_it_came_from(client, signed_in):
    photo = phone_photo("ean13", megapixels=1, seed=3, content="4901234567894")
    response = post_photo(client, signed_in, photo.jpeg, htmx=True, step_action="/lookup", scan_id="photo-scan-0001")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="step"' in html and 'data-result="ok"' in html and "TEA-CAM" in html


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
    response = post_photo(client, signed_in, blank.getvalue(), htmx=True, step_action="/lookup")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="feedback"' in html and 'data-result="error"' in html


def test_no_photo_is_a_clear_error(client, signed_in):
    response = client.post("/scan/decode", data={"csrf_token": signed_in})
    assert response.status_code == 400 and response.json["error"] == "missing"


def test_health_says_which_decoders_serve(client):
    decoder = client.get("/health").json["decoder"]
    assert decoder["zbar"] in (True, False) and decoder["zxing"]
