"""The demo's cycle counts and differences, so every supervisor screen shows something on first run.

After the outbound demo, through the same services the floor uses (the floor's differences in the main
warehouse, where its orders are; receipts and counts in every warehouse, so whichever one a supervisor
opens shows something):
- every product gets a cost price (原価) and a lead time, so variances have a value and reorder
  suggestions a lead time;
- a short pick (the picker finds a shelf empty: the order waits for stock) and a unit missing at
  packing (the order is allocated again): two discrepancies and two count tasks made by the floor;
- a receipt closed with one line short and one over (two receiving discrepancies), and a return of an
  item that was never on the shipped order (a return discrepancy);
- counts approved with a reason (lost, damaged, found) and counts that matched the records, over the
  last weeks; one count waiting for review with a variance; one waiting for a recount; open tasks
  for a range of shelves (one given to the demo picker, the rest in the queue).
The counts' own records (tasks, counts, their discrepancies) are dated back over the last weeks so
the KPI charts have a history; the ledger's moves keep the time they were posted.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.orders import service as orders
from app.orders.models import Order, OrderLine, OrderStatus
from app.orders.picklists import PickListOrder
from app.orders.waves import build_wave
from app.packing import service as packing
from app.picking import service as picking
from app.receipts.plans import PlannedLine, create_receipt
from app.receiving import service as receiving
from app.returns import service as returns
from app.stock import counting
from app.stock.models import (
    Count, CountLine, CountTask, CountTaskStatus, Discrepancy, Location, LocationKind, Product, Quant, Tracking,
)
from app.stock.warehouses import warehouse_ref
from app.timeutil import utcnow

WAREHOUSE = "TKY"
COSTS = (80, 120, 180, 250, 320, 450, 600, 850, 1200, 1800, 2400, 3600)
LEAD_TIMES = (3, 5, 7, 10, 14, 21)
# (days ago, units off per product: the first product on the shelf, reason); 0 off: the count matched
HISTORY = ((22, -2, "lost"), (17, 0, None), (15, -1, "damaged"), (9, 0, None), (8, 3, "found"), (3, -1, "lost"),
           (2, 0, None))


@dataclass(frozen=True)
class CountDemo:
    open_tasks: tuple[str, ...] = ()
    waiting_for_review: tuple[str, ...] = ()
    waiting_for_recount: tuple[str, ...] = ()
    approved: tuple[str, ...] = ()
    discrepancies: int = 0


def create_count_demo(session: Session, warehouse_ids: dict[str, int], user_ids: dict[str, int], *, seed: int,
                      today: date) -> CountDemo:
    """The floor's differences in the main warehouse; counts in every warehouse."""
    picker, receiver, office = (user_ids.get(login) for login in ("picker1", "receiver1", "supervisor1"))
    _price_products(session, random.Random(seed * 7 + 12))
    if WAREHOUSE in warehouse_ids:
        warehouse_id = warehouse_ids[WAREHOUSE]
        _short_pick(session, warehouse_id, picker, office, today)
        _missing_at_packing(session, warehouse_id, picker, office, today)
        _return_not_on_order(session, warehouse_id, office)
    made = [_counts(session, warehouse_id, picker if code == WAREHOUSE else office,
                    receiver if code == WAREHOUSE else user_ids.get("admin"), office, today)
            for code, warehouse_id in sorted(warehouse_ids.items(), key=lambda item: item[0] != WAREHOUSE)]
    open_codes = session.scalars(select(CountTask.id).where(CountTask.status == CountTaskStatus.OPEN)
                                 .order_by(CountTask.id)).all()
    return CountDemo(
        tuple(_code(task_id) for task_id in open_codes),
        tuple(_code(m[1]) for m in made if m[1]), tuple(_code(m[2]) for m in made if m[2]),
        tuple(code for m in made for code in m[0]),
        session.scalar(select(func.count()).select_from(Discrepancy)),
    )


def _counts(session: Session, warehouse_id: int, counter: int | None, recounter: int | None, office: int | None,
            today: date) -> tuple[tuple[str, ...], int | None, int | None]:
    """A receipt closed with differences, counts over the last weeks, one waiting for review, one for a
    recount, and open tasks (the first for the counter, the rest for the queue): (approved, review, recount)."""
    _receipt_with_differences(session, warehouse_id, recounter, today)
    shelves = _quiet_shelves(session, warehouse_id, len(HISTORY) + 6)
    approved = _history(session, warehouse_id, shelves[:len(HISTORY)], counter, recounter, office)
    rest = shelves[len(HISTORY):]
    review = _counted(session, warehouse_id, rest[0], [(counter, -2), (recounter, -2)]) if rest else None
    recount = _counted(session, warehouse_id, rest[1], [(counter, 1)]) if len(rest) > 1 else None
    counting.create_tasks(session, warehouse_id, rest[2:3], cause="manual", user_id=office, assigned_to_id=counter)
    counting.create_tasks(session, warehouse_id, rest[3:], cause="manual", user_id=office)
    return approved, review, recount


