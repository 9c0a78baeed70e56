"""Orders brought to "picked" the way the floor does it (allocation, a pick list, every line picked)."""
from __future__ import annotations

from app.database import write_transaction
from app.extensions import db
from app.orders import service as orders
from app.orders.waves import build_wave
from app.picking import service as picking


def picked_order(session, wh, lines, *, external_id, tote, channel="own", gift=False, ship_to="山田 花子"):
    """An order of `lines` [(product, qty, unit_price)] allocated, picked into `tote`, status PICKED."""
    order = orders.create_order(session, wh.id, orders.DraftOrder(channel, external_id, ship_to, [
        orders.DraftLine(p.id, q, price) for p, q, price in lines], gift=gift), user_id=None)
    orders.allocate_order(session, order.id, user_id=None)
    pick_list = build_wave(session, wh.id, [order.id], assigned_to_id=None, user_id=None)
    with write_transaction(session):
        picking.bind_tote(session, picking.load_list(session, pick_list.id, wh.id), tote)
    n = 0
    while True:
        with write_transaction(session):
            view = picking.load_list(session, pick_list.id, wh.id)
            line = view.current
            if line is None:
                break
            n += 1
            picking.pick(session, view, line, line.remaining, user_id=None, key=f"test-pick-{external_id}-{n}")
    session.expire_all()
    return db.session.get(type(order), order.id)


def packed_order(session, wh, lines, *, external_id, tote, slip=None, carrier="yamato", **kw):
    """A picked order packed unit by unit at the warehouse's packing area, with `slip` recorded when given."""
    from app.packing import service as packing
    from app.stock.models import LocationKind
    from app.stock.warehouses import warehouse_ref

    order = picked_order(session, wh, lines, external_id=external_id, tote=tote, **kw)
    station = warehouse_ref(session, wh.id).place(LocationKind.PACKING)
    n = 0
    while True:
        with write_transaction(session):
            view = packing.load(session, order.id, wh.id)
            part = next((p for p in view.parts if p.remaining), None)
            if part is None:
                break
            n += 1
            lots = packing.lots_in_tote(session, view, part.product_id)
            lot = lots[0] if lots else None
            qty = 1 if lot else part.remaining
            packing.pack(session, view, part, qty, station_id=station, lot_id=lot[0] if lot else None,
                         lot_number=lot[1] if lot else None, serial=None, user_id=None,
                         key=f"test-pack-{external_id}-{n}")
    if slip:
        with write_transaction(session):
            packing.record_slip(session, packing.load(session, order.id, wh.id), carrier, slip, user_id=None)
    session.expire_all()
    return db.session.get(type(order), order.id)
