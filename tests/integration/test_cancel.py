"""Cancelling orders on both databases: each path through the ledger (before picking, during and
after picking, at packing, packed, shipped), pick lists that finish, cancelling twice, and the
put-backs that bring picked goods back to a shelf. `stock verify` is clean after each."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.database import write_transaction
from app.orders.cancel import CancelReasonMissing, OrderShipped, cancel_order
from app.orders.models import Order, OrderStatus
from app.orders.picklists import PickLine, PickLineStatus, PickList, PickListStatus
from app.orders.shipments import PutBackStatus, PutBackTask
from app.picking import service as picking
from app.floor.refusals import LocationNotActive, NotAStorageLocation
from app.returns import service as returns
from app.returns.errors import PutBackChanged
from app.stock.availability import available
from app.stock.models import Location, LocationKind, MoveReason, Posting, StockMove
from app.stock.verify import verify
from app.stock.warehouses import standard_location
from tests import factories as f
from tests import returns_support as rs


@pytest.fixture
def w(session):
    return rs.world(session)


def cancel(session, w, placed, reason="お客様都合"):
    return cancel_order(session, placed.id, user_id=w.office.id, reason=reason)


def moves(session, reason: MoveReason) -> list[StockMove]:
    return list(session.scalars(select(StockMove).where(StockMove.reason == reason).order_by(StockMove.id)))


def test_cancel_before_picking_releases_the_reservations(session, w):
    placed = rs.order(session, w, (w.tea, 3), (w.milk, 2))
    assert rs.open_reservations(session, placed) == 5
    assert available(session, w.wh.id, w.tea.id) == 7

    done = cancel(session, w, placed, reason="  お客様   都合 ")

    assert done.released == 5 and done.put_back == () and not done.already
    order = rs.fresh(session, Order, placed.id)
    assert order.status is OrderStatus.CANCELLED
    assert order.cancelled_by_id == w.office.id and order.cancelled_at is not None and order.cancel_reason == "お客様 都合"
    assert [line.allocated_qty for line in order.lines] == [0, 0]
    assert rs.open_reservations(session, placed) == 0
    assert available(session, w.wh.id, w.tea.id) == 10 and available(session, w.wh.id, w.milk.id) == 6
    assert session.scalar(select(func.count()).select_from(StockMove).where(StockMove.reason == MoveReason.CANCEL)) == 0
    assert rs.tasks_of(session, placed) == []
    assert verify(session) == []


def test_cancel_of_a_new_order_with_nothing_reserved(session, w):
    placed = rs.order(session, w, (w.tea, 1), allocate=False)
    done = cancel(session, w, placed)
    assert done.released == 0 and rs.fresh(session, Order, placed.id).status is OrderStatus.CANCELLED
    assert verify(session) == []


def test_cancel_on_a_list_nobody_started_cancels_its_lines_and_the_list(session, w):
    placed = rs.order(session, w, (w.tea, 2), (w.soap, 1))
    pick_list = rs.wave(session, w, placed)
    version = pick_list.version

    cancel(session, w, placed)

    session.rollback()
    session.expire_all()
    statuses = set(session.scalars(select(PickLine.status).where(PickLine.pick_list_id == pick_list.id)))
    assert statuses == {PickLineStatus.CANCELLED}
    fresh_list = session.get(PickList, pick_list.id)
    assert fresh_list.status is PickListStatus.CANCELLED and fresh_list.version > version
    assert rs.open_reservations(session, placed) == 0
    assert available(session, w.wh.id, w.tea.id) == 10
    assert verify(session) == []


def test_cancel_mid_pick_leaves_a_put_back_task_for_the_tote_and_finishes_the_list(session, w):
    placed = rs.order(session, w, (w.tea, 3), (w.milk, 2), (w.soap, 1))
    pick_list = rs.wave(session, w, placed)
    rs.pick(session, w, pick_list, lines=2)  # tea (A-01-01-1) and milk (A-01-02-1); soap still open
    tote = rs.tote_of(session, placed)

    done = cancel(session, w, placed)

    assert done.released == 1  # the soap not picked yet
    assert {(g.product_id, g.location_id, g.quantity) for g in done.put_back} == {
        (w.tea.id, tote, 3), (w.milk.id, tote, 2)}
    session.rollback()
    session.expire_all()
    assert session.get(PickList, pick_list.id).status is PickListStatus.DONE
    soap_line = session.scalars(select(PickLine).where(PickLine.product_id == w.soap.id)).one()
    assert soap_line.status is PickLineStatus.CANCELLED and soap_line.picked_qty == 0
    tasks = rs.tasks_of(session, placed)
    assert [(t.from_location_id, t.quantity, t.status) for t in tasks] == [(tote, 3, PutBackStatus.OPEN),
                                                                             (tote, 2, PutBackStatus.OPEN)]
    assert tasks[1].lot_id is not None  # the milk's lot goes with it
    assert rs.on_hand(session, tote) == 5  # nothing moved yet: the goods are still in the tote
    assert available(session, w.wh.id, w.soap.id) == 4
    order = session.get(Order, placed.id)
    assert order.status is OrderStatus.CANCELLED and [line.picked_qty for line in order.lines] == [3, 2, 0]
    assert verify(session) == []


def test_a_put_back_moves_the_goods_from_the_tote_to_a_shelf_and_finishes_the_task(session, w):
    placed = rs.order(session, w, (w.tea, 3))
    rs.pick(session, w, rs.wave(session, w, placed))
    tote = rs.tote_of(session, placed)
    cancel(session, w, placed)
    task = returns.open_tasks(session, w.wh.id, w.tea.id)[0]
    suggestion = returns.suggestion(session, w.wh.id, w.tea.id, None)
    assert suggestion.code == "A-01-01-1"  # where the product already is

    with write_transaction(session):
        part = returns.put_back(session, task, 1, session.get(Location, w.shelves["C-01-01-1"].id),
                                suggested=suggestion.code, user_id=w.picker.id, key="pb-1")
    assert not part.done and part.overridden
    task = returns.open_tasks(session, w.wh.id, w.tea.id)[0]
    with write_transaction(session):
        rest = returns.put_back(session, task, 2, session.get(Location, suggestion.location_id),
                                suggested=suggestion.code, user_id=w.picker.id, key="pb-2")
    assert rest.done
    with write_transaction(session):  # the same scan again moves and counts nothing twice
        returns.put_back(session, task, 2, session.get(Location, suggestion.location_id),
                         suggested=suggestion.code, user_id=w.picker.id, key="pb-2")
    with pytest.raises(PutBackChanged):  # a stale screen cannot put back what is back already
        with write_transaction(session):
            returns.put_back(session, task, 2, session.get(Location, w.shelves["B-01-01-1"].id),
                             suggested=suggestion.code, user_id=w.picker.id, key="pb-3")

    session.rollback()
    session.expire_all()
    assert rs.on_hand(session, tote) == 0
    assert rs.on_hand(session, w.shelves["A-01-01-1"].id, w.tea.id) == 9
    assert rs.on_hand(session, w.shelves["C-01-01-1"].id, w.tea.id) == 1
    assert available(session, w.wh.id, w.tea.id) == 10
    task = rs.tasks_of(session, placed)[0]
    assert task.status is PutBackStatus.DONE and task.put_qty == 3 and task.done_at is not None
    put = moves(session, MoveReason.CANCEL)
    assert [(m.from_location_id, m.quantity, m.reference) for m in put] == [(tote, 1, placed.code), (tote, 2, placed.code)]
    assert returns.open_tasks(session, w.wh.id) == []
    assert verify(session) == []


def test_a_put_back_to_a_place_that_is_not_a_storage_shelf_is_refused(session, w):
    placed = rs.order(session, w, (w.tea, 1))
    rs.pick(session, w, rs.wave(session, w, placed))
    cancel(session, w, placed)
    task = returns.open_tasks(session, w.wh.id)[0]
    dock = standard_location(session, w.wh.id, LocationKind.DOCK)
    inactive = f.location(session, w.wh, code="D-09-09-9", active=False)
    for place, refusal in ((dock, NotAStorageLocation), (inactive, LocationNotActive)):
        with pytest.raises(refusal):
            with write_transaction(session):
                returns.put_back(session, task, 1, session.get(Location, place.id), suggested=None,
                                 user_id=w.picker.id, key=f"pb-{place.id}")
    assert rs.tasks_of(session, placed)[0].put_qty == 0
    assert verify(session) == []


def test_cancel_during_packing_puts_back_from_the_station_and_the_tote(session, w):
    placed = rs.order(session, w, (w.tea, 2), (w.soap, 1))
    pick_list = rs.wave(session, w, placed)
    rs.pick(session, w, pick_list, lines=1)  # the tea
    station = f.location(session, w.wh, code="PACK-1", kind=LocationKind.PACKING, sellable=False)
    rs.pack(session, w, placed, station)  # the tea checked into the box, order not complete
    rs.pick(session, w, pick_list)  # then the soap into the tote
    tote = rs.tote_of(session, placed)

    done = cancel(session, w, placed)

    assert {(g.product_id, g.location_id, g.quantity) for g in done.put_back} == {
        (w.tea.id, station.id, 2), (w.soap.id, tote, 1)}
    assert rs.on_hand(session, station.id) == 2 and rs.on_hand(session, tote) == 1
    assert verify(session) == []


def test_cancel_of_a_packed_order_puts_back_from_outbound(session, w):
    placed = rs.order(session, w, (w.tea, 2), (w.milk, 1))
    rs.pick(session, w, rs.wave(session, w, placed))
    rs.pack(session, w, placed)
    rs.complete_packing(session, w, placed)
    outbound = standard_location(session, w.wh.id, LocationKind.SHIPPING).id

    done = cancel(session, w, placed)

    assert {(g.product_id, g.location_id, g.quantity) for g in done.put_back} == {
        (w.tea.id, outbound, 2), (w.milk.id, outbound, 1)}
    for task in returns.open_tasks(session, w.wh.id):
        with write_transaction(session):
            returns.put_back(session, task, task.remaining, session.get(Location, w.shelves["C-01-01-1"].id),
                             suggested=None, user_id=w.picker.id, key=f"pb-{task.id}")
    assert rs.on_hand(session, outbound) == 0
    assert available(session, w.wh.id, w.tea.id) == 10 and available(session, w.wh.id, w.milk.id) == 6
    assert verify(session) == []


def test_a_shipped_order_is_not_cancelled_it_becomes_a_return(session, w):
    placed = rs.shipped_order(session, w, (w.tea, 1))
    postings = session.scalar(select(func.count()).select_from(Posting))
    with pytest.raises(OrderShipped) as refused:
        cancel(session, w, placed)
    assert "返品" in refused.value.message() or "return" in refused.value.message()
    assert rs.fresh(session, Order, placed.id).status is OrderStatus.SHIPPED
    assert session.scalar(select(func.count()).select_from(Posting)) == postings
    assert verify(session) == []


def test_cancelling_twice_cancels_once(session, w):
    placed = rs.order(session, w, (w.tea, 2))
    rs.pick(session, w, rs.wave(session, w, placed))
    first = cancel(session, w, placed, reason="一度目")
    again = cancel(session, w, placed, reason="二度目")
    assert not first.already and again.already and again.put_back == ()
    order = rs.fresh(session, Order, placed.id)
    assert order.cancel_reason == "一度目"
    assert len(rs.tasks_of(session, placed)) == 1
    assert verify(session) == []


def test_a_cancel_needs_a_reason_and_changes_nothing_without_one(session, w):
    placed = rs.order(session, w, (w.tea, 2))
    with pytest.raises(CancelReasonMissing):
        cancel(session, w, placed, reason="   ")
    assert rs.fresh(session, Order, placed.id).status is OrderStatus.ALLOCATED
    assert rs.open_reservations(session, placed) == 2


def test_cancelling_one_order_of_a_wave_leaves_the_other_to_pick(session, w):
    first = rs.order(session, w, (w.tea, 2))
    second = rs.order(session, w, (w.tea, 1), (w.soap, 1))
    pick_list = rs.wave(session, w, first, second)
    rs.bind_totes(session, w, pick_list)

    cancel(session, w, first)

    session.rollback()
    session.expire_all()
    assert session.get(PickList, pick_list.id).status is PickListStatus.PICKING
    assert [slot.order_id for slot in picking.order_slots(session, pick_list.id)] == [second.id]
    rs.pick(session, w, pick_list)
    session.rollback()
    session.expire_all()
    assert session.get(PickList, pick_list.id).status is PickListStatus.DONE
    assert session.get(Order, second.id).status is OrderStatus.PICKED
    assert session.get(Order, first.id).status is OrderStatus.CANCELLED
    assert session.scalar(select(func.sum(PickLine.picked_qty)).where(PickLine.order_id == first.id)) == 0
    assert available(session, w.wh.id, w.tea.id) == 9
    assert verify(session) == []


def test_a_cancel_that_closes_the_last_open_lines_settles_the_other_orders_of_the_list(session, w):
    first = rs.order(session, w, (w.soap, 1))  # B-01-01-1: walked last
    second = rs.order(session, w, (w.tea, 1))  # A-01-01-1: walked first
    pick_list = rs.wave(session, w, first, second)
    rs.pick(session, w, pick_list, lines=1)  # the tea of the second order

    cancel(session, w, first)

    session.rollback()
    session.expire_all()
    assert session.get(PickList, pick_list.id).status is PickListStatus.DONE
    assert session.get(Order, second.id).status is OrderStatus.PICKED
    assert session.get(Order, first.id).status is OrderStatus.CANCELLED
    assert verify(session) == []


def test_an_order_picked_whole_then_cancelled_while_its_list_goes_on_stays_cancelled(session, w):
    first = rs.order(session, w, (w.tea, 1))  # A-01-01-1: walked first
    second = rs.order(session, w, (w.soap, 1))  # B-01-01-1: walked later
    pick_list = rs.wave(session, w, first, second)
    rs.pick(session, w, pick_list, lines=1)  # the first order is all in its tote; the list goes on
    tote = rs.tote_of(session, first)

    done = cancel(session, w, first)

    assert [(g.location_id, g.quantity) for g in done.put_back] == [(tote, 1)]
    rs.pick(session, w, pick_list)
    session.rollback()
    session.expire_all()
    view = picking.load_list(session, pick_list.id, w.wh.id)
    assert view.finished and [slot.order_id for slot in view.orders] == [second.id]  # its tote is not for packing
    assert session.get(Order, first.id).status is OrderStatus.CANCELLED
    assert session.get(Order, second.id).status is OrderStatus.PICKED
    assert rs.on_hand(session, tote) == 1 and rs.tasks_of(session, first)[0].quantity == 1
    assert verify(session) == []
