"""resolve() against the real stock store, on SQLite and PostgreSQL."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from app.barcodes import (
    BadgeHit,
    DocumentKind,
    DocumentRef,
    Gs1Hit,
    LocationHit,
    ProductHit,
    Reason,
    Unresolved,
    resolve,
)
from app.barcodes.results import RESULT_TYPES
from app.database import write_transaction
from app.stock.ledger import LotSpec
from app.stock.models import BarcodeKind, LocationKind, ProductBarcode, Tracking
from app.stock.warehouses import create_warehouse
from tests import factories as f

GS = "\x1d"
JAN = "4901234567894"
CASE_GTIN = "14901234567891"
UPC_A = "036000291452"


@pytest.fixture
def wh(session):
    return f.warehouse(session)


@pytest.fixture
def tea(session):
    """A lot- and expiry-tracked green tea with its JAN and a case of 24."""
    return f.product(session, tracking=Tracking.LOT_EXPIRY, name="緑茶 500ml", barcode=JAN,
                     case_gtin=CASE_GTIN, pack_qty=24)


def add_barcode(session, product, code: str, kind: BarcodeKind, pack_qty: int = 1) -> None:
    with write_transaction(session):
        session.add(ProductBarcode(product_id=product.id, code=code, kind=kind, pack_qty=pack_qty))


def deactivate(session, thing) -> None:
    with write_transaction(session):
        thing.active = False


@contextmanager
def counted_selects(session):
    """The SELECT statements sent to the database inside the block."""
    session.connection()  # begin first, so SQLite's explicit BEGIN is not counted
    statements: list[str] = []
    engine = session.get_bind()

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


# --- products -----------------------------------------------------------------------------------


def test_resolves_a_jan_to_its_product(session, wh, tea):
    assert resolve(JAN, wh, session) == ProductHit(
        product_id=tea.id, sku=tea.sku, name="緑茶 500ml", pack_qty=1, tracking=Tracking.LOT_EXPIRY,
        gtin="0" + JAN, barcode=JAN, active=True,
    )


def test_resolves_a_jan_with_a_single_query(session, wh, tea):
    with counted_selects(session) as selects:
        resolve(JAN, wh, session)
    assert len(selects) == 1


def test_resolves_a_jan_typed_in_full_width_with_the_enter_key(session, wh, tea):
    assert resolve("４９０１２３４５６７８９４\r\n", wh, session).product_id == tea.id


def test_resolves_a_case_gtin_14_with_its_pack_quantity(session, wh, tea):
    hit = resolve(CASE_GTIN, wh, session)
    assert (hit.product_id, hit.pack_qty, hit.gtin) == (tea.id, 24, CASE_GTIN)


def test_resolves_a_unit_gtin_14_as_its_jan(session, wh, tea):
    hit = resolve("0" + JAN, wh, session)
    assert (hit.product_id, hit.pack_qty, hit.barcode) == (tea.id, 1, JAN)


def test_resolves_a_upc_a_with_and_without_the_leading_zero_a_decoder_adds(session, wh):
    imported = f.product(session, name="US import")
    add_barcode(session, imported, UPC_A, BarcodeKind.UPCA)
    assert resolve(UPC_A, wh, session).product_id == imported.id
    assert resolve("0" + UPC_A, wh, session).product_id == imported.id


def test_resolves_a_upc_a_registered_in_its_13_digit_form(session, wh):
    imported = f.product(session, barcode="0" + UPC_A)
    hit = resolve(UPC_A, wh, session)
    assert (hit.product_id, hit.barcode, hit.gtin) == (imported.id, "0" + UPC_A, "00" + UPC_A)


def test_resolves_an_ean_8(session, wh):
    small = f.product(session)
    add_barcode(session, small, "49123456", BarcodeKind.EAN8)
    assert resolve("49123456", wh, session).product_id == small.id


def test_refuses_a_jan_with_a_wrong_check_digit_without_a_product_lookup(session, wh, tea):
    with counted_selects(session) as selects:
        result = resolve(JAN[:-1] + "5", wh, session)
    assert result == Unresolved(Reason.BAD_CHECK_DIGIT, code=JAN[:-1] + "5")
    assert not any("product_barcode.code IN" in s for s in selects)


def test_says_unknown_product_for_a_valid_jan_nobody_registered(session, wh, tea):
    result = resolve("4549131970258", wh, session)
    assert (result.reason, result.detail) == (Reason.UNKNOWN_PRODUCT, "04549131970258")


def test_resolves_an_internal_product_code(session, wh, tea):
    add_barcode(session, tea, "TEA-500-GRN", BarcodeKind.INTERNAL)
    hit = resolve("TEA-500-GRN", wh, session)
    assert (hit.product_id, hit.gtin, hit.barcode) == (tea.id, None, "TEA-500-GRN")


def test_resolves_a_sku(session, wh, tea):
    assert resolve(tea.sku, wh, session).product_id == tea.id


def test_prefers_an_internal_code_over_another_products_sku(session, wh, tea):
    other = f.product(session, sku="SAME-CODE")
    add_barcode(session, tea, "SAME-CODE", BarcodeKind.INTERNAL)
    assert resolve("SAME-CODE", wh, session).product_id == tea.id
    assert other.id != tea.id


def test_flags_an_inactive_product(session, wh, tea):
    deactivate(session, tea)
    assert resolve(JAN, wh, session).active is False


# --- GS1 ---------------------------------------------------------------------------------------


def test_resolves_a_gs1_128_label_to_product_lot_and_expiry(session, wh, tea):
    hit = resolve(f"]C101{CASE_GTIN}17271231" + "10LOT42" + GS + "3010", wh, session)
    assert isinstance(hit, Gs1Hit)
    assert (hit.product.product_id, hit.product.pack_qty) == (tea.id, 24)
    assert (hit.gtin, hit.lot, hit.expiry, hit.quantity) == (CASE_GTIN, "LOT42", date(2027, 12, 31), 10)
    assert hit.known_lot is None


def test_names_a_known_lot_from_a_gs1_label(session, wh, tea):
    f.receive(session, tea, f.location(session, wh), 48, LotSpec("LOT42", date(2027, 12, 31)))
    hit = resolve(f"]d201{CASE_GTIN}17271231" + "10LOT42", wh, session)
    assert hit.known_lot.number == "LOT42"
    assert hit.known_lot.expiry == date(2027, 12, 31)
    assert not hit.expiry_disagrees


def test_resolves_a_gs1_label_with_one_query(session, wh, tea):
    with counted_selects(session) as selects:
        resolve(f"]C101{CASE_GTIN}17271231" + "10LOT42", wh, session)
    assert len(selects) == 1


def test_keeps_the_known_expiry_when_the_label_has_none(session, wh, tea):
    f.receive(session, tea, f.location(session, wh), 24, LotSpec("LOT42", date(2027, 12, 31)))
    hit = resolve(f"]C101{CASE_GTIN}10LOT42", wh, session)
    assert hit.expiry is None
    assert hit.expiry_or(hit.known_lot.expiry) == date(2027, 12, 31)


def test_notices_a_label_whose_expiry_disagrees_with_the_known_lot(session, wh, tea):
    f.receive(session, tea, f.location(session, wh), 24, LotSpec("LOT42", date(2027, 12, 31)))
    hit = resolve(f"(01){CASE_GTIN}(17)271130(10)LOT42", wh, session)
    assert hit.expiry_disagrees


def test_resolves_the_printed_form_typed_by_hand(session, wh, tea):
    hit = resolve(f"(01)0{JAN}(17)271200(10)LOT42", wh, session)
    assert (hit.product.product_id, hit.product.pack_qty, hit.expiry) == (tea.id, 1, date(2027, 12, 31))


def test_keeps_the_gtin_of_a_gs1_label_for_a_product_we_do_not_know(session, wh):
    hit = resolve("]C10104549131970258" + "10X1", wh, session)
    assert (hit.product, hit.gtin, hit.lot) == (None, "04549131970258", "X1")


def test_refuses_a_gs1_label_whose_lot_swallowed_the_expiry(session, wh, tea):
    assert resolve(f"]C101{CASE_GTIN}10LOT4217271231", wh, session).reason is Reason.AMBIGUOUS_GS1


def test_refuses_a_malformed_gs1_label(session, wh, tea):
    assert resolve(f"]C101{CASE_GTIN}17271341", wh, session).reason is Reason.MALFORMED_GS1


def test_refuses_a_gs1_label_with_a_wrong_gtin_check_digit(session, wh, tea):
    assert resolve(f"]C101{CASE_GTIN[:-1]}2", wh, session).reason is Reason.BAD_CHECK_DIGIT


# --- locations ----------------------------------------------------------------------------------


def test_resolves_a_location_label(session, wh):
    shelf = f.location(session, wh, code="A-01-03-2")
    assert resolve("ZL-A-01-03-2", wh, session) == LocationHit(shelf.id, "A-01-03-2", LocationKind.STORAGE, wh.id, True)


def test_resolves_a_bare_location_code(session, wh):
    shelf = f.location(session, wh, code="A-01-03-2")
    assert resolve("A-01-03-2", wh, session).location_id == shelf.id


def test_resolves_the_standard_locations_by_label(session, wh):
    hit = resolve("ZL-DOCK", wh, session)
    assert (hit.kind, hit.warehouse_id) == (LocationKind.DOCK, wh.id)


def test_resolves_a_location_code_in_a_warehouse_specific_format(session):
    with write_transaction(session):
        osaka = create_warehouse(session, f.unique("OS", 6), "大阪", location_pattern=r"^\d{2}-\d{3}$")
    shelf = f.location(session, osaka, code="07-112")
    assert resolve("07-112", osaka, session).location_id == shelf.id


def test_resolves_the_same_code_to_this_warehouses_location(session, wh):
    other = f.warehouse(session)
    f.location(session, other, code="A-01-03-2")
    ours = f.location(session, wh, code="A-01-03-2")
    assert resolve("ZL-A-01-03-2", wh, session).location_id == ours.id


def test_refuses_a_location_label_of_another_warehouse(session, wh):
    f.location(session, f.warehouse(session), code="B-09-09-9")
    assert resolve("ZL-B-09-09-9", wh, session).reason is Reason.OTHER_WAREHOUSE


def test_refuses_a_bare_location_code_of_another_warehouse(session, wh):
    f.location(session, f.warehouse(session), code="B-09-09-9")
    assert resolve("B-09-09-9", wh, session).reason is Reason.OTHER_WAREHOUSE


def test_flags_an_inactive_location(session, wh):
    f.location(session, wh, code="A-01-03-2", active=False)
    assert resolve("ZL-A-01-03-2", wh, session).active is False


def test_says_unknown_location_for_a_label_that_exists_nowhere(session, wh):
    assert resolve("ZL-Q-99-99-9", wh, session).reason is Reason.UNKNOWN_LOCATION


# --- people and documents ----------------------------------------------------------------------


def test_resolves_a_badge_to_the_person(session, wh):
    picker = f.user(session, badge="ZU-7F3K9Q")
    assert resolve("ZU-7F3K9Q", wh, session) == BadgeHit(picker.id, "テスト 太郎")


def test_refuses_the_badge_of_an_inactive_user(session, wh):
    deactivate(session, f.user(session, badge="ZU-7F3K9Q"))
    assert resolve("ZU-7F3K9Q", wh, session).reason is Reason.INACTIVE_BADGE


def test_refuses_an_unknown_badge(session, wh):
    assert resolve("ZU-NOBODY", wh, session).reason is Reason.UNKNOWN_BADGE


@pytest.mark.parametrize(
    ("code", "kind", "number"),
    [
        ("ZT-0042", DocumentKind.TOTE, "0042"),
        ("ZR-20261123-007", DocumentKind.RECEIPT, "20261123-007"),
        ("ZO-RKT-123456", DocumentKind.ORDER, "RKT-123456"),
        ("ZK-000311", DocumentKind.PICK_LIST, "000311"),
        ("ZC-000058", DocumentKind.COUNT_TASK, "000058"),
    ],
)
def test_resolves_document_labels_to_references_without_a_query(session, wh, code, kind, number):
    with counted_selects(session) as selects:
        assert resolve(code, wh, session) == DocumentRef(kind, code, number)
    assert selects == []


# --- nothing we know ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scan", "reason"),
    [
        ("", Reason.EMPTY),
        ("\r\n", Reason.EMPTY),
        ("ABC\x00DEF", Reason.CONTROL_CHARS),
        ("9" * 201, Reason.TOO_LONG),
        ("10D9T", Reason.UNKNOWN),
        ("ほうじ茶", Reason.UNKNOWN),
        ("ZL-A_01", Reason.MALFORMED_LABEL),
        ("]C1ABC", Reason.MALFORMED_GS1),
    ],
)
def test_gives_a_reason_for_what_it_cannot_use(session, wh, tea, scan, reason):
    result = resolve(scan, wh, session)
    assert isinstance(result, Unresolved)
    assert result.reason is reason
    assert result.message()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(
    st.text(st.one_of(st.characters(), st.characters(categories=["Cc", "Cs"])), max_size=40),
    st.sampled_from(["ZL-", "ZU-", "]C1", "A-01-", JAN, CASE_GTIN, GS, "\x00"]).flatmap(
        lambda head: st.text(max_size=20).map(lambda tail: head + tail)),
))
def test_never_raises_on_any_text_against_the_real_database(session, wh, tea, text):
    result = resolve(text, wh, session)
    assert sum(isinstance(result, kind) for kind in RESULT_TYPES) == 1
