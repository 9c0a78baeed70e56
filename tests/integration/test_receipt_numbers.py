"""Receipt codes ZR-YYYYMMDD-N on SQLite and PostgreSQL: one number each, however many start at
once, and 1000 after 999 (issue 14, item 1)."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from app.barcodes import resolve
from app.barcodes.results import DocumentKind, DocumentRef
from app.database import write_transaction
from app.receipts.models import Receipt, ReceiptNumber, ReceiptStatus
from app.receipts.plans import PlannedLine, create_receipt
from app.stock.warehouses import warehouse_ref
from app.timeutil import local_today
from tests import concurrency, factories as f, receipt_jobs

TODAY = local_today()
PREFIX = f"ZR-{TODAY:%Y%m%d}-"


@pytest.fixture
def world(session):
    return f.warehouse(session), f.user(session), f.product(session)


def new_receipt(session, wh, clerk, prod) -> str:
    with write_transaction(session):
        return create_receipt(session, wh.id, "伊藤園", TODAY, [PlannedLine(prod.id, 5)], clerk.id).code


def old_receipt(session, wh, code: str) -> None:
    """A receipt made before receipt numbers were counted (no counter row for its day)."""
    with write_transaction(session):
        session.add(Receipt(warehouse_id=wh.id, code=code, supplier="-", status=ReceiptStatus.OPEN))


def test_the_first_receipts_of_a_day_are_001_and_002(session, world):
    assert [new_receipt(session, *world), new_receipt(session, *world)] == [PREFIX + "001", PREFIX + "002"]


def test_the_receipt_after_999_is_1000_and_numbering_goes_on(session, world):
    wh, _clerk, _prod = world
    old_receipt(session, wh, PREFIX + "998")
    old_receipt(session, wh, PREFIX + "999")
    codes = [new_receipt(session, *world) for _ in range(3)]
    assert codes == [PREFIX + "1000", PREFIX + "1001", PREFIX + "1002"]
    assert resolve(codes[0], warehouse_ref(session, wh.id), session) == DocumentRef(
        DocumentKind.RECEIPT, codes[0], codes[0][3:])


def test_a_day_started_after_1000_continues_from_its_highest_number(session, world):
    wh, _clerk, _prod = world
    old_receipt(session, wh, PREFIX + "999")
    old_receipt(session, wh, PREFIX + "1000")
    assert new_receipt(session, *world) == PREFIX + "1001"
    assert session.scalar(select(ReceiptNumber.last).where(ReceiptNumber.day == TODAY)) == 1001


def test_a_receipt_that_rolls_back_gives_its_number_to_the_next(session, world):
    wh, clerk, prod = world
    with pytest.raises(RuntimeError), write_transaction(session):
        create_receipt(session, wh.id, "-", TODAY, [PlannedLine(prod.id, 1)], clerk.id)
        raise RuntimeError("the import failed further on")
    assert new_receipt(session, *world) == PREFIX + "001"


@pytest.mark.slow
def test_forty_eight_blind_receipts_started_at_once_get_forty_eight_numbers(app, session, instance_dir, world):
    wh, clerk, _prod = world
    outcomes = concurrency.run_workers(app.config["SQLALCHEMY_DATABASE_URI"], str(instance_dir),
                                       receipt_jobs.start_blind_receipt, processes=4, threads=12, args=(wh.id, clerk.id))
    session.rollback()
    codes = Counter(o.result for o in outcomes)
    assert len(codes) == 48 and set(codes.values()) == {1}
    assert sorted(codes) == sorted(f"{PREFIX}{n:03d}" for n in range(1, 49))
