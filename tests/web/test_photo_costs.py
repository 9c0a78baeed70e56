"""What one photo may cost, and how many are decoded at once (issue 14, item 5): a small file
that would decode to a huge bitmap is refused before decoding, and photos wait for one of a
few decode slots or are told to come back, so typed scans never wait behind them."""
from __future__ import annotations

import io
import os
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from app.auth.models import Role
from app.barcodes.decode import ImageRefused, decode
from app.floor.photo_slots import decode_slot
from tests import factories as f
from tests.gunicorn_server import Browser, gunicorn
from tests.support import csrf_token, log_in


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """The probe's photo: a 7000 × 7000 16-bit PNG of a few hundred kilobytes."""
    return png(Image.new("I;16", (7000, 7000)))


def test_a_small_png_that_would_decode_to_a_huge_16_bit_bitmap_is_refused_at_once(bomb):
    assert len(bomb) < 400_000
    started = time.perf_counter()
    with pytest.raises(ImageRefused) as refused:
        decode(bomb)
    assert refused.value.reason == "too_many_pixels"
    assert time.perf_counter() - started < 0.2


def test_a_large_jpeg_is_still_read_after_the_draft_shrinks_it():
    buffer = io.BytesIO()
    Image.new("L", (6000, 6000), 255).save(buffer, "JPEG", quality=50)
    assert not decode(buffer.getvalue())  # decoded at 1/2 scale (9 MP), nothing found, nothing refused


@pytest.fixture
def picker(client, session):
    wh = f.warehouse(session)
    f.user(session, Role.PICKER, login="camera", warehouses=[wh], all_warehouses=False)
    log_in(client, "camera")
    return csrf_token(client, "/lookup")


def test_the_photo_bomb_is_answered_413_in_json_and_on_a_scan_view(client, picker, bomb):
    for path in ("/scan/decode", "/lookup"):
        response = client.post(path, data={"image": (io.BytesIO(bomb), "x.png"), "csrf_token": picker,
                                           "scan_id": "photo-bomb-0001"},
                               headers={"HX-Request": "true"}, content_type="multipart/form-data")
        assert response.status_code == 413


def test_a_photo_finding_every_slot_taken_is_told_to_come_back_and_a_typed_scan_is_answered(
        app, client, picker, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_DECODES_AT_ONCE", 1)
    monkeypatch.setitem(app.config, "PHOTO_SLOT_WAIT", 0.3)
    photo = png(Image.new("L", (200, 200), 255))
    with decode_slot(app.instance_path, 1, 0):
        started = time.perf_counter()
        busy = client.post("/lookup", data={"image": (io.BytesIO(photo), "x.png"), "csrf_token": picker,
                                            "scan_id": "photo-busy-0001"},
                           headers={"HX-Request": "true"}, content_type="multipart/form-data")
        waited = time.perf_counter() - started
        typed = client.post("/lookup", data={"code": "4901234567894", "csrf_token": picker, "scan_id": "typed-0001"},
                            headers={"HX-Request": "true"})
        json = client.post("/scan/decode", data={"image": (io.BytesIO(photo), "x.png"), "csrf_token": picker},
                           content_type="multipart/form-data")
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "2" and waited < 1.0
    assert 'data-result="error"' in busy.get_data(as_text=True)
    assert typed.status_code in (200, 422)
    assert json.status_code == 503 and json.json["error"] == "busy"
    assert client.post("/scan/decode", data={"image": (io.BytesIO(photo), "x.png"), "csrf_token": picker},
                       content_type="multipart/form-data").status_code == 200


@pytest.mark.slow
def test_twelve_costly_photos_at_once_leave_health_and_typed_scans_answered_quickly(instance_dir, tmp_path):
    from app.extensions import db
    from tests.support import build_app, migrate_to_head

    url = f"sqlite:///{tmp_path / 'tana.db'}"
    embedded = build_app(url, instance_dir)
    migrate_to_head(embedded)
    with embedded.app_context():
        f.user(db.session, Role.PICKER, login="camera", warehouses=[f.warehouse(db.session)], all_warehouses=False)
        db.engine.dispose()
    noise = png(Image.frombytes("L", (3000, 3000), os.urandom(3000 * 3000)))
    with gunicorn(url, instance_dir, workers=3, PHOTO_DECODES_AT_ONCE="1") as (base, _process):
        browsers = []
        for _ in range(12):
            browser = Browser(base)
            browser.log_in("camera")
            browser.get("/lookup")
            browsers.append(browser)
        started = threading.Event()

        def send_photo(browser):
            started.set()
            boundary = "tana-photo"
            body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{browser.token}\r\n"
                    f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\n"
                    "Content-Type: image/png\r\n\r\n").encode() + noise + f"\r\n--{boundary}--\r\n".encode()
            request = urllib.request.Request(base + "/scan/decode", data=body, headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}"})
            try:
                with browser.opener.open(request, timeout=60) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        with ThreadPoolExecutor(12) as pool:
            photos = [pool.submit(send_photo, browser) for browser in browsers]
            started.wait()
            time.sleep(0.3)
            health_took = []
            for _ in range(3):
                t0 = time.perf_counter()
                urllib.request.urlopen(base + "/health", timeout=30).read()
                health_took.append(time.perf_counter() - t0)
            statuses = [photo.result() for photo in photos]
    assert set(statuses) <= {200, 503} and 200 in statuses
    assert max(health_took) < 2.0, health_took
