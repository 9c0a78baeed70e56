"""A location label sheet in real Chromium: the barcodes draw under our CSP, read back, and print one A4 page per sheet."""
from __future__ import annotations

import re

from app.auth.models import Role
from app.barcodes.decode import decode
from tests import factories as f

PDF_PAGE = re.compile(rb"/Type\s*/Page(?!s)")
PDF_MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")
SHEET_CHECK = """() => {
  const svgs = [...document.querySelectorAll('.label svg.barcode')];
  return {
    barcodes: svgs.length,
    drawn: svgs.filter(s => { const r = s.getBoundingClientRect(); return r.width > 50 && r.height > 10; }).length,
    paths: svgs.filter(s => s.querySelectorAll('path').length === 1 && s.querySelector('path').getAttribute('d').length > 100).length,
    printButton: !document.getElementById('print').hidden,
    scrollWidth: document.documentElement.scrollWidth,
    width: window.innerWidth,
  };
}"""


def test_a_supervisor_opens_a_location_sheet_whose_barcodes_render_read_back_and_print_on_a4(phone, session):
    wh = f.warehouse(session, code="TKY", name="東京DC")
    codes = [f"A-01-{rack:02d}-{level}" for rack in range(1, 8) for level in range(1, 5)][:26]
    for code in codes:
        f.location(session, wh, code=code, zone="A")
    f.user(session, Role.SUPERVISOR, login="super-labels", password="super-pass")

    page = phone.open("/login")
    page.fill('input[name="login"]', "super-labels")
    page.fill('input[name="password"]', "super-pass")
    with page.expect_navigation():
        page.press('input[name="password"]', "Enter")
    page = phone.open("/labels/locations?zone=A&sheet=a4-3x8")

    sheet = page.evaluate(SHEET_CHECK)
    assert sheet["barcodes"] == sheet["drawn"] == sheet["paths"] == 26
    assert sheet["printButton"], "labels.js did not run"
    assert sheet["scrollWidth"] <= sheet["width"] == 360, "horizontal scroll at 360 px"

    page.emulate_media(media="print")
    assert not page.locator(".label-toolbar").is_visible()
    first_label = page.locator(".label-location").first
    assert round(first_label.bounding_box()["width"] / 96 * 25.4) == 70
    assert decode(first_label.screenshot()).codes[0].text == "ZL-" + codes[0]

    pdf = page.pdf(prefer_css_page_size=True)
    assert len(PDF_PAGE.findall(pdf)) == 2, "26 labels on 3 × 8 sheets are two A4 pages, no blank spill-over"
    assert {tuple(round(float(n)) for n in box) for box in PDF_MEDIA_BOX.findall(pdf)} == {(595, 842)}
