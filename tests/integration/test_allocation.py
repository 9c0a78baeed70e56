"""Allocation (引当) on SQLite and PostgreSQL: FEFO / FIFO / the walk, expiry and the shelf-life
rules (product days, the channel's share of life, the stricter one, a supervisor's override),
only sellable shelves, kits by whole kits, partial allocation and backorders served by
priority and ship-by, and the ledger invariant after every path."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.database import write_transaction
from app.orders import service
from app.orders.errors import OrderNotOpen
from app.orders.models import OrderLine, OrderStatus
from app.stock import allocation
from app.stock.allocation import Demand, ShelfLifeRule
from app.stock.models import Location, LocationKind, Posting, Reservation, Tracking
from app.stock.verify import verify
from app.stock.warehouses import standard_location
from tests import factories as f
from tests.order_support import (
    TODAY, allocate, at, channel, days, fresh_lines, fresh_order, held, held_at, kit, order, product,
    quant_state, shelf, stock,
)


@pytest.fixture
def wh(session):
    return f.warehouse(session)


@pytest.fixture
def boss(session):
    return f.user(session, Role.SUPERVISOR)


def allocate_direct(session, wh, *demands, key="direct-1", **kw):
    with write_transaction(session):
        return allocation.allocate(session, wh.id, list(demands), key=key, today=TODAY, **kw)


# --- order of taking: FEFO, FIFO, the walk ------------------------------------------------


def test_fefo_takes_the_earliest_expiry_first_wherever_it_lies(session, wh):
    milk = product(session, Tracking.LOT_EXPIRY)
    near, far = shelf(session, wh, 10), shelf(session, wh, 90)
    stock(session, milk, near, 4, "LATE", days(200))
    stock(session, milk, far, 3, "EARLY", days(100))
    o = order(session, wh, (milk, 5))
    done = allocate(session, o)
    line = fresh_lines(session, o.id)[0]
    assert held_at(session, line.id) == [(far.id, 3), (near.id, 2)]
    assert (done.allocated, done.backordered) == (5, 0)
    assert verify(session) == []


def test_lots_without_expiry_go_first_received_first(session, wh):
    screws = product(session, Tracking.LOT)
    near, far = shelf(session, wh, 10), shelf(session, wh, 90)
    stock(session, screws, near, 4, "NEWER", received=at(12))
    stock(session, screws, far, 4, "OLDER", received=at(8))
    o = order(session, wh, (screws, 6))
    allocate(session, o)
    assert held_at(session, fresh_lines(session, o.id)[0].id) == [(far.id, 4), (near.id, 2)]


def test_lots_with_an_expiry_come_before_lots_without_one(session, wh):
    tea = product(session, Tracking.LOT)
    a, b = shelf(session, wh, 10), shelf(session, wh, 20)
    stock(session, tea, a, 2, "NO-DATE", received=at(1))
    stock(session, tea, b, 2, "DATED", days(300), received=at(9))
    o = order(session, wh, (tea, 3))
    allocate(session, o)
    assert held_at(session, fresh_lines(session, o.id)[0].id) == [(b.id, 2), (a.id, 1)]


def test_stock_without_lots_goes_by_the_walk(session, wh):
    tea = product(session)
    s30, s10, s20 = shelf(session, wh, 30), shelf(session, wh, 10), shelf(session, wh, 20)
    for s in (s30, s10, s20):
        stock(session, tea, s, 2)
    o = order(session, wh, (tea, 5))
    allocate(session, o)
    assert held_at(session, fresh_lines(session, o.id)[0].id) == [(s10.id, 2), (s20.id, 2), (s30.id, 1)]


def test_one_lot_on_several_shelves_goes_by_the_walk(session, wh):
    milk = product(session, Tracking.LOT_EXPIRY)
    s50, s5 = shelf(session, wh, 50), shelf(session, wh, 5)
    stock(session, milk, s50, 3, "L1", days(100))
    stock(session, milk, s5, 3, "L1", days(100))
    o = order(session, wh, (milk, 4))
    allocate(session, o)
    assert held_at(session, fresh_lines(session, o.id)[0].id) == [(s5.id, 3), (s50.id, 1)]


def test_lots_of_the_same_expiry_are_a_tie_broken_by_the_walk(session, wh):
    """FEFO decides by expiry; between lots of the same expiry the shorter walk wins (not the receipt)."""
    milk = product(session, Tracking.LOT_EXPIRY)
    s10, s80 = shelf(session, wh, 10), shelf(session, wh, 80)
    stock(session, milk, s80, 3, "RECEIVED-FIRST", days(100), received=at(1))
    stock(session, milk, s10, 3, "RECEIVED-LATER", days(100), received=at(20))
    o = order(session, wh, (milk, 4))
    allocate(session, o)
    assert held_at(session, fresh_lines(session, o.id)[0].id) == [(s10.id, 3), (s80.id, 1)]


# --- expiry and shelf life ----------------------------------------------------------------


def test_an_expired_lot_is_never_allocated_a_lot_expiring_today_is(session, wh):
    milk = product(session, Tracking.LOT_EXPIRY)
    s1, s2 = shelf(session, wh, 1), shelf(session, wh, 2)
    stock(session, milk, s1, 5, "GONE", days(-1))
    stock(session, milk, s2, 2, "TODAY", days(0))
    o = order(session, wh, (milk, 4))
    done = allocate(session, o)
    line = fresh_lines(session, o.id)[0]
    assert held_at(session, line.id) == [(s2.id, 2)]
    assert (line.allocated_qty, line.backordered, done.backordered) == (2, 2, 2)
    assert verify(session) == []


def test_the_products_minimum_remaining_days(session, wh):
    milk = product(session, Tracking.LOT_EXPIRY, min_days=30)
    short, ok = shelf(session, wh, 1), shelf(session, wh, 2)
    stock(session, milk, short, 5, "D29", days(29))
    stock(session, milk, ok, 2, "D30", days(30))
    o = order(session, wh, (milk, 3))
    allocate(session, o)
    assert held_at(session, fresh_lines(session, o.id)[0].id) == [(ok.id, 2)]


def test_the_one_third_rule_asks_two_thirds_of_the_life_to_remain(session, wh):
    snack = product(session, Tracking.LOT_EXPIRY, life=90)  # 60 days must remain on a 1/3 channel
    store = channel(session, (1, 3))
    s1, s2 = shelf(session, wh, 1), shelf(session, wh, 2)
    stock(session, snack, s1, 5, "D59", days(59))
    stock(session, snack, s2, 5, "D60", days(60))
    strict = order(session, wh, (snack, 3), channel=store.code)
    lax = order(session, wh, (snack, 3))  # 楽天 as set up: no share rule
    allocate(session, strict)
    allocate(session, lax)
    assert held_at(session, fresh_lines(session, strict.id)[0].id) == [(s2.id, 3)]
    assert held_at(session, fresh_lines(session, lax.id)[0].id) == [(s1.id, 3)]
    assert verify(session) == []


def test_the_share_rule_rounds_the_days_up(session, wh):
    snack = product(session, Tracking.LOT_EXPIRY, life=100)  # 2/3 of 100 = 66.7 → 67 days
    store = channel(session, (1, 3))
    s1, s2 = shelf(session, wh, 1), shelf(session, wh, 2)
    stock(session, snack, s1, 5, "D66", days(66))
    stock(session, snack, s2, 5, "D67", days(67))
    o = order(session, wh, (snack, 2), channel=store.code)
    allocate(session, o)
    assert held_at(session, fresh_lines(session, o.id)[0].id) == [(s2.id, 2)]
    assert allocation.channel_min_days((1, 3), 100) == 67
    assert allocation.channel_min_days((1, 2), 30) == 15
    assert allocation.channel_min_days(None, 100) == allocation.channel_min_days((1, 3), None) == 0


@pytest.mark.parametrize(("min_days", "life", "must_remain"), [(70, 90, 70), (20, 90, 60)])
def test_the_stricter_of_product_days_and_channel_share_applies(session, wh, min_days, life, must_remain):
    snack = product(session, Tracking.LOT_EXPIRY, min_days=min_days, life=life)
    store = channel(session, (1, 3))
    below, enough = shelf(session, wh, 1), shelf(session, wh, 2)
    stock(session, snack, below, 5, "BELOW", days(must_remain - 1))
    stock(session, snack, enough, 1, "ENOUGH", days(must_remain))
    o = order(session, wh, (snack, 2), channel=store.code)
    allocate(session, o)
    line = fresh_lines(session, o.id)[0]
    assert held_at(session, line.id) == [(enough.id, 1)]
    assert line.backordered == 1
    assert ShelfLifeRule((1, 3)).min_remaining_days(min_days, life) == must_remain


def test_a_supervisors_override_lets_one_line_ship_short_dated_never_expired(session, wh, boss):
    snack = product(session, Tracking.LOT_EXPIRY, min_days=30, life=90)
    store = channel(session, (1, 3))
    s1, s2, s3 = shelf(session, wh, 1), shelf(session, wh, 2), shelf(session, wh, 3)
    stock(session, snack, s1, 3, "EXPIRED", days(-2))
    stock(session, snack, s2, 3, "SHORT", days(10))
    stock(session, snack, s3, 1, "LONG", days(80))
    o = order(session, wh, (snack, 2), (snack, 4), channel=store.code)
    first, second = fresh_lines(session, o.id)
    allocate(session, o)
    assert held_at(session, first.id) == [(s3.id, 1)]
    assert held(session, second.id) == []

    line = service.override_shelf_life(session, second.id, user_id=boss.id, reason="  店長了承済み  ")
    assert (line.shelf_life_override_by_id, line.shelf_life_override_reason) == (boss.id, "店長了承済み")
    assert line.shelf_life_override_at is not None
    allocate(session, o)
    first, second = fresh_lines(session, o.id)
    assert held_at(session, first.id) == [(s3.id, 1)], "the override is for one line only"
    assert held_at(session, second.id) == [(s2.id, 3)], "short-dated yes, expired never"
    assert (first.backordered, second.backordered) == (1, 1)
    assert service.shelf_life_rule(o, second) == ShelfLifeRule((1, 3), override=True)
    assert verify(session) == []


def test_an_override_cannot_be_given_on_a_closed_order(session, wh, boss):
    tea = product(session)
    o = order(session, wh, (tea, 1))
    with write_transaction(session):
        fresh_order(session, o.id).status = OrderStatus.CANCELLED
    line = fresh_lines(session, o.id)[0]
    with pytest.raises(OrderNotOpen):
        service.override_shelf_life(session, line.id, user_id=boss.id, reason="x")
    assert fresh_lines(session, o.id)[0].shelf_life_override_at is None


# --- where stock may come from ------------------------------------------------------------


def test_dock_quarantine_inactive_unsellable_and_other_warehouses_stock_is_never_allocated(session, wh):
    tea = product(session)
    dock = standard_location(session, wh.id, LocationKind.DOCK)
    quarantine = standard_location(session, wh.id, LocationKind.QUARANTINE)
    closed = shelf(session, wh, 1)
    unsellable = shelf(session, wh, 2, sellable=False)
    elsewhere = shelf(session, f.warehouse(session), 3)
    packing = f.location(session, wh, code=f.unique("PK-", 4), kind=LocationKind.PACKING, sellable=True)
    good = shelf(session, wh, 99)
    for place in (dock, quarantine, closed, unsellable, elsewhere, packing):
        stock(session, tea, place, 10)
    stock(session, tea, good, 2)
    with write_transaction(session):
        session.get(Location, closed.id).active = False
    o = order(session, wh, (tea, 5))
    allocate(session, o)
    line = fresh_lines(session, o.id)[0]
    assert held_at(session, line.id) == [(good.id, 2)]
    assert (line.allocated_qty, line.backordered) == (2, 3)
    assert verify(session) == []


def test_a_shelf_excluded_by_the_caller_is_skipped(session, wh):
    tea = product(session)
    found_short, other = shelf(session, wh, 1), shelf(session, wh, 2)
    stock(session, tea, found_short, 5)
    stock(session, tea, other, 5)
    [got] = allocate_direct(session, wh, Demand("doc:1", tea.id, 3), exclude_locations=frozenset({found_short.id}))
    assert [(r.location_id, r.quantity) for r in got.reservations] == [(other.id, 3)]


# --- kits ------------------------------------------------------------------------------------


def test_a_kit_reserves_its_components_in_whole_kits(session, wh):
    cup, lid = product(session), product(session)
    gift = kit(session, {cup: 2, lid: 1})
    s1, s2 = shelf(session, wh, 1), shelf(session, wh, 2)
    stock(session, cup, s1, 5)  # 2 kits and a half
    stock(session, lid, s2, 4)
    o = order(session, wh, (gift, 3))
    done = allocate(session, o)
    line = fresh_lines(session, o.id)[0]
    assert sorted((p, q) for p, _loc, _lot, q in held(session, line.id)) == sorted([(cup.id, 4), (lid.id, 2)])
    assert (line.allocated_qty, line.backordered, done.allocated, done.backordered) == (2, 1, 2, 1)
    assert fresh_order(session, o.id).status is OrderStatus.ALLOCATED

    stock(session, cup, s1, 1)  # now the third kit is whole
    again = allocate(session, o)
    line = fresh_lines(session, o.id)[0]
    assert sorted((p, q) for p, _loc, _lot, q in held(session, line.id)) == sorted(
        [(cup.id, 4), (lid.id, 2), (cup.id, 2), (lid.id, 1)])
    assert (line.allocated_qty, line.backordered, again.allocated) == (3, 0, 1)
    assert verify(session) == []


def test_a_kit_with_a_missing_component_reserves_nothing(session, wh):
    cup, lid = product(session), product(session)
    gift = kit(session, {cup: 1, lid: 1})
    stock(session, cup, shelf(session, wh, 1), 5)
    o = order(session, wh, (gift, 2))
    done = allocate(session, o)
    line = fresh_lines(session, o.id)[0]
    assert held(session, line.id) == []
    assert (line.allocated_qty, line.backordered, done.allocated) == (0, 2, 0)
    assert fresh_order(session, o.id).status is OrderStatus.NEW
    assert list(quant_state(session, cup).values()) == [(5, 0)]


def test_a_kits_expiry_tracked_component_follows_the_shelf_life_rules(session, wh):
    cup, jam = product(session), product(session, Tracking.LOT_EXPIRY, min_days=30)
    gift = kit(session, {cup: 1, jam: 1})
    stock(session, cup, shelf(session, wh, 1), 5)
    short = shelf(session, wh, 2)
    stock(session, jam, short, 5, "SHORT", days(10))
    good = shelf(session, wh, 3)
    stock(session, jam, good, 1, "GOOD", days(60))
    o = order(session, wh, (gift, 3))
    allocate(session, o)
    line = fresh_lines(session, o.id)[0]
    assert (line.allocated_qty, line.backordered) == (1, 2)
    assert [(p, loc) for p, loc, _lot, _q in held(session, line.id) if p == jam.id] == [(jam.id, good.id)]


# --- partial allocation, backorders ---------------------------------------------------------


def test_partial_allocation_leaves_the_rest_backordered_and_visible(session, wh):
    tea, cake = product(session), product(session)
    s = shelf(session, wh, 1)
    stock(session, tea, s, 3)
    o = order(session, wh, (tea, 5), (cake, 2))
    done = allocate(session, o)
    tea_line, cake_line = fresh_lines(session, o.id)
    assert (tea_line.allocated_qty, tea_line.picked_qty, tea_line.backordered) == (3, 0, 2)
    assert (cake_line.allocated_qty, cake_line.backordered) == (0, 2)
    assert (done.allocated, done.backordered) == (3, 4)
    assert [a.short for a in done.lines] == [2, 2]
    again = fresh_order(session, o.id)
    assert (again.status, again.ordered, again.backordered) == (OrderStatus.ALLOCATED, 7, 4)
    assert verify(session) == []


def test_an_order_with_nothing_in_stock_stays_new_and_wholly_backordered(session, wh):
    tea = product(session)
    o = order(session, wh, (tea, 2))
    done = allocate(session, o)
    assert (done.allocated, done.backordered) == (0, 2)
    assert fresh_order(session, o.id).status is OrderStatus.NEW
    assert session.scalar(select(func.count()).select_from(Posting)) == 0


def test_allocating_again_allocates_nothing_more(session, wh):
    tea = product(session)
    stock(session, tea, shelf(session, wh, 1), 10)
    o = order(session, wh, (tea, 4))
    allocate(session, o)
    reservations = session.scalar(select(func.count()).select_from(Reservation))
    postings = session.scalar(select(func.count()).select_from(Posting))
    again = allocate(session, o)
    assert (again.allocated, again.backordered) == (0, 0)
    assert session.scalar(select(func.count()).select_from(Reservation)) == reservations
    assert session.scalar(select(func.count()).select_from(Posting)) == postings
    assert [(on, res) for on, res in quant_state(session, tea).values()] == [(10, 4)]
    assert fresh_lines(session, o.id)[0].allocated_qty == 4


def test_allocating_again_tops_up_only_what_is_missing(session, wh):
    tea = product(session)
    s1, s2 = shelf(session, wh, 1), shelf(session, wh, 2)
    stock(session, tea, s1, 2)
    o = order(session, wh, (tea, 5))
    allocate(session, o)
    stock(session, tea, s2, 10)
    again = allocate(session, o)
    line = fresh_lines(session, o.id)[0]
    assert held_at(session, line.id) == [(s1.id, 2), (s2.id, 3)]
    assert (again.allocated, again.backordered, line.allocated_qty) == (3, 0, 5)
    assert verify(session) == []


def test_a_demand_counts_what_its_line_already_holds(session, wh):
    tea = product(session)
    stock(session, tea, shelf(session, wh, 1), 10)
    [got] = allocate_direct(session, wh, Demand("doc:9", tea.id, 5, have={tea.id: 3}))
    assert (got.quantity, got.short, sum(r.quantity for r in got.reservations)) == (5, 0, 2)


def test_demands_of_one_call_are_served_in_the_order_given(session, wh):
    tea = product(session)
    stock(session, tea, shelf(session, wh, 1), 4)
    first, second = allocate_direct(session, wh, Demand("doc:a", tea.id, 3), Demand("doc:b", tea.id, 3))
    assert (first.quantity, second.quantity, second.short) == (3, 1, 2)
    assert verify(session) == []


def test_stock_arriving_later_goes_to_backorders_by_priority_then_ship_by(session, wh):
    tea = product(session)
    s = shelf(session, wh, 1)
    stock(session, tea, s, 1)
    early = order(session, wh, (tea, 2), ship_by=days(5))  # gets the one unit now, 1 backordered
    allocate(session, early)
    urgent = order(session, wh, (tea, 1), priority=5, ship_by=days(20))
    soonest = order(session, wh, (tea, 1), ship_by=days(2))
    undated = order(session, wh, (tea, 1))
    later = order(session, wh, (tea, 1), ship_by=days(9))
    for o in (urgent, soonest, undated, later):
        allocate(session, o)
        assert fresh_lines(session, o.id)[0].backordered == 1

    stock(session, tea, s, 3)  # three more arrive: for urgent, soonest, early; not later nor undated
    results = service.allocate_backorders(session, wh.id, user_id=None, today=TODAY)
    assert [r.order_id for r in results] == [urgent.id, soonest.id, early.id, later.id, undated.id]
    assert [r.allocated for r in results] == [1, 1, 1, 0, 0]
    assert {o.id: fresh_lines(session, o.id)[0].backordered for o in (early, urgent, soonest, undated, later)} == {
        early.id: 0, urgent.id: 0, soonest.id: 0, undated.id: 1, later.id: 1}
    assert service.allocate_backorders(session, wh.id, user_id=None, today=TODAY)[0].order_id == later.id
    assert verify(session) == []


def test_backorders_of_another_warehouse_or_of_closed_orders_are_left_alone(session, wh):
    tea = product(session)
    other = f.warehouse(session)
    stock(session, tea, shelf(session, wh, 1), 5)
    stock(session, tea, shelf(session, other, 1), 5)
    here, there, cancelled = order(session, wh, (tea, 1)), order(session, other, (tea, 1)), order(session, wh, (tea, 1))
    with write_transaction(session):
        fresh_order(session, cancelled.id).status = OrderStatus.CANCELLED
    results = service.allocate_backorders(session, wh.id, user_id=None, today=TODAY)
    assert [r.order_id for r in results] == [here.id]
    assert fresh_lines(session, there.id)[0].allocated_qty == 0
    assert fresh_lines(session, cancelled.id)[0].allocated_qty == 0


@pytest.mark.parametrize("status", [OrderStatus.PICKED, OrderStatus.PACKED, OrderStatus.SHIPPED,
                                    OrderStatus.CANCELLED])
def test_an_order_past_picking_is_not_allocated(session, wh, status):
    tea = product(session)
    stock(session, tea, shelf(session, wh, 1), 5)
    o = order(session, wh, (tea, 1))
    with write_transaction(session):
        fresh_order(session, o.id).status = status
    with pytest.raises(OrderNotOpen):
        allocate(session, o)
    assert session.scalar(select(func.count()).select_from(Reservation)) == 0


def test_every_path_leaves_the_ledger_whole_and_figures_equal_to_reservations(session, wh, boss):
    milk = product(session, Tracking.LOT_EXPIRY, min_days=5, life=60)
    cup = product(session)
    gift = kit(session, {cup: 2, milk: 1})
    store = channel(session, (1, 3))
    s = [shelf(session, wh, n) for n in (1, 2, 3)]
    stock(session, milk, s[0], 4, "A", days(50))
    stock(session, milk, s[1], 4, "B", days(20))
    stock(session, cup, s[2], 7)
    orders = [order(session, wh, (milk, 3), (gift, 2), channel=store.code), order(session, wh, (gift, 3), (milk, 2)),
              order(session, wh, (cup, 2))]
    for o in orders:
        allocate(session, o)
    service.override_shelf_life(session, fresh_lines(session, orders[0].id)[0].id, user_id=boss.id, reason="ok")
    stock(session, cup, s[2], 4)
    service.allocate_backorders(session, wh.id, user_id=boss.id, today=TODAY)
    assert verify(session) == []
    session.rollback()
    for line in session.scalars(select(OrderLine)):
        parts = {c.component_id: c.quantity for c in line.product.components} or {line.product_id: 1}
        per_product: dict[int, int] = {}
        for p, _loc, _lot, q in held(session, line.id):
            per_product[p] = per_product.get(p, 0) + q
        assert line.allocated_qty == min(per_product.get(p, 0) // n for p, n in parts.items())
        assert 0 <= line.allocated_qty <= line.quantity
