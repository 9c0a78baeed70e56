"""Who changed master data, and a shelf that cannot be deactivated under goods arriving on it."""
from __future__ import annotations

import threading

import pytest
from flask_login import login_user
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.auth.models import Role
from app.database import write_transaction
from app.masterdata.errors import LocationHoldsStock
from app.masterdata.locations import deactivate_location
from app.masterdata.products import import_products
from app.stock import ledger
from app.stock.models import LocationKind, MoveReason, Product
from app.stock.warehouses import standard_location
from tests import factories as f


def test_a_product_import_records_who_made_the_change(app, session):
    boss = f.user(session, Role.SUPERVISOR)
    with app.test_request_context():
        login_user(boss)
        import_products(session, "SKU,商品名\nAUDIT-1,監査テスト\n".encode())
    session.rollback()
    product = session.scalar(select(Product).where(Product.sku == "AUDIT-1"))
    assert product.updated_by_id == boss.id and product.updated_at is not None


def test_deactivating_a_shelf_records_who_did_it(app, session):
    wh = f.warehouse(session)
    shelf = f.location(session, wh)
    boss = f.user(session, Role.ADMIN)
    with app.test_request_context():
        login_user(boss)
        deactivate_location(session, wh.id, shelf.id)
    session.rollback()
    session.refresh(shelf)
    assert (shelf.active, shelf.updated_by_id) == (False, boss.id)


@pytest.mark.postgres_only
def test_a_shelf_cannot_be_deactivated_while_goods_are_being_put_on_it(app, session):
    wh = f.warehouse(session)
    shelf = f.location(session, wh)
    tea = f.product(session)
    dock = standard_location(session, wh.id, LocationKind.DOCK)
    f.receive(session, tea, dock, 5)
    f.receive(session, tea, shelf, 1)  # the shelf held this product before: its quant row exists, now empty
    with write_transaction(session):
        customer = standard_location(session, wh.id, LocationKind.CUSTOMER)
        ledger.post(session, [ledger.Move(tea.id, 1, shelf.id, customer.id, MoveReason.SHIP)], key="empty-it")
    # ids read here, in the test's thread: an ORM object of the test's session touched in the worker thread
    # would (once expired) reload through that session, which is not for sharing between threads
    tea_id, dock_id, shelf_id = tea.id, dock.id, shelf.id
    posted, release = threading.Event(), threading.Event()

    def put_away_slowly():
        from app.extensions import db

        with app.app_context():
            with write_transaction(db.session):
                ledger.post(db.session, [ledger.Move(tea_id, 5, dock_id, shelf_id, MoveReason.PUTAWAY)], key="slow-pa")
                posted.set()
                release.wait(10)
            db.session.remove()

    worker = threading.Thread(target=put_away_slowly)
    worker.start()
    assert posted.wait(10)
    with pytest.raises(OperationalError, match="lock"):  # it waits for the putaway: give up after 300 ms
        with write_transaction(session):
            session.connection().exec_driver_sql("SET LOCAL lock_timeout = '300ms'")
            deactivate_location(session, wh.id, shelf.id)
    release.set()
    worker.join(10)
    with pytest.raises(LocationHoldsStock):
        deactivate_location(session, wh.id, shelf.id)


@pytest.mark.postgres_only
def test_goods_are_refused_by_a_shelf_deactivated_while_they_were_on_their_way(app, session):
    from app.extensions import db
    from app.masterdata.locations import _locked_location
    from app.stock import errors as stock_errors

    wh = f.warehouse(session)
    shelf = f.location(session, wh)
    tea = f.product(session)
    dock = standard_location(session, wh.id, LocationKind.DOCK)
    f.receive(session, tea, dock, 5)
    wh_id, shelf_id = wh.id, shelf.id  # read here: the worker thread touches no object of the test's session
    locked, release = threading.Event(), threading.Event()

    def deactivate_slowly():
        with app.app_context():
            with write_transaction(db.session):
                _locked_location(db.session, wh_id, shelf_id).active = False
                db.session.flush()
                locked.set()
                release.wait(10)
            db.session.remove()

    worker = threading.Thread(target=deactivate_slowly)
    worker.start()
    assert locked.wait(10)
    threading.Timer(0.5, release.set).start()  # the putaway below starts while the shelf is locked
    with pytest.raises(stock_errors.LocationInactive), write_transaction(session):
        ledger.post(session, [ledger.Move(tea.id, 5, dock.id, shelf.id, MoveReason.PUTAWAY)], key="late-pa")
    worker.join(10)
