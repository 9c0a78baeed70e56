"""Orders brought to a state for the cancellation and return tests: allocated, on a pick list,
picked into a tote, packed at a station, packed (at OUTBOUND) or shipped.

Picking goes through the picking service; packing and shipping are driven here through the
ledger and the order's records directly (tote → packing station with packed units, station →
OUTBOUND, OUTBOUND → CUSTOMER), as the packing and shipping workflows will do them.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from itertools import count

from sqlalchemy import func, select

from app.auth.models import Role
from app.database import write_transaction
from app.orders import service as orders
from app.orders.models import Order, OrderLine, OrderStatus
from app.orders.picklists import PickLine, PickList, PickListOrder
from app.orders.shipments import PackedUnit, PutBackTask
from app.orders.waves import build_wave
from app.picking import service as picking
from app.stock import ledger
from app.stock.ledger import LotSpec
from app.stock.models import Location, LocationKind, MoveReason, Quant, Reservation, ReservationStatus, Tracking
from app.stock.warehouses import standard_location
from app.timeutil import local_today, utcnow
from tests import factories as f

TEA, MILK, SOAP = "4901234567894", "4912345678904", "4902102072618"
_keys = count(1)
_totes = count(1)


@dataclass
class World:
    wh: object
    picker: object
    office: object
    tea: object
    milk: object
    soap: object
    shelves: dict


def world(session, code: str = "TKY") -> World:
    """A warehouse with a picker (who also takes returns), a supervisor, three shelves with stock
    and one empty, and three products (milk tracks lot and expiry)."""
    today = local_today()
    wh = f.warehouse(session, code=code, name="東京DC")
    picker = f.user(session, Role.PICKER, login="picker1", warehouses=[wh], all_warehouses=False)
    office = f.user(session, Role.SUPERVISOR, login="boss", warehouses=[wh], all_warehouses=False)
    shelves = {c: f.location(session, wh, code=c, pick_sequence=seq)
               for c, seq in (("A-01-01-1", 10), ("A-01-02-1", 20), ("B-01-01-1", 30), ("C-01-01-1", 40))}
    tea = f.product(session, sku="TEA-500", name="緑茶 500ml", barcode=TEA, case_gtin="14901234567891", pack_qty=24)
    milk = f.product(session, sku="MILK-1L", name="牛乳 1L", barcode=MILK, tracking=Tracking.LOT_EXPIRY)
    soap = f.product(session, sku="SOAP-1", name="石けん", barcode=SOAP)
    f.receive(session, tea, shelves["A-01-01-1"], 10)
    f.receive(session, milk, shelves["A-01-02-1"], 6, LotSpec("L-1", today + timedelta(days=60)))
    f.receive(session, soap, shelves["B-01-01-1"], 4)
    return World(wh, picker, office, tea, milk, soap, shelves)


def order(session, w: World, *lines, external_id: str | None = None, allocate: bool = True) -> Order:
    made = orders.create_order(session, w.wh.id, orders.DraftOrder(
        "rakuten", external_id or f"R-{next(_keys)}", "山田 花子",
        [orders.DraftLine(product.id, quantity) for product, quantity in lines]), user_id=None)
    if allocate:
        orders.allocate_order(session, made.id, user_id=None)
    return made


def wave(session, w: World, *placed: Order) -> PickList:
    return build_wave(session, w.wh.id, [o.id for o in placed], assigned_to_id=w.picker.id, user_id=None)


def bind_totes(session, w: World, pick_list: PickList) -> list[str]:
    codes = []
    while True:
        with write_transaction(session):
            view = picking.load_list(session, pick_list.id, w.wh.id)
            if view.unbound is None:
                return codes
            picking.claim(session, view, w.picker.id)
            code = f"ZT-{next(_totes):04d}"
            picking.bind_tote(session, view, code)
            codes.append(code)


def pick(session, w: World, pick_list: PickList, lines: int | None = None) -> None:
    """Pick `lines` lines of the list (all of them when None), each whole, through the picking service."""
    bind_totes(session, w, pick_list)
    done = 0
    while lines is None or done < lines:
        with write_transaction(session):
            view = picking.load_list(session, pick_list.id, w.wh.id)
            if view.current is None:
                return
            picking.claim(session, view, w.picker.id)
            picking.pick(session, view, view.current, view.current.remaining, user_id=w.picker.id,
                         key=f"test-{next(_keys)}")
        done += 1


def pack(session, w: World, placed: Order, station: Location | None = None) -> None:
    """Everything in the order's totes checked into the box at a packing station (the standard
    PACKING place unless one is given): tote → station, a packed unit each (the order is not
    complete yet: its packed figures are set when packing completes)."""
    with write_transaction(session):
        station_id = station.id if station else standard_location(session, w.wh.id, LocationKind.PACKING).id
        picked = session.execute(
            select(PickListOrder.tote_id, PickLine.order_line_id, PickLine.product_id, PickLine.lot_id,
                   func.sum(PickLine.picked_qty))
            .join(PickListOrder, (PickListOrder.pick_list_id == PickLine.pick_list_id)
                  & (PickListOrder.order_id == PickLine.order_id))
            .where(PickLine.order_id == placed.id, PickLine.picked_qty > 0)
            .group_by(PickListOrder.tote_id, PickLine.order_line_id, PickLine.product_id, PickLine.lot_id)
        ).all()
        posted = ledger.post(session, [
            ledger.Move(product_id, int(qty), tote_id, station_id, MoveReason.PACK, lot=lot_id)
            for tote_id, _line, product_id, lot_id, qty in picked
        ], key=f"test-pack-{next(_keys)}", user_id=w.picker.id, reference=placed.code)
        for _tote, line_id, product_id, lot_id, qty in picked:
            session.add(PackedUnit(order_id=placed.id, order_line_id=line_id, product_id=product_id, lot_id=lot_id,
                                   quantity=int(qty), station_id=station_id, posting_id=posted.posting_id,
                                   user_id=w.picker.id))


def complete_packing(session, w: World, placed: Order) -> None:
    """The order is packed: its packed units move station → OUTBOUND, the order becomes PACKED."""
    with write_transaction(session):
        outbound = standard_location(session, w.wh.id, LocationKind.SHIPPING).id
        units = session.execute(
            select(PackedUnit.product_id, PackedUnit.lot_id, PackedUnit.station_id, func.sum(PackedUnit.quantity))
            .where(PackedUnit.order_id == placed.id)
            .group_by(PackedUnit.product_id, PackedUnit.lot_id, PackedUnit.station_id)
        ).all()
        ledger.post(session, [ledger.Move(product_id, int(qty), station_id, outbound, MoveReason.PACK, lot=lot_id)
                              for product_id, lot_id, station_id, qty in units],
                    key=f"test-packed-{next(_keys)}", user_id=w.picker.id, reference=placed.code)
        packed = defaultdict(int)
        for line_id, qty in session.execute(select(PackedUnit.order_line_id, func.sum(PackedUnit.quantity))
                                            .where(PackedUnit.order_id == placed.id).group_by(PackedUnit.order_line_id)):
            packed[line_id] = int(qty)
        for line in session.scalars(select(OrderLine).where(OrderLine.order_id == placed.id)):
            line.packed_qty = min(line.picked_qty, packed[line.id])
        fresh = session.get(Order, placed.id)
        fresh.status = OrderStatus.PACKED
        fresh.packed_at, fresh.packed_by_id = utcnow(), w.picker.id


def ship(session, w: World, placed: Order, tracking_number: str = "123456789012") -> None:
    """The carrier took the box: OUTBOUND → CUSTOMER, the order is SHIPPED with its slip number."""
    with write_transaction(session):
        outbound = standard_location(session, w.wh.id, LocationKind.SHIPPING).id
        customer = standard_location(session, w.wh.id, LocationKind.CUSTOMER).id
        units = session.execute(
            select(PackedUnit.product_id, PackedUnit.lot_id, func.sum(PackedUnit.quantity))
            .where(PackedUnit.order_id == placed.id).group_by(PackedUnit.product_id, PackedUnit.lot_id)
        ).all()
        ledger.post(session, [ledger.Move(product_id, int(qty), outbound, customer, MoveReason.SHIP, lot=lot_id)
                              for product_id, lot_id, qty in units],
                    key=f"test-ship-{next(_keys)}", user_id=w.picker.id, reference=placed.code)
        fresh = session.get(Order, placed.id)
        fresh.status = OrderStatus.SHIPPED
        fresh.carrier, fresh.tracking_number = "yamato", tracking_number
        fresh.shipped_at, fresh.shipped_by_id = utcnow(), w.picker.id


def shipped_order(session, w: World, *lines, tracking_number: str = "123456789012") -> Order:
    """An order allocated, picked, packed and shipped."""
    placed = order(session, w, *lines)
    pick(session, w, wave(session, w, placed))
    pack(session, w, placed)
    complete_packing(session, w, placed)
    ship(session, w, placed, tracking_number)
    return placed


# --- reading afresh -------------------------------------------------------------------------


def fresh(session, model, id_):
    session.rollback()
    session.expire_all()  # the test's own objects are not expired by a commit
    return session.get(model, id_)


def on_hand(session, location_id: int, product_id: int | None = None) -> int:
    stmt = select(func.coalesce(func.sum(Quant.on_hand), 0)).where(Quant.location_id == location_id)
    if product_id is not None:
        stmt = stmt.where(Quant.product_id == product_id)
    return int(session.scalar(stmt))


def open_reservations(session, placed: Order) -> int:
    names = [line.document_line for line in session.scalars(select(OrderLine).where(OrderLine.order_id == placed.id))]
    return int(session.scalar(select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
        Reservation.document_line.in_(names), Reservation.status == ReservationStatus.OPEN)))


def tasks_of(session, placed: Order) -> list[PutBackTask]:
    return list(session.scalars(select(PutBackTask).where(PutBackTask.order_id == placed.id).order_by(PutBackTask.id)))


def tote_of(session, placed: Order) -> int:
    return session.scalar(select(PickListOrder.tote_id).where(PickListOrder.order_id == placed.id))


# --- jobs for tests.concurrency.run_workers (top-level, so spawned processes can import them) --------


def cancel_or_pick(session, name, order_id, list_id, warehouse_id, picker_id, office_id):
    """Worker t0 cancels the order; worker t1 picks the list's current line whole."""
    from types import SimpleNamespace

    from app.orders.cancel import cancel_order

    if name.endswith("t0"):
        done = cancel_order(session, order_id, user_id=office_id, reason="race")
        return SimpleNamespace(outcome=f"cancelled:{done.units_to_put_back}")
    view = picking.load_list(session, list_id, warehouse_id)
    if view.current is None:
        return SimpleNamespace(outcome="nothing_to_pick")
    picking.claim(session, view, picker_id)
    picking.pick(session, view, view.current, view.current.remaining, user_id=picker_id, key=f"race-{name}")
    return SimpleNamespace(outcome=f"picked:{view.current.remaining}")
