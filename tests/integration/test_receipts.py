"""Expected receipts from the office, on SQLite and PostgreSQL: created on the screen or from a
CSV file, all or nothing, with codes made by create_receipt and received quantities shown."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.database import write_transaction
from app.masterdata.errors import ImportRefused
from app.receipts.drafts import DraftLine, DraftReceipt
from app.receipts.service import create_planned_receipt, import_receipts, list_receipts, receipt_view
from app.receipts.models import Receipt, ReceiptStatus
from app.receiving.service import Goods, Handling, item_by_id, receive
from app.stock.warehouses import warehouse_ref
from app.stock.ledger import LotSpec
from app.stock.models import Tracking
from app.timeutil import local_today
from tests import factories as f

TODAY = local_today()
JAN = "4901234567894"
CASE = "14901234567891"
HEADER = "入荷番号,仕入先,入荷予定日,商品コード,JANコード,数量,ロット,賞味期限\r\n"


@pytest.fixture(autouse=True)
def english(app):
    """Messages are compared in English (the app's default language is Japanese)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def world(session):
    wh = f.warehouse(session)
    clerk = f.user(session)
    tea = f.product(session, tracking=Tracking.LOT_EXPIRY, sku="TEA-500", name="伊右衛門 緑茶", barcode=JAN,
                    case_gtin=CASE, pack_qty=24)
    soap = f.product(session, sku="SOAP-1", name="石けん")
    return wh, clerk, tea, soap


def csv_rows(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "".join(r + "\r\n" for r in rows)).encode(encoding)


def day(days: int) -> str:
    return f"{TODAY + timedelta(days=days):%Y/%m/%d}"


def receipt_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Receipt))


def test_a_shift_jis_file_becomes_one_receipt_per_reference(session, world):
    wh, clerk, tea, soap = world
    data = csv_rows(
        f"ASN-1,伊藤園,{day(3)},,{JAN},48,L1,{day(200)}",
        f"ASN-1,伊藤園,{day(3)},SOAP-1,,10,,",
        f"ASN-2,伊藤園,{day(3)},TEA-500,,24,,",
        encoding="cp932",
    )
    result = import_receipts(session, wh.id, data, user_id=clerk.id, today=TODAY)
    assert [r.code for r in result.receipts] == [f"ZR-{TODAY:%Y%m%d}-001", f"ZR-{TODAY:%Y%m%d}-002"]
    session.expire_all()
    first = session.get(Receipt, result.receipts[0].id)
    assert (first.supplier, first.expected_date, first.reference, first.status, first.created_by_id) == (
        "伊藤園", TODAY + timedelta(days=3), "ASN-1", ReceiptStatus.OPEN, clerk.id)
    assert [(line.product.sku, line.expected_qty, line.lot_number, line.expiry) for line in first.lines] == [
        ("TEA-500", 48, "L1", TODAY + timedelta(days=200)), ("SOAP-1", 10, "", None)]


def test_without_a_reference_rows_group_by_supplier_and_expected_date(session, world):
    wh, clerk, *_ = world
    data = csv_rows(f"A,{day(1)},SOAP-1,5", f"B,{day(1)},SOAP-1,5", f"A,{day(1)},TEA-500,5", f"A,{day(2)},SOAP-1,1",
                    header="supplier,expected date,SKU,quantity\r\n")
    result = import_receipts(session, wh.id, data, user_id=clerk.id, today=TODAY)
    assert [(r.supplier, len(r.lines)) for r in result.receipts] == [("A", 2), ("B", 1), ("A", 1)]


