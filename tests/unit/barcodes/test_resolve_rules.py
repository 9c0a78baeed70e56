"""The order and rules of resolve, over an in-memory catalog (the database side is in
tests/integration/test_resolve.py)."""
from datetime import date

import pytest

from app.barcodes.reasons import Reason
from app.barcodes.resolve import resolve_with
from app.barcodes.results import BadgeHit, DocumentKind, DocumentRef, Gs1Hit, LocationHit, ProductHit, Unresolved
from app.stock.models import DEFAULT_LOCATION_PATTERN
from tests.unit.barcodes.fake_catalog import CASE_GTIN, JAN, NUMERIC_INTERNAL_CODE, UPC_A, small_warehouse

GS = "\x1d"
NUMERIC_PATTERN = r"^\d{8}$"


def resolve(text, pattern=DEFAULT_LOCATION_PATTERN, catalog=None):
    return resolve_with(text, catalog if catalog is not None else small_warehouse(), pattern)


def reason_of(text, **kwargs) -> Reason:
    result = resolve(text, **kwargs)
    assert isinstance(result, Unresolved), result
    return result.reason


def test_reads_gs1_with_an_identifier_before_anything_else():
    hit = resolve(f"]C101{CASE_GTIN}17271231" + "10LOT42")
    assert isinstance(hit, Gs1Hit)
    assert hit.product.pack_qty == 12
    assert hit.known_lot.lot_id == 500


def test_reads_a_document_label_without_looking_anything_up():
    catalog = small_warehouse()
    expected = DocumentRef(DocumentKind.RECEIPT, "ZR-20261123-007", "20261123-007")
    assert resolve("ZR-20261123-007", catalog=catalog) == expected
    assert catalog.calls == []


@pytest.mark.parametrize(
    ("code", "kind"),
    [("ZT-0042", DocumentKind.TOTE), ("ZO-RKT-123456", DocumentKind.ORDER),
     ("ZK-000311", DocumentKind.PICK_LIST), ("ZC-000058", DocumentKind.COUNT_TASK)],
)
def test_reads_every_document_prefix(code, kind):
    assert resolve(code).kind is kind


def test_reads_our_labels_typed_under_caps_lock():
    assert resolve("zl-a-01-03-2") == small_warehouse().locations["A-01-03-2"]
    assert resolve("zt-0042") == DocumentRef(DocumentKind.TOTE, "ZT-0042", "0042")


def test_drops_the_identifier_of_a_plain_code_128_label():
    assert resolve("]C0ZL-A-01-03-2") == small_warehouse().locations["A-01-03-2"]


@pytest.mark.parametrize("label", ["ZL-", "ZT-", "ZL-A_01", "ZL--A", "ZL-A-", "ZO-RKT 1", "ZK-" + "1" * 41, "ZU-棚"])
def test_refuses_a_prefixed_label_with_a_malformed_body(label):
    assert reason_of(label) is Reason.MALFORMED_LABEL


def test_resolves_a_bare_location_code_of_the_warehouse_format():
    assert resolve("A-01-03-2") == LocationHit(100, "A-01-03-2", small_warehouse().locations["A-01-03-2"].kind, 1)


def test_prefers_an_existing_bare_location_over_a_gtin():
    hit = resolve("12345670", pattern=NUMERIC_PATTERN)
    assert isinstance(hit, LocationHit)


def test_falls_through_to_the_gtin_when_no_location_has_that_code():
    catalog = small_warehouse()
    catalog.locations.pop("12345670")
    hit = resolve("12345670", pattern=NUMERIC_PATTERN, catalog=catalog)
    assert isinstance(hit, ProductHit)
    assert hit.product_id == 12


def test_does_not_look_up_a_location_for_a_code_outside_the_warehouse_format():
    catalog = small_warehouse()
    resolve(JAN, catalog=catalog)
    assert not catalog.asked("location")


def test_survives_a_broken_location_pattern_in_the_settings():
    assert isinstance(resolve(JAN, pattern="([unclosed"), ProductHit)


def test_reads_a_upc_a_returned_with_a_leading_zero():
    assert resolve("0" + UPC_A).product_id == 11


def test_reads_a_case_gtin_14_with_its_pack_quantity():
    hit = resolve(CASE_GTIN)
    assert (hit.product_id, hit.pack_qty, hit.gtin) == (10, 12, CASE_GTIN)


def test_never_looks_up_a_gtin_with_a_wrong_check_digit():
    catalog = small_warehouse()
    assert reason_of(JAN[:-1] + "3", catalog=catalog) is Reason.BAD_CHECK_DIGIT
    assert not catalog.asked("product_by_gtin")


def test_reads_an_internal_code_that_happens_to_be_eight_digits():
    assert resolve(NUMERIC_INTERNAL_CODE).product_id == 14


def test_reads_a_sku_as_an_internal_code():
    assert resolve("SKU-TEA").product_id == 10


def test_says_unknown_product_for_a_valid_gtin_nobody_registered():
    result = resolve("4549131970258")
    assert result.reason is Reason.UNKNOWN_PRODUCT
    assert result.detail == "04549131970258"


def test_reads_an_ean_13_from_a_scanner_with_symbology_identifiers():
    assert resolve(f"]E0{JAN}").product_id == 10


def test_drops_the_add_on_of_an_ean_13_with_a_two_digit_add_on():
    assert resolve(f"]E3{JAN}12").product_id == 10


def test_reads_a_bare_gs1_message_last_and_only_when_it_parses_cleanly():
    hit = resolve(f"01{CASE_GTIN}17271231")
    assert isinstance(hit, Gs1Hit)
    assert hit.expiry == date(2027, 12, 31)


def test_says_unknown_for_a_bare_lot_that_only_looks_like_gs1():
    assert reason_of("10D9T") is Reason.UNKNOWN


def test_reads_an_active_badge():
    assert resolve("ZU-7F3K9Q") == BadgeHit(7, "山田 花子")


def test_refuses_the_badge_of_someone_who_left():
    assert reason_of("ZU-OLD001") is Reason.INACTIVE_BADGE


def test_refuses_an_unknown_badge():
    assert reason_of("ZU-ZZZZZZ") is Reason.UNKNOWN_BADGE


def test_says_other_warehouse_for_a_labelled_location_that_exists_only_elsewhere():
    assert reason_of("ZL-B-09-09-9") is Reason.OTHER_WAREHOUSE


def test_says_other_warehouse_for_a_bare_location_that_exists_only_elsewhere():
    assert reason_of("B-09-09-9") is Reason.OTHER_WAREHOUSE


def test_says_unknown_location_for_a_labelled_location_that_exists_nowhere():
    assert reason_of("ZL-C-01-01-1") is Reason.UNKNOWN_LOCATION


def test_says_unknown_for_a_bare_code_in_location_format_that_exists_nowhere():
    assert reason_of("C-01-01-1") is Reason.UNKNOWN


@pytest.mark.parametrize("reason", list(Reason))
def test_explains_every_reason_in_words(reason):
    message = Unresolved(reason, "12", code="ZL-X").message()
    assert message and "%(" not in message


def test_shows_the_group_separator_and_cuts_long_codes_in_messages():
    message = Unresolved(Reason.MALFORMED_GS1, code="01" + GS + "9" * 100).message()
    assert "␝" in message and GS not in message and "…" in message
