"""Packing (検品・梱包): every unit of a picked order scanned into the box, then the slip.

* An order is opened by its label (ZO-…), its tote (ZT-…) or its pick list (ZK-…, when the
  list holds one order). Only a fully picked order is packed; the first scan claims it for
  the packer (a second packer is refused, and told who packs it).
* Each unit scanned moves tote → the packing station through the ledger (one posting per
  scan, idempotent by the scan): a product not on the order is refused (naming the order it
  belongs to, if one waits), one more than was picked is refused, a case counts its pack, a
  lot-tracked unit must be a lot that was picked into the tote, a serial is packed once.
* When every line is packed, the packed units move station → the warehouse's outbound lane
  in one posting and the order is PACKED; then the carrier's slip is scanned.
* 「足りない」: units picked but not in the tote are a discrepancy (source: packing); they are
  written off the tote (it is a box in transit, no count will find them there) and the pick
  is re-opened: the order line's picked figure drops, it is allocated again and waits for a
  new pick list.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.orders import service as orders
from app.orders.models import Order, OrderLine, OrderStatus
from app.orders.picklists import PickLine, PickList, PickListOrder
from app.orders.shipments import PackedUnit
from app.packing import errors
from app.stock import ledger
from app.stock.count_tasks import request_count
from app.stock.models import (
    Discrepancy, DiscrepancySource, KitComponent, Location, LocationKind, Lot, MoveReason, Product, ProductBarcode,
    Quant, Tracking,
)
from app.stock.warehouses import WarehouseRef
from app.timeutil import utcnow


@dataclass(frozen=True)
class Part:
    """One product to put in the box for an order line (a kit line: each component)."""

    order_line_id: int
    line_no: int
    product_id: int
    sku: str
    name: str
    barcode: str | None
    tracking: Tracking
    per_unit: int  # units of this product per unit of the line (a kit's component quantity)
    picked: int  # units picked for the line
    packed: int  # units packed

    @property
    def remaining(self) -> int:
        return self.picked - self.packed


@dataclass(frozen=True)
class PackView:
    order_id: int
    code: str
    external_id: str
    channel: str
    ship_to_name: str
    gift: bool
    status: OrderStatus
    packed_by_id: int | None
    tracking_number: str | None
    carrier: str | None
    tote_id: int | None
    tote_code: str | None
    parts: tuple[Part, ...] = field(default=())

    @property
    def units(self) -> tuple[int, int]:
        return sum(p.packed for p in self.parts), sum(p.picked for p in self.parts)

    @property
    def complete(self) -> bool:
        return bool(self.parts) and all(p.remaining == 0 for p in self.parts)


@dataclass(frozen=True)
class Packed:
    part: Part
    quantity: int
    lot: str | None
    serial: str | None
    order_done: bool


# --- finding the order ------------------------------------------------------------------------


def order_of_tote(session: Session, warehouse_id: int, tote_code: str) -> int | None:
    """The order whose goods are in this tote (the latest list that bound it)."""
    return session.scalar(
        select(PickListOrder.order_id)
        .join(Location, Location.id == PickListOrder.tote_id)
        .join(Order, Order.id == PickListOrder.order_id)
        .where(Location.warehouse_id == warehouse_id, Location.code == tote_code,
               Order.status.in_([OrderStatus.PICKED, OrderStatus.PICKING]))
        .order_by(PickListOrder.pick_list_id.desc()).limit(1)
    )


def order_by_code(session: Session, warehouse_id: int, code: str) -> int | None:
    return session.scalar(select(Order.id).where(Order.warehouse_id == warehouse_id, Order.code == code))


def orders_of_list(session: Session, warehouse_id: int, list_code: str) -> list[int]:
    return list(session.scalars(
        select(PickListOrder.order_id).join(PickList, PickList.id == PickListOrder.pick_list_id)
        .where(PickList.warehouse_id == warehouse_id, PickList.code == list_code)
        .order_by(PickListOrder.position)
    ))


def waiting_orders(session: Session, warehouse_id: int, limit: int = 30) -> list[tuple[int, str, str, str | None]]:
    """Picked orders waiting to be packed: (id, code, ship-to, tote code), oldest first."""
    tote = Location.__table__.alias("tote")
    latest_tote = (select(tote.c.code).select_from(PickListOrder.__table__.join(tote, tote.c.id == PickListOrder.tote_id))
                   .where(PickListOrder.order_id == Order.id).order_by(PickListOrder.pick_list_id.desc()).limit(1)
                   .scalar_subquery())
    rows = session.execute(
        select(Order.id, Order.code, Order.ship_to_name, latest_tote)
        .where(Order.warehouse_id == warehouse_id, Order.status == OrderStatus.PICKED)
        .order_by(Order.updated_at, Order.id).limit(limit)
    )
    return [tuple(row) for row in rows]


# --- the packing view -----------------------------------------------------------------------


def load(session: Session, order_id: int, warehouse_id: int) -> PackView | None:
    order = session.execute(select(Order).where(Order.id == order_id, Order.warehouse_id == warehouse_id)
                            .execution_options(populate_existing=True)).scalar_one_or_none()
    if order is None:
        return None
    tote = session.execute(
        select(Location.id, Location.code).join(PickListOrder, PickListOrder.tote_id == Location.id)
        .where(PickListOrder.order_id == order.id).order_by(PickListOrder.pick_list_id.desc()).limit(1)
    ).one_or_none()
    return PackView(
        order.id, order.code, order.external_id, order.channel.code, order.ship_to_name, order.gift, order.status,
        order.packed_by_id, order.tracking_number, order.carrier, tote.id if tote else None,
        tote.code if tote else None, tuple(_parts(session, order)),
    )


def _parts(session: Session, order: Order) -> list[Part]:
    lines = list(order.lines)
    picked = _sum_by_line(session, select(PickLine.order_line_id, PickLine.product_id, func.sum(PickLine.picked_qty))
                          .where(PickLine.order_id == order.id).group_by(PickLine.order_line_id, PickLine.product_id))
    packed = _sum_by_line(session, select(PackedUnit.order_line_id, PackedUnit.product_id, func.sum(PackedUnit.quantity))
                          .where(PackedUnit.order_id == order.id)
                          .group_by(PackedUnit.order_line_id, PackedUnit.product_id))
    components = defaultdict(list)
    for kit_id, component_id, quantity in session.execute(
        select(KitComponent.kit_id, KitComponent.component_id, KitComponent.quantity)
        .where(KitComponent.kit_id.in_([line.product_id for line in lines]))
    ):
        components[kit_id].append((component_id, quantity))
    wanted = {pid for line in lines for pid, _q in components.get(line.product_id, [(line.product_id, 1)])}
    products = {row.id: row for row in session.execute(
        select(Product.id, Product.sku, Product.name, Product.tracking, _unit_barcode()).where(Product.id.in_(wanted)))}
    parts = []
    for line in lines:
        for product_id, per in components.get(line.product_id, [(line.product_id, 1)]):
            p = products[product_id]
            parts.append(Part(line.id, line.line_no, product_id, p.sku, p.name, p.barcode, Tracking(p.tracking), per,
                              picked.get((line.id, product_id), 0), packed.get((line.id, product_id), 0)))
    return parts


def _unit_barcode():
    return (select(ProductBarcode.code).where(ProductBarcode.product_id == Product.id)
            .order_by(ProductBarcode.pack_qty, ProductBarcode.id).limit(1).scalar_subquery().label("barcode"))


def _sum_by_line(session: Session, stmt) -> dict[tuple[int, int], int]:
    return {(line_id, product_id): int(qty or 0) for line_id, product_id, qty in session.execute(stmt)}


# --- packing --------------------------------------------------------------------------------


def claim(session: Session, view: PackView, user_id: int) -> None:
    """The first scan claims the order for this packer; another packer's scan is refused.

    Every scan locks the order (PostgreSQL) and reads it again, so a cancel or another packer that
    got there first is seen: the order must still be PICKED and this packer's.
    """
    stmt = select(Order.status, Order.packed_by_id).where(Order.id == view.order_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    status, holder = session.execute(stmt).one()
    if status is not OrderStatus.PICKED:
        raise errors.NotPackable(view.code, status)
    if holder == user_id:
        return
    if holder is not None:
        raise errors.PackedByAnother(view.code, _name_of(session, holder))
    session.execute(update(Order).where(Order.id == view.order_id).values(packed_by_id=user_id))


def _name_of(session: Session, user_id: int | None) -> str:
    from app.auth.models import User

    return session.scalar(select(User.name).where(User.id == user_id)) or "?"


def part_for(view: PackView, product_id: int) -> Part:
    """The line part this product fills next; refused when it is not on the order or all of it is packed."""
    parts = [p for p in view.parts if p.product_id == product_id]
    if not parts:
        raise errors.NotOnOrder(view.code)
    for part in parts:
        if part.remaining > 0:
            return part
    raise errors.AlreadyAllPacked(parts[0].sku, sum(p.picked for p in parts))


def lots_in_tote(session: Session, view: PackView, product_id: int) -> list[tuple[int, str, date | None, int]]:
    """(lot id, number, expiry, units) of the product in the order's tote."""
    if view.tote_id is None:
        return []
    rows = session.execute(
        select(Lot.id, Lot.number, Lot.expiry, Quant.on_hand).join(Quant, Quant.lot_id == Lot.id)
        .where(Quant.location_id == view.tote_id, Quant.product_id == product_id, Quant.on_hand > 0)
        .order_by(Lot.expiry, Lot.number)
    )
    return [tuple(row) for row in rows]


