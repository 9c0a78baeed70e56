"""A property of allocation, on SQLite and PostgreSQL: random lots (expired, expiring today, near,
far, undated), random stock on shelves and on places that never sell (dock, quarantine, an
inactive shelf, an unsellable shelf), random orders on channels with and without a share-of-life
rule, products with and without minimum remaining days, some lines overridden by a supervisor.

Orders are allocated one after another. For each order the free stock of every quant is read just
before its allocation; within the order, lines are served in line order, so the free stock a line
saw is that snapshot minus what the order's earlier lines took (the reservations of one call are
numbered in the order they were planned). Against that, each line must:

* hold only stock on active, sellable storage shelves of the warehouse;
* hold no expired lot, and no lot inside the stricter of the product's minimum days and the
  channel's share rule, unless overridden (then only not expired);
* be FEFO (then FIFO for undated lots): it holds a lot only if every allowed lot that comes
  earlier in that order (earlier expiry; or, both undated, received earlier) was wholly taken
  by the line itself, i.e. nothing earlier was left free for it;
* get as much as it could: min(ordered, allowed free stock it saw), and its figure says so.

After the orders the ledger invariant holds (`verify()`: quant reserved within on-hand and equal
to its open reservations), so nothing is ever over-reserved.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from app.auth.models import Role
from app.database import write_transaction
from app.orders import service
from app.orders.models import OrderLine, document_line
from app.stock import ledger
from app.stock.models import Location, LocationKind, Lot, MoveReason, Quant, Reservation, ReservationStatus, Tracking
from app.stock.verify import verify
from app.stock.warehouses import standard_location
from tests import factories as f
from tests.order_support import TODAY, allocate, at, channel, days, order, product

SHELVES = 3  # places 0..2: sellable storage shelves
DOCK, QUARANTINE, INACTIVE, UNSELLABLE, PACKING = 3, 4, 5, 6, 7  # never allocated (packing marked sellable)
PLACES = 8
CHANNEL_RULES = (None, (1, 3), (1, 2))


@dataclass(frozen=True)
class ProductPlan:
    tracking: Tracking
    min_days: int
    life: int | None
    lots: tuple[int | None, ...]  # expiry offsets from today per lot (None: undated); () for no lots
    received: tuple[int, ...]  # hour of each lot's first receipt (distinct)


@dataclass(frozen=True)
class LinePlan:
    product: int
    quantity: int
    override: bool


@dataclass(frozen=True)
class OrderPlan:
    channel: int
    lines: tuple[LinePlan, ...]


@dataclass(frozen=True)
class World:
    products: tuple[ProductPlan, ...]
    stock: tuple[tuple[int, int | None, int, int], ...]  # product, lot index, place, quantity
    shelf_sequences: tuple[int, ...]
    orders: tuple[OrderPlan, ...]


# past, today, near (often inside a rule), far (beyond every rule): far is what most stock is
expiry_offsets = st.one_of(st.integers(-30, -1), st.just(0), st.integers(1, 30), st.integers(31, 400),
                           st.integers(250, 400))


@st.composite
def product_plans(draw) -> ProductPlan:
    tracking = draw(st.sampled_from([Tracking.NONE, Tracking.LOT, Tracking.LOT_EXPIRY, Tracking.LOT_EXPIRY]))
    if tracking is Tracking.NONE:
        lots: tuple = ()
    elif tracking is Tracking.LOT:
        lots = tuple(draw(st.lists(st.one_of(st.none(), st.none(), expiry_offsets), min_size=2, max_size=4)))
    else:
        lots = tuple(draw(st.lists(expiry_offsets, min_size=2, max_size=4)))
    received = tuple(draw(st.lists(st.integers(0, 1000), min_size=len(lots), max_size=len(lots), unique=True)))
    return ProductPlan(tracking, draw(st.sampled_from([0, 0, 5, 20, 45])),
                       draw(st.sampled_from([None, 30, 90, 120, 365])), lots, received)


@st.composite
def worlds(draw) -> World:
    products = tuple(draw(st.lists(product_plans(), min_size=1, max_size=2)))
    stock_rows = []
    for _ in range(draw(st.integers(2, 10))):
        p = draw(st.integers(0, len(products) - 1))
        lot = draw(st.integers(0, len(products[p].lots) - 1)) if products[p].lots else None
        place = draw(st.one_of(st.integers(0, SHELVES - 1), st.integers(0, SHELVES - 1), st.integers(0, PLACES - 1)))
        stock_rows.append((p, lot, place, draw(st.integers(1, 8))))
    sequences = tuple(draw(st.lists(st.integers(1, 500), min_size=SHELVES, max_size=SHELVES, unique=True)))
    line = st.builds(LinePlan, st.integers(0, len(products) - 1), st.integers(1, 4),
                     st.sampled_from([False, False, False, True]))
    orders = tuple(draw(st.lists(
        st.builds(OrderPlan, st.integers(0, len(CHANNEL_RULES) - 1),
                  st.lists(line, min_size=1, max_size=3).map(tuple)),
        min_size=1, max_size=5)))
    return World(products, tuple(stock_rows), sequences, orders)


@dataclass(frozen=True)
class QuantFacts:
    id: int
    product_id: int
    location_id: int
    lot_id: int | None
    free: int
    expiry: object
    received: object


def quants_now(session, product_ids) -> dict[int, QuantFacts]:
    session.rollback()
    rows = session.execute(
        select(Quant.id, Quant.product_id, Quant.location_id, Quant.lot_id, Quant.on_hand - Quant.reserved,
               Lot.expiry, Lot.first_received_at)
        .outerjoin(Lot, Lot.id == Quant.lot_id).where(Quant.product_id.in_(product_ids))
    )
    return {r[0]: QuantFacts(*r) for r in rows}


def lot_expiry(plan: ProductPlan, lot: int):
    offset = plan.lots[lot]
    return None if offset is None else days(offset)


def required_days(plan: ProductPlan, rule, override: bool) -> int:
    if override:
        return 0
    share = 0
    if rule and plan.life:
        num, den = rule
        share = math.ceil(plan.life * (den - num) / den)
    return max(plan.min_days, share)


def taking_order(q: QuantFacts, walk: dict[int, int]):
    """Allocation order: dated lots by expiry (FEFO), then undated lots by first receipt (FIFO),
    stock without lots last; ties by the shelf's pick sequence."""
    if q.expiry is not None:
        return (0, q.expiry.toordinal(), 0.0, walk[q.location_id])
    if q.lot_id is not None:
        return (1, 0, q.received.timestamp(), walk[q.location_id])
    return (2, 0, 0.0, walk[q.location_id])


