"""The demo's goods on their way out, so packing, shipping and returns show something on first run.

In the main warehouse, after the morning's orders (app.demo.orders) took their stock:
- two orders picked into totes, waiting at packing: one with a serial-tracked gadget, one a
  gift (its delivery note shows no prices);
- one order packed with its slip, waiting for the carrier on the outbound lane;
- one order shipped yesterday, for a return to be received.
Each goes the way the floor makes it go: allocation, a pick list, picking, packing and
shipping through the same services, so the ledger holds what the screens show.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.barcodes.tracking import mod7_check_digit
from app.orders import service as orders
from app.orders.waves import build_wave
from app.packing import service as packing
from app.picking import service as picking
from app.shipping import service as shipping
from app.stock.models import Location, LocationKind, Product, Quant, Tracking
from app.stock.warehouses import warehouse_ref

WAREHOUSE = "TKY"
FIRST_TOTE = 901


@dataclass(frozen=True)
class OutboundDemo:
    waiting_for_packing: tuple[str, ...] = ()
    waiting_to_ship: tuple[str, ...] = ()
    shipped: tuple[str, ...] = ()


def create_outbound_demo(session: Session, warehouse_ids: dict[str, int], user_ids: dict[str, int], *,
                         today: date) -> OutboundDemo:
    if WAREHOUSE not in warehouse_ids:
        return OutboundDemo()
    warehouse_id = warehouse_ids[WAREHOUSE]
    picker, packer = user_ids.get("picker1"), user_ids.get("supervisor1")
    plain = _free_products(session, warehouse_id, Tracking.NONE, at_least=3, count=6)
    gadget = _free_products(session, warehouse_id, Tracking.SERIAL, at_least=1, count=1)
    if len(plain) < 6:
        return OutboundDemo()
    plan = [
        ("own", "D-SERIAL-1", "中村 愛", False, [(plain[0], 1, 1280)] + ([(gadget[0], 1, 24800)] if gadget else [])),
        ("yahoo", "D-GIFT-1", "木村 拓也", True, [(plain[1], 2, 980), (plain[2], 1, 1500)]),
        ("rakuten", "D-PACKED-1", "林 優子", False, [(plain[3], 2, 640)]),
        ("amazon", "D-SHIPPED-1", "清水 健", False, [(plain[4], 2, 1980), (plain[5], 1, 450)]),
    ]
    made = []
    for n, (channel, external, ship_to, gift, lines) in enumerate(plan):
        order = orders.create_order(session, warehouse_id, orders.DraftOrder(
            channel, external, ship_to, [orders.DraftLine(pid, qty, price) for pid, qty, price in lines],
            ship_by=today, gift=gift), user_id=packer)
        orders.allocate_order(session, order.id, user_id=packer, today=today)
        _pick(session, warehouse_id, order.id, f"ZT-{FIRST_TOTE + n:04d}", picker)
        made.append(order)
    for order, slip in ((made[2], "61234567890"), (made[3], "61234567891")):
        _pack(session, warehouse_id, order.id, packer, slip + mod7_check_digit(slip))
    shipping.ship(session, made[3].id, warehouse_id, user_id=packer)
    return OutboundDemo(tuple(o.code for o in made[:2]), (made[2].code,), (made[3].code,))


def _free_products(session: Session, warehouse_id: int, tracking: Tracking, *, at_least: int, count: int) -> list[int]:
    free = func.sum(Quant.on_hand - Quant.reserved)
    return list(session.scalars(
        select(Product.id).join(Quant, Quant.product_id == Product.id).join(Location, Location.id == Quant.location_id)
        .where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE,
               Location.sellable.is_(True), Product.tracking == tracking, Product.is_kit.is_(False),
               Product.active.is_(True))
        .group_by(Product.id, Product.sku).having(free >= at_least).order_by(Product.sku).limit(count)
    ))


def _pick(session: Session, warehouse_id: int, order_id: int, tote: str, picker: int | None) -> None:
    pick_list = build_wave(session, warehouse_id, [order_id], assigned_to_id=picker, user_id=None)
    view = picking.load_list(session, pick_list.id, warehouse_id)
    picking.bind_tote(session, view, tote)
    n = 0
    while (view := picking.load_list(session, pick_list.id, warehouse_id)).current is not None:
        n += 1
        line = view.current
        picking.pick(session, view, line, line.remaining, user_id=picker, key=f"demo-pick-{pick_list.id}-{n}")


def _pack(session: Session, warehouse_id: int, order_id: int, packer: int | None, slip: str) -> None:
    station = warehouse_ref(session, warehouse_id).place(LocationKind.PACKING)
    n = 0
    while (view := packing.load(session, order_id, warehouse_id)).status.value == "picked":
        part = next(p for p in view.parts if p.remaining)
        lots = packing.lots_in_tote(session, view, part.product_id)
        lot = lots[0] if lots else None
        quantity = min(part.remaining, lot[3]) if lot else part.remaining
        n += 1
        packing.pack(session, view, part, quantity, station_id=station, lot_id=lot[0] if lot else None,
                     lot_number=lot[1] if lot else None, serial=None, user_id=packer, key=f"demo-pack-{order_id}-{n}")
    packing.record_slip(session, packing.load(session, order_id, warehouse_id), "yamato", slip, user_id=packer)


__all__ = ["OutboundDemo", "create_outbound_demo"]
