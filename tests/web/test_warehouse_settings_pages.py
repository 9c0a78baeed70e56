"""Warehouses and their floor settings (issue 15): /admin/warehouses and /admin/settings for admins,
the floor reading the settings where it used constants, the address on the delivery note, and a
home screen without a link to "coming soon"."""
from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.database import write_transaction
from app.history.models import ChangeRecord
from app.putaway.service import shelf_facts
from app.receipts.plans import PlannedLine, create_receipt
from app.shell.nav import ENTRIES
from app.stock.ledger import LotSpec
from app.stock.models import Location, LocationKind, Lot, LotMixing, Tracking, Warehouse, WarehouseSetting
from app.stock.suggest import suggest_location
from app.stock.warehouses import FloorSettings, STANDARD_LOCATIONS, standard_location, warehouse_ref
from app.masterdata.warehouse_edit import save_settings
from app.timeutil import local_today
from tests import factories as f
from tests.support import csrf_token, log_in, text_of

_ids = itertools.count(1)


def fresh(session) -> None:
    session.rollback()
    session.expire_all()


def written(session) -> tuple:
    fresh(session)
    return (session.scalar(select(func.count()).select_from(Warehouse)),
            session.scalar(select(func.count()).select_from(Location)),
            session.scalar(select(func.count()).select_from(WarehouseSetting)),
            session.scalar(select(func.count()).select_from(ChangeRecord)),
            tuple(session.execute(select(Warehouse.name, Warehouse.address, Warehouse.location_pattern)
                                  .order_by(Warehouse.id)).all()))


def history(session, warehouse_id: int) -> list[tuple]:
    fresh(session)
    return [tuple(r) for r in session.execute(
        select(ChangeRecord.field, ChangeRecord.old_value, ChangeRecord.new_value)
        .where(ChangeRecord.entity == "warehouse", ChangeRecord.entity_id == warehouse_id).order_by(ChangeRecord.id))]


def send(client, path: str, **form):
    return client.post(path, data={"csrf_token": csrf_token(client, "/profile"), **form})


@pytest.fixture
def wh(session):
    return f.warehouse(session, code="TKY", name="東京DC")


@pytest.fixture
def admin(client, session, wh):
    f.user(session, Role.ADMIN, login="boss")
    assert log_in(client, "boss").status_code == 302
    client.post("/lang", data={"lang": "en", "csrf_token": csrf_token(client, "/")})
    return client


# --- warehouses ------------------------------------------------------------------------------------


def test_an_admin_creates_a_warehouse_with_its_standard_places(admin, session):
    response = send(admin, "/admin/warehouses/new", code="osk", name="大阪DC", address="大阪府大阪市北区1-2-3\n大阪DC 2F",
                    location_pattern="")
    assert response.status_code == 302
    osk = session.scalar(select(Warehouse).where(Warehouse.code == "OSK"))
    assert osk.address == "大阪府大阪市北区1-2-3\n大阪DC 2F"
    places = set(session.scalars(select(Location.code).where(Location.warehouse_id == osk.id)))
    assert places == {code for code, _kind in STANDARD_LOCATIONS}
    assert history(session, osk.id) == [("created", None, "OSK")]
    html = admin.get("/admin/warehouses").get_data(as_text=True)
    assert re.findall(r'<tr data-code="([^"]+)"', html) == ["OSK", "TKY"]
    assert "coming-soon" not in html


@pytest.mark.parametrize("form, field", [
    ({"code": "TKY", "name": "x"}, "code"),
    ({"code": "ZZ 1", "name": "x"}, "code"),
    ({"code": "NEW", "name": ""}, "name"),
    ({"code": "NEW", "name": "x", "location_pattern": "([A-Z"}, "location_pattern"),
    ({"code": "NEW", "name": "x", "address": "あ" * 301}, "address"),
])
def test_a_refused_new_warehouse_writes_nothing(admin, session, form, field):
    before = written(session)
    response = send(admin, "/admin/warehouses/new", **form)
    assert response.status_code == 422 and f'id="error-{field}"' in response.get_data(as_text=True)
    assert written(session) == before


def test_editing_a_warehouse_keeps_its_code_and_its_history(admin, session, wh):
    response = send(admin, f"/admin/warehouses/{wh.id}", code="HACK", name="東京第二DC", address="東京都江東区1-1",
                    location_pattern=r"^[A-Z]-\d{2}-\d{2}-\d$")
    assert response.status_code == 302
    fresh(session)
    saved = session.get(Warehouse, wh.id)
    assert (saved.code, saved.name, saved.address) == ("TKY", "東京第二DC", "東京都江東区1-1")
    assert history(session, wh.id)[-3:] == [("name", "東京DC", "東京第二DC"), ("address", None, "東京都江東区1-1"),
                                           ("location_pattern", r"^[A-Z]{1,2}-\d{2}-\d{2}-\d{1,2}$",
                                            r"^[A-Z]-\d{2}-\d{2}-\d$")]
    page = admin.get(f"/admin/warehouses/{wh.id}").get_data(as_text=True)
    assert "東京第二DC" in text_of(page, "history")