@pytest.fixture
def boss(session):
    """One supervisor for every example (a password hash per example would cost more than the rest)."""
    return f.user(session, Role.SUPERVISOR)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_allocation_never_over_reserves_and_keeps_every_rule(session, boss, world: World):
    session.rollback()
    wh = f.warehouse(session)
    places = [f.location(session, wh, pick_sequence=seq) for seq in world.shelf_sequences]
    places += [standard_location(session, wh.id, LocationKind.DOCK),
               standard_location(session, wh.id, LocationKind.QUARANTINE),
               f.location(session, wh, pick_sequence=1), f.location(session, wh, pick_sequence=2, sellable=False),
               f.location(session, wh, code=f.unique("PK-", 6), kind=LocationKind.PACKING, sellable=True,
                          pick_sequence=0)]
    sellable = {p.id for p in places[:SHELVES]}
    walk = {p.id: p.pick_sequence for p in places}
    products = [product(session, plan.tracking, min_days=plan.min_days, life=plan.life) for plan in world.products]
    plan_of = {p.id: plan for p, plan in zip(products, world.products, strict=True)}
    channels = [channel(session, rule) for rule in CHANNEL_RULES]
    rule_of = {ch.code: rule for ch, rule in zip(channels, CHANNEL_RULES, strict=True)}

    with write_transaction(session):  # all of it in one posting (fast); the lots' receipt times set after
        supplier = standard_location(session, wh.id, LocationKind.SUPPLIER)
        ledger.post(session, [
            ledger.Move(products[p].id, qty, supplier.id, places[place].id, MoveReason.RECEIPT,
                        lot=None if lot is None else ledger.LotSpec(f"L{lot}", lot_expiry(world.products[p], lot)))
            for p, lot, place, qty in world.stock
        ], key=f.unique("rcv-", 16))
        for prod, plan in zip(products, world.products, strict=True):
            for n, hour in enumerate(plan.received):
                session.execute(update(Lot).where(Lot.product_id == prod.id, Lot.number == f"L{n}")
                                .values(first_received_at=at(0) + timedelta(hours=hour)))
        session.get(Location, places[INACTIVE].id).active = False

    orders = []
    for plan in world.orders:
        o = order(session, wh, *[(products[ln.product], ln.quantity) for ln in plan.lines],
                  channel=channels[plan.channel].code)
        lines = session.scalars(select(OrderLine).where(OrderLine.order_id == o.id).order_by(OrderLine.line_no)).all()
        for line, ln in zip(lines, plan.lines, strict=True):
            if ln.override:
                service.override_shelf_life(session, line.id, user_id=boss.id, reason="テスト")
        orders.append((o, channels[plan.channel].code))

    product_ids = [p.id for p in products]
    for o, channel_code in orders:
        before = quants_now(session, product_ids)
        allocate(session, o, user_id=boss.id)
        session.rollback()
        lines = session.scalars(select(OrderLine).where(OrderLine.order_id == o.id).order_by(OrderLine.line_no)
                                .execution_options(populate_existing=True)).all()
        taken_by_earlier: dict[int, int] = {}
        for line in lines:
            plan = plan_of[line.product_id]
            overridden = line.shelf_life_override_at is not None
            need = required_days(plan, rule_of[channel_code], overridden)
            held = session.execute(
                select(Reservation.quant_id, Reservation.quantity)
                .where(Reservation.document_line == document_line(line.id),
                       Reservation.status == ReservationStatus.OPEN).order_by(Reservation.id)
            ).all()
            took: dict[int, int] = {}
            for quant_id, qty in held:
                took[quant_id] = took.get(quant_id, 0) + qty

            def allowed(q: QuantFacts) -> bool:
                return (q.product_id == line.product_id and q.location_id in sellable
                        and (q.expiry is None or q.expiry >= days(need)))

            seen = {qid: q.free - taken_by_earlier.get(qid, 0) for qid, q in before.items()}
            for quant_id, qty in took.items():
                q = before[quant_id]
                assert q.product_id == line.product_id
                assert q.location_id in sellable, "only active, sellable storage shelves"
                assert q.expiry is None or q.expiry >= TODAY, "never an expired lot"
                assert allowed(q), f"lot expiring {q.expiry} inside {need} days ({plan}, override={overridden})"
                assert qty <= seen[quant_id], "never more than was free"
                for other in before.values():
                    if allowed(other) and taking_order(other, walk) < taking_order(q, walk):
                        assert took.get(other.id, 0) == seen[other.id], (
                            f"took {taking_order(q, walk)} while {seen[other.id] - took.get(other.id, 0)} of "
                            f"{taking_order(other, walk)} were free")
            could = sum(seen[qid] for qid, q in before.items() if allowed(q))
            assert sum(took.values()) == min(line.quantity, could) == line.allocated_qty
            assert line.backordered == line.quantity - line.allocated_qty
            for quant_id, qty in took.items():
                taken_by_earlier[quant_id] = taken_by_earlier.get(quant_id, 0) + qty
    assert verify(session) == []