def _code(task_id: int) -> str:
    return f"ZC-{task_id:06d}"


def _price_products(session: Session, rng: random.Random) -> None:
    for product in session.scalars(select(Product).where(Product.is_kit.is_(False)).order_by(Product.sku)):
        cost, lead = rng.choice(COSTS), rng.choice(LEAD_TIMES)
        if product.cost_price is None:
            product.cost_price = cost
        if product.lead_time_days is None:
            product.lead_time_days = lead
    session.flush()


# --- the floor's differences ---------------------------------------------------------------------


def _short_pick(session: Session, warehouse_id: int, picker: int | None, office: int | None, today: date) -> None:
    """An order of 2 whose shelf the picker finds empty (「ここに足りない」): the order waits for stock."""
    product_id = _free_plain_product(session, warehouse_id, at_least=3)
    if product_id is None or picker is None:
        return
    pick_list = _wave_of(session, warehouse_id, product_id, "D-SHORT-1", "松本 聡", picker, office, today)
    view = picking.load_list(session, pick_list.id, warehouse_id)
    picking.short_pick(session, view, view.current, user_id=picker, key="demo-short-1", today=today)


def _missing_at_packing(session: Session, warehouse_id: int, picker: int | None, packer: int | None,
                        today: date) -> None:
    """An order of 2 picked whole, one unit packed and the other not in the tote (「足りない」)."""
    product_id = _free_plain_product(session, warehouse_id, at_least=4)
    if product_id is None or picker is None or packer is None:
        return
    pick_list = _wave_of(session, warehouse_id, product_id, "D-MISSING-1", "井上 真由美", picker, packer, today)
    order_id = next(iter(session.scalars(select(PickListOrder.order_id)
                                         .where(PickListOrder.pick_list_id == pick_list.id))))
    n = 0
    while (view := picking.load_list(session, pick_list.id, warehouse_id)).current is not None:
        n += 1
        picking.pick(session, view, view.current, view.current.remaining, user_id=picker, key=f"demo-missing-pick-{n}")
    view = packing.load(session, order_id, warehouse_id)
    packing.claim(session, view, packer)
    part = next(p for p in view.parts if p.remaining)
    station = warehouse_ref(session, warehouse_id).place(LocationKind.PACKING)
    packing.pack(session, view, part, 1, station_id=station, lot_id=None, lot_number=None, serial=None,
                 user_id=packer, key="demo-missing-pack-1")
    view = packing.load(session, order_id, warehouse_id)
    part = next(p for p in view.parts if p.remaining)
    packing.missing(session, view, part, warehouse_ref(session, warehouse_id), user_id=packer, key="demo-missing-1")


def _wave_of(session: Session, warehouse_id: int, product_id: int, external_id: str, ship_to: str, picker: int,
             office: int | None, today: date):
    """An order of 2 units of the product, allocated, on a pick list of its own with its tote bound."""
    order = orders.create_order(session, warehouse_id, orders.DraftOrder(
        "rakuten", external_id, ship_to, [orders.DraftLine(product_id, 2, 1480)], ship_by=today), user_id=office)
    orders.allocate_order(session, order.id, user_id=office, today=today)
    pick_list = build_wave(session, warehouse_id, [order.id], assigned_to_id=picker, user_id=office)
    view = picking.load_list(session, pick_list.id, warehouse_id)
    picking.claim(session, view, picker)
    picking.bind_tote(session, view, f"ZT-{950 + pick_list.id % 50:04d}")
    return pick_list


def _free_plain_product(session: Session, warehouse_id: int, *, at_least: int) -> int | None:
    """A plain product on one sellable shelf with `at_least` units and nothing reserved, on no order."""
    on_orders = select(OrderLine.product_id)
    return session.scalar(
        select(Quant.product_id).join(Location, Location.id == Quant.location_id)
        .join(Product, Product.id == Quant.product_id)
        .where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE,
               Location.sellable.is_(True), Product.tracking == Tracking.NONE, Product.is_kit.is_(False),
               Product.id.not_in(on_orders), Quant.reserved == 0, Quant.on_hand >= at_least)
        .order_by(Quant.product_id.desc()).limit(1)
    )


def _receipt_with_differences(session: Session, warehouse_id: int, receiver: int | None, today: date) -> None:
    """A delivery received two short on one line and one over on the other, then closed."""
    products = session.scalars(
        select(Product.id).where(Product.tracking == Tracking.NONE, Product.is_kit.is_(False), Product.active.is_(True))
        .order_by(Product.sku.desc()).limit(2)).all()
    if len(products) < 2:
        return
    receipt = create_receipt(session, warehouse_id, "株式会社サンプル物産", today,
                             [PlannedLine(products[0], 12), PlannedLine(products[1], 6)], receiver)
    warehouse = warehouse_ref(session, warehouse_id)
    for n, (product_id, units) in enumerate(((products[0], 10), (products[1], 7)), 1):
        receiving.receive(session, receipt.id, receiving.Goods(product_id, units), receiving.Handling(confirm_over=True),
                          receiving.item_by_id(session, product_id), warehouse=warehouse, user_id=receiver,
                          key=f"demo-receive-diff-{warehouse_id}-{n}", today=today)
    summary = receiving.summarize(session, receipt.id)
    receiving.close_receipt(session, receipt.id, user_id=receiver, seen=summary.fingerprint, warehouse_id=warehouse_id)


