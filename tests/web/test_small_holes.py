"""The small holes of issue 14, item 8: one charset on CSV downloads, JSON 413 for JSON clients,
badges known only in their holder's warehouses, full-width formula starts guarded in exports."""
from __future__ import annotations

import csv
import io

import pytest

from app.auth.models import Role
from app.database import write_transaction
from app.masterdata.cells import guarded, unguarded
from app.stock.models import Product
from tests import factories as f
from tests.support import csrf_token, log_in


@pytest.fixture
def office(client, session):
    f.warehouse(session, code="TKY")
    f.user(session, Role.SUPERVISOR, login="office1")
    log_in(client, "office1")
    return client


@pytest.mark.parametrize("path", ["/admin/products/export", "/admin/locations/export", "/receipts/import/sample"])
def test_a_csv_download_says_its_charset_once(office, path):
    response = office.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_an_upload_over_the_limit_answers_json_to_a_json_client_and_html_to_a_browser(office):
    token = csrf_token(office, "/lookup")
    big = b"\xff" * (16 * 1024 * 1024 + 10)
    decode = office.post("/scan/decode", data={"image": (io.BytesIO(big), "x.jpg"), "csrf_token": token},
                         content_type="multipart/form-data")
    assert decode.status_code == 413 and decode.is_json and decode.json["error"] == "too_large"
    asked_json = office.post("/admin/products/import", data={"file": (io.BytesIO(big), "x.csv"), "csrf_token": token},
                             content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert asked_json.status_code == 413 and asked_json.is_json
    page = office.post("/admin/products/import", data={"file": (io.BytesIO(big), "x.csv"), "csrf_token": token},
                       content_type="multipart/form-data", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 413 and "<html" in page.get_data(as_text=True)


def test_a_badge_of_another_warehouse_is_unknown_in_the_lookup(client, session):
    here, there = f.warehouse(session, code="TKY"), f.warehouse(session, code="OSK")
    f.user(session, Role.PICKER, login="looker", warehouses=[here], all_warehouses=False)
    f.user(session, login="colleague", badge="ZU-HERE01", warehouses=[here], all_warehouses=False)
    stranger = f.user(session, login="stranger", badge="ZU-THERE1", warehouses=[there], all_warehouses=False)
    with write_transaction(session):
        stranger.name = "大阪 花子"
    log_in(client, "looker")
    token = csrf_token(client, "/lookup")

    def look(code):
        return client.post("/lookup", data={"code": code, "csrf_token": token}, headers={"HX-Request": "true"})

    assert look("ZU-HERE01").status_code == 200
    elsewhere = look("ZU-THERE1")
    assert elsewhere.status_code == 422 and "大阪 花子" not in elsewhere.get_data(as_text=True)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "＝", "＋", "－", "＠"])
def test_a_cell_starting_like_a_formula_in_any_width_is_guarded_and_reads_back(start):
    text = f"{start}HYPERLINK(\"http://x\")"
    assert guarded(text) == "'" + text and unguarded(guarded(text)) == text


def test_the_products_export_guards_a_full_width_formula_in_a_name(office, session):
    f.product(session, sku="SOAP-1")
    with write_transaction(session):
        session.query(Product).filter_by(sku="SOAP-1").update({"name": "＝CMD()"})
    rows = list(csv.reader(io.StringIO(office.get("/admin/products/export").get_data(as_text=True).lstrip("\ufeff"))))
    assert any(row[1] == "'＝CMD()" for row in rows[1:])
