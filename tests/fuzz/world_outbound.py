"""The outbound half of the warehouse the fuzz suite attacks: orders in every state the floor and the
office screens work on, built through the services (as tests.packing_support and
tests.returns_support do), and what a refusal must leave as it was.

On the inbound world of tests.hostile (its warehouse, people, tea and lot-tracked milk), two
storage shelves hold tea and two lots of milk, and there are:
- `fresh`: an order not allocated yet (its milk line may get a shelf-life override);
- `cancellable`, `ready`: allocated, on no pick list (cancel; a wave from ticked orders);
- `walking`: allocated, on a pick list with its tote bound, nothing picked (the list starts at the
  tea shelf); `walking_milk`: a list whose line is a lot of milk (the lot step); `unbound`: a list
  whose order has no tote yet (the tote step);
- `picked`: tea and milk from two lots in one tote, waiting for packing;
- `unslipped`: packed, no slip yet; `packed`: packed with its slip, waiting to ship;
- `shipped`: shipped (tea and a lot of milk), to come back as a return;
- a put-back task (a picked order cancelled, its tote to empty);
- an open count task on the milk shelf, for anyone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from app.barcodes.tracking import mod7_check_digit
from app.database import write_transaction
from app.orders import service as orders
from app.orders.cancel import cancel_order
from app.orders.models import Order, OrderLine, SalesChannel
from app.orders.picklists import PickLine, PickList, PickListOrder
from app.orders.shipments import PackedUnit, PutBackTask, ReturnLine
from app.orders.waves import build_wave
from app.picking import service as picking
from app.shipping import service as shipping
from app.stock import counting
from app.stock.ledger import LotSpec
from app.stock.models import Count, CountLine, CountTask, Lot, Product, Quant, Reservation, StockEvent
from app.timeutil import local_today
from tests import factories as f
from tests import hostile as h
from tests.packing_support import packed_order, picked_order


def slip(n: int) -> str:
    body = f"{70000000000 + n:011d}"
    return body + mod7_check_digit(body)


SLIP_PACKED, SLIP_SHIPPED, SLIP_FREE = slip(1), slip(2), slip(3)
TEA_SHELF, MILK_SHELF = "B-01-01-1", "B-01-02-1"


@dataclass
class Outbound:
    fresh: int
    fresh_milk_line: int
    cancellable: int
    ready: int
    walking_list: int
    walking_line: int
    walking_at: int
    milk_list: int
    milk_line: int
    milk_at: int
    unbound_list: int
    picked: int
    picked_tea_part: str
    picked_milk_part: str
    unslipped: int
    packed: int
    shipped: int
    shipped_code: str
    task: int
    count_task: int
    m1: int
    m2: int

    def names(self) -> dict[str, object]:
        return dict(self.__dict__)


def build(session, world: h.Warehouse) -> Outbound:
    wh = world.wh
    tea, milk = session.get(Product, world.tea_id), session.get(Product, world.milk_id)
    tea_shelf = f.location(session, wh, code=TEA_SHELF, pick_sequence=10)
    milk_shelf = f.location(session, wh, code=MILK_SHELF, pick_sequence=20)
    f.receive(session, tea, tea_shelf, 60)
    today = local_today()
    m1 = f.receive(session, milk, milk_shelf, 2, lot=LotSpec("M1", today + timedelta(days=60))).lot_ids[0]
    m2 = f.receive(session, milk, milk_shelf, 10, lot=LotSpec("M2", today + timedelta(days=120))).lot_ids[0]

    # First allocated, so its milk comes from both lots (M1 first, by expiry): two lots in its tote.
    picked = picked_order(session, wh, [(tea, 3, 150), (milk, 3, 200)], external_id="FZ-PICKED", tote="ZT-0102")
    unslipped = packed_order(session, wh, [(tea, 1, 150)], external_id="FZ-UNSLIPPED", tote="ZT-0103")
    packed = packed_order(session, wh, [(tea, 1, 150)], external_id="FZ-PACKED", tote="ZT-0104", slip=SLIP_PACKED)
    shipped = packed_order(session, wh, [(tea, 2, 150), (milk, 1, 200)], external_id="FZ-SHIPPED", tote="ZT-0105",
                           slip=SLIP_SHIPPED)
    shipping.ship(session, shipped.id, wh.id, user_id=None)
    given_up = picked_order(session, wh, [(tea, 1, 150)], external_id="FZ-GIVEN-UP", tote="ZT-0106")
    cancel_order(session, given_up.id, user_id=None, reason="客都合")

    walking = _order(session, wh, "FZ-WALKING", (tea, 2), (milk, 1))
    walking_list = _listed(session, wh, walking, tote="ZT-0107")
    milk_only = _order(session, wh, "FZ-MILK", (milk, 1))
    milk_list = _listed(session, wh, milk_only, tote="ZT-0108")
    unbound_list = _listed(session, wh, _order(session, wh, "FZ-UNBOUND", (tea, 1)), tote=None)
    cancellable = _order(session, wh, "FZ-CANCEL", (tea, 1))
    ready = _order(session, wh, "FZ-READY", (tea, 1))
    fresh = _order(session, wh, "FZ-FRESH", (tea, 1), (milk, 1), allocate=False)

    with write_transaction(session):
        counting.create_tasks(session, wh.id, [milk_shelf.id], cause="manual", user_id=None)
    walk = picking.load_list(session, walking_list, wh.id).current
    milk_walk = picking.load_list(session, milk_list, wh.id).current
    lines = dict(session.execute(select(OrderLine.product_id, OrderLine.id).where(OrderLine.order_id == picked.id)).all())
    session.rollback()
    return Outbound(
        fresh=fresh.id,
        fresh_milk_line=session.scalar(select(OrderLine.id).where(OrderLine.order_id == fresh.id,
                                                                  OrderLine.product_id == milk.id)),
        cancellable=cancellable.id, ready=ready.id,
        walking_list=walking_list, walking_line=walk.id, walking_at=walk.location_id,
        milk_list=milk_list, milk_line=milk_walk.id, milk_at=milk_walk.location_id, unbound_list=unbound_list,
        picked=picked.id, picked_tea_part=f"{lines[tea.id]}:{tea.id}", picked_milk_part=f"{lines[milk.id]}:{milk.id}",
        unslipped=unslipped.id, packed=packed.id, shipped=shipped.id, shipped_code=shipped.code,
        task=session.scalar(select(PutBackTask.id).where(PutBackTask.order_id == given_up.id)),
        count_task=session.scalar(select(CountTask.id).where(CountTask.location_id == milk_shelf.id)),
        m1=m1, m2=m2,
    )


def _order(session, wh, external_id: str, *lines, allocate: bool = True) -> Order:
    made = orders.create_order(session, wh.id, orders.DraftOrder(
        "rakuten", external_id, "山田 花子", [orders.DraftLine(p.id, q, 150) for p, q in lines]), user_id=None)
    if allocate:
        orders.allocate_order(session, made.id, user_id=None)
    return made


def _listed(session, wh, order: Order, tote: str | None) -> int:
    """The order on a pick list of its own (anyone's to take), its tote bound when one is given."""
    pick_list = build_wave(session, wh.id, [order.id], assigned_to_id=None, user_id=None)
    if tote is not None:
        with write_transaction(session):
            picking.bind_tote(session, picking.load_list(session, pick_list.id, wh.id), tote)
    return pick_list.id


# --- what a refusal must leave as it was ----------------------------------------------------------

COUNTED = h.WATCHED + (SalesChannel, Order, OrderLine, PickList, PickListOrder, PickLine, PackedUnit, ReturnLine,
                       PutBackTask, Reservation, StockEvent, CountTask, Count, CountLine)
# Rows whose figures and states a refusal must not change either (not only how many there are).
FIGURES = {
    Order: (Order.status, Order.version, Order.carrier, Order.tracking_number, Order.cancel_reason),
    OrderLine: (OrderLine.allocated_qty, OrderLine.picked_qty, OrderLine.packed_qty, OrderLine.returned_qty,
                OrderLine.shelf_life_override_reason),
    PickList: (PickList.status, PickList.assigned_to_id, PickList.version),
    PickListOrder: (PickListOrder.order_id, PickListOrder.tote_id),
    PickLine: (PickLine.picked_qty, PickLine.status, PickLine.lot_id, PickLine.location_id),
    Quant: (Quant.location_id, Quant.lot_id, Quant.on_hand, Quant.reserved),
    Reservation: (Reservation.quantity, Reservation.status),
    PutBackTask: (PutBackTask.put_qty, PutBackTask.status),
    CountTask: (CountTask.status, CountTask.assigned_to_id, CountTask.version),
    CountLine: (CountLine.counted_qty,),
    Lot: (Lot.number, Lot.expiry),
}


def state(session) -> dict[str, object]:
    """How many rows each watched table holds (one statement), and the figures of the rows that
    carry stock and order states."""
    session.rollback()
    counted = select(*[select(func.count()).select_from(model).scalar_subquery().label(model.__tablename__)
                       for model in COUNTED])
    found: dict[str, object] = dict(session.execute(counted).one()._mapping)
    for model, columns in FIGURES.items():
        key = model.__mapper__.primary_key
        found[f"{model.__tablename__}:rows"] = session.execute(select(*key, *columns).order_by(*key)).all()
    session.rollback()
    return found


def changed(before: dict, after: dict, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The watched tables that differ (leaving out those the request may write on a refusal)."""
    return sorted(name for name in before if before[name] != after.get(name) and name.split(":")[0] not in allowed)


__all__ = ["Outbound", "build", "state", "changed", "slip", "SLIP_PACKED", "SLIP_SHIPPED", "SLIP_FREE", "TEA_SHELF",
           "MILK_SHELF"]
