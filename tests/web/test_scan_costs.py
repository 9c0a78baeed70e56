"""What a scan costs the shared stock store: at most 8 SQL statements for the three floor scans
a warehouse makes all day (a receiving scan of a planned line, a putaway shelf scan, a lookup).

Counted per HTTP request, as a phone sends it, on SQLite and PostgreSQL; transaction control
(BEGIN, COMMIT, ROLLBACK, SAVEPOINT) is not a statement here, because PostgreSQL's driver
sends it outside the cursor while our SQLite set-up sends BEGIN itself.
"""
from __future__ import annotations

import itertools
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.auth.models import Role
from app.database import write_transaction
from app.extensions import db
from app.receipts.plans import PlannedLine, create_receipt
from app.stock.models import LocationKind
from app.stock.warehouses import standard_location
from app.timeutil import local_today
from tests import factories as f
from tests.support import csrf_token, log_in, text_of

BUDGET = 8
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)
_ids = itertools.count(1)


@contextmanager
def counted(app):
    statements: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        if not TRANSACTION_CONTROL.match(statement):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def floor(client, session):
    wh = f.warehouse(session, code="TKY")
    f.user(session, Role.RECEIVER, login="clerk", warehouses=[wh], all_warehouses=False)
    tea = f.product(session, sku="TEA", barcode="4901234567894")
    soap = f.product(session, sku="SOAP", barcode=f.ean13("490987654321"))
    shelf = f.location(session, wh, code="A-01-01-1", pick_sequence=1)
    f.location(session, wh, code="A-01-01-2", pick_sequence=2)
    f.receive(session, soap, shelf, 7)
    f.receive(session, tea, standard_location(session, wh.id, LocationKind.DOCK), 30)
    with write_transaction(session):
        receipt = create_receipt(session, wh.id, "伊藤園", local_today(), [PlannedLine(tea.id, 100)], None)
    log_in(client, "clerk")
    return {"wh": wh, "tea": tea, "soap": soap, "receipt": receipt, "token": csrf_token(client, "/lookup")}


def post(client, floor, path, **form):
    data = {"csrf_token": floor["token"], "scan_id": f"cost-{next(_ids):08d}", **form}
    return client.post(path, data=data, headers={"HX-Request": "true", "X-CSRFToken": floor["token"]})


def test_a_receiving_scan_of_a_planned_line_costs_at_most_8_statements(app, client, floor):
    path = f"/receiving/{floor['receipt'].id}/scan"
    for nth in ("first", "second"):
        with counted(app) as statements:
            response = post(client, floor, path, code="4901234567894")
        assert response.status_code == 200 and "+1 TEA" in text_of(response.get_data(as_text=True), "feedback")
        assert len(statements) <= BUDGET, f"{nth} scan: {len(statements)} statements:\n" + "\n".join(statements)


def test_a_putaway_shelf_scan_costs_at_most_8_statements(app, client, floor):
    fields = {"stage": "location", "product_id": str(floor["tea"].id), "lot_id": "", "suggested": "A-01-01-2"}
    with counted(app) as statements:
        response = post(client, floor, "/putaway/scan", code="ZL-A-01-01-2", qty="4", **fields)
    feedback = text_of(response.get_data(as_text=True), "feedback")
    assert response.status_code == 200 and "TEA × 4" in feedback and "A-01-01-2" in feedback
    assert len(statements) <= BUDGET, f"{len(statements)} statements:\n" + "\n".join(statements)


def test_a_lookup_scan_costs_at_most_8_statements(app, client, floor):
    with counted(app) as statements:
        response = post(client, floor, "/lookup", code=floor["soap"].barcodes[0].code)
    assert response.status_code == 200 and "SOAP" in response.get_data(as_text=True)
    assert len(statements) <= BUDGET, f"{len(statements)} statements:\n" + "\n".join(statements)
