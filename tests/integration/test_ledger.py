"""The ledger core on SQLite and PostgreSQL: what it writes, what it refuses."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from app.database import write_transaction
from app.stock import errors, ledger
from app.stock.availability import availability, available
from app.stock.ledger import LotSpec, Move, Release, Reserve
from app.stock.models import (
    KitComponent,
    LocationKind,
    Lot,
    MoveReason,
    Posting,
    Quant,
    Reservation,
    ReservationStatus,
    StockEvent,
    StockMove,
    Tracking,
)
from app.stock.verify import verify
from app.stock.warehouses import standard_location
from tests import factories as f

TODAY = date(2026, 11, 24)


@pytest.fixture
def wh(session):
    return f.warehouse(session)


@pytest.fixture
def shelf(session, wh):
    return f.location(session, wh)


@pytest.fixture
def shelf2(session, wh):
    return f.location(session, wh)


@pytest.fixture
def customer(session, wh):
    return standard_location(session, wh.id, LocationKind.CUSTOMER)


@pytest.fixture
def supplier(session, wh):
    return standard_location(session, wh.id, LocationKind.SUPPLIER)


def post(session, ops, key=None, **kw):
    with write_transaction(session):
        return ledger.post(session, ops, key=key or f.unique("k-", 16), today=TODAY, **kw)


def quant(session, prod, loc, lot_id=None):
    return session.execute(
        select(Quant).where(Quant.product_id == prod.id, Quant.location_id == loc.id, Quant.lot_key == (lot_id or 0))
    ).scalar_one_or_none()


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_receiving_creates_the_quant_and_appends_one_move(session, shelf):
    prod = f.product(session)
    result = f.receive(session, prod, shelf, 5)
    q = quant(session, prod, shelf)
    assert (q.on_hand, q.reserved) == (5, 0)
    move = session.get(StockMove, result.move_ids[0])
    assert (move.quantity, move.reason, move.to_location_id) == (5, MoveReason.RECEIPT, shelf.id)
    assert verify(session) == []


def test_stock_without_lot_stays_one_quant_per_product_and_location(session, shelf):
    prod = f.product(session)
    f.receive(session, prod, shelf, 2)
    f.receive(session, prod, shelf, 3)
    quants = session.scalars(select(Quant).where(Quant.product_id == prod.id)).all()
    assert [(q.on_hand, q.lot_id, q.lot_key) for q in quants] == [(5, None, 0)]


def test_taking_more_than_is_there_is_refused_and_writes_nothing(session, shelf, customer):
    prod = f.product(session)
    f.receive(session, prod, shelf, 3)
    moves_before = count(session, StockMove)
    with pytest.raises(errors.NotEnoughStock) as refused:
        post(session, [Move(prod.id, 4, shelf.id, customer.id, MoveReason.PICK)])
    assert (refused.value.requested, refused.value.available, refused.value.location) == (4, 3, shelf.code)
    assert "3" in refused.value.message()
    assert quant(session, prod, shelf).on_hand == 3
    assert count(session, StockMove) == moves_before
    assert count(session, Posting) == moves_before


def test_moving_a_product_from_a_shelf_that_never_held_it_is_refused(session, shelf, shelf2):
    prod = f.product(session)
    with pytest.raises(errors.LotNotAtLocation):
        post(session, [Move(prod.id, 1, shelf.id, shelf2.id, MoveReason.TRANSFER)])
    assert quant(session, prod, shelf2) is None


def test_moving_a_lot_the_shelf_does_not_hold_is_refused(session, shelf, shelf2):
    prod = f.product(session, tracking=Tracking.LOT)
    f.receive(session, prod, shelf, 5, lot=LotSpec("A1"))
    f.receive(session, prod, shelf2, 5, lot=LotSpec("B2"))
    lot_b = session.scalar(select(Lot.id).where(Lot.number == "B2"))
    with pytest.raises(errors.LotNotAtLocation) as refused:
        post(session, [Move(prod.id, 1, shelf.id, shelf2.id, MoveReason.TRANSFER, lot=lot_b)])
    assert refused.value.lot == "B2"


def test_a_lot_of_another_product_is_refused(session, shelf, shelf2):
    milk = f.product(session, tracking=Tracking.LOT)
    tea = f.product(session, tracking=Tracking.LOT)
    result = f.receive(session, milk, shelf, 5, lot=LotSpec("M1"))
    with pytest.raises(errors.LotOfOtherProduct):
        post(session, [Move(tea.id, 1, shelf.id, shelf2.id, MoveReason.TRANSFER, lot=result.lot_ids[0])])


def test_a_move_between_two_virtual_locations_is_refused(session, wh, supplier, customer):
    prod = f.product(session)
    with pytest.raises(errors.VirtualToVirtual):
        post(session, [Move(prod.id, 1, supplier.id, customer.id, MoveReason.TRANSFER)])


def test_a_move_between_warehouses_is_refused(session, shelf):
    other = f.location(session, f.warehouse(session))
    prod = f.product(session)
    f.receive(session, prod, shelf, 2)
    with pytest.raises(errors.CrossWarehouse):
        post(session, [Move(prod.id, 1, shelf.id, other.id, MoveReason.TRANSFER)])


def test_an_inactive_location_takes_no_stock(session, wh):
    closed = f.location(session, wh, active=False)
    with pytest.raises(errors.LocationInactive):
        f.receive(session, f.product(session), closed, 1)


@pytest.mark.parametrize("qty", [0, -1, 1.5, True, "2"])
def test_quantity_must_be_a_positive_whole_number(session, shelf, supplier, qty):
    prod = f.product(session)
    with pytest.raises(errors.InvalidQuantity):
        post(session, [Move(prod.id, qty, supplier.id, shelf.id, MoveReason.RECEIPT)])


def test_lot_tracked_stock_needs_a_lot_and_untracked_stock_takes_none(session, shelf):
    tracked = f.product(session, tracking=Tracking.LOT)
    plain = f.product(session)
    with pytest.raises(errors.LotRequired):
        f.receive(session, tracked, shelf, 1)
    with pytest.raises(errors.LotNotTracked):
        f.receive(session, plain, shelf, 1, lot=LotSpec("X"))


def test_expiry_tracked_lot_needs_an_expiry(session, shelf):
    prod = f.product(session, tracking=Tracking.LOT_EXPIRY)
    with pytest.raises(errors.ExpiryRequired):
        f.receive(session, prod, shelf, 1, lot=LotSpec("NOEXP"))
    assert session.scalar(select(func.count()).select_from(Lot)) == 0


def test_a_known_lot_with_another_expiry_is_refused_not_overwritten(session, shelf):
    prod = f.product(session, tracking=Tracking.LOT_EXPIRY)
    f.receive(session, prod, shelf, 1, lot=LotSpec("L7", date(2027, 3, 31)))
    with pytest.raises(errors.LotExpiryMismatch) as refused:
        f.receive(session, prod, shelf, 1, lot=LotSpec("L7", date(2027, 4, 30)))
    assert refused.value.known == date(2027, 3, 31)
    assert session.scalar(select(Lot.expiry).where(Lot.number == "L7")) == date(2027, 3, 31)


def test_a_scan_without_expiry_never_blanks_a_known_expiry(session, shelf):
    prod = f.product(session, tracking=Tracking.LOT_EXPIRY)
    f.receive(session, prod, shelf, 1, lot=LotSpec("L8", date(2027, 5, 31)))
    f.receive(session, prod, shelf, 2, lot=LotSpec("L8"))
    assert session.scalar(select(Lot.expiry).where(Lot.number == "L8")) == date(2027, 5, 31)
    lot_id = session.scalar(select(Lot.id).where(Lot.number == "L8"))
    assert quant(session, prod, shelf, lot_id).on_hand == 3


def test_a_lot_first_seen_without_expiry_gets_it_from_a_later_label(session, shelf):
    prod = f.product(session, tracking=Tracking.LOT)
    f.receive(session, prod, shelf, 1, lot=LotSpec("L9"))
    f.receive(session, prod, shelf, 1, lot=LotSpec("L9", date(2028, 1, 31)))
    assert session.scalar(select(Lot.expiry).where(Lot.number == "L9")) == date(2028, 1, 31)


def test_a_kit_has_no_stock_of_its_own(session, shelf):
    kit = f.product(session, is_kit=True)
    with pytest.raises(errors.KitHasNoStock):
        f.receive(session, kit, shelf, 1)


def test_post_outside_a_write_transaction_is_a_programming_error(session, shelf, supplier):
    prod = f.product(session)
    with pytest.raises(RuntimeError):
        ledger.post(session, [Move(prod.id, 1, supplier.id, shelf.id, MoveReason.RECEIPT)], key="x")


def test_replaying_a_key_returns_the_first_result_and_writes_nothing(session, shelf, supplier):
    prod = f.product(session)
    op = Move(prod.id, 4, supplier.id, shelf.id, MoveReason.RECEIPT)
    first = post(session, [op], key="scan-123")
    again = post(session, [op], key="scan-123")
    assert again.replayed and not first.replayed
    assert (again.posting_id, again.move_ids) == (first.posting_id, first.move_ids)
    assert quant(session, prod, shelf).on_hand == 4
    assert count(session, StockMove) == 1


def test_reusing_a_key_for_a_different_change_is_refused(session, shelf, supplier):
    prod = f.product(session)
    post(session, [Move(prod.id, 4, supplier.id, shelf.id, MoveReason.RECEIPT)], key="scan-9")
    with pytest.raises(errors.IdempotencyConflict):
        post(session, [Move(prod.id, 5, supplier.id, shelf.id, MoveReason.RECEIPT)], key="scan-9")
    assert quant(session, prod, shelf).on_hand == 4


def test_several_moves_post_atomically_or_not_at_all(session, shelf, shelf2, customer):
    a, b = f.product(session), f.product(session)
    f.receive(session, a, shelf, 5)
    f.receive(session, b, shelf, 1)
    with pytest.raises(errors.NotEnoughStock):
        post(session, [
            Move(a.id, 2, shelf.id, shelf2.id, MoveReason.TRANSFER),
            Move(b.id, 2, shelf.id, customer.id, MoveReason.PICK),
        ])
    assert quant(session, a, shelf).on_hand == 5
    assert quant(session, a, shelf2) is None


def test_reserving_holds_stock_and_lowers_availability(session, wh, shelf):
    prod = f.product(session)
    f.receive(session, prod, shelf, 10)
    result = post(session, [Reserve(prod.id, shelf.id, 4, "order-line:1")])
    q = quant(session, prod, shelf)
    assert (q.on_hand, q.reserved) == (10, 4)
    res = session.get(Reservation, result.reservation_ids[0])
    assert (res.quantity, res.status, res.document_line, res.quant_id) == (4, ReservationStatus.OPEN, "order-line:1", q.id)
    assert availability(session, wh.id, [prod.id], today=TODAY) == {prod.id: 6}


def test_reserving_more_than_is_free_is_refused(session, shelf):
    prod = f.product(session)
    f.receive(session, prod, shelf, 10)
    post(session, [Reserve(prod.id, shelf.id, 8, "order-line:1")])
    with pytest.raises(errors.NotEnoughStock) as refused:
        post(session, [Reserve(prod.id, shelf.id, 3, "order-line:2")])
    assert refused.value.available == 2
    assert quant(session, prod, shelf).reserved == 8


def test_taking_reserved_stock_without_its_reservation_is_refused(session, shelf, customer):
    prod = f.product(session)
    f.receive(session, prod, shelf, 5)
    post(session, [Reserve(prod.id, shelf.id, 5, "order-line:1")])
    with pytest.raises(errors.NotEnoughStock):
        post(session, [Move(prod.id, 1, shelf.id, customer.id, MoveReason.PICK)])


def test_picking_against_a_reservation_consumes_it(session, wh, shelf):
    packing = f.location(session, wh, code="PACK-01", kind=LocationKind.PACKING)
    prod = f.product(session)
    f.receive(session, prod, shelf, 5)
    rid = post(session, [Reserve(prod.id, shelf.id, 3, "order-line:1")]).reservation_ids[0]
    post(session, [Move(prod.id, 2, shelf.id, packing.id, MoveReason.PICK, reservation_id=rid)])
    q = quant(session, prod, shelf)
    assert (q.on_hand, q.reserved) == (3, 1)
    assert session.get(Reservation, rid).quantity == 1
    post(session, [Move(prod.id, 1, shelf.id, packing.id, MoveReason.PICK, reservation_id=rid)])
    res = session.get(Reservation, rid)
    assert (res.quantity, res.status, res.closed_at is not None) == (0, ReservationStatus.CLOSED, True)
    assert verify(session) == []


def test_pick_and_release_of_the_rest_post_in_one_call(session, wh, shelf):
    packing = f.location(session, wh, code="PACK-02", kind=LocationKind.PACKING)
    prod = f.product(session)
    f.receive(session, prod, shelf, 5)
    rid = post(session, [Reserve(prod.id, shelf.id, 4, "order-line:7")]).reservation_ids[0]
    post(session, [
        Move(prod.id, 3, shelf.id, packing.id, MoveReason.PICK, reservation_id=rid),
        Release(rid),
    ])
    q = quant(session, prod, shelf)
    assert (q.on_hand, q.reserved) == (2, 0)
    assert session.get(Reservation, rid).status == ReservationStatus.CLOSED
    assert verify(session) == []


def test_a_reservation_can_be_consumed_only_from_its_own_quant(session, shelf, shelf2, customer):
    prod = f.product(session)
    f.receive(session, prod, shelf, 5)
    f.receive(session, prod, shelf2, 5)
    rid = post(session, [Reserve(prod.id, shelf.id, 2, "order-line:1")]).reservation_ids[0]
    with pytest.raises(errors.ReservationElsewhere):
        post(session, [Move(prod.id, 1, shelf2.id, customer.id, MoveReason.PICK, reservation_id=rid)])


def test_releasing_twice_is_refused(session, shelf):
    prod = f.product(session)
    f.receive(session, prod, shelf, 5)
    rid = post(session, [Reserve(prod.id, shelf.id, 2, "order-line:1")]).reservation_ids[0]
    post(session, [Release(rid)])
    with pytest.raises(errors.ReservationNotOpen):
        post(session, [Release(rid)])
    assert quant(session, prod, shelf).reserved == 0


def test_partial_release_keeps_the_rest_held(session, shelf):
    prod = f.product(session)
    f.receive(session, prod, shelf, 5)
    rid = post(session, [Reserve(prod.id, shelf.id, 4, "order-line:1")]).reservation_ids[0]
    post(session, [Release(rid, 1)])
    assert quant(session, prod, shelf).reserved == 3
    with pytest.raises(errors.ReservationTooSmall):
        post(session, [Release(rid, 4)])


def test_availability_leaves_out_the_dock_quarantine_expired_and_short_dated_lots(session, wh, shelf):
    prod = f.product(session, tracking=Tracking.LOT_EXPIRY, min_shelf_life_days=30)
    dock = standard_location(session, wh.id, LocationKind.DOCK)
    quarantine = standard_location(session, wh.id, LocationKind.QUARANTINE)
    f.receive(session, prod, shelf, 10, lot=LotSpec("FAR", TODAY + timedelta(days=200)))
    f.receive(session, prod, shelf, 7, lot=LotSpec("EXPIRED", TODAY - timedelta(days=1)))
    f.receive(session, prod, shelf, 5, lot=LotSpec("SHORT", TODAY + timedelta(days=29)))
    f.receive(session, prod, shelf, 3, lot=LotSpec("EDGE", TODAY + timedelta(days=30)))
    f.receive(session, prod, dock, 20, lot=LotSpec("DOCKED", TODAY + timedelta(days=300)))
    f.receive(session, prod, quarantine, 9, lot=LotSpec("HELD", TODAY + timedelta(days=300)))
    assert availability(session, wh.id, [prod.id], today=TODAY) == {prod.id: 13}
    assert availability(session, wh.id, today=TODAY)[prod.id] == 13


def test_a_kit_is_as_available_as_its_scarcest_component(session, wh, shelf):
    cup, lid = f.product(session), f.product(session)
    kit = f.product(session, is_kit=True)
    with write_transaction(session):
        session.add_all([KitComponent(kit_id=kit.id, component_id=cup.id, quantity=2),
                         KitComponent(kit_id=kit.id, component_id=lid.id, quantity=1)])
    f.receive(session, cup, shelf, 9)
    f.receive(session, lid, shelf, 10)
    assert availability(session, wh.id, [kit.id], today=TODAY) == {kit.id: 4}


def test_a_component_that_moves_appends_an_event_for_every_kit_made_of_it(session, wh, shelf, customer):
    cup, lid, spoon = f.product(session), f.product(session), f.product(session)
    kit, other_kit = f.product(session, is_kit=True), f.product(session, is_kit=True)
    with write_transaction(session):
        session.add_all([KitComponent(kit_id=kit.id, component_id=cup.id, quantity=2),
                         KitComponent(kit_id=kit.id, component_id=lid.id, quantity=1),
                         KitComponent(kit_id=other_kit.id, component_id=spoon.id, quantity=1)])
    f.receive(session, lid, shelf, 10)
    f.receive(session, cup, shelf, 9)
    post(session, [Move(cup.id, 3, shelf.id, customer.id, MoveReason.SHIP)])
    events = session.execute(
        select(StockEvent.product_id, StockEvent.available, StockEvent.cause).order_by(StockEvent.id)
    ).all()
    assert [tuple(e) for e in events] == [
        (lid.id, 10, "receipt"), (kit.id, 0, "receipt"),  # no cups yet: no kit to sell
        (cup.id, 9, "receipt"), (kit.id, 4, "receipt"),
        (cup.id, 6, "ship"), (kit.id, 3, "ship"),
    ]
    assert availability(session, wh.id, [kit.id], today=TODAY) == {kit.id: 3}
    assert (available(session, wh.id, kit.id, TODAY), available(session, wh.id, cup.id, TODAY)) == (3, 6)


def test_every_change_of_availability_appends_an_event_with_the_new_figure(session, wh, shelf, customer):
    prod = f.product(session)
    dock = standard_location(session, wh.id, LocationKind.DOCK)
    f.receive(session, prod, dock, 6)
    assert count(session, StockEvent) == 0
    post(session, [Move(prod.id, 6, dock.id, shelf.id, MoveReason.PUTAWAY)])
    rid = post(session, [Reserve(prod.id, shelf.id, 2, "order-line:1")]).reservation_ids[0]
    post(session, [Move(prod.id, 2, shelf.id, customer.id, MoveReason.SHIP, reservation_id=rid)])
    events = session.execute(
        select(StockEvent.available, StockEvent.cause).where(StockEvent.product_id == prod.id).order_by(StockEvent.id)
    ).all()
    # shipping reserved stock lowers on-hand and reserved alike: availability stays 4, no event
    assert [tuple(e) for e in events] == [(6, "putaway"), (4, "reserve")]


def test_verify_names_each_broken_product_location_and_lot(session, shelf):
    prod = f.product(session, tracking=Tracking.LOT)
    f.receive(session, prod, shelf, 5, lot=LotSpec("BROKEN-1"))
    assert verify(session) == []
    with write_transaction(session):
        session.execute(update(Quant).where(Quant.product_id == prod.id).values(on_hand=7))
    problems = verify(session)
    assert len(problems) == 1
    assert (problems[0].product, problems[0].location, problems[0].lot) == (prod.sku, shelf.code, "BROKEN-1")
    assert "on-hand 7 but moves net 5" in problems[0].problem


def test_verify_finds_reserved_that_no_reservation_explains(session, shelf):
    prod = f.product(session)
    f.receive(session, prod, shelf, 5)
    with write_transaction(session):
        session.execute(update(Quant).where(Quant.product_id == prod.id).values(reserved=2))
    assert ["reserved 2 but open reservations hold 0"] == [v.problem for v in verify(session)]


def test_a_posting_through_a_place_that_never_held_the_product_nets_to_nothing_there(session, wh, shelf, customer):
    """In and out of quarantine in one posting (a damaged return written off): no quant there to name."""
    prod = f.product(session)
    quarantine = standard_location(session, wh.id, LocationKind.QUARANTINE)
    scrap = standard_location(session, wh.id, LocationKind.SCRAP)
    post(session, [Move(prod.id, 1, customer.id, quarantine.id, MoveReason.RETURN),
                   Move(prod.id, 1, quarantine.id, scrap.id, MoveReason.SCRAP)])
    assert verify(session) == []
