"""One product, one shelf at a time (issue 15): every field, every refusal with nothing written, and
the history on the page, newest first."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.barcodes.checkdigit import with_check_digit
from app.database import write_transaction
from app.history.models import ChangeRecord
from app.stock.models import BarcodeKind, KitComponent, Location, LocationKind, Product, ProductBarcode, Tracking
from app.stock.warehouses import standard_location
from tests import factories as f
from tests import order_support as o
from tests.support import csrf_token, log_in, text_of

JAN = "4901234567894"
NEW_JAN = with_check_digit("490123456790")
CASE = with_check_digit("1490123456789")


def fresh(session) -> None:
    session.rollback()
    session.expire_all()


def written(session) -> tuple:
    """Everything a product or shelf save could have written."""
    fresh(session)
    tables = (Product, ProductBarcode, KitComponent, ChangeRecord)
    return tuple(session.scalar(select(func.count()).select_from(t)) for t in tables) + tuple(
        session.execute(select(Product.name, Product.tracking, Product.active, Product.is_kit).order_by(Product.id)).all()
    ) + tuple(session.execute(select(ProductBarcode.code).order_by(ProductBarcode.id)).scalars()) + tuple(
        session.execute(select(Location.name, Location.zone, Location.active, Location.sellable).order_by(Location.id)).all())


def history(session, entity: str, entity_id: int) -> list[tuple]:
    fresh(session)
    return [tuple(r) for r in session.execute(
        select(ChangeRecord.field, ChangeRecord.old_value, ChangeRecord.new_value)
        .where(ChangeRecord.entity == entity, ChangeRecord.entity_id == entity_id).order_by(ChangeRecord.id))]


@pytest.fixture
def wh(session):
    return f.warehouse(session, code="TKY", name="東京DC")


@pytest.fixture
def office(client, session, wh):
    f.user(session, Role.SUPERVISOR, login="office1")
    assert log_in(client, "office1").status_code == 302
    client.post("/lang", data={"lang": "en", "csrf_token": csrf_token(client, "/")})
    return client


def send(client, path: str, **form):
    token = csrf_token(client, "/profile")
    return client.post(path, data={"csrf_token": token, **form})


def product_form(product: Product | None = None, **changes) -> dict:
    """The form as the page fills it (product.html), with changes."""
    form = {"sku": "TEA-500", "name": "緑茶 500ml", "tracking": "none", "min_shelf_life_days": "0",
            "shelf_life_days": "", "reorder_point": "0", "safety_stock": "0", "cost_price": "", "lead_time_days": "",
            "zone": "", "mixed_lots": "", "barcode": [JAN, ""], "pack": ["", ""], "component": [], "component_qty": []}
    if product is not None:
        form.update(sku=product.sku, name=product.name, tracking=product.tracking.value,
                    min_shelf_life_days=str(product.min_shelf_life_days),
                    barcode=[b.code for b in product.barcodes] + [""],
                    pack=["" if b.pack_qty == 1 else str(b.pack_qty) for b in product.barcodes] + [""],
                    seen=product.updated_at.isoformat() if product.updated_at else "")
        if product.is_kit:
            form["is_kit"] = "1"
    form.update(changes)
    return form


def loaded(session, product_id: int) -> Product:
    fresh(session)
    return session.get(Product, product_id)


# --- products --------------------------------------------------------------------------------------


def test_a_supervisor_creates_a_product_with_its_barcodes(office, session):
    form = product_form(barcode=[JAN, CASE, "tea-x1"], pack=["", "24", ""], tracking="lot_expiry",
                        min_shelf_life_days="30", shelf_life_days="365", zone="B", cost_price="¥1,200",
                        lead_time_days="7", mixed_lots="false")
    response = send(office, "/admin/products/new", **form)
    assert response.status_code == 302
    product = session.scalar(select(Product).where(Product.sku == "TEA-500"))
    assert response.headers["Location"] == f"/admin/products/{product.id}"
    assert (product.tracking, product.min_shelf_life_days, product.shelf_life_days, product.zone, product.cost_price,
            product.lead_time_days, product.mixed_lots) == (Tracking.LOT_EXPIRY, 30, 365, "B", 1200, 7, False)
    assert [(b.code, b.kind.value, b.pack_qty) for b in product.barcodes] == [
        (JAN, "ean13", 1), (CASE, "gtin14", 24), ("TEA-X1", "internal", 1)]
    assert history(session, "product", product.id) == [
        ("created", None, "TEA-500"), ("barcode", None, JAN), ("barcode", None, f"{CASE} ×24"), ("barcode", None, "TEA-X1")]
    page = office.get(response.headers["Location"]).get_data(as_text=True)
    assert "office1" not in text_of(page, "history") and "テスト 太郎" in text_of(page, "history")


@pytest.mark.parametrize("changes, field", [
    ({"barcode": ["4901234567890"]}, "barcode-0"),  # wrong check digit
    ({"barcode": [JAN, "0" + JAN]}, "barcode-1"),  # the same GTIN twice
    ({"barcode": [CASE], "pack": ["1"]}, "barcode-0"),  # a case holds 2 or more
    ({"barcode": [JAN], "pack": ["6"]}, "barcode-0"),  # a unit code is one unit
    ({"barcode": ["ZL-A-01"]}, "barcode-0"),  # looks like our labels
    ({"barcode": ["1234567890"]}, "barcode-0"),  # a JAN that lost digits
    ({"sku": ""}, "sku"),
    ({"name": ""}, "name"),
    ({"tracking": "sometimes"}, "tracking"),
    ({"zone": "ZL"}, "zone"),
    ({"min_shelf_life_days": "-1"}, "min_shelf_life_days"),
    ({"shelf_life_days": "0"}, "shelf_life_days"),
    ({"is_kit": "1"}, "components"),
])
def test_a_refused_new_product_writes_nothing(office, session, changes, field):
    before = written(session)
    response = send(office, "/admin/products/new", **product_form(**changes))
    assert response.status_code == 422
    assert f'id="error-{field}"' in response.get_data(as_text=True)
    assert written(session) == before


def test_a_code_of_another_product_is_refused_in_any_spelling(office, session):
    f.product(session, sku="OTHER", barcode=JAN)
    f.product(session, sku="CODE-OWNER", barcode=f.ean13())
    with_internal = f.product(session, sku="INT-OWNER")
    with write_transaction(session):
        session.add(ProductBarcode(product_id=with_internal.id, code="ABC-1", kind=BarcodeKind.INTERNAL, pack_qty=1))
    before = written(session)
    for code in ("0" + JAN, JAN, "abc-1"):
        response = send(office, "/admin/products/new", **product_form(sku="NEW", barcode=[code]))
        assert response.status_code == 422 and "already belongs to product" in text_of(
            response.get_data(as_text=True), "error-barcode-0"), code
    response = send(office, "/admin/products/new", **product_form(sku="OTHER", barcode=[NEW_JAN]))
    assert response.status_code == 422 and "taken" in text_of(response.get_data(as_text=True), "error-sku")
    assert written(session) == before


def test_editing_a_barcode_keeps_the_change_in_the_history_and_the_lookup_finds_the_new_code(office, session, wh):
    product = f.product(session, sku="TEA-500", name="緑茶", barcode=JAN)
    product = loaded(session, product.id)
    response = send(office, f"/admin/products/{product.id}", **product_form(product, barcode=[NEW_JAN, ""], name="緑茶 新"))
    assert response.status_code == 302
    assert [b.code for b in loaded(session, product.id).barcodes] == [NEW_JAN]
    assert history(session, "product", product.id)[-2:] == [("name", "緑茶", "緑茶 新"), ("barcode", JAN, NEW_JAN)]
    page = office.get(f"/admin/products/{product.id}").get_data(as_text=True)
    lines = re.findall(r'<li class="history-line" data-field="([a-z_.]+)"', page)
    assert lines[:2] == ["barcode", "name"] and lines[-1] == "created"  # newest first
    token = csrf_token(office, "/lookup")
    found = office.post("/lookup", data={"csrf_token": token, "code": NEW_JAN, "scan_id": "look-1"},
                        headers={"HX-Request": "true"})
    assert "TEA-500" in found.get_data(as_text=True)


def test_a_save_from_a_stale_page_is_refused_with_the_fresh_figures(office, session):
    product = loaded(session, f.product(session, sku="TEA-500", barcode=JAN).id)
    stale = product_form(product, name="first")
    assert send(office, f"/admin/products/{product.id}", **stale).status_code == 302
    before = written(session)
    response = send(office, f"/admin/products/{product.id}", **dict(stale, name="second"))
    assert response.status_code == 409 and 'id="error-seen"' in response.get_data(as_text=True)
    assert 'value="first"' in response.get_data(as_text=True)
    assert written(session) == before


@pytest.mark.parametrize("old, lot, expiry, qty, new, allowed", [
    (Tracking.NONE, None, None, 5, Tracking.LOT, False),  # stock without a lot
    (Tracking.LOT, "L1", None, 5, Tracking.NONE, False),  # stock with lots
    (Tracking.LOT, "L1", None, 5, Tracking.LOT_EXPIRY, False),  # a lot without an expiry date
    (Tracking.LOT, "L1", date(2027, 1, 1), 5, Tracking.LOT_EXPIRY, True),
    (Tracking.LOT_EXPIRY, "L1", date(2027, 1, 1), 5, Tracking.LOT, True),
    (Tracking.LOT, "L1", None, 2, Tracking.SERIAL, False),  # two units of one serial
    (Tracking.LOT, "S1", None, 1, Tracking.SERIAL, True),
    (Tracking.SERIAL, "S1", None, 1, Tracking.LOT, True),
])
def test_a_tracking_change_is_refused_where_the_stock_cannot_be_held(office, session, wh, old, lot, expiry, qty, new,
                                                                      allowed):
    product = f.product(session, tracking=old, sku="TEA-500", barcode=JAN)
    o.stock(session, product, f.location(session, wh, code="A-01-01-1"), qty, lot=lot, expiry=expiry)
    product = loaded(session, product.id)
    before = written(session)
    response = send(office, f"/admin/products/{product.id}", **product_form(product, tracking=new.value))
    if allowed:
        assert response.status_code == 302
        assert loaded(session, product.id).tracking is new
        assert history(session, "product", product.id)[-1] == ("tracking", old.value, new.value)
    else:
        assert response.status_code == 422 and 'id="error-tracking"' in response.get_data(as_text=True)
        assert written(session) == before


def test_a_tracking_change_without_stock_is_allowed(office, session):
    product = loaded(session, f.product(session, sku="TEA-500", barcode=JAN).id)
    assert send(office, f"/admin/products/{product.id}", **product_form(product, tracking="serial")).status_code == 302


def test_a_kit_and_its_components(office, session, wh):
    tea, cup = f.product(session, sku="TEA"), f.product(session, sku="CUP")
    box = f.product(session, sku="BOX", is_kit=True)
    response = send(office, "/admin/products/new", **product_form(
        sku="GIFT", barcode=[], is_kit="1", component=["TEA", "CUP", ""], component_qty=["2", "1", ""]))
    assert response.status_code == 302
    gift = session.scalar(select(Product).where(Product.sku == "GIFT"))
    assert sorted((c.component.sku, c.quantity) for c in gift.components) == [("CUP", 1), ("TEA", 2)]
    assert ("component", None, "TEA ×2") in history(session, "product", gift.id)
    before = written(session)
    for components, field in ((["GIFT"], "component-0"), (["BOX"], "component-0"), (["NOPE"], "component-0"),
                              (["TEA", "TEA"], "component-1")):
        gift = loaded(session, gift.id)
        form = product_form(gift, barcode=[], component=components, component_qty=["1"] * len(components))
        response = send(office, f"/admin/products/{gift.id}", **form)
        assert response.status_code == 422 and f'id="error-{field}"' in response.get_data(as_text=True), components
    assert written(session) == before
    # while an order of the kit is open, its components stay as they are
    o.order(session, wh, (loaded(session, gift.id), 1))
    gift = loaded(session, gift.id)
    before = written(session)
    form = product_form(gift, barcode=[], component=["TEA"], component_qty=["3"])
    response = send(office, f"/admin/products/{gift.id}", **form)
    assert response.status_code == 422 and 'id="error-components"' in response.get_data(as_text=True)
    assert written(session) == before
    # a product in stock does not become a kit
    o.stock(session, tea, f.location(session, wh, code="A-01-01-1"), 3)
    tea = loaded(session, tea.id)
    before = written(session)
    response = send(office, f"/admin/products/{tea.id}", **product_form(
        tea, is_kit="1", component=["CUP"], component_qty=["1"]))
    assert response.status_code == 422 and 'id="error-is_kit"' in response.get_data(as_text=True)
    assert written(session) == before and cup and box


@pytest.mark.parametrize("blocker", ["stock", "order", "receipt", "count"])
def test_deactivating_a_product_is_refused_while_stock_or_open_documents_exist(office, session, wh, blocker):
    product = f.product(session, sku="TEA-500", barcode=JAN)
    shelf = f.location(session, wh, code="A-01-01-1")
    if blocker == "stock":
        o.stock(session, product, shelf, 1)
    elif blocker == "order":
        o.order(session, wh, (product, 1))
    elif blocker == "receipt":
        from app.receipts.plans import PlannedLine, create_receipt
        with write_transaction(session):
            create_receipt(session, wh.id, "伊藤園", date(2026, 12, 1), [PlannedLine(product.id, 5)], None)
    else:
        from app.stock.count_tasks import request_count
        with write_transaction(session):
            request_count(session, wh.id, shelf.id, product.id, cause="manual", reference=None, user_id=None)
    before = written(session)
    asked = send(office, f"/admin/products/{product.id}/deactivate")
    assert asked.status_code == 200 and 'id="confirm-deactivate"' in asked.get_data(as_text=True)
    response = send(office, f"/admin/products/{product.id}/deactivate", confirm="1")
    assert response.status_code == 422 and 'id="error-active"' in response.get_data(as_text=True)
    assert written(session) == before


def test_deactivating_and_reactivating_a_product(office, session):
    product = f.product(session, sku="TEA-500", barcode=JAN)
    assert send(office, f"/admin/products/{product.id}/deactivate", confirm="1").status_code == 302
    assert not loaded(session, product.id).active
    assert send(office, f"/admin/products/{product.id}/reactivate").status_code == 302
    assert loaded(session, product.id).active
    assert history(session, "product", product.id)[-2:] == [("active", "true", "false"), ("active", "false", "true")]


def test_the_product_list_links_each_product_and_filters_on_the_server(office, session):
    tea = f.product(session, sku="TEA-500", barcode=JAN, tracking=Tracking.LOT)
    f.product(session, sku="SOAP")
    html = office.get("/admin/products?tracking=lot").get_data(as_text=True)
    assert re.findall(r'data-sku="([^"]+)"', html) == ["TEA-500"]
    assert f'href="/admin/products/{tea.id}"' in html and 'href="/admin/products/new"' in html
    assert 'href="/admin/products/import"' in html and 'href="/admin/products/export"' in html
    send(office, f"/admin/products/{tea.id}/deactivate", confirm="1")
    assert re.findall(r'data-sku="([^"]+)"', office.get("/admin/products?state=active").get_data(as_text=True)) == ["SOAP"]


def test_the_products_csv_import_is_kept_in_the_history(office, session):
    import io

    tea = f.product(session, sku="TEA-500", name="緑茶", barcode=JAN)
    data = f"SKU,name,JAN\r\nTEA-500,緑茶 2,{NEW_JAN}\r\nNEW-1,新商品,\r\n".encode()
    token = csrf_token(office, "/admin/products/import")
    response = office.post("/admin/products/import", data={"csrf_token": token, "file": (io.BytesIO(data), "p.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert history(session, "product", tea.id)[-2:] == [("name", "緑茶", "緑茶 2"), ("barcode", JAN, NEW_JAN)]
    new = session.scalar(select(Product).where(Product.sku == "NEW-1"))
    assert history(session, "product", new.id) == [("created", None, "NEW-1")]
    fresh(session)
    who = session.execute(select(ChangeRecord.user_id).where(ChangeRecord.entity_id == new.id,
                                                             ChangeRecord.entity == "product")).scalar()
    assert who is not None


# --- shelves ---------------------------------------------------------------------------------------


def test_editing_a_shelf_and_its_history(office, session, wh):
    shelf = f.location(session, wh, code="A-01-01-1", zone="A", pick_sequence=10)
    response = send(office, f"/admin/locations/{shelf.id}", name="入口横", zone="B", pick_sequence="15",
                    sellable="1", active="1")
    assert response.status_code == 302
    assert history(session, "location", shelf.id)[-3:] == [("name", None, "入口横"), ("zone", "A", "B"),
                                                             ("pick_sequence", "10", "15")]
    page = office.get(f"/admin/locations/{shelf.id}").get_data(as_text=True)
    assert "入口横" in text_of(page, "history")
    assert f'href="/admin/locations/{shelf.id}"' in office.get("/admin/locations").get_data(as_text=True)


def test_deactivating_a_shelf_asks_first_and_is_refused_while_it_holds_stock(office, session, wh):
    empty = f.location(session, wh, code="A-01-01-1")
    full = f.location(session, wh, code="A-01-01-2")
    o.stock(session, f.product(session), full, 3)
    before = written(session)
    asked = send(office, f"/admin/locations/{empty.id}", zone="A", sellable="1")
    assert asked.status_code == 200 and 'id="confirm-deactivate"' in asked.get_data(as_text=True)
    refused = send(office, f"/admin/locations/{full.id}", zone="A", sellable="1", confirm="1")
    assert refused.status_code == 422 and "still holds 3 units" in refused.get_data(as_text=True)
    assert written(session) == before
    assert send(office, f"/admin/locations/{empty.id}", zone="A", sellable="1", confirm="1").status_code == 302
    fresh(session)
    assert not session.get(Location, empty.id).active


@pytest.mark.parametrize("changes, field", [({"zone": "ZC"}, "zone"), ({"pick_sequence": "x"}, "pick_sequence"),
                                            ({"name": "x" * 101}, "name")])
def test_a_refused_shelf_save_writes_nothing(office, session, wh, changes, field):
    shelf = f.location(session, wh, code="A-01-01-1")
    before = written(session)
    response = send(office, f"/admin/locations/{shelf.id}", **{"zone": "A", "active": "1", **changes})
    assert response.status_code == 422 and f'id="error-{field}"' in response.get_data(as_text=True)
    assert written(session) == before


def test_standard_places_stay_active_and_unsellable_and_virtual_ones_are_not_edited(office, session, wh):
    dock = standard_location(session, wh.id, LocationKind.DOCK)
    supplier = standard_location(session, wh.id, LocationKind.SUPPLIER)
    refused = send(office, f"/admin/locations/{dock.id}", name="北側ドック")  # taking it out of use
    assert refused.status_code == 422 and "every warehouse needs" in refused.get_data(as_text=True)
    assert send(office, f"/admin/locations/{dock.id}", name="北側ドック", sellable="1", active="1").status_code == 302
    fresh(session)
    dock = session.get(Location, dock.id)
    assert (dock.name, dock.active, dock.sellable) == ("北側ドック", True, False)
    assert office.get(f"/admin/locations/{supplier.id}").status_code == 404
    assert send(office, f"/admin/locations/{supplier.id}", name="x").status_code == 404


def test_a_shelf_of_another_warehouse_is_not_found(client, session, wh):
    other = f.warehouse(session, code="OSK")
    shelf = f.location(session, other, code="A-01-01-1")
    f.user(session, Role.SUPERVISOR, login="tky-only", warehouses=[wh], all_warehouses=False)
    log_in(client, "tky-only")
    assert client.get(f"/admin/locations/{shelf.id}").status_code == 404


@pytest.mark.parametrize("role", [Role.PICKER, Role.RECEIVER])
def test_floor_roles_get_403_on_the_product_and_shelf_pages(client, session, wh, role):
    product = f.product(session)
    shelf = f.location(session, wh)
    f.user(session, role, login="floor")
    log_in(client, "floor")
    for path in ("/admin/products/new", f"/admin/products/{product.id}", f"/admin/locations/{shelf.id}"):
        assert client.get(path).status_code == 403, path
    before = written(session)
    assert send(client, f"/admin/products/{product.id}", **product_form()).status_code == 403
    assert send(client, f"/admin/products/{product.id}/deactivate", confirm="1").status_code == 403
    assert send(client, f"/admin/locations/{shelf.id}", zone="B").status_code == 403
    assert written(session) == before


def test_a_range_of_new_shelves_is_kept_in_their_history(office, session, wh):
    f.location(session, wh, code="C-01-01-1")
    response = send(office, "/admin/locations/range", zones="C", aisle_from="1", aisle_to="1", rack_from="1",
                    rack_to="2", level_from="1", level_to="1")
    assert response.status_code == 302
    fresh(session)
    made = session.scalar(select(Location).where(Location.code == "C-01-02-1"))
    assert history(session, "location", made.id) == [("created", None, "C-01-02-1")]
    fresh(session)
    who = session.scalar(select(ChangeRecord.user_id).where(ChangeRecord.entity_id == made.id,
                                                            ChangeRecord.entity == "location"))
    assert who is not None