def test_one_wrong_row_imports_no_receipt_and_every_problem_has_its_row(session, world):
    wh, clerk, tea, soap = world
    f.receive(session, tea, f.location(session, wh), 1, LotSpec("OLD", TODAY + timedelta(days=90)))
    data = csv_rows(
        f"R1,伊藤園,{day(3)},TEA-500,,24,L1,{day(200)}",
        f"R1,伊藤園,{day(3)},NOPE,,24,,",
        f"R1,伊藤園,{day(3)},{CASE},,2,,",
        f"R2,伊藤園,{day(3)},SOAP-1,,5,L9,",
        f"R2,伊藤園,{day(3)},TEA-500,,5,,{day(30)}",
        f"R2,伊藤園,{day(3)},TEA-500,,5,L2,{day(-1)}",
        f"R3,伊藤園,{day(3)},TEA-500,,5,OLD,{day(91)}",
        f"R3,伊藤園,{day(3)},TEA-500,,5,L1,{day(201)}",
        f"R3,伊藤園,{day(3)},SOAP-1,{JAN},5,,",
    )
    with pytest.raises(ImportRefused) as refused:
        import_receipts(session, wh.id, data, user_id=clerk.id, today=TODAY)
    found = [(e.row, refused.value.column(e)) for e in refused.value.errors]
    assert found == [(3, "商品コード"), (4, "商品コード"), (5, "ロット"), (6, "ロット"), (7, "賞味期限"),
                     (8, "賞味期限"), (9, "賞味期限"), (10, "JANコード")]
    messages = [str(e.message) for e in refused.value.errors]
    assert "case code (24 units)" in messages[1]
    assert "is recorded with expiry" in messages[5] and "row 2" in messages[6]
    assert receipt_count(session) == 0


def test_a_reference_imported_before_is_refused(session, world):
    wh, clerk, *_ = world
    data = csv_rows(f"ASN-9,伊藤園,{day(3)},SOAP-1,,10,,")
    first = import_receipts(session, wh.id, data, user_id=clerk.id, today=TODAY)
    with pytest.raises(ImportRefused) as refused:
        import_receipts(session, wh.id, data, user_id=clerk.id, today=TODAY)
    assert str(refused.value.errors[0].message) == f"Reference ASN-9 was already imported as {first.receipts[0].code}."
    assert receipt_count(session) == 1


def test_a_receipt_from_the_screen_finds_products_by_sku_or_any_jan_spelling(session, world):
    wh, clerk, tea, soap = world
    draft = DraftReceipt("伊藤園", TODAY, (DraftLine(1, "0" + JAN, 24, "L7", TODAY + timedelta(days=100)),
                                          DraftLine(3, "SOAP-1", 6)), "納品書 123")
    receipt = create_planned_receipt(session, wh.id, draft, user_id=clerk.id, today=TODAY)
    session.expire_all()
    receipt = session.get(Receipt, receipt.id)
    assert receipt.code.startswith("ZR-") and receipt.reference == "納品書 123"
    lines = [(line.line_no, line.product_id, line.expected_qty) for line in receipt.lines]
    assert lines == [(1, tea.id, 24), (2, soap.id, 6)]


def test_screen_errors_carry_the_line_number(session, world):
    wh, clerk, *_ = world
    draft = DraftReceipt("伊藤園", TODAY, (DraftLine(1, "SOAP-1", 1), DraftLine(2, "SOAP-1", 1, "L1")))
    with pytest.raises(ImportRefused) as refused:
        create_planned_receipt(session, wh.id, draft, user_id=clerk.id, today=TODAY)
    assert [(e.row, e.field) for e in refused.value.errors] == [(2, "lot")]
    assert receipt_count(session) == 0


def test_the_list_puts_open_receipts_first_by_expected_date_and_the_view_shows_received(session, world):
    wh, clerk, tea, soap = world
    other = f.warehouse(session)
    def plan(warehouse_id: int, supplier: str, days: int, units: int):
        draft = DraftReceipt(supplier, TODAY + timedelta(days=days), (DraftLine(1, "SOAP-1", units),))
        return create_planned_receipt(session, warehouse_id, draft, user_id=clerk.id, today=TODAY)

    late = plan(wh.id, "B", 5, 3)
    soon = plan(wh.id, "A", 1, 10)
    plan(other.id, "C", 0, 1)
    with write_transaction(session):
        receive(session, soon.id, Goods(soap.id, 4), Handling(), item_by_id(session, soap.id),
                warehouse=warehouse_ref(session, wh.id), user_id=clerk.id, key=f.unique("scan-"), today=TODAY)
    waiting, closed = list_receipts(session, wh.id)
    assert [r.code for r in waiting] == [soon.code, late.code] and closed == []
    view = receipt_view(session, wh.id, soon.id)
    assert [(v.line.expected_qty, v.received) for v in view.lines] == [(10, 4)]
    assert (view.expected, view.received) == (10, 4)
    assert receipt_view(session, other.id, soon.id) is None