def test_a_pattern_that_active_shelves_do_not_fit_is_refused(admin, session, wh):
    f.location(session, wh, code="AB-01-01-1")
    before = written(session)
    response = send(admin, f"/admin/warehouses/{wh.id}", name="東京DC", location_pattern=r"^[A-Z]-\d{2}-\d{2}-\d$")
    assert response.status_code == 422 and "AB-01-01-1" in text_of(response.get_data(as_text=True),
                                                                   "error-location_pattern")
    assert written(session) == before


# --- settings --------------------------------------------------------------------------------------


def test_settings_are_saved_per_warehouse_and_kept_in_its_history(admin, session, wh):
    osk = f.warehouse(session, code="OSK")
    page = admin.get("/admin/settings").get_data(as_text=True)
    assert 'id="settings-TKY"' in page and 'id="settings-OSK"' in page and "coming-soon" not in page
    response = send(admin, f"/admin/settings/{osk.id}", short_dated_days="45", lot_mixing="separate",
                    label_sheet="a4-2x5")
    assert response.status_code == 302
    fresh(session)
    assert warehouse_ref(session, osk.id).settings == FloorSettings(45, LotMixing.SEPARATE, "a4-2x5", False)
    assert warehouse_ref(session, wh.id).settings == FloorSettings()
    assert history(session, osk.id)[-4:] == [
        ("setting.short_dated_days", "0", "45"), ("setting.lot_mixing", "by_tracking", "separate"),
        ("setting.label_sheet", "a4-3x8", "a4-2x5"), ("setting.sound_on", "true", "false")]
    send(admin, f"/admin/settings/{osk.id}", short_dated_days="45", lot_mixing="separate", label_sheet="a4-2x5",
         sound_on="1")
    assert history(session, osk.id)[-1] == ("setting.sound_on", "false", "true")


@pytest.mark.parametrize("form, field", [
    ({"short_dated_days": "-3", "lot_mixing": "mixed", "label_sheet": "single"}, "short_dated_days"),
    ({"short_dated_days": "99999", "lot_mixing": "mixed", "label_sheet": "single"}, "short_dated_days"),
    ({"short_dated_days": "5", "lot_mixing": "sometimes", "label_sheet": "single"}, "lot_mixing"),
    ({"short_dated_days": "5", "lot_mixing": "mixed", "label_sheet": "a3"}, "label_sheet"),
])
def test_refused_settings_write_nothing(admin, session, wh, form, field):
    before = written(session)
    response = send(admin, f"/admin/settings/{wh.id}", **form)
    assert response.status_code == 422 and f'id="error-TKY-{field}"' in response.get_data(as_text=True)
    assert written(session) == before


def test_settings_of_a_missing_warehouse_are_not_found(admin, session):
    assert send(admin, "/admin/settings/999999", short_dated_days="1", lot_mixing="mixed",
                label_sheet="single").status_code == 404


@pytest.mark.parametrize("role", [Role.PICKER, Role.RECEIVER, Role.SUPERVISOR])
def test_warehouses_and_settings_are_for_admins_only(client, session, wh, role):
    f.user(session, role, login="someone")
    log_in(client, "someone")
    before = written(session)
    for path in ("/admin/warehouses", "/admin/warehouses/new", f"/admin/warehouses/{wh.id}", "/admin/settings"):
        assert client.get(path).status_code == 403, path
    assert send(client, "/admin/warehouses/new", code="NEW", name="x").status_code == 403
    assert send(client, f"/admin/warehouses/{wh.id}", name="x").status_code == 403
    assert send(client, f"/admin/settings/{wh.id}", short_dated_days="1", lot_mixing="mixed",
                label_sheet="single").status_code == 403
    assert written(session) == before


# --- the floor reads the settings ------------------------------------------------------------------


def settle(session, wh, **changes) -> None:
    save_settings(session, wh.id, FloorSettings(**{**FloorSettings().__dict__, **changes}))


def test_the_sound_default_reaches_every_page_of_the_warehouse(client, session, wh):
    f.user(session, Role.PICKER, login="picker", warehouses=[wh], all_warehouses=False)
    log_in(client, "picker")
    assert 'data-sound="on"' in client.get("/").get_data(as_text=True)
    settle(session, wh, sound_on=False)
    assert 'data-sound="off"' in client.get("/picking").get_data(as_text=True)


