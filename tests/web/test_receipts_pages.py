"""The expected-receipts screens: the list, the new-receipt form, the CSV upload, the detail."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.auth.models import Role
from app.database import write_transaction
from app.receipts.models import Receipt
from app.receipts.plans import PlannedLine, create_receipt
from app.stock.models import Product, Tracking
from app.timeutil import local_today
from tests import factories as f
from tests.support import csrf_token, log_in

STYLE_ATTR = re.compile(r"<[^>]+\sstyle=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
JAN = "4901234567894"
TODAY = local_today()


@pytest.fixture
def wh(session):
    wh = f.warehouse(session, code="TKY", name="東京DC")
    f.product(session, tracking=Tracking.LOT_EXPIRY, sku="TEA-500", name="緑茶", barcode=JAN)
    f.product(session, sku="SOAP-1", name="石けん")
    return wh


@pytest.fixture
def office(client, session, wh):
    f.user(session, Role.SUPERVISOR, login="office1")
    assert log_in(client, "office1").status_code == 302
    client.post("/lang", data={"lang": "en", "csrf_token": csrf_token(client, "/")})
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def receipts(session) -> list[Receipt]:
    session.expire_all()
    return list(session.scalars(select(Receipt).order_by(Receipt.id)))


def new_receipt_form(token: str, **overrides) -> MultiDict:
    arrives, expiry = (TODAY + timedelta(days=2)).isoformat(), (TODAY + timedelta(days=90)).isoformat()
    fields = [("csrf_token", token), ("supplier", "伊藤園"), ("expected_date", arrives), ("note", ""),
              ("product", "TEA-500"), ("quantity", "24"), ("lot", "L1"), ("expiry", expiry),
              ("product", ""), ("quantity", ""), ("lot", ""), ("expiry", ""),
              ("product", JAN), ("quantity", "6"), ("lot", "L2"), ("expiry", "")]
    return MultiDict([(name, overrides.get(name, value)) for name, value in fields])


def test_the_office_pages_render_inside_the_csp(office):
    for path in ("/receipts", "/receipts/new", "/receipts/import"):
        page = text(office.get(path))
        assert not STYLE_ATTR.search(page) and not INLINE_SCRIPT.search(page) and "<style" not in page, path
        assert "coming-soon" not in page


def test_a_receipt_made_on_the_screen_redirects_to_its_page(office, session):
    token = csrf_token(office, "/receipts/new")
    response = office.post("/receipts/new", data=new_receipt_form(token))
    assert response.status_code == 302
    [receipt] = receipts(session)
    assert response.headers["Location"] == f"/receipts/{receipt.id}"
    page = text(office.get(response.headers["Location"]))
    assert f"Expected receipt {receipt.code} created." in page
    assert re.findall(r'data-sku="([^"]+)" data-expected="(\d+)" data-received="(\d+)"', page) == [
        ("TEA-500", "24", "0"), ("TEA-500", "6", "0")]


def test_a_wrong_form_keeps_what_was_typed_and_puts_errors_under_the_lines(office, session):
    token = csrf_token(office, "/receipts/new")
    form = new_receipt_form(token)
    form.setlist("product", ["NOPE", "", JAN])
    response = office.post("/receipts/new", data=form)
    assert response.status_code == 422
    page = text(response)
    assert 'id="error-line-1-product"' in page and "NOPE is not a known SKU or JAN." in page
    assert 'value="NOPE"' in page and 'value="伊藤園"' in page
    assert receipts(session) == []


def test_a_form_with_a_bad_quantity_and_no_supplier_is_refused_before_the_catalogue_is_read(office, session):
    token = csrf_token(office, "/receipts/new")
    form = new_receipt_form(token, supplier="")
    form.setlist("quantity", ["x", "", "6"])
    page = text(office.post("/receipts/new", data=form))
    assert 'id="error-supplier"' in page and 'id="error-line-1-quantity"' in page


def test_more_lines_adds_blank_lines_and_keeps_the_typed_ones(office, session):
    token = csrf_token(office, "/receipts/new")
    form = new_receipt_form(token)
    form.add("more", "1")
    response = office.post("/receipts/new", data=form)
    assert response.status_code == 200
    page = text(response)
    assert page.count('class="office-line"') == 6 and 'value="TEA-500"' in page
    assert receipts(session) == []


def test_a_csv_upload_creates_receipts_and_the_list_shows_them(office, session):
    data = (f"仕入先,入荷予定日,JANコード,数量,ロット,賞味期限\r\n"
            f"伊藤園,{TODAY + timedelta(days=3):%Y/%m/%d},{JAN},48,L1,{TODAY + timedelta(days=200):%Y/%m/%d}\r\n"
            f"花王,{TODAY + timedelta(days=1):%Y/%m/%d},SOAP-1,10,,\r\n").encode("cp932")
    token = csrf_token(office, "/receipts/import")
    response = office.post("/receipts/import", data={"csrf_token": token, "file": (io.BytesIO(data), "asn.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == "/receipts"
    made = receipts(session)
    page = text(office.get("/receipts"))
    assert "2 expected receipts imported (Shift_JIS (CP932))" in page
    codes = re.findall(r'data-code="(ZR-[\d-]+)"', page)
    assert codes == [made[1].code, made[0].code]


def test_a_wrong_csv_lists_its_problems_and_creates_nothing(office, session):
    data = b"supplier,expected date,SKU,quantity\r\nA,2026/12/01,NOPE,1\r\nA,2026/12/01,SOAP-1,0\r\n"
    token = csrf_token(office, "/receipts/import")
    response = office.post("/receipts/import", data={"csrf_token": token, "file": (io.BytesIO(data), "asn.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    page = text(response)
    assert re.findall(r'<tr data-row="(\d+)">', page) == ["2", "3"]
    assert "NOPE is not a known SKU or JAN." in page
    assert receipts(session) == []


def test_the_sample_file_downloads_with_japanese_headers_for_a_japanese_user(office):
    office.post("/lang", data={"lang": "ja", "csrf_token": csrf_token(office, "/")})
    response = office.get("/receipts/import/sample")
    assert response.data.decode("utf-8-sig").startswith("入荷番号,仕入先,入荷予定日,商品コード,JANコード,数量")


def test_a_receipt_of_another_warehouse_is_not_found(office, session):
    other = f.warehouse(session)
    soap = session.scalar(select(Product).where(Product.sku == "SOAP-1"))
    with write_transaction(session):
        receipt = create_receipt(session, other.id, "X", TODAY, [PlannedLine(soap.id, 1)], None)
    assert office.get(f"/receipts/{receipt.id}").status_code == 404
    assert session.scalar(select(func.count()).select_from(Receipt)) == 1