def pack(session: Session, view: PackView, part: Part, quantity: int, *, station_id: int, lot_id: int | None,
         lot_number: str | None, serial: str | None, user_id: int, key: str) -> Packed:
    """Move `quantity` of the part from the tote to the station and record it; finish the order when complete."""
    if quantity > part.remaining:
        raise errors.TooManyForLine(part.sku, quantity, part.remaining)
    if view.tote_id is None:
        raise errors.NothingInTote(view.code)
    if serial is not None and session.scalar(select(PackedUnit.id).where(
            PackedUnit.order_id == view.order_id, PackedUnit.product_id == part.product_id,
            PackedUnit.serial == serial)):
        raise errors.SerialAlreadyPacked(part.sku, serial)
    posted = ledger.post(session, [ledger.Move(part.product_id, quantity, view.tote_id, station_id, MoveReason.PACK,
                                               lot=lot_id, reference=view.code)],
                         key=f"pack:{key}", user_id=user_id, reference=view.code)
    session.add(PackedUnit(order_id=view.order_id, order_line_id=part.order_line_id, product_id=part.product_id,
                           lot_id=lot_id, serial=serial, quantity=quantity, station_id=station_id,
                           posting_id=posted.posting_id, user_id=user_id))
    session.flush()
    done = _all_packed_after(view, part, quantity)
    if done:
        finish(session, view, user_id=user_id, key=key)
    return Packed(part, quantity, lot_number, serial, done)


