"""Returns on both databases: each path through the ledger (resaleable back to a shelf, damaged
taken in and scrapped, not shipped or more than shipped recorded as a discrepancy with nothing
moved), finding the order by label or slip, replays, and a return of an order packed and shipped
by the packing and shipping services. `stock verify` is clean after each."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.database import write_transaction
from app.orders.models import Order, OrderLine, OrderStatus
from app.orders.shipments import ReturnCondition, ReturnLine
from app.returns import errors, service
from app.returns.service import Mismatch
from app.stock.availability import available
from app.stock.models import Discrepancy, DiscrepancySource, Location, LocationKind, Lot, MoveReason, Quant, StockMove
from app.stock.verify import verify
from app.stock.warehouses import warehouse_ref
from tests import returns_support as rs


@pytest.fixture
def w(session):
    return rs.world(session)


@pytest.fixture
def shipped(session, w):
    return rs.shipped_order(session, w, (w.tea, 3), (w.milk, 2), tracking_number="123456789012")


def quants(session) -> dict[tuple[int, int, int | None], int]:
    session.rollback()
    session.expire_all()
    return {(q.product_id, q.location_id, q.lot_id): q.on_hand for q in session.scalars(select(Quant))}


def moved(session, reason: MoveReason) -> list[tuple[int, int, int, int]]:
    return [(m.product_id, m.from_location_id, m.to_location_id, m.quantity)
            for m in session.scalars(select(StockMove).where(StockMove.reason == reason).order_by(StockMove.id))]


def milk_lot(session) -> int:
    return session.scalar(select(Lot.id).where(Lot.number == "L-1"))


def test_an_order_is_found_by_its_label_or_its_slip_and_only_when_shipped(session, w, shipped):
    by_code = service.find_order(session, w.wh.id, shipped.code.lower())
    by_slip = service.find_order(session, w.wh.id, "1234-5678-9012")
    by_nw7 = service.find_order(session, w.wh.id, "a123456789012a")
    assert by_code.id == by_slip.id == by_nw7.id == shipped.id
    assert {(i.sku, i.shipped, i.returned) for i in by_code.items} == {("TEA-500", 3, 0), ("MILK-1L", 2, 0)}
    with pytest.raises(errors.NoSuchOrder):
        service.find_order(session, w.wh.id, "999999999999")
    waiting = rs.order(session, w, (w.soap, 1))
    with pytest.raises(errors.NotShipped):
        service.find_order(session, w.wh.id, waiting.code)


def test_a_resaleable_unit_goes_from_customer_to_the_shelf_scanned(session, w, shipped):
    order = service.find_order(session, w.wh.id, shipped.code)
    assert service.lots_to_take_back(order, w.tea.id, None, 1) == [service.LotChoice(None, None, None, 3)]
    suggestion = service.suggestion(session, w.wh.id, w.tea.id, None)
    assert suggestion.code == "A-01-01-1"
    before = quants(session)
    wh = warehouse_ref(session, w.wh.id)

    with write_transaction(session):
        done = service.restock(session, wh, shipped.id, w.tea.id, None, 1,
                               session.get(Location, suggestion.location_id), suggested=suggestion.code,
                               user_id=w.picker.id, key="r-1")

    assert done.location == "A-01-01-1" and not done.overridden
    after = quants(session)
    changed = {k: (before.get(k, 0), v) for k, v in after.items() if before.get(k, 0) != v}
    assert changed == {(w.tea.id, suggestion.location_id, None): (7, 8)}  # nothing else moved
    customer = wh.place(LocationKind.CUSTOMER)
    assert moved(session, MoveReason.RETURN) == [(w.tea.id, customer, suggestion.location_id, 1)]
    line = session.scalars(select(ReturnLine)).one()
    assert (line.condition, line.quantity, line.location_id, line.reason) == (ReturnCondition.RESALEABLE, 1,
                                                                             suggestion.location_id, None)
    assert session.scalar(select(OrderLine.returned_qty).where(OrderLine.order_id == shipped.id,
                                                               OrderLine.product_id == w.tea.id)) == 1
    assert available(session, w.wh.id, w.tea.id) == 8
    assert verify(session) == []


def test_a_damaged_unit_is_taken_in_then_scrapped_and_nothing_else_changes(session, w, shipped):
    wh = warehouse_ref(session, w.wh.id)
    lot = milk_lot(session)
    before = quants(session)
    available_before = available(session, w.wh.id, w.milk.id)

    with write_transaction(session):
        done = service.scrap(session, wh, shipped.id, w.milk.id, lot, 1, "broken", user_id=w.picker.id, key="r-2")

    assert (done.condition, done.location, done.reason) == (ReturnCondition.DAMAGED, "SCRAP", "broken")
    after = quants(session)
    assert {k: v for k, v in after.items() if before.get(k, 0) != v} == {}  # quarantine held it only meanwhile
    customer, quarantine, scrap = (wh.place(k) for k in (LocationKind.CUSTOMER, LocationKind.QUARANTINE,
                                                         LocationKind.SCRAP))
    assert moved(session, MoveReason.RETURN) == [(w.milk.id, customer, quarantine, 1)]
    assert moved(session, MoveReason.SCRAP) == [(w.milk.id, quarantine, scrap, 1)]
    line = session.scalars(select(ReturnLine)).one()
    assert (line.condition, line.reason, line.location_id, line.lot_id) == (ReturnCondition.DAMAGED, "broken", scrap,
                                                                           lot)
    assert available(session, w.wh.id, w.milk.id) == available_before
    assert verify(session) == []


def test_what_was_not_shipped_or_more_than_shipped_is_a_discrepancy_and_nothing_moves(session, w, shipped):
    order = service.find_order(session, w.wh.id, shipped.code)
    moves_before = session.scalar(select(func.count()).select_from(StockMove))
    outcomes = [
        (w.soap.id, None, 1, service.lots_to_take_back(order, w.soap.id, None, 1)),
        (w.milk.id, "L-OTHER", 1, service.lots_to_take_back(order, w.milk.id, "L-OTHER", 1)),
        (w.tea.id, None, 24, service.lots_to_take_back(order, w.tea.id, None, 24)),
    ]
    assert [o[3] for o in outcomes] == [Mismatch("not_on_order", 0, 1), Mismatch("lot_not_shipped", 0, 1),
                                        Mismatch("more_than_shipped", 3, 24)]
    with write_transaction(session):
        for product_id, lot, _units, mismatch in outcomes:
            service.record_mismatch(session, w.wh.id, order, product_id, None, lot, mismatch, user_id=w.picker.id)
    found = session.scalars(select(Discrepancy).order_by(Discrepancy.id)).all()
    assert [(d.source, d.cause, d.expected_qty, d.found_qty, d.quantity, d.reference) for d in found] == [
        (DiscrepancySource.RETURN, "not_on_order", 0, 1, 1, shipped.code),
        (DiscrepancySource.RETURN, "lot_not_shipped", 0, 1, 1, shipped.code),
        (DiscrepancySource.RETURN, "more_than_shipped", 3, 24, 21, shipped.code),
    ]
    assert found[1].note == "lot L-OTHER"
    assert session.scalar(select(func.count()).select_from(StockMove)) == moves_before
    assert verify(session) == []


def test_once_everything_came_back_more_is_a_discrepancy_and_a_stale_screen_is_refused(session, w, shipped):
    wh = warehouse_ref(session, w.wh.id)
    shelf = session.get(Location, w.shelves["C-01-01-1"].id)
    with write_transaction(session):
        service.restock(session, wh, shipped.id, w.tea.id, None, 2, shelf, suggested="A-01-01-1",
                        user_id=w.picker.id, key="r-3")
    with write_transaction(session):
        service.scrap(session, wh, shipped.id, w.tea.id, None, 1, "soiled", user_id=w.picker.id, key="r-4")
    order = service.find_order(session, w.wh.id, shipped.code)
    assert service.lots_to_take_back(order, w.tea.id, None, 1) == Mismatch("more_than_shipped", 0, 1)
    with pytest.raises(errors.AlreadyReturned):  # a screen still showing one left
        with write_transaction(session):
            service.restock(session, wh, shipped.id, w.tea.id, None, 1, shelf, suggested=None, user_id=w.picker.id,
                            key="r-5")
    assert session.scalar(select(func.sum(ReturnLine.quantity))) == 3
    line = session.scalars(select(OrderLine).where(OrderLine.order_id == shipped.id,
                                                   OrderLine.product_id == w.tea.id)).one()
    assert line.returned_qty == 3 == line.packed_qty
    assert verify(session) == []


def test_a_replayed_return_moves_and_records_once(session, w, shipped):
    wh = warehouse_ref(session, w.wh.id)
    shelf = session.get(Location, w.shelves["C-01-01-1"].id)
    for _ in range(2):
        with write_transaction(session):
            service.restock(session, wh, shipped.id, w.tea.id, None, 1, shelf, suggested=None, user_id=w.picker.id,
                            key="same-scan")
        with write_transaction(session):
            service.scrap(session, wh, shipped.id, w.milk.id, milk_lot(session), 1, "opened", user_id=w.picker.id,
                          key="same-scan-2")
    assert session.scalar(select(func.count()).select_from(ReturnLine)) == 2
    assert len(moved(session, MoveReason.RETURN)) == 2 and len(moved(session, MoveReason.SCRAP)) == 1
    assert verify(session) == []


def test_a_return_to_a_place_that_is_not_a_storage_shelf_is_refused(session, w, shipped):
    from app.floor.refusals import NotAStorageLocation

    wh = warehouse_ref(session, w.wh.id)
    dock = session.scalar(select(Location).where(Location.warehouse_id == w.wh.id, Location.code == "DOCK"))
    with pytest.raises(NotAStorageLocation):
        with write_transaction(session):
            service.restock(session, wh, shipped.id, w.tea.id, None, 1, dock, suggested=None, user_id=w.picker.id,
                            key="r-dock")
    assert session.scalar(select(func.count()).select_from(ReturnLine)) == 0
    assert verify(session) == []


def test_an_order_packed_and_shipped_by_the_floor_services_takes_returns(session, w):
    from app.shipping import service as shipping
    from tests.packing_support import packed_order

    placed = packed_order(session, w.wh, [(w.tea, 2, 150), (w.milk, 1, 200)], external_id="E2E-1", tote="ZT-0901",
                          slip="123456789012")
    shipping.ship(session, placed.id, w.wh.id, user_id=w.picker.id)
    assert rs.fresh(session, Order, placed.id).status is OrderStatus.SHIPPED
    order = service.find_order(session, w.wh.id, "123456789012")
    assert {(i.sku, i.shipped) for i in order.items} == {("TEA-500", 2), ("MILK-1L", 1)}
    wh = warehouse_ref(session, w.wh.id)
    with write_transaction(session):
        service.restock(session, wh, placed.id, w.tea.id, None, 2, session.get(Location, w.shelves["A-01-01-1"].id),
                        suggested="A-01-01-1", user_id=w.picker.id, key="e2e-1")
    with write_transaction(session):
        service.scrap(session, wh, placed.id, w.milk.id, milk_lot(session), 1, "expired", user_id=w.picker.id,
                      key="e2e-2")
    assert available(session, w.wh.id, w.tea.id) == 10
    assert [line.returned_qty for line in rs.fresh(session, Order, placed.id).lines] == [2, 1]
    assert verify(session) == []
