"""Availability that changes because a date passed becomes stock events (the daily refresh-dates job)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.api import feed
from app.stock.date_events import refresh_dates
from app.stock.ledger import LotSpec
from app.stock.models import StockEvent, Tracking
from app.timeutil import local_today
from tests import factories as f
from tests import order_support as o
from tests.api.support import world


@pytest.fixture
def w(client, session):
    return world(session)


def date_events(session) -> list[tuple[str, int]]:
    session.rollback()
    from app.stock.models import Product

    return [(sku, available) for sku, available in session.execute(
        select(Product.sku, StockEvent.available).join(Product, Product.id == StockEvent.product_id)
        .where(StockEvent.cause == "date").order_by(StockEvent.position))]


def test_a_lot_reaching_its_minimum_shelf_life_is_written_once(session, w):
    today = local_today()
    yogurt = f.product(session, sku="YOGURT", tracking=Tracking.LOT_EXPIRY, min_shelf_life_days=10)
    f.receive(session, yogurt, w.shelf, 3, LotSpec("SOON", today + timedelta(days=15)))
    f.receive(session, yogurt, w.shelf, 4, LotSpec("LATER", today + timedelta(days=40)))
    kit = o.kit(session, {yogurt: 1, w.tea: 1})
    assert refresh_dates(session, today) == 1  # the kit never had an event of its own: now it has (7)
    assert date_events(session) == [(kit.sku, 7)]
    in_six_days = today + timedelta(days=6)  # SOON has 9 days left, under the 10 required
    assert refresh_dates(session, in_six_days) == 2
    assert date_events(session)[1:] == [("YOGURT", 4), (kit.sku, 4)]
    assert refresh_dates(session, in_six_days) == 0
    far = today + timedelta(days=31)
    assert refresh_dates(session, far) == 2
    assert date_events(session)[3:] == [("YOGURT", 0), (kit.sku, 0)]


def test_the_changes_reach_the_feed_and_the_command_runs_it(app, session, w):
    today = local_today()
    milk = w.milk
    f.receive(session, milk, w.shelf, 5, LotSpec("L1", today + timedelta(days=2)))
    cursor = feed.horizon(session)
    session.rollback()
    result = app.test_cli_runner().invoke(args=["stock", "refresh-dates", "--today",
                                                (today + timedelta(days=3)).isoformat()])
    assert result.exit_code == 0 and "1 availability change" in result.output
    page = feed.changes(session, cursor, 100, [w.wh.id])
    assert [(c.sku, c.available, c.cause) for c in page.changes] == [("MILK", 0, "date")]