def _all_packed_after(view: PackView, part: Part, quantity: int) -> bool:
    return all(
        (p.remaining - (quantity if p == part else 0)) == 0 for p in view.parts
    )


def finish(session: Session, view: PackView, *, user_id: int, key: str) -> None:
    """Every unit is in the box: the packed goods move to the outbound lane, the order is PACKED."""
    outbound = session.scalar(select(Location.id).where(
        Location.warehouse_id == _warehouse_of(session, view.order_id), Location.code == "OUTBOUND"))
    on_stations = session.execute(
        select(PackedUnit.product_id, PackedUnit.lot_id, PackedUnit.station_id, func.sum(PackedUnit.quantity))
        .where(PackedUnit.order_id == view.order_id)
        .group_by(PackedUnit.product_id, PackedUnit.lot_id, PackedUnit.station_id)
    ).all()
    ledger.post(session, [
        ledger.Move(product_id, int(qty), station_id, outbound, MoveReason.PACK, lot=lot_id, reference=view.code)
        for product_id, lot_id, station_id, qty in on_stations
    ], key=f"packed:{view.order_id}", user_id=user_id, reference=view.code)
    order = session.get(Order, view.order_id)
    lines = list(order.lines)
    _refresh_packed(session, lines)
    order.status = OrderStatus.PACKED
    order.packed_at = utcnow()
    order.packed_by_id = user_id
    order.updated_at = utcnow()


def _warehouse_of(session: Session, order_id: int) -> int:
    return session.scalar(select(Order.warehouse_id).where(Order.id == order_id))