def _return_not_on_order(session: Session, warehouse_id: int, user_id: int | None) -> None:
    """A customer sends back an item that was never on their shipped order."""
    shipped = session.scalar(select(Order.id).where(Order.warehouse_id == warehouse_id,
                                                    Order.status == OrderStatus.SHIPPED).order_by(Order.id).limit(1))
    order = returns.load_order(session, warehouse_id, shipped) if shipped else None
    if order is None:
        return
    on_order = {item.product_id for item in order.items}
    stranger = session.scalar(select(Product.id).where(Product.id.not_in(on_order), Product.is_kit.is_(False),
                                                       Product.tracking == Tracking.NONE).order_by(Product.sku).limit(1))
    mismatch = returns.lots_to_take_back(order, stranger, None, 1)
    if isinstance(mismatch, returns.Mismatch):
        returns.record_mismatch(session, warehouse_id, order, stranger, None, None, mismatch, user_id=user_id)


# --- counts --------------------------------------------------------------------------------------


def _quiet_shelves(session: Session, warehouse_id: int, n: int) -> list[int]:
    """Shelves whose stock has no lot, nothing reserved and no task yet, spread along the walk."""
    busy = (select(Quant.location_id).where((Quant.lot_key != 0) | (Quant.reserved > 0)))
    tasked = select(CountTask.location_id)
    shelves = session.scalars(
        select(Location.id).join(Quant, Quant.location_id == Location.id)
        .where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE,
               Location.active.is_(True), Quant.on_hand > 2, Location.id.not_in(busy), Location.id.not_in(tasked))
        .group_by(Location.id, Location.pick_sequence).order_by(Location.pick_sequence)
    ).all()
    step = max(1, len(shelves) // max(n, 1))
    return list(shelves[::step][:n])


def _history(session: Session, warehouse_id: int, shelves: list[int], picker, receiver, office) -> tuple[str, ...]:
    approved = []
    for shelf, (days_ago, off, reason) in zip(shelves, HISTORY):
        task_id = _counted(session, warehouse_id, shelf, [(picker, off), (receiver, off)] if off else [(picker, 0)])
        task = session.get(CountTask, task_id)
        if reason is not None:
            counting.approve(session, task_id, user_id=office, reason_code=reason, seen_version=task.version)
            approved.append(task.code)
        _date_back(session, task, days_ago)
    return tuple(approved)


def _counted(session: Session, warehouse_id: int, shelf: int, rounds: list[tuple[int | None, int]]) -> int:
    """A task of the shelf counted once per round by its person: what the shelf holds, the first product off by
    the round's units. Returns the task's id."""
    counting.create_tasks(session, warehouse_id, [shelf], cause="schedule", user_id=None)
    task_id = session.scalar(select(CountTask.id).where(CountTask.open_location_id == shelf))
    held = session.execute(select(Quant.product_id, Quant.on_hand).where(Quant.location_id == shelf, Quant.on_hand > 0)
                           .order_by(Quant.product_id)).all()
    for user_id, off in rounds:
        task = session.get(CountTask, task_id)
        count = counting.current_count(session, task, user_id)
        for n, (product_id, on_hand) in enumerate(held):
            units = max(0, on_hand + (off if n == 0 else 0))
            if units:
                counting.add_units(session, count, product_id, None, units)
        counting.submit(session, session.get(CountTask, task_id), count)
    return task_id


def _date_back(session: Session, task: CountTask, days: int) -> None:
    """The count's records as if it was made `days` ago (never the ledger's moves)."""
    shift = timedelta(days=days)
    now = utcnow()
    session.execute(update(CountTask).where(CountTask.id == task.id).values(
        created_at=now - shift - timedelta(hours=2), closed_at=now - shift))
    session.execute(update(Count).where(Count.task_id == task.id).values(
        started_at=now - shift - timedelta(hours=1), submitted_at=now - shift - timedelta(minutes=30)))
    counts = select(Count.id).where(Count.task_id == task.id)
    session.execute(update(CountLine).where(CountLine.count_id.in_(counts), CountLine.counted_at.is_not(None))
                    .values(counted_at=now - shift - timedelta(minutes=40)))
    session.execute(update(Discrepancy).where(Discrepancy.reference == task.code).values(
        created_at=now - shift, resolved_at=now - shift))


__all__ = ["CountDemo", "create_count_demo"]
