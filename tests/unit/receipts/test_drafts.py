"""The receipts CSV read into drafts, before any product is looked up."""
from __future__ import annotations

from datetime import date

import pytest

from app.masterdata.errors import ImportRefused
from app.receipts.drafts import DraftLine, read_plan_file

HEADER = "supplier,expected date,SKU,quantity,lot,expiry\r\n"


def data(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "".join(r + "\r\n" for r in rows)).encode(encoding)


def test_rows_are_grouped_by_supplier_and_expected_date_in_file_order():
    plan = read_plan_file(data(
        "伊藤園,2026/12/01,TEA-500,24,,",
        "キリン,2026/12/01,WATER-2L,6,,",
        "伊藤園,2026/12/01,TEA-2L,12,L1,2027/06/30",
        "伊藤園,2026/12/02,TEA-500,5,,",
    ))
    assert [(r.supplier, r.expected_date, [line.row for line in r.lines]) for r in plan.rows] == [
        ("伊藤園", date(2026, 12, 1), [2, 4]), ("キリン", date(2026, 12, 1), [3]), ("伊藤園", date(2026, 12, 2), [5]),
    ]
    assert plan.rows[0].lines[1] == DraftLine(4, "TEA-2L", 12, "L1", date(2027, 6, 30))


def test_a_reference_column_groups_rows_into_one_receipt_each():
    plan = read_plan_file(data(
        "ASN-1,伊藤園,2026/12/01,TEA-500,24", "ASN-2,伊藤園,2026/12/01,TEA-500,5", "ASN-1,伊藤園,2026/12/01,TEA-2L,1",
        header="入荷番号,仕入先,入荷予定日,商品コード,数量\r\n", encoding="cp932",
    ))
    assert [(r.reference, len(r.lines)) for r in plan.rows] == [("ASN-1", 2), ("ASN-2", 1)]
    assert plan.encoding == "cp932"


def test_one_reference_with_two_suppliers_is_refused():
    plan = read_plan_file(data("R1,A,2026/12/01,X,1", "R1,B,2026/12/01,X,1",
                               header="reference,supplier,expected date,SKU,quantity\r\n"))
    assert [(e.row, e.field) for e in plan.errors] == [(3, "reference")]


def test_a_jan_column_may_stand_alone_or_next_to_the_sku():
    plan = read_plan_file(data("A,2026/12/01,,4901234567894,3", "A,2026/12/01,TEA,4901234567894,3",
                               header="supplier,expected date,SKU,JAN,quantity\r\n"))
    assert [(line.product, line.jan) for line in plan.rows[0].lines] == [
        ("4901234567894", ""), ("TEA", "4901234567894"),
    ]


def test_every_wrong_row_is_reported_with_its_row_and_column_and_only_good_rows_are_planned():
    plan = read_plan_file(data(
            "A,2026/12/01,TEA,24,,",
            ",2026/12/01,TEA,24,,",
            "A,someday,TEA,24,,",
            "A,2026/12/01,,24,,",
            "A,2026/12/01,TEA,0,,",
            "A,2026/12/01,TEA,3,L 1,",
            "A,2026/12/01,TEA,3,L1,31/12/2027",
        ))
    refused = ImportRefused(plan.errors, plan.headers)
    found = [(e.row, refused.column(e)) for e in refused.errors]
    assert [line.row for receipt in plan.rows for line in receipt.lines] == [2]
    assert found == [(3, "supplier"), (4, "expected date"), (5, "SKU"), (6, "quantity"), (7, "lot"), (8, "expiry")]


def test_missing_columns_refuse_the_file():
    with pytest.raises(ImportRefused) as refused:
        read_plan_file(b"supplier,lot\r\nA,L1\r\n")
    assert [str(e.message) for e in refused.value.errors] == [
        "Missing column: expected date (入荷予定日).",
        "Missing column: one of SKU (商品コード), JAN (JANコード).",
        "Missing column: quantity (数量).",
    ]
