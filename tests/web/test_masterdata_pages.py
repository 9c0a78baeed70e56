"""The products and locations screens: uploads, downloads, forms with their errors, row actions."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.masterdata.csvfile import UTF8_BOM
from app.stock.models import Location, LocationKind, Product
from tests import factories as f
from tests.support import csrf_token, log_in

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle=", re.IGNORECASE)
JAN = "4901234567894"


@pytest.fixture
def wh(session):
    return f.warehouse(session, code="TKY", name="東京DC")


@pytest.fixture
def office(client, session, wh):
    f.user(session, Role.SUPERVISOR, login="office1")
    assert log_in(client, "office1").status_code == 302
    client.post("/lang", data={"lang": "en", "csrf_token": csrf_token(client, "/")})
    return client


def upload(client, path: str, data: bytes, filename: str = "file.csv", **headers):
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data", headers=headers)


def text(response) -> str:
    return response.get_data(as_text=True)


def assert_inside_csp(html: str) -> None:
    assert not INLINE_SCRIPT.search(html)
    assert not STYLE_ATTR.search(html)
    assert "<style" not in html


def test_every_office_page_renders_inside_the_csp(office, session, wh):
    f.product(session, sku="TEA-500", barcode=JAN)
    f.location(session, wh, code="A-01-01-1")
    for path in ("/admin/products", "/admin/products/import", "/admin/locations", "/admin/locations/range",
                 "/admin/locations/import"):
        response = office.get(path)
        assert response.status_code == 200, path
        assert_inside_csp(text(response))
        assert "coming-soon" not in text(response)


def test_a_products_upload_imports_and_redirects_to_the_list_with_a_message(office, session):
    data = f"商品コード,商品名,JANコード\r\nTEA-500,伊右衛門 緑茶,{JAN}\r\n".encode("cp932")
    response = upload(office, "/admin/products/import", data)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/products"
    page = text(office.get("/admin/products"))
    assert "Products imported: 1 new, 0 updated, 0 unchanged (Shift_JIS (CP932))" in page
    assert 'data-sku="TEA-500"' in page and "伊右衛門 緑茶" in page


def test_a_wrong_products_file_shows_every_problem_with_its_row_and_imports_nothing(office, session):
    data = b"SKU,name,JAN,tracking\r\nA,x,4901234567895,none\r\nB,y,,batch\r\nA,z,,\r\n"
    response = upload(office, "/admin/products/import", data)
    assert response.status_code == 422
    page = text(response)
    assert 'id="import-errors"' in page and 'data-count="3"' in page
    rows = re.findall(r'<tr data-row="(\d+)"><td class="num">\d+</td><td>([^<]*)</td>', page)
    assert rows == [("2", "JAN"), ("3", "tracking"), ("4", "SKU")]
    assert "Nothing was imported" in page
    assert session.scalar(select(func.count()).select_from(Product)) == 0
    assert_inside_csp(page)


def test_a_file_in_another_encoding_is_refused_with_a_clear_message(office):
    response = upload(office, "/admin/products/import", "SKU,name\r\nA,x\r\n".encode("utf-16"))
    assert response.status_code == 422
    assert "neither UTF-8 nor Shift_JIS" in text(response)


def test_posting_without_a_file_asks_for_one(office):
    token = csrf_token(office, "/admin/products/import")
    response = office.post("/admin/products/import", data={"csrf_token": token})
    assert response.status_code == 422 and 'id="error-file"' in text(response)


def test_an_upload_without_the_csrf_token_is_refused(office):
    response = office.post("/admin/products/import", data={"file": (io.BytesIO(b"SKU,name\r\nA,x\r\n"), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400


def test_products_export_downloads_a_bom_csv_in_the_users_language(office, session):
    f.product(session, sku="TEA-500", name="緑茶", barcode=JAN)
    response = office.get("/admin/products/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="products-')
    assert response.data.startswith(UTF8_BOM)
    assert response.data.decode("utf-8-sig").startswith("SKU,name,JAN,")


def test_the_product_search_finds_by_jan(office, session):
    f.product(session, sku="TEA-500", barcode=JAN)
    f.product(session, sku="COFFEE")
    page = text(office.get(f"/admin/products?q={JAN}"))
    assert 'data-sku="TEA-500"' in page and 'data-sku="COFFEE"' not in page


def test_a_location_range_is_created_and_the_list_says_how_many_were_new(office, session, wh):
    token = csrf_token(office, "/admin/locations/range")
    form = {"csrf_token": token, "zones": "A-B", "aisle_from": "1", "aisle_to": "2", "rack_from": "1", "rack_to": "3",
            "level_from": "1", "level_to": "2"}
    response = office.post("/admin/locations/range", data=form)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/locations?zone=A"
    page = text(office.get(response.headers["Location"]))
    assert "24 new locations from A-01-01-1 to B-02-01-2; 0 already existed" in page
    again = office.post("/admin/locations/range", data=form)
    assert "0 new locations from A-01-01-1 to B-02-01-2; 24 already existed" in text(office.get(again.headers["Location"]))


def test_a_wrong_range_re_renders_the_form_with_errors_under_the_fields(office, session):
    token = csrf_token(office, "/admin/locations/range")
    response = office.post("/admin/locations/range", data={
        "csrf_token": token, "zones": "ZR", "aisle_from": "3", "aisle_to": "1", "rack_from": "", "rack_to": "2",
        "level_from": "1", "level_to": "1"})
    assert response.status_code == 422
    page = text(response)
    for field in ("zones", "aisle_to", "rack_from"):
        assert f'id="error-{field}"' in page
    assert 'value="ZR"' in page
    assert session.scalar(select(func.count()).select_from(Location).where(Location.kind == LocationKind.STORAGE)) == 0


def test_deactivating_a_location_with_stock_answers_htmx_with_the_row_and_its_reason(office, session, wh):
    shelf = f.location(session, wh, code="A-01-01-1")
    f.receive(session, f.product(session), shelf, 6)
    token = csrf_token(office, "/admin/locations")
    response = office.post(f"/admin/locations/{shelf.id}/deactivate", data={"csrf_token": token, "confirm": "1"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 422
    row = text(response)
    assert row.startswith('<tr id="location-') and 'data-active="true"' in row
    assert "A-01-01-1 still holds 6 units of 1 products" in row and 'role="alert"' in row


def test_an_empty_location_is_deactivated_and_reactivated_from_its_row(office, session, wh):
    shelf = f.location(session, wh, code="A-01-01-2")
    token = csrf_token(office, "/admin/locations")
    asked = office.post(f"/admin/locations/{shelf.id}/deactivate", data={"csrf_token": token},
                        headers={"HX-Request": "true", "X-CSRFToken": token})
    assert asked.status_code == 200 and 'data-active="true"' in text(asked) and 'name="confirm" value="1"' in text(asked)
    kept = office.post(f"/admin/locations/{shelf.id}/deactivate", data={"csrf_token": token, "confirm": "0"},
                       headers={"HX-Request": "true", "X-CSRFToken": token})
    assert 'data-active="true"' in text(kept) and 'name="confirm"' not in text(kept)
    off = office.post(f"/admin/locations/{shelf.id}/deactivate", data={"csrf_token": token, "confirm": "1"},
                      headers={"HX-Request": "true", "X-CSRFToken": token})
    assert off.status_code == 200 and 'data-active="false"' in text(off) and "Reactivate" in text(off)
    on = office.post(f"/admin/locations/{shelf.id}/reactivate",
                     data={"csrf_token": token, "next": "/admin/locations?zone=A"})
    assert on.status_code == 302 and on.headers["Location"] == "/admin/locations?zone=A"
    assert "A-01-01-2 is active again." in text(office.get("/admin/locations"))


def test_a_location_of_another_warehouse_is_not_found(office, session):
    elsewhere = f.location(session, f.warehouse(session), code="A-01-01-3")
    token = csrf_token(office, "/admin/locations")
    assert office.post(f"/admin/locations/{elsewhere.id}/deactivate", data={"csrf_token": token}).status_code == 404


def test_locations_import_and_export(office, session, wh):
    response = upload(office, "/admin/locations/import", "棚番,種別\r\nA-01-01-1,保管\r\nPACK-01,梱包\r\n".encode("cp932"))
    assert response.status_code == 302
    exported = office.get("/admin/locations/export")
    assert exported.headers["Content-Disposition"].startswith('attachment; filename="locations-TKY-')
    lines = exported.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "code,kind,zone,aisle,rack,level,pick sequence,active"
    assert any(line.startswith("A-01-01-1,storage,A,01,01,1,") for line in lines)
    refused = upload(office, "/admin/locations/import", b"code\r\nZL-01-01-1\r\n")
    assert refused.status_code == 422 and "read as our labels" in text(refused)
