"""Orders and waves on SQLite and PostgreSQL: an order made once per channel and external id, its
code, and pick lists built from what the orders hold (one line per reservation, in walk order),
handed to one picker each."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from app.auth.models import Role
from app.database import write_transaction
from app.extensions import db
from app.orders import service, waves
from app.orders.errors import DuplicateOrder, UnknownChannel
from app.orders.models import Order, OrderLine, OrderStatus
from app.orders.picklists import PickLine, PickList, PickListOrder, PickListStatus
from app.stock.models import Reservation, ReservationStatus, Tracking
from app.stock.verify import verify
from tests import factories as f
from tests.order_support import allocate, days, fresh_order, order, product, shelf, stock
from tests.support import build_app


@pytest.fixture
def wh(session):
    return f.warehouse(session)


def draft(external_id, *lines, channel="rakuten", **kw):
    return service.DraftOrder(channel=channel, external_id=external_id, ship_to_name="佐藤 一郎",
                              lines=[service.DraftLine(p.id, q) for p, q in lines], **kw)


def count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


# --- creating ---------------------------------------------------------------------------------


def test_an_order_is_made_with_its_lines_and_a_code_from_its_channel(session, wh):
    tea, cake = product(session), product(session)
    clerk = f.user(session, Role.SUPERVISOR)
    made = service.create_order(session, wh.id, draft(" 123456 ", (tea, 2), (cake, 1), ship_by=days(3), priority=2,
                                                      gift=True, note="のし"), user_id=clerk.id)
    o = fresh_order(session, made.id)
    assert (o.code, o.external_id, o.status, o.channel.code) == ("ZO-RKT-123456", "123456", OrderStatus.NEW, "rakuten")
    assert (o.ship_by, o.priority, o.gift, o.note, o.created_by_id) == (days(3), 2, True, "のし", clerk.id)
    assert [(ln.line_no, ln.product_id, ln.quantity, ln.allocated_qty, ln.backordered) for ln in o.lines] == [
        (1, tea.id, 2, 0, 2), (2, cake.id, 1, 0, 1)]
    assert (o.ordered, o.backordered) == (3, 3)


def test_the_same_external_id_from_the_same_channel_is_refused_and_nothing_is_written(session, wh):
    tea = product(session)
    first = service.create_order(session, wh.id, draft("A-100", (tea, 1)), user_id=None)
    orders, lines = count(session, Order), count(session, OrderLine)
    with pytest.raises(DuplicateOrder) as refused:
        service.create_order(session, wh.id, draft("  A-100 ", (tea, 5), (tea, 1)), user_id=None)
    assert (refused.value.existing_code, refused.value.channel) == (first.code, "rakuten")
    assert "ZO-RKT-A-100" in refused.value.message()
    assert (count(session, Order), count(session, OrderLine)) == (orders, lines)
    other_channel = service.create_order(session, wh.id, draft("A-100", (tea, 1), channel="amazon"), user_id=None)
    assert other_channel.code == "ZO-AMZ-A-100"
    assert service.already_imported(session, "rakuten", ["A-100", "B-1"]) == {"A-100": "ZO-RKT-A-100"}


def test_an_external_id_is_written_in_label_characters_and_a_taken_code_gets_a_suffix(session, wh):
    tea = product(session)
    a = service.create_order(session, wh.id, draft("ab_12/3", (tea, 1)), user_id=None)
    b = service.create_order(session, wh.id, draft("AB 12 3", (tea, 1)), user_id=None)
    c = service.create_order(session, wh.id, draft("ab-12-3", (tea, 1)), user_id=None)
    assert [a.code, b.code, c.code] == ["ZO-RKT-AB-12-3", "ZO-RKT-AB-12-3-2", "ZO-RKT-AB-12-3-3"]


def test_an_unknown_channel_is_refused(session, wh):
    with pytest.raises(UnknownChannel):
        service.create_order(session, wh.id, draft("X1", (product(session), 1), channel="mercari"), user_id=None)
    assert count(session, Order) == 0


def test_the_standard_channels_come_back_on_an_emptied_database(session):
    assert [c.code for c in service.channels(session)] == [c for c, _s, _n in service.STANDARD_CHANNELS]


# --- waves --------------------------------------------------------------------------------------


def pick_lines(session, pick_list_id):
    session.rollback()
    return session.scalars(select(PickLine).where(PickLine.pick_list_id == pick_list_id)
                           .order_by(PickLine.walk, PickLine.id)).all()


@pytest.fixture
def stocked(session, wh):
    """Tea on shelves walked 30, 10, 20 (3 units each) and milk on 15 (two lots)."""
    tea, milk = product(session), product(session, Tracking.LOT_EXPIRY)
    s30, s10, s20, s15 = (shelf(session, wh, n) for n in (30, 10, 20, 15))
    for s in (s30, s10, s20):
        stock(session, tea, s, 3)
    stock(session, milk, s15, 2, "M1", days(100))
    stock(session, milk, s15, 2, "M2", days(200))
    return tea, milk, {30: s30, 10: s10, 20: s20, 15: s15}


def test_a_wave_has_one_line_per_reservation_in_walk_order(session, wh, stocked):
    tea, milk, shelves = stocked
    picker, boss = f.user(session, Role.PICKER), f.user(session, Role.SUPERVISOR)
    first = order(session, wh, (tea, 7), (milk, 3))
    second = order(session, wh, (tea, 1))
    for o in (first, second):
        allocate(session, o)
    pick_list = waves.build_wave(session, wh.id, [second.id, first.id], assigned_to_id=picker.id, user_id=boss.id)
    lines = pick_lines(session, pick_list.id)
    walk = {s.id: n for n, s in shelves.items()}
    assert [walk[ln.location_id] for ln in lines] == sorted(walk[ln.location_id] for ln in lines)
    open_reservations = session.execute(select(Reservation.id, Reservation.quantity)
                                        .where(Reservation.status == ReservationStatus.OPEN)).all()
    assert sorted((ln.reservation_id, ln.quantity) for ln in lines) == sorted(open_reservations)
    assert len(lines) == 6  # tea: 3 + 3 + 1 (first), 1 (second); milk: M1 2, M2 1
    assert {(ln.order_id, ln.product_id) for ln in lines} == {
        (first.id, tea.id), (first.id, milk.id), (second.id, tea.id)}
    assert all(ln.picked_qty == 0 and ln.status.value == "open" for ln in lines)

    session.rollback()
    saved = session.get(PickList, pick_list.id)
    assert (saved.code, saved.status, saved.assigned_to_id, saved.created_by_id) == (
        f"ZK-{pick_list.id:06d}", PickListStatus.OPEN, picker.id, boss.id)
    positions = session.execute(select(PickListOrder.order_id, PickListOrder.position)
                                .where(PickListOrder.pick_list_id == pick_list.id)
                                .order_by(PickListOrder.position)).all()
    assert positions == [(second.id, 1), (first.id, 2)]
    assert {fresh_order(session, o.id).status for o in (first, second)} == {OrderStatus.PICKING}
    assert verify(session) == []


def test_a_reservation_is_on_one_list_only_and_a_top_up_makes_a_new_line(session, wh, stocked):
    tea, _milk, shelves = stocked
    o = order(session, wh, (tea, 10))
    allocate(session, o)  # 9 of 10
    waves.build_wave(session, wh.id, [o.id], assigned_to_id=None, user_id=None)
    with pytest.raises(waves.NothingToPick):
        waves.build_wave(session, wh.id, [o.id], assigned_to_id=None, user_id=None)
    stock(session, tea, shelves[15], 5)
    assert allocate(session, o).allocated == 1  # a picking order is still topped up
    second = waves.build_wave(session, wh.id, [o.id], assigned_to_id=None, user_id=None)
    assert [(ln.location_id, ln.quantity) for ln in pick_lines(session, second.id)] == [(shelves[15].id, 1)]


def test_orders_without_unlisted_stock_are_left_off_a_wave(session, wh, stocked):
    tea, _milk, _shelves = stocked
    nothing = product(session)
    backordered, fine = order(session, wh, (nothing, 1)), order(session, wh, (tea, 1))
    new = order(session, wh, (tea, 1))
    allocate(session, backordered)
    allocate(session, fine)
    with pytest.raises(waves.NothingToPick):
        waves.build_wave(session, wh.id, [backordered.id, new.id], assigned_to_id=None, user_id=None)
    pick_list = waves.build_wave(session, wh.id, [backordered.id, fine.id, new.id], assigned_to_id=None, user_id=None)
    assert {ln.order_id for ln in pick_lines(session, pick_list.id)} == {fine.id}
    assert fresh_order(session, backordered.id).status is OrderStatus.NEW
    assert fresh_order(session, new.id).status is OrderStatus.NEW
    other = f.warehouse(session)
    with pytest.raises(waves.NothingToPick):  # another warehouse's list cannot take this warehouse's orders
        waves.build_wave(session, other.id, [fine.id], assigned_to_id=None, user_id=None)


def test_a_wave_holds_at_most_twelve_orders(session, wh):
    tea = product(session)
    stock(session, tea, shelf(session, wh, 1), 20)
    orders = [order(session, wh, (tea, 1)) for _ in range(waves.MAX_ORDERS_PER_LIST + 1)]
    for o in orders:
        allocate(session, o)
    pick_list = waves.build_wave(session, wh.id, [o.id for o in orders], assigned_to_id=None, user_id=None)
    assert len(pick_lines(session, pick_list.id)) == waves.MAX_ORDERS_PER_LIST
    assert fresh_order(session, orders[-1].id).status is OrderStatus.ALLOCATED


def test_a_wave_by_due_date_and_channel_takes_the_most_urgent_first(session, wh):
    tea = product(session)
    stock(session, tea, shelf(session, wh, 1), 20)
    late = order(session, wh, (tea, 1), ship_by=days(9))
    soon = order(session, wh, (tea, 1), ship_by=days(2))
    urgent = order(session, wh, (tea, 1), ship_by=days(4), priority=3)
    undated = order(session, wh, (tea, 1))
    amazon = order(session, wh, (tea, 1), ship_by=days(1), channel="amazon")
    not_allocated = order(session, wh, (product(session), 1), ship_by=days(1))
    for o in (late, soon, urgent, undated, amazon, not_allocated):
        allocate(session, o)
    pick_list = waves.build_wave_by(session, wh.id, ship_by_until=days(5), channel="rakuten", assigned_to_id=None,
                                    user_id=None)
    session.rollback()
    positions = session.scalars(select(PickListOrder.order_id).where(PickListOrder.pick_list_id == pick_list.id)
                                .order_by(PickListOrder.position)).all()
    assert positions == [urgent.id, soon.id]
    rest = waves.build_wave_by(session, wh.id, ship_by_until=None, channel=None, assigned_to_id=None, user_id=None,
                               limit=2)
    session.rollback()
    assert session.scalars(select(PickListOrder.order_id).where(PickListOrder.pick_list_id == rest.id)
                           .order_by(PickListOrder.position)).all() == [amazon.id, late.id]
    with pytest.raises(waves.NothingToPick):
        waves.build_wave_by(session, wh.id, ship_by_until=days(5), channel="yahoo", assigned_to_id=None, user_id=None)


def test_take_next_gives_a_picker_their_own_list_then_the_oldest_free_one(session, wh):
    tea = product(session)
    stock(session, tea, shelf(session, wh, 1), 10)
    ann, ben, cho = (f.user(session, Role.PICKER) for _ in range(3))
    lists = []
    for assigned in (None, None, cho.id):
        o = order(session, wh, (tea, 1))
        allocate(session, o)
        lists.append(waves.build_wave(session, wh.id, [o.id], assigned_to_id=assigned, user_id=None).id)
    assert waves.take_next(session, wh.id, ann.id).id == lists[0]
    assert waves.take_next(session, wh.id, ann.id).id == lists[0], "the same list again, not a second one"
    assert waves.take_next(session, wh.id, cho.id).id == lists[2], "a list assigned to a picker is theirs"
    assert waves.take_next(session, wh.id, ben.id).id == lists[1]
    assert waves.take_next(session, f.warehouse(session).id, ben.id) is None
    dan = f.user(session, Role.PICKER)
    assert waves.take_next(session, wh.id, dan.id) is None
    session.rollback()
    assert [session.get(PickList, i).assigned_to_id for i in lists] == [ann.id, ben.id, cho.id]


# --- at the same time (PostgreSQL) ----------------------------------------------------------------


@pytest.fixture
def workers(app, instance_dir, session):
    worker_app = build_app(app.config["SQLALCHEMY_DATABASE_URI"], instance_dir,
                           SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 12, "max_overflow": 0, "pool_timeout": 60})
    yield worker_app
    with worker_app.app_context():
        db.engine.dispose()


def at_once(worker_app, jobs) -> list:
    """Each job(session) in its own thread and app context, all released together; results or exceptions."""
    start = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(n, job):
        with worker_app.app_context():
            try:
                db.session.execute(text("SELECT 1")).all()
                db.session.rollback()
                start.wait(timeout=60)
                results[n] = job(db.session)
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                results[n] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return results


@pytest.mark.postgres_only
def test_pickers_asking_at_once_never_get_the_same_list(session, workers, wh):
    tea = product(session)
    stock(session, tea, shelf(session, wh, 1), 10)
    pickers = [f.user(session, Role.PICKER) for _ in range(6)]
    lists = set()
    for _ in range(3):
        o = order(session, wh, (tea, 1))
        allocate(session, o)
        lists.add(waves.build_wave(session, wh.id, [o.id], assigned_to_id=None, user_id=None).id)

    wh_id = wh.id  # read here: the threads touch no object of this session

    def taking(user_id):
        def job(s):
            taken = waves.take_next(s, wh_id, user_id)
            return None if taken is None else taken.id
        return job

    results = at_once(workers, [taking(p.id) for p in pickers])
    assert not [r for r in results if isinstance(r, BaseException)], results
    got = [r for r in results if r is not None]
    assert sorted(got) == sorted(lists), "each list to exactly one picker"
    session.rollback()
    holders = {i: session.get(PickList, i).assigned_to_id for i in lists}
    assert {holders[r] for r in got} == {p.id for p, r in zip(pickers, results, strict=True) if r is not None}


@pytest.mark.postgres_only
def test_the_same_order_sent_at_once_is_made_once(session, workers, wh):
    tea = product(session)
    with write_transaction(session):
        service.ensure_channels(session)  # as after the migration: no channel row for the threads to queue on
    wh_id, sent = wh.id, draft("RACE-1", (tea, 1))  # read here: the threads touch no object of this session
    jobs = [lambda s: service.create_order(s, wh_id, sent, user_id=None).code for _ in range(6)]
    results = at_once(workers, jobs)
    assert results.count("ZO-RKT-RACE-1") == 1, results
    assert all(isinstance(r, DuplicateOrder) for r in results if r != "ZO-RKT-RACE-1"), results
    assert count(session, Order) == 1 and count(session, OrderLine) == 1
