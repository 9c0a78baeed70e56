"""Starting receipts over HTTP once the day's 999th exists (issue 14, item 1): a blind start, the
new-receipt form and an import all go on at 1000, no server error."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.database import write_transaction
from app.receipts.models import Receipt, ReceiptStatus
from app.timeutil import local_today
from tests import factories as f
from tests.support import csrf_token, log_in

PREFIX = f"ZR-{local_today():%Y%m%d}-"
JAN = "4901234567894"


@pytest.fixture
def office(client, session):
    wh = f.warehouse(session, code="TKY")
    f.product(session, sku="SOAP-1", barcode=JAN)
    f.user(session, Role.SUPERVISOR, login="office1")
    with write_transaction(session):
        session.add(Receipt(warehouse_id=wh.id, code=PREFIX + "999", supplier="-", status=ReceiptStatus.OPEN))
    assert log_in(client, "office1").status_code == 302
    return client


def codes(session) -> list[str]:
    session.rollback()
    return list(session.scalars(select(Receipt.code).order_by(Receipt.id)))


def test_a_blind_start_after_the_999th_receipt_of_the_day_is_1000(office, session):
    response = office.post("/receiving/blind", data={"csrf_token": csrf_token(office, "/receiving"), "supplier": "A"})
    assert response.status_code == 302
    assert codes(session)[-1] == PREFIX + "1000"


def test_the_new_receipt_form_and_an_import_go_on_after_1000(office, session):
    token = csrf_token(office, "/receipts/new")
    form = {"csrf_token": token, "supplier": "伊藤園", "expected_date": local_today().isoformat(), "note": "", "product": "SOAP-1",
            "quantity": "3", "lot": "", "expiry": ""}
    assert office.post("/receipts/new", data=form).status_code == 302
    day = local_today().isoformat()
    csv = ("入荷番号,仕入先,入荷予定日,商品コード,JANコード,数量\r\n"
           f"ASN-1,伊藤園,{day},SOAP-1,,1\r\nASN-2,伊藤園,{day},,{JAN},2\r\n").encode()
    token = csrf_token(office, "/receipts/import")
    response = office.post("/receipts/import", data={"csrf_token": token, "file": (io.BytesIO(csv), "plan.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert codes(session)[1:] == [PREFIX + "1000", PREFIX + "1001", PREFIX + "1002"]