def _refresh_packed(session: Session, lines: list[OrderLine]) -> None:
    """A line's packed figure in its own units (a kit: whole kits its scarcest component covers)."""
    session.flush()
    packed = defaultdict(lambda: defaultdict(int))
    for line_id, product_id, qty in session.execute(
        select(PackedUnit.order_line_id, PackedUnit.product_id, func.sum(PackedUnit.quantity))
        .where(PackedUnit.order_line_id.in_([line.id for line in lines]))
        .group_by(PackedUnit.order_line_id, PackedUnit.product_id)
    ):
        packed[line_id][product_id] = int(qty)
    parts = defaultdict(list)
    for kit_id, component_id, quantity in session.execute(
        select(KitComponent.kit_id, KitComponent.component_id, KitComponent.quantity)
        .where(KitComponent.kit_id.in_([line.product_id for line in lines]))
    ):
        parts[kit_id].append((component_id, quantity))
    for line in lines:
        line_parts = parts.get(line.product_id) or [(line.product_id, 1)]
        line.packed_qty = min(min(packed[line.id].get(p, 0) // per for p, per in line_parts), line.picked_qty)


def record_slip(session: Session, view: PackView, carrier: str, tracking_number: str, *, user_id: int) -> None:
    """The carrier's slip on the packed box: the order now waits to ship with its tracking number."""
    if view.status is not OrderStatus.PACKED:
        raise errors.NotPackedYet(view.code)
    other = session.scalar(select(Order.code).where(Order.tracking_number == tracking_number,
                                                    Order.id != view.order_id))
    if other:
        raise errors.SlipUsed(tracking_number, other)
    session.execute(update(Order).where(Order.id == view.order_id)
                    .values(carrier=carrier, tracking_number=tracking_number, updated_at=utcnow()))


def missing(session: Session, view: PackView, part: Part, warehouse: WarehouseRef, *, user_id: int,
            key: str) -> int:
    """「足りない」 at packing: the part's unpacked units are not in the tote (module docstring)."""
    count = part.remaining
    if count <= 0 or view.tote_id is None:
        return 0
    in_tote = [(lot_id, units) for lot_id, _n, _e, units in lots_in_tote(session, view, part.product_id)] \
        or [(None, _units_in_tote(session, view.tote_id, part.product_id))]
    ops, left = [], count
    for lot_id, units in in_tote:
        take = min(units, left)
        if take > 0:
            ops.append(ledger.Move(part.product_id, take, view.tote_id, warehouse.place(LocationKind.ADJUSTMENT),
                                   MoveReason.COUNT_ADJUST, lot=lot_id, reference=view.code))
            left -= take
    if ops:
        ledger.post(session, ops, key=f"pack-missing:{key}", user_id=user_id, reference=view.code,
                    note="missing at packing")
    session.add(Discrepancy(
        warehouse_id=warehouse.id, source=DiscrepancySource.PACKING, cause="missing_at_packing",
        product_id=part.product_id, location_id=view.tote_id, expected_qty=part.picked, found_qty=part.packed,
        quantity=count, reference=view.code, user_id=user_id,
    ))
    _ask_counts(session, warehouse.id, view, part, user_id)
    _reopen_pick(session, view, part, count)
    return count


def _ask_counts(session: Session, warehouse_id: int, view: PackView, part: Part, user_id: int) -> None:
    """The shelves the missing units were picked from are counted: the difference may have started there."""
    shelves = session.scalars(select(PickLine.location_id).where(
        PickLine.order_line_id == part.order_line_id, PickLine.product_id == part.product_id,
        PickLine.picked_qty > 0).distinct())
    for shelf in shelves:
        request_count(session, warehouse_id, shelf, part.product_id, cause="packing_shortage", reference=view.code,
                      user_id=user_id)


def _units_in_tote(session: Session, tote_id: int, product_id: int) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(Quant.on_hand), 0)).where(
        Quant.location_id == tote_id, Quant.product_id == product_id, Quant.lot_key == 0)) or 0)


def _reopen_pick(session: Session, view: PackView, part: Part, count: int) -> None:
    """Take the missing units off the pick lines that picked them, so the line is allocated and picked again."""
    left = count
    for line in session.scalars(select(PickLine).where(PickLine.order_line_id == part.order_line_id,
                                                       PickLine.product_id == part.product_id,
                                                       PickLine.picked_qty > 0).order_by(PickLine.id.desc())):
        take = min(line.picked_qty, left)
        line.picked_qty -= take
        left -= take
        if left == 0:
            break
    order = session.get(Order, view.order_id)
    lines = list(order.lines)
    orders.refresh_figures(session, lines)
    order.status = OrderStatus.ALLOCATED if any(line.allocated_qty for line in lines) else OrderStatus.NEW
    order.packed_by_id = None
    order.updated_at = utcnow()
    session.flush()
    orders.allocate_order(session, order.id, user_id=None)  # the missing units are reserved again where they are


__all__ = ["Part", "PackView", "Packed", "order_of_tote", "order_by_code", "orders_of_list", "waiting_orders", "load",
           "claim", "part_for", "lots_in_tote", "pack", "finish", "record_slip", "missing"]


def waiting_order_with(session: Session, warehouse_id: int, product_id: int, other_than: int) -> str | None:
    """The code of another picked order waiting for packing that has this product: where a stray unit belongs."""
    return session.scalar(
        select(Order.code).join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.warehouse_id == warehouse_id, Order.status == OrderStatus.PICKED, Order.id != other_than,
               OrderLine.product_id == product_id)
        .order_by(Order.id).limit(1)
    )


def packing_stations(session: Session, warehouse_id: int) -> list[tuple[int, str, str | None]]:
    return [tuple(row) for row in session.execute(
        select(Location.id, Location.code, Location.name)
        .where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.PACKING, Location.active.is_(True))
        .order_by(Location.code)
    )]
