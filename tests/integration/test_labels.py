"""Every label we print reads back as what it was printed for: drawn to PNG by our renderer,
read by our photo decoder, resolved by `app.barcodes.resolve` (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import date

import pytest

from app.auth.models import Role
from app.barcodes import BadgeHit, DocumentKind, DocumentRef, Gs1Hit, LocationHit, ProductHit, resolve
from app.barcodes.decode import decode
from app.database import write_transaction
from app.labels import selection
from app.labels.barcodes import render_png
from app.labels.forms import BadgeChoice, LocationChoice, LotChoice, ProductChoice
from app.labels.service import Label, LabelRefused, tote_labels
from app.stock.ledger import LotSpec
from app.stock.models import BarcodeKind, LocationKind, Product, ProductBarcode, Tracking
from tests import factories as f

JAN = "4901234567894"
UPC_A = "036000291452"
EAN_8 = "96385074"


@pytest.fixture
def wh(session):
    return f.warehouse(session)


def scanned(label: Label) -> str:
    """What the decoder reads from the label's barcode drawn as a PNG."""
    result = decode(render_png(label.symbol))
    assert len(result.codes) == 1, label
    return result.codes[0].text


def read_back(label: Label, wh, session):
    return resolve(scanned(label), wh, session)


def product_with_only(session, code: str, kind: BarcodeKind, name: str = "緑茶 500ml") -> Product:
    """A product whose one barcode is `code`."""
    with write_transaction(session):
        product = Product(sku=f.unique("SKU-"), name=name, tracking=Tracking.NONE)
        session.add(product)
        session.flush()
        session.add(ProductBarcode(product_id=product.id, code=code, kind=kind, pack_qty=1))
    session.expire(product)
    return product


# --- the round trip --------------------------------------------------------------------------------


def test_location_labels_of_a_zone_read_back_as_those_locations(session, wh):
    shelves = [f.location(session, wh, code=code, zone="A") for code in ("A-01-03-2", "A-01-03-10", "A-02-01-1")]
    labels = selection.location_labels(session, wh, LocationChoice("A", "", ""))
    hits = [read_back(label, wh, session) for label in labels]
    assert all(isinstance(hit, LocationHit) for hit in hits)
    assert [hit.location_id for hit in hits] == [shelves[0].id, shelves[1].id, shelves[2].id]
    assert [label.heading for label in labels] == ["A-01-03-2", "A-01-03-10", "A-02-01-1"]


def test_a_dock_label_reads_back_as_the_dock(session, wh):
    label = selection.location_labels(session, wh, LocationChoice("", "DOCK", ""))[0]
    hit = read_back(label, wh, session)
    assert isinstance(hit, LocationHit) and hit.code == "DOCK" and hit.kind is LocationKind.DOCK


@pytest.mark.parametrize("code,kind,expected_gtin", [
    (JAN, BarcodeKind.EAN13, "04901234567894"),
    (UPC_A, BarcodeKind.UPCA, "00036000291452"),
    (EAN_8, BarcodeKind.EAN8, "00000096385074"),
])
def test_a_product_label_reads_back_as_the_product(session, wh, code, kind, expected_gtin):
    product = product_with_only(session, code, kind)
    label = selection.product_labels(session, ProductChoice((product.sku,), "", 1))[0]
    hit = read_back(label, wh, session)
    assert isinstance(hit, ProductHit)
    assert (hit.product_id, hit.pack_qty, hit.gtin) == (product.id, 1, expected_gtin)
    assert label.name == "緑茶 500ml"


def test_a_product_with_only_an_internal_code_reads_back_as_the_product(session, wh):
    product = product_with_only(session, "INT-00042", BarcodeKind.INTERNAL)
    label = selection.product_labels(session, ProductChoice((product.sku,), "", 1))[0]
    hit = read_back(label, wh, session)
    assert isinstance(hit, ProductHit) and hit.product_id == product.id


def test_a_gs1_lot_label_reads_back_as_product_lot_and_expiry(session, wh):
    tea = f.product(session, tracking=Tracking.LOT_EXPIRY, barcode=JAN, case_gtin="14901234567891", pack_qty=24)
    f.receive(session, tea, f.location(session, wh), 24, LotSpec("LOT42", date(2027, 12, 31)))
    label = selection.lot_labels(session, LotChoice(tea.sku, "LOT42", 1))[0]
    text = scanned(label)
    assert text.startswith("]C1")
    hit = resolve(text, wh, session)
    assert isinstance(hit, Gs1Hit)
    assert hit.product.product_id == tea.id and hit.product.pack_qty == 1
    assert (hit.gtin, hit.lot, hit.expiry) == ("04901234567894", "LOT42", date(2027, 12, 31))
    assert hit.known_lot is not None and hit.known_lot.number == "LOT42" and not hit.expiry_disagrees
    assert hit.hri() == label.caption == "(01)04901234567894(17)271231(10)LOT42"


def test_a_lot_without_expiry_reads_back_without_blanking_anything(session, wh):
    bolts = f.product(session, tracking=Tracking.LOT, barcode=JAN)
    f.receive(session, bolts, f.location(session, wh), 10, LotSpec("B-2024/7"))
    label = selection.lot_labels(session, LotChoice(JAN, "B-2024/7", 1))[0]
    hit = read_back(label, wh, session)
    assert isinstance(hit, Gs1Hit)
    assert (hit.product.product_id, hit.lot, hit.expiry) == (bolts.id, "B-2024/7", None)
    assert hit.known_lot is not None
    assert label.caption == "(01)04901234567894(10)B-2024/7"


