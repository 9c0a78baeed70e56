"""Orders from the office into the database (app.orders.intake), on SQLite and PostgreSQL:
channels by any of their names, products by SKU or unit JAN, all or nothing, never twice."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.database import write_transaction
from app.extensions import db
from app.masterdata.errors import ImportRefused
from app.orders import intake
from app.orders.entries import EntryLine, OrderEntry
from app.orders.errors import DuplicateOrder
from app.orders.models import Order, OrderLine
from app.stock.models import KitComponent, Product
from tests import factories as f

HEADER = "channel,order id,ship to,SKU,JAN,quantity\r\n"
JAN = "4901234567894"
CASE = "14901234567891"


@pytest.fixture(autouse=True)
def english(app):
    """Messages are compared in English (the app's default language is Japanese)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def wh(session):
    wh = f.warehouse(session, code="TKY")
    tea = f.product(session, sku="TEA-500", barcode=JAN, case_gtin=CASE, pack_qty=24)
    soap = f.product(session, sku="SOAP-1")
    kit = f.product(session, sku="SET-1", is_kit=True)
    old = f.product(session, sku="OLD-1")
    with write_transaction(session):
        session.add(KitComponent(kit_id=kit.id, component_id=tea.id, quantity=1))
        session.add(KitComponent(kit_id=kit.id, component_id=soap.id, quantity=2))
        session.get(Product, old.id).active = False
    return wh


def csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\r\n" for r in rows)).encode("utf-8")


def counts(session) -> tuple[int, int]:
    session.rollback()  # see what other sessions committed (SQLite keeps a read transaction's snapshot)
    return (session.scalar(select(func.count()).select_from(Order)),
            session.scalar(select(func.count()).select_from(OrderLine)))


def test_channels_are_found_by_code_short_code_name_or_usual_spelling(session, wh):
    result = intake.import_orders(session, wh.id, csv("楽天,1,山田,SOAP-1,,1", "RKT,2,山田,SOAP-1,,1",
                                                      "楽天市場,3,山田,SOAP-1,,1", "Amazon.co.jp,4,山田,SOAP-1,,1",
                                                      "ヤフー,5,山田,SOAP-1,,1", "自社サイト,6,山田,SOAP-1,,1"),
                                  user_id=None)
    assert [o.code for o in result.orders] == ["ZO-RKT-1", "ZO-RKT-2", "ZO-RKT-3", "ZO-AMZ-4", "ZO-YHO-5", "ZO-OWN-6"]
    assert result.encoding == "utf-8" and result.ignored_columns == ()


def test_kits_and_jans_are_ordered_and_case_codes_inactive_and_mismatched_products_refused(session, wh):
    with pytest.raises(ImportRefused) as refused:
        intake.import_orders(session, wh.id, csv("amazon,A-1,山田,SET-1,,2", "amazon,A-1,山田,,4901234567894,1",
                                                 f"amazon,A-2,山田,,{CASE},1", "amazon,A-3,山田,OLD-1,,1",
                                                 f"amazon,A-4,山田,SOAP-1,{JAN},1", "nowhere,A-5,山田,SOAP-1,,1"),
                             user_id=None)
    errors = [(e.row, e.field, str(e.message)) for e in refused.value.errors]
    assert errors == [
        (4, "product", f"{CASE} is a case code (24 units): give the unit JAN or the SKU, and the quantity in units."),
        (5, "product", "OLD-1 is no longer active."),
        (6, "jan", f"SOAP-1 and {JAN} are different products."),
        (7, "channel", "Unknown sales channel nowhere: use one of rakuten, amazon, yahoo, own, other."),
    ]
    assert refused.value.column(refused.value.errors[2]) == "JAN"
    assert counts(session) == (0, 0)
    [order] = intake.import_orders(session, wh.id, csv("amazon,A-1,山田,SET-1,,2", f"amazon,A-1,山田,,{JAN},1"),
                                   user_id=None).orders
    assert [(line.product.sku, line.quantity) for line in order.lines] == [("SET-1", 2), ("TEA-500", 1)]


def test_one_order_under_two_spellings_of_its_channel_is_refused(session, wh):
    with pytest.raises(ImportRefused) as refused:
        intake.import_orders(session, wh.id, csv("rakuten,R-1,山田,SOAP-1,,1", "楽天,R-1,山田,SOAP-1,,1"), user_id=None)
    [error] = refused.value.errors
    assert error.row == 3 and "also on row 2" in str(error.message)
    assert counts(session) == (0, 0)


def test_an_order_already_here_refuses_the_file_naming_its_first_row(session, wh):
    intake.import_orders(session, wh.id, csv("amazon,A-1,山田,SOAP-1,,1"), user_id=None)
    with pytest.raises(ImportRefused) as refused:
        intake.import_orders(session, wh.id, csv("amazon,A-2,山田,SOAP-1,,1", "amazon,A-1,山田,SOAP-1,,2",
                                                 "amazon,A-1,山田,TEA-500,,2"), user_id=None)
    [error] = refused.value.errors
    assert (error.row, error.field) == (3, "external_id")
    assert str(error.message) == "Order A-1 from amazon was already imported as ZO-AMZ-A-1."
    assert counts(session) == (1, 1)


def test_an_order_from_the_screen_is_checked_the_same_way_and_never_made_twice(session, wh):
    entry = OrderEntry("rakuten", "R-9", "山田", (EntryLine(1, "SOAP-1", 2), EntryLine(2, "NOPE", 1)))
    with pytest.raises(ImportRefused) as refused:
        intake.create_entered_order(session, wh.id, entry, user_id=None)
    assert [(e.row, e.field) for e in refused.value.errors] == [(2, "product")]
    good = OrderEntry("rakuten", "R-9", "山田", (EntryLine(1, "SOAP-1", 2),))
    order = intake.create_entered_order(session, wh.id, good, user_id=None)
    with pytest.raises(DuplicateOrder):
        intake.create_entered_order(session, wh.id, good, user_id=None)
    assert counts(session) == (1, 1) and order.code == "ZO-RKT-R-9"


def test_the_same_file_imported_four_times_at_once_makes_its_orders_once(app, session, wh):
    data = csv("amazon,A-1,山田,SOAP-1,,1", "amazon,A-2,佐藤,TEA-500,,2", "yahoo,Y-1,鈴木,SOAP-1,,3")
    wh_id = wh.id  # read here: the threads touch no object of the test's session
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def one_import() -> None:
        with app.test_request_context(headers={"Accept-Language": "en"}):
            try:
                start.wait(timeout=10)
                intake.import_orders(db.session, wh_id, data, user_id=None)
                outcomes.append("imported")
            except ImportRefused as refused:
                outcomes.append(" / ".join(str(e.message) for e in refused.errors))
            finally:
                db.session.remove()

    workers = [threading.Thread(target=one_import) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert sorted(outcomes)[-1] == "imported" and outcomes.count("imported") == 1
    assert all("already imported as" in outcome for outcome in outcomes if outcome != "imported")
    assert counts(session) == (3, 3)
