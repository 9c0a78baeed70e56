"""Live camera scanning where the browser has no BarcodeDetector (Safari on iPhone): real
Chromium with a fake camera that films a barcode, the native detector deleted from the page,
so the vendored ZXing polyfill reads the video; the code goes through the typed scan's path.

Chromium takes its fake camera from launch flags, so these tests launch their own browser
(same Playwright, same flags as conftest's plus the camera's) with a Y4M video made here.
"""
from __future__ import annotations

import io
import re
import shutil
import time
from pathlib import Path

import pytest
from PIL import Image

from app.labels.barcodes import GS, ean13, gs1_128, render_png
from tests.browser.conftest import CHROMIUM_ARGS, PHONE, Phone
from tests.browser.test_lookup_browser import JANS, stock_world
from tests.conftest import unavailable
from tests.photos import gs1_element_string, gs1_printed_form, print_code

FIRST_LOAD_BUDGET = 50 * 1024
VENDOR = "/static/js/vendor/barcode-detector-"
WITHOUT_NATIVE_DETECTOR = """
delete window.BarcodeDetector;
window.__streams = [];
if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints) => getUserMedia(constraints).then((stream) => {
    window.__streams.push(stream);
    window.__constraints = constraints;
    return stream;
  });
}
"""


def write_y4m(path: Path, picture: Image.Image, size: tuple[int, int], frames: int = 3) -> Path:
    """YUV4MPEG2 (C420) frames of `picture` centred on white: what --use-file-for-fake-video-capture plays."""
    frame = Image.new("RGB", size, "white")
    frame.paste(picture.convert("RGB"), ((size[0] - picture.width) // 2, (size[1] - picture.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    planes = y.tobytes() + cb.resize(half, Image.BILINEAR).tobytes() + cr.resize(half, Image.BILINEAR).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


def barcode_picture(symbol, module_px: int) -> Image.Image:
    return Image.open(io.BytesIO(render_png(symbol, module_px=module_px, bar_height_px=40 * module_px)))


@pytest.fixture
def camera_phone(chromium, live_server, tmp_path):
    """make(video) -> a Phone in a Chromium whose camera films `video`; no native BarcodeDetector."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        unavailable("Chromium is not installed (apt-get install chromium)")
    browsers, phones = [], []

    def make(video: Path) -> Phone:
        browser = chromium.browser_type.launch(
            executable_path=executable, headless=True,
            args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                  f"--use-file-for-fake-video-capture={video}"],
        )
        browsers.append(browser)
        context = browser.new_context(locale="ja-JP", **PHONE)
        context.set_default_timeout(10_000)
        context.add_init_script(WITHOUT_NATIVE_DETECTOR)
        phone = Phone(context, live_server)
        phones.append(phone)
        return phone

    yield make
    problems = [p for phone in phones for p in phone.problems]
    for browser in browsers:
        browser.close()
    assert problems == [], "\n".join(problems)


def open_lookup_cold(phone: Phone):
    """Log in, then load /lookup with an empty HTTP cache: a floor screen's first load.
    Returns the page, every request it made and every request that finished (both lists keep growing)."""
    page = phone.log_in("picker1")
    cdp = phone.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    requests: list = []
    finished: list = []
    page.on("request", lambda request: requests.append(request))
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(phone.base_url + "/lookup")
    page.wait_for_load_state("load")
    return page, requests, finished


def bytes_received(requests) -> dict[str, int]:
    """Bytes on the wire per response: headers plus the (compressed) body. Finished requests only:
    Request.sizes() waits, without a timeout, for a request still on its way (a run once hung there)."""
    received = {}
    for request in requests:
        sizes = request.sizes()
        received[request.url.split("?")[0]] = sizes["responseHeadersSize"] + sizes["responseBodySize"]
    return received


def code_sent(body: str) -> str:
    """The `code` field of a scan POST (floor.js sends FormData: multipart)."""
    return re.search(r'name="code"\r\n\r\n(.*?)\r\n--', body, re.S).group(1)


def vendored(urls: list[str]) -> list[str]:
    return [u for u in urls if VENDOR in u]


def test_the_live_camera_reads_a_jan_with_the_polyfill_and_the_lookup_answers(camera_phone, session, tmp_path):
    stock_world(session)
    video = write_y4m(tmp_path / "jan.y4m", barcode_picture(ean13(JANS[0]), module_px=3), (640, 480))
    phone = camera_phone(video)
    page, requests, finished = open_lookup_cold(phone)

    first_load = bytes_received(list(finished))
    assert "/static/js/vendor/htmx-2.0.11.min.js" in "".join(first_load), first_load
    assert sum(first_load.values()) < FIRST_LOAD_BUDGET, first_load
    assert vendored([r.url for r in requests]) == [], "the polyfill is loaded only when the camera opens"
    assert page.evaluate("typeof window.BarcodeDetector") == "undefined"

    posted: list[str] = []
    sent_at: list[float] = []

    def scan_post(request):
        if request.method == "POST" and request.url.endswith("/lookup"):
            posted.append(request.post_data)
            sent_at.append(time.monotonic())

    page.on("request", scan_post)
    tapped_at = page.evaluate("performance.now()")
    started = time.monotonic()
    page.tap("[data-camera]")
    view = page.locator(".camera-view")
    view.wait_for()
    feedback = phone.answered("ok")
    answered_s = time.monotonic() - started
    assert "SKU-1" in feedback.inner_text()
    assert page.locator("#history li .h-code").first.inner_text() == JANS[0]
    assert [code_sent(body) for body in posted] == [JANS[0]]

    # The polyfill and its .wasm came from our static folder, after the tap, once.
    fetched = vendored([r.url for r in requests])
    assert sorted(u.rsplit("/", 1)[1] for u in fetched) == ["ponyfill.js", "zxing-exported.js", "zxing_reader.wasm"]
    assert all(u.startswith(phone.base_url) for u in fetched)
    timing = page.evaluate("""(tappedAt) => performance.getEntriesByType('resource')
        .filter(e => e.name.includes('/vendor/barcode-detector-'))
        .map(e => [e.name.split('/').pop(), Math.round(e.startTime - tappedAt), Math.round(e.responseEnd - tappedAt), e.transferSize])""",
                           tapped_at)
    print(f"\nfirst load of /lookup: {sum(first_load.values())} bytes {first_load}; polyfill (name, start ms, end ms, bytes): {timing}; "
          f"tap to first read sent: {(sent_at[0] - started) * 1000:.0f} ms; tap to answer shown: {answered_s * 1000:.0f} ms")

    # The panel sits on top, the page moved down under it, the answer in sight; the environment camera.
    layout = page.evaluate("""() => {
      const panel = document.querySelector('.camera-view').getBoundingClientRect();
      const answer = document.getElementById('feedback').getBoundingClientRect();
      const close = document.querySelector('.camera-view button').getBoundingClientRect();
      return {panelTop: panel.top, panelBottom: panel.bottom, answerTop: answer.top, answerBottom: answer.bottom,
              closeW: close.width, closeH: close.height, viewport: innerHeight,
              bodyClass: document.body.className, video: document.querySelector('.camera-view video').videoWidth,
              facing: window.__constraints.video.facingMode};
    }""")
    assert layout["panelTop"] == 0 and 300 <= layout["panelBottom"] <= 420, layout
    assert "camera-open" in layout["bodyClass"]
    assert layout["panelBottom"] <= layout["answerTop"] and layout["answerBottom"] <= layout["viewport"], layout
    assert layout["closeW"] >= 48 and layout["closeH"] >= 48
    assert layout["video"] == 640
    assert layout["facing"] == {"ideal": "environment"}

    # The code stays in view: it is not handed over again (one scan, not one per frame).
    page.wait_for_timeout(2500)
    assert len(posted) == 1 and page.locator("#history li").count() == 1

    close = page.locator(".camera-view button")
    assert close.inner_text().strip() == page.evaluate("document.body.dataset.msgCameraClose")
    close.tap()
    view.wait_for(state="detached")
    assert "camera-open" not in page.evaluate("document.body.className")
    assert page.evaluate("window.__streams.flatMap(s => s.getTracks()).map(t => t.readyState)") == ["ended"]
    assert page.locator('#step input[name="code"]').evaluate("e => e === document.activeElement")


GS1_ELEMENTS = [("01", "0" + JANS[3]), ("17", "270331"), ("10", "LOT7"), ("21", "SN1")]


def gs1_label(kind: str) -> tuple[Image.Image, str]:
    """Our own GS1-128 lot label, or a GS1 DataMatrix from zxing-cpp's writer; and its element string."""
    if kind == "gs1_128":
        symbol = gs1_128(GS1_ELEMENTS)
        return barcode_picture(symbol, module_px=3), symbol.text
    return print_code("gs1_datamatrix", gs1_printed_form(GS1_ELEMENTS), module_px=8).image, gs1_element_string(GS1_ELEMENTS)


@pytest.mark.parametrize("kind", ["gs1_128", "gs1_datamatrix"])
def test_a_gs1_symbol_read_live_keeps_its_gs_separators(camera_phone, session, tmp_path, kind):
    stock_world(session)
    picture, element_string = gs1_label(kind)
    assert element_string == f"01{'0' + JANS[3]}1727033110LOT7{GS}21SN1"
    phone = camera_phone(write_y4m(tmp_path / f"{kind}.y4m", picture, (1280, 720)))
    page = phone.log_in("picker1")
    page.goto(phone.base_url + "/lookup")
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.post_data) if r.method == "POST" and r.url.endswith("/lookup") else None)
    page.tap("[data-camera]")
    feedback = phone.answered("ok")
    assert "SKU-4" in feedback.inner_text()
    assert [code_sent(body) for body in posted] == [element_string]  # GS (\x1d) after the lot, as read
    assert "LOT7" in page.locator("#scanned-lot").inner_text()
    page.locator(".camera-view button").tap()
    page.locator(".camera-view").wait_for(state="detached")


def test_without_a_camera_open_rejects_at_once_and_the_photo_upload_takes_over(phone, session):
    """Headless Chromium without fake-camera flags has no camera: getUserMedia rejects."""
    stock_world(session)
    page = phone.log_in("picker1")
    page.goto(phone.base_url + "/lookup")
    started = time.monotonic()
    with page.expect_file_chooser(timeout=3000):
        page.tap("[data-camera]")
    waited = time.monotonic() - started
    assert waited < 2.0, f"the photo upload opened {waited:.1f} s after the tap"
    assert page.locator(".camera-view").count() == 0
    assert "camera-open" not in page.evaluate("document.body.className")
    print(f"\nno camera: file chooser {waited * 1000:.0f} ms after the tap")