def test_a_tote_label_reads_back_as_the_tote_reference(session, wh):
    hits = [read_back(label, wh, session) for label in tote_labels(41, 42)]
    assert hits == [DocumentRef(DocumentKind.TOTE, "ZT-0041", "0041"), DocumentRef(DocumentKind.TOTE, "ZT-0042", "0042")]


def test_a_badge_reads_back_as_the_person(session, wh):
    badge = f.unique("ZU-", 6)
    person = f.user(session, Role.PICKER, badge=badge, warehouses=[wh], all_warehouses=False)
    label = selection.badge_labels(session, wh, BadgeChoice((person.login,)))[0]
    hit = read_back(label, wh, session)
    assert hit == BadgeHit(person.id, person.name)
    assert label.symbol.text == label.caption == badge


# --- what each form selects ----------------------------------------------------------------------


def test_a_range_of_locations_follows_the_numbers_and_leaves_out_inactive_virtual_and_other_warehouses(session, wh):
    for code in ("A-01-03-1", "A-01-03-2", "A-01-03-9", "A-01-03-10", "A-01-03-11", "A-01-04-1"):
        f.location(session, wh, code=code)
    f.location(session, wh, code="A-01-03-5", active=False)
    f.location(session, f.warehouse(session), code="A-01-03-3")
    labels = selection.location_labels(session, wh, LocationChoice("", "A-01-03-2", "A-01-03-10"))
    assert [label.heading for label in labels] == ["A-01-03-2", "A-01-03-9", "A-01-03-10"]


def test_zones_list_only_real_active_locations_of_the_warehouse(session, wh):
    f.location(session, wh, zone="B")
    f.location(session, wh, zone="A")
    f.location(session, wh, zone="C", active=False)
    f.location(session, f.warehouse(session), zone="D")
    assert selection.zones(session, wh) == ["A", "B"]


def test_virtual_locations_get_no_label(session, wh):
    with pytest.raises(LabelRefused):
        selection.location_labels(session, wh, LocationChoice("", "SUPPLIER", ""))


def test_a_backwards_range_or_an_empty_zone_is_refused(session, wh):
    f.location(session, wh, code="A-01-03-2")
    with pytest.raises(LabelRefused):
        selection.location_labels(session, wh, LocationChoice("", "A-01-03-9", "A-01-03-2"))
    with pytest.raises(LabelRefused):
        selection.location_labels(session, wh, LocationChoice("Q", "", ""))


def test_products_are_found_by_sku_or_jan_in_the_order_typed_with_copies(session):
    first = f.product(session, sku="SKU-B")
    second = f.product(session, sku="SKU-A", barcode=JAN)
    labels = selection.product_labels(session, ProductChoice(("SKU-B", JAN), "", 2))
    assert [label.sku for label in labels] == [first.sku, first.sku, second.sku, second.sku]


def test_an_unknown_sku_is_named_in_the_refusal(session):
    f.product(session, sku="SKU-A")
    with pytest.raises(LabelRefused) as refused:
        selection.product_labels(session, ProductChoice(("SKU-A", "SKU-NOPE"), "", 1))
    assert "SKU-NOPE" in str(refused.value)


def test_a_search_finds_active_products_by_name_or_sku(session):
    f.product(session, sku="TEA-1", name="緑茶 500ml")
    f.product(session, sku="TEA-2", name="ほうじ茶 2L")
    f.product(session, sku="COF-1", name="コーヒー")
    retired = f.product(session, sku="TEA-3", name="麦茶")
    with write_transaction(session):
        retired.active = False
    assert [label.sku for label in selection.product_labels(session, ProductChoice((), "茶", 1))] == ["TEA-1", "TEA-2"]
    assert [label.sku for label in selection.product_labels(session, ProductChoice((), "cof", 1))] == ["COF-1"]


def test_a_search_with_like_wildcards_matches_them_literally(session):
    f.product(session, sku="TEA-1", name="緑茶")
    with pytest.raises(LabelRefused):
        selection.product_labels(session, ProductChoice((), "%", 1))


def test_an_unknown_lot_is_refused(session):
    tea = f.product(session, tracking=Tracking.LOT_EXPIRY, barcode=JAN)
    with pytest.raises(LabelRefused):
        selection.lot_labels(session, LotChoice(tea.sku, "NOPE", 1))


def test_badges_are_printed_only_for_active_badge_holders_of_the_warehouse(session, wh):
    here = f.user(session, badge="ZU-HERE01", warehouses=[wh], all_warehouses=False)
    everywhere = f.user(session, badge="ZU-ALL001", all_warehouses=True)
    f.user(session, badge="ZU-ELSE01", warehouses=[f.warehouse(session)], all_warehouses=False)
    f.user(session, warehouses=[wh], all_warehouses=False)
    gone = f.user(session, badge="ZU-GONE01", warehouses=[wh], all_warehouses=False)
    with write_transaction(session):
        gone.active = False
    assert {user.login for user in selection.badge_holders(session, wh)} == {here.login, everywhere.login}
    with pytest.raises(LabelRefused):
        selection.badge_labels(session, wh, BadgeChoice((gone.login,)))
