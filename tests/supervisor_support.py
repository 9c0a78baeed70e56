"""A small warehouse with shelves to count, and blind counts made through the count rules, for the
supervisor's tests (integration, web and browser)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.auth.models import Role
from app.database import write_transaction
from app.stock import counting, ledger
from app.stock.models import CountTask, LocationKind, MoveReason, Product
from app.stock.warehouses import standard_location
from tests import factories as f

TEA_JAN = "4901234567894"
SOAP_JAN = "4909876543214"


@dataclass
class World:
    wh: object
    shelf: object
    other_shelf: object
    tea: object
    soap: object
    counter: object
    recounter: object
    supervisor: object
    customer_id: int


def world(session, *, code: str = "TKY", tea_units: int = 10, soap_units: int = 4) -> World:
    """Shelf A-01-01-1 holds TEA (¥120) and SOAP (¥300); A-01-02-1 holds SOAP. Two counters, a supervisor."""
    wh = f.warehouse(session, code=code, name="東京DC")
    shelf = f.location(session, wh, code="A-01-01-1", pick_sequence=1)
    other = f.location(session, wh, code="A-01-02-1", pick_sequence=2)
    tea = f.product(session, sku="TEA-500", name="緑茶 500ml", barcode=TEA_JAN)
    soap = f.product(session, sku="SOAP-1", name="石けん", barcode=SOAP_JAN)
    with write_transaction(session):
        session.get(Product, tea.id).cost_price = 120
        session.get(Product, soap.id).cost_price = 300
    f.receive(session, tea, shelf, tea_units)
    f.receive(session, soap, shelf, soap_units)
    f.receive(session, soap, other, 6)
    counter = f.user(session, Role.PICKER, login="counter1", warehouses=[wh], all_warehouses=False)
    recounter = f.user(session, Role.RECEIVER, login="counter2", warehouses=[wh], all_warehouses=False)
    supervisor = f.user(session, Role.SUPERVISOR, login="boss1", warehouses=[wh], all_warehouses=False)
    customer = standard_location(session, wh.id, LocationKind.CUSTOMER)
    return World(wh, shelf, other, tea, soap, counter, recounter, supervisor, customer.id)


def make_task(session, w: World, location=None, **kwargs) -> int:
    location = location or w.shelf
    with write_transaction(session):
        counting.create_tasks(session, w.wh.id, [location.id], cause=kwargs.pop("cause", "manual"), user_id=None,
                              **kwargs)
    return session.scalar(select(CountTask.id).where(CountTask.open_location_id == location.id))


def count(session, task_id: int, user, units: dict, *, empty: bool = False):
    """One blind count of the task by `user`: {product: units} scanned one by one, then submitted."""
    with write_transaction(session):
        c = counting.current_count(session, session.get(CountTask, task_id), user.id)
    for product, n in units.items():
        for _ in range(n):
            with write_transaction(session):
                counting.add_units(session, c, product.id, None, 1)
    with write_transaction(session):
        if empty:
            counting.mark_empty(session, c)
        return counting.submit(session, session.get(CountTask, task_id), c)


def to_review(session, w: World, tea_found: int = 8, soap_found: int | None = None) -> int:
    """A task of A-01-01-1 counted twice with TEA short (tolerance 0): it waits for a review."""
    task_id = make_task(session, w)
    units = {w.tea: tea_found, w.soap: 4 if soap_found is None else soap_found}
    count(session, task_id, w.counter, units)
    count(session, task_id, w.recounter, units)
    return task_id


def pick_one(session, w: World, product, key: str, location=None) -> None:
    with write_transaction(session):
        ledger.post(session, [ledger.Move(product.id, 1, (location or w.shelf).id, w.customer_id, MoveReason.PICK)],
                    key=key)




def short_picked(session, w: World, product, quantity: int, external_id: str):
    """An order of `quantity` of `product` from A-01-01-1 whose picker finds the shelf short at once:
    a picking discrepancy, a count task of the shelf (cause short_pick) holding the missing units."""
    from app.orders import service as orders
    from app.orders.waves import build_wave
    from app.picking import service as picking

    order = orders.create_order(session, w.wh.id, orders.DraftOrder(
        "rakuten", external_id, "山田 花子", [orders.DraftLine(product.id, quantity)]), user_id=None)
    orders.allocate_order(session, order.id, user_id=None)
    pick_list = build_wave(session, w.wh.id, [order.id], assigned_to_id=w.counter.id, user_id=None)
    with write_transaction(session):
        view = picking.load_list(session, pick_list.id, w.wh.id)
        picking.claim(session, view, w.counter.id)
        picking.bind_tote(session, view, f"ZT-{pick_list.id % 10000:04d}")
    with write_transaction(session):
        view = picking.load_list(session, pick_list.id, w.wh.id)
        return picking.short_pick(session, view, view.current, user_id=w.counter.id, key=f"short-{external_id}")


def picked(session, w: World, product, quantity: int, external_id: str):
    """An order of `quantity` of `product` picked whole (its pick line done)."""
    from app.orders import service as orders
    from app.orders.waves import build_wave
    from app.picking import service as picking

    order = orders.create_order(session, w.wh.id, orders.DraftOrder(
        "rakuten", external_id, "山田 花子", [orders.DraftLine(product.id, quantity)]), user_id=None)
    orders.allocate_order(session, order.id, user_id=None)
    pick_list = build_wave(session, w.wh.id, [order.id], assigned_to_id=w.counter.id, user_id=None)
    with write_transaction(session):
        view = picking.load_list(session, pick_list.id, w.wh.id)
        picking.claim(session, view, w.counter.id)
        picking.bind_tote(session, view, f"ZT-{pick_list.id % 10000:04d}")
    with write_transaction(session):
        view = picking.load_list(session, pick_list.id, w.wh.id)
        picking.pick(session, view, view.current, view.current.remaining, user_id=w.counter.id,
                     key=f"pick-{external_id}")
    return order


__all__ = ["TEA_JAN", "SOAP_JAN", "World", "world", "make_task", "count", "to_review", "pick_one", "short_picked",
           "picked"]