def test_the_label_sheet_default_is_the_warehouses(client, session, wh):
    f.user(session, Role.SUPERVISOR, login="office", warehouses=[wh], all_warehouses=False)
    log_in(client, "office")
    settle(session, wh, label_sheet="a4-2x5")
    index = client.get("/labels").get_data(as_text=True)
    assert '<option value="a4-2x5" selected>' in index
    assert 'data-sheet="a4-2x5"' in client.get("/labels/totes?from=1&to=3").get_data(as_text=True)
    assert 'data-sheet="single"' in client.get("/labels/totes?from=1&to=3&sheet=single").get_data(as_text=True)


def test_the_short_dated_threshold_makes_receiving_ask_first(client, session, wh):
    clerk = f.user(session, Role.RECEIVER, login="clerk", warehouses=[wh], all_warehouses=False)
    milk = f.product(session, sku="MILK", barcode="4912345678904", tracking=Tracking.LOT_EXPIRY)
    with write_transaction(session):
        receipt = create_receipt(session, wh.id, "牧場", local_today(), [PlannedLine(milk.id, 12)], clerk.id)
    log_in(client, "clerk")
    token = csrf_token(client, f"/receiving/{receipt.id}")
    expiry = local_today() + timedelta(days=10)

    def scan(lot: str):
        code = "]C10104912345678904" + f"17{expiry:%y%m%d}" + f"10{lot}"
        return client.post(f"/receiving/{receipt.id}/scan", data={
            "csrf_token": token, "scan_id": f"short-{next(_ids):06d}", "code": code},
            headers={"HX-Request": "true"}).get_data(as_text=True)

    assert 'data-result="ok"' in scan("L1")  # the threshold is 0: only the product's own minimum counts
    settle(session, wh, short_dated_days=30)
    asked = scan("L2")
    assert 'data-result="confirm"' in asked and 'name="confirm_short_dated"' in asked


def test_the_lot_mixing_default_steers_putaway(session, wh):
    soap = f.product(session, sku="SOAP", tracking=Tracking.LOT)  # lot-tracked: lots mix by tracking mode
    holding = f.location(session, wh, code="A-01-01-1", zone="A", pick_sequence=10)
    f.location(session, wh, code="A-02-01-1", zone="A", pick_sequence=20)
    f.receive(session, soap, holding, 3, lot=LotSpec("OLD"))
    f.receive(session, soap, standard_location(session, wh.id, LocationKind.DOCK), 3, lot=LotSpec("NEW"))
    new_lot = session.scalar(select(Lot.id).where(Lot.number == "NEW"))
    ref = warehouse_ref(session, wh.id)
    assert suggest_location(session, wh.id, soap, new_lot, ref.settings.lot_mixing).code == "A-01-01-1"
    assert shelf_facts(session, ref, soap.id, new_lot, "A-01-01-1").allows_mixed_lots
    settle(session, wh, lot_mixing=LotMixing.SEPARATE)
    ref = warehouse_ref(session, wh.id)
    assert suggest_location(session, wh.id, soap, new_lot, ref.settings.lot_mixing).code == "A-02-01-1"
    assert not shelf_facts(session, ref, soap.id, new_lot, "A-01-01-1").allows_mixed_lots


# --- the delivery note and the home screen ---------------------------------------------------------


def test_the_delivery_note_prints_the_warehouse_address(client, session, wh):
    from tests import order_support as o

    with write_transaction(session):
        session.get(Warehouse, wh.id).address = "東京都江東区新木場1-2-3\n東京DC 3F"
    order = o.order(session, wh, (f.product(session, sku="TEA"), 1))
    f.user(session, Role.SUPERVISOR, login="office", warehouses=[wh], all_warehouses=False)
    log_in(client, "office")
    note = client.get(f"/packing/{order.id}/note").get_data(as_text=True)
    assert text_of(note, "warehouse-address") == "東京都江東区新木場1-2-3東京DC 3F"
    assert "東京都江東区新木場1-2-3<br>東京DC 3F" in note


def test_no_home_link_leads_to_coming_soon(client, session, wh):
    f.user(session, Role.ADMIN, login="boss", warehouses=[wh], all_warehouses=False)
    log_in(client, "boss")
    home = client.get("/").get_data(as_text=True)
    for entry in ENTRIES:
        assert f'href="{entry.path}"' in home
        page = client.get(entry.path)
        assert page.status_code == 200, entry.path
        assert 'id="coming-soon"' not in page.get_data(as_text=True), entry.path
