"""Putaway on SQLite and PostgreSQL: the suggestion rule, the shelf checks, availability rising."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.database import write_transaction
from app.floor.refusals import LocationNotActive, NotAStorageLocation
from app.putaway.service import NeedsConfirmation, PutAway, dock_items, put_away, shelf_facts, suggest_location
from app.stock import errors as stock_errors
from app.stock.availability import availability
from app.stock.ledger import LotSpec
from app.stock.models import LocationKind, Lot, Posting, Product, Quant, Tracking
from app.stock.verify import verify
from app.stock.warehouses import standard_location, warehouse_ref
from tests import factories as f

TODAY = date(2026, 11, 24)
FAR = TODAY + timedelta(days=300)


@pytest.fixture
def wh(session):
    return f.warehouse(session)


@pytest.fixture
def dock(session, wh):
    return standard_location(session, wh.id, LocationKind.DOCK)


def shelf(session, wh, code, seq, zone="A", active=True):
    return f.location(session, wh, code=code, pick_sequence=seq, zone=zone, active=active)


def product(session, tracking=Tracking.NONE, zone="A"):
    prod = f.product(session, tracking=tracking)
    with write_transaction(session):
        session.get(Product, prod.id).zone = zone
    return session.get(Product, prod.id)


def put(session, wh, product, lot, quantity, place, *, suggested=None, key, confirmed=False):
    """One shelf scan: the facts read for it, then the putaway, in one unit of work."""
    ref = warehouse_ref(session, wh.id)
    with write_transaction(session):
        facts = shelf_facts(session, ref, product.id, lot, place.code)
        return put_away(session, ref, facts, quantity, suggested=suggested, confirmed=confirmed, user_id=None, key=key)


def waiting(session, wh):
    return dock_items(session, warehouse_ref(session, wh.id))


def lot_id(session, number):
    return session.scalar(select(Lot.id).where(Lot.number == number))


def test_a_shelf_that_already_holds_the_same_lot_comes_first(session, wh):
    milk = product(session, Tracking.LOT_EXPIRY)
    shelf(session, wh, "A-01-01-1", 10)
    holding = shelf(session, wh, "A-05-01-1", 50)
    f.receive(session, milk, holding, 3, lot=LotSpec("L1", FAR))
    suggestion = suggest_location(session, wh.id, milk, lot_id(session, "L1"))
    assert (suggestion.code, suggestion.why) == ("A-05-01-1", "same_lot")


def test_expiry_tracked_lots_are_not_mixed_on_one_shelf(session, wh):
    milk = product(session, Tracking.LOT_EXPIRY)
    other_lot_shelf = shelf(session, wh, "A-01-01-1", 10)
    shelf(session, wh, "A-02-01-1", 20)
    f.receive(session, milk, other_lot_shelf, 3, lot=LotSpec("OLD", FAR))
    f.receive(session, milk, standard_location(session, wh.id, LocationKind.DOCK), 3, lot=LotSpec("NEW", FAR))
    suggestion = suggest_location(session, wh.id, milk, lot_id(session, "NEW"))
    assert (suggestion.code, suggestion.why) == ("A-02-01-1", "empty_in_zone")


def test_a_product_that_allows_mixed_lots_joins_its_other_lots(session, wh):
    screws = product(session, Tracking.LOT)
    holding = shelf(session, wh, "A-09-01-1", 90)
    shelf(session, wh, "A-01-01-1", 10)
    f.receive(session, screws, holding, 3, lot=LotSpec("OLD"))
    suggestion = suggest_location(session, wh.id, screws, None)
    assert (suggestion.code, suggestion.why) == ("A-09-01-1", "same_product")


def test_the_nearest_empty_shelf_in_the_products_zone_wins_over_other_zones(session, wh):
    tea = product(session, zone="B")
    shelf(session, wh, "A-01-01-1", 1, zone="A")
    shelf(session, wh, "B-03-01-1", 30, zone="B")
    shelf(session, wh, "B-02-01-1", 20, zone="B")
    suggestion = suggest_location(session, wh.id, tea, None)
    assert (suggestion.code, suggestion.why) == ("B-02-01-1", "empty_in_zone")


def test_inactive_and_non_storage_places_are_never_suggested(session, wh):
    tea = product(session)
    shelf(session, wh, "A-01-01-1", 1, active=False)
    f.location(session, wh, code="PACK-01", kind=LocationKind.PACKING, pick_sequence=0)
    assert suggest_location(session, wh.id, tea, None) is None
    shelf(session, wh, "C-01-01-1", 5, zone="C")
    assert suggest_location(session, wh.id, tea, None).why == "empty"


def test_putaway_moves_from_the_dock_and_availability_rises_only_now(session, wh, dock):
    tea = product(session)
    target = shelf(session, wh, "A-01-01-1", 10)
    f.receive(session, tea, dock, 24)
    assert availability(session, wh.id, [tea.id], today=TODAY)[tea.id] == 0
    done = put(session, wh, tea, None, 24, target, suggested="A-01-01-1", key="k1")
    assert isinstance(done, PutAway) and not done.overridden
    assert availability(session, wh.id, [tea.id], today=TODAY)[tea.id] == 24
    assert waiting(session, wh) == []
    assert verify(session) == []


def test_part_of_the_dock_stock_can_go_to_one_shelf_and_the_rest_elsewhere(session, wh, dock):
    tea = product(session)
    first, second = shelf(session, wh, "A-01-01-1", 10), shelf(session, wh, "A-01-01-2", 11)
    f.receive(session, tea, dock, 10)
    put(session, wh, tea, None, 4, first, key="k2")
    assert waiting(session, wh)[0].quantity == 6
    put(session, wh, tea, None, 6, second, key="k3")
    assert waiting(session, wh) == []


def test_another_shelf_than_the_suggestion_is_allowed_and_recorded(session, wh, dock):
    tea = product(session)
    shelf(session, wh, "A-01-01-1", 10)
    chosen = shelf(session, wh, "A-07-01-1", 70)
    f.receive(session, tea, dock, 5)
    done = put(session, wh, tea, None, 5, chosen, suggested="A-01-01-1", key="k4")
    assert done.overridden
    notes = session.scalars(select(Posting.note).where(Posting.note.is_not(None))).all()
    assert notes == ["suggested A-01-01-1, put at A-07-01-1"]


def test_the_shelf_must_be_an_active_storage_shelf_of_this_warehouse(session, wh, dock):
    tea = product(session)
    f.receive(session, tea, dock, 5)
    inactive = shelf(session, wh, "A-01-01-1", 1, active=False)
    packing = f.location(session, wh, code="PACK-09", kind=LocationKind.PACKING)
    elsewhere = f.location(session, f.warehouse(session), code="A-02-02-2")
    for place, refusal in ((inactive, LocationNotActive), (packing, NotAStorageLocation),
                           (elsewhere, NotAStorageLocation)):
        with pytest.raises(refusal):
            put(session, wh, tea, None, 5, place, key=f"k-{place.id}")
    assert waiting(session, wh)[0].quantity == 5


def test_a_second_lot_of_an_expiry_tracked_product_joins_a_shelf_only_when_confirmed(session, wh, dock):
    milk = product(session, Tracking.LOT_EXPIRY)
    target = shelf(session, wh, "A-01-01-1", 1)
    f.receive(session, milk, target, 2, lot=LotSpec("OLD", FAR))
    f.receive(session, milk, dock, 2, lot=LotSpec("NEW", FAR))
    asked = put(session, wh, milk, lot_id(session, "NEW"), 2, target, key="k5")
    assert isinstance(asked, NeedsConfirmation) and (asked.reason, asked.shelf.other_lot) == ("other_lot", "OLD")
    assert waiting(session, wh)[0].quantity == 2
    done = put(session, wh, milk, lot_id(session, "NEW"), 2, target, key="k5b", confirmed=True)
    assert isinstance(done, PutAway)
    assert session.scalar(select(Posting.note).where(Posting.note.is_not(None))) == "confirmed: mixed with lot OLD"
    assert verify(session) == []


def test_a_shelf_holding_another_product_is_asked_about_first(session, wh, dock):
    tea, snack = product(session), product(session)
    target = shelf(session, wh, "A-01-01-1", 1)
    f.receive(session, snack, target, 4)
    f.receive(session, tea, dock, 3)
    asked = put(session, wh, tea, None, 3, target, key="k7")
    assert isinstance(asked, NeedsConfirmation) and asked.reason == "other_product"
    assert asked.shelf.other_product == snack.sku
    assert isinstance(put(session, wh, tea, None, 3, target, key="k8", confirmed=True), PutAway)
    assert waiting(session, wh) == []


def test_more_than_waits_on_the_dock_is_refused(session, wh, dock):
    tea = product(session)
    target = shelf(session, wh, "A-01-01-1", 1)
    f.receive(session, tea, dock, 3)
    with pytest.raises(stock_errors.NotEnoughStock):
        put(session, wh, tea, None, 4, target, key="k6")
    assert session.scalar(select(Quant.on_hand).where(Quant.location_id == target.id)) is None
