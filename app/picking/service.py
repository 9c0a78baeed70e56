"""Picking: what a picker's scans do to a pick list, through the ledger.

* Totes: each order on the list travels in its own tote, bound by scanning an empty one
  (no goods in it, on no open list) before the first pick.
* A pick moves units shelf → the order's tote, out of the line's reservation, under the
  scan's idempotency key (a replayed scan picks once). The line's figure moves with it; the
  order line's figures follow when the pick line is finished.
* A lot other than the reserved one may be taken when it is free on that shelf, allowed by
  the order line's shelf-life rule and not later by FEFO; the reservation moves to it.
* A short pick (「ここに足りない」) records a discrepancy, opens a count task for the shelf
  (one per shelf, shared), keeps the missing units reserved for that count (so nobody else
  is sent for them and channels do not sell them) and re-allocates the line from other
  shelves, adding the new lines to the list in walk order; what cannot be found is
  backordered.
* `version` grows with every change of the list's shape (a tote bound, a line finished or
  split, a short pick); a screen showing an older version is refused with the fresh state.
"""
from __future__ import annotations

from collections.abc import Sequence
import json
from dataclasses import dataclass, replace
from datetime import date, timedelta

from functools import lru_cache

from sqlalchemy import String, bindparam, case, func, literal, select, update
from sqlalchemy.orm import Session

from app.database import upsert_insert
from app.orders import service as orders
from app.orders.models import Order, OrderLine, OrderStatus
from app.orders.picklists import PickLine, PickLineStatus, PickList, PickListOrder, PickListStatus
from app.orders.waves import OpenReservation, add_pick_lines
from app.picking import errors
from app.stock import ledger
from app.stock.allocation import Demand, allocate
from app.stock.count_tasks import count_hold, request_count
from app.stock.models import (
    Discrepancy, DiscrepancySource, Location, LocationKind, Lot, MoveReason, Product,
    ProductBarcode, Quant, Reservation,
)
from app.timeutil import local_today, utcnow


@dataclass(frozen=True)
class LineView:
    id: int
    order_id: int
    order_line_id: int
    position: int
    order_code: str
    tote_id: int | None
    tote_code: str | None
    product_id: int
    sku: str
    name: str
    barcode: str | None
    tracking: str
    location_id: int
    location_code: str
    lot_id: int | None
    lot_number: str | None
    expiry: date | None
    reservation_id: int | None
    quantity: int
    picked_qty: int
    status: PickLineStatus
    barcodes: tuple[tuple[str, int], ...] = ()

    @property
    def remaining(self) -> int:
        return self.quantity - self.picked_qty if self.status is PickLineStatus.OPEN else 0


@dataclass(frozen=True)
class OrderSlot:
    position: int
    order_id: int
    order_code: str
    ship_to_name: str
    gift: bool
    tote_id: int | None
    tote_code: str | None


@dataclass(frozen=True)
class ListView:
    """A pick list as a step needs it: its state, the line to pick now, the first order still
    without a tote, and its figures. `orders` (every order and tote) is read only for the
    stages that show them (binding totes, finished)."""

    id: int
    code: str
    version: int
    status: PickListStatus
    warehouse_id: int
    assigned_to_id: int | None
    current: LineView | None
    unbound: OrderSlot | None
    following: LineView | None
    line_count: int
    lines_closed: int
    units: tuple[int, int]
    orders: tuple[OrderSlot, ...] = ()

    @property
    def position(self) -> int:
        """The current line's number in the walk (1-based)."""
        return min(self.lines_closed + 1, self.line_count)

    @property
    def finished(self) -> bool:
        return self.status is PickListStatus.DONE

    def after_pick(self, line: LineView, quantity: int) -> ListView:
        """This view once `quantity` more of its current line is picked (the next line comes up
        when it is finished; a finished list is read again, with its orders)."""
        units = (self.units[0] + quantity, self.units[1])
        if quantity < line.remaining:
            return replace(self, current=replace(line, picked_qty=line.picked_qty + quantity), units=units)
        return replace(self, current=self.following, following=None, lines_closed=self.lines_closed + 1, units=units)


@dataclass(frozen=True)
class Picked:
    line: LineView
    quantity: int
    line_done: bool


@dataclass(frozen=True)
class Shorted:
    line: LineView
    missing: int
    reallocated: int
    backordered: int
    count_task_id: int


# --- reading ------------------------------------------------------------------------------


def my_lists(session: Session, warehouse_id: int, user_id: int) -> list[PickList]:
    return list(session.scalars(
        select(PickList).where(PickList.warehouse_id == warehouse_id, PickList.assigned_to_id == user_id,
                               PickList.status.in_([PickListStatus.OPEN, PickListStatus.PICKING]))
        .order_by(PickList.id)
    ))


def open_unassigned(session: Session, warehouse_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(PickList)
        .where(PickList.warehouse_id == warehouse_id, PickList.assigned_to_id.is_(None),
               PickList.status == PickListStatus.OPEN)
    ) or 0


def load_list(session: Session, list_id: int, warehouse_id: int, *, with_orders: bool = False) -> ListView | None:
    """The list's state, its current line (with the product's barcodes) and first unbound order: one statement."""
    row = session.execute(_state_statement(session.get_bind().dialect.name),
                          {"p_list": list_id, "p_warehouse": warehouse_id}).one_or_none()
    if row is None:
        return None
    view = ListView(
        row.id, row.code, row.version, PickListStatus(row.status), row.warehouse_id, row.assigned_to_id,
        _line_of(row.current_line), _slot_of(row.unbound), _line_of(row.following_line), int(row.line_count or 0), int(row.lines_closed or 0),
        (int(row.units_done or 0), int(row.units_total or 0)),
    )
    if with_orders or view.unbound is not None or view.current is None:
        view = replace(view, orders=order_slots(session, list_id))
    return view


def order_slots(session: Session, list_id: int) -> tuple[OrderSlot, ...]:
    tote = Location.__table__.alias("tote")
    return tuple(
        OrderSlot(r.position, r.order_id, r.code, r.ship_to_name, r.gift, r.tote_id, r.tote_code)
        for r in session.execute(
            select(PickListOrder.position, PickListOrder.order_id, Order.code, Order.ship_to_name, Order.gift,
                   PickListOrder.tote_id, tote.c.code.label("tote_code"))
            .join(Order, Order.id == PickListOrder.order_id)
            .outerjoin(tote, tote.c.id == PickListOrder.tote_id)
            .where(PickListOrder.pick_list_id == list_id).order_by(PickListOrder.position)
        )
    )


def lines_of(session: Session, list_id: int) -> list[PickLine]:
    return list(session.scalars(select(PickLine).where(PickLine.pick_list_id == list_id)
                                .order_by(PickLine.walk, PickLine.id)))


LINE_KEYS = ("id", "order_id", "order_line_id", "position", "order_code", "tote_id", "tote_code", "product_id",
             "sku", "name", "barcodes", "tracking", "location_id", "location_code", "lot_id", "lot_number",
             "expiry", "reservation_id", "quantity", "picked_qty")
SLOT_KEYS = ("position", "order_id", "order_code", "ship_to_name", "gift", "tote_id", "tote_code")


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _line_of(value) -> LineView | None:
    data = _json(value)
    if not data:
        return None
    barcodes = tuple((code, int(pack)) for code, pack in (_json(data["barcodes"]) or ()))
    units = [code for code, pack in barcodes if pack == 1] or [code for code, _p in barcodes]
    expiry = date.fromisoformat(str(data["expiry"])[:10]) if data["expiry"] else None
    return LineView(
        data["id"], data["order_id"], data["order_line_id"], data["position"], data["order_code"], data["tote_id"],
        data["tote_code"], data["product_id"], data["sku"], data["name"], units[0] if units else None,
        str(data["tracking"]), data["location_id"], data["location_code"], data["lot_id"], data["lot_number"], expiry,
        data["reservation_id"], data["quantity"], data["picked_qty"], PickLineStatus.OPEN, barcodes,
    )


def _slot_of(value) -> OrderSlot | None:
    data = _json(value)
    if not data:
        return None
    return OrderSlot(data["position"], data["order_id"], data["order_code"], data["ship_to_name"],
                     bool(data["gift"]), data["tote_id"], data["tote_code"])


def _object(dialect: str, pairs):
    args = [part for key, column in pairs for part in (literal(key), column)]
    return func.json_build_object(*args) if dialect == "postgresql" else func.json_object(*args)


@lru_cache(maxsize=None)
def _state_statement(dialect: str):
    pl = PickList.__table__
    line, plo, order = PickLine.__table__, PickListOrder.__table__, Order.__table__
    tote, shelf = Location.__table__.alias("tote"), Location.__table__.alias("shelf")
    barcode = ProductBarcode.__table__
    pair = func.json_build_array(barcode.c.code, barcode.c.pack_qty) if dialect == "postgresql" \
        else func.json_array(barcode.c.code, barcode.c.pack_qty)
    agg = func.json_agg(pair) if dialect == "postgresql" else func.json_group_array(pair)
    barcodes = select(agg).where(barcode.c.product_id == line.c.product_id).scalar_subquery()
    def open_line(offset: int):
        return (
        select(_object(dialect, [
            ("id", line.c.id), ("order_id", line.c.order_id), ("order_line_id", line.c.order_line_id),
            ("position", plo.c.position), ("order_code", order.c.code), ("tote_id", plo.c.tote_id),
            ("tote_code", tote.c.code), ("product_id", line.c.product_id), ("sku", Product.sku),
            ("name", Product.name), ("barcodes", barcodes), ("tracking", Product.tracking),
            ("location_id", line.c.location_id), ("location_code", shelf.c.code), ("lot_id", line.c.lot_id),
            ("lot_number", Lot.number), ("expiry", Lot.expiry), ("reservation_id", line.c.reservation_id),
            ("quantity", line.c.quantity), ("picked_qty", line.c.picked_qty),
        ]))
        .select_from(
            line.join(Product.__table__, Product.id == line.c.product_id)
            .join(shelf, shelf.c.id == line.c.location_id)
            .outerjoin(Lot.__table__, Lot.id == line.c.lot_id)
            .join(plo, (plo.c.pick_list_id == line.c.pick_list_id) & (plo.c.order_id == line.c.order_id))
            .join(order, order.c.id == line.c.order_id)
            .outerjoin(tote, tote.c.id == plo.c.tote_id)
        )
        .where(line.c.pick_list_id == pl.c.id, line.c.status == PickLineStatus.OPEN.value)
        .order_by(line.c.walk, plo.c.position, line.c.id).limit(1).offset(offset)
        .scalar_subquery()
        )
    unbound = (
        select(_object(dialect, [
            ("position", plo.c.position), ("order_id", plo.c.order_id), ("order_code", order.c.code),
            ("ship_to_name", order.c.ship_to_name), ("gift", order.c.gift), ("tote_id", plo.c.tote_id),
            ("tote_code", literal(None, String)),
        ]))
        .select_from(plo.join(order, order.c.id == plo.c.order_id))
        .where(plo.c.pick_list_id == pl.c.id, plo.c.tote_id.is_(None))
        .order_by(plo.c.position).limit(1).scalar_subquery()
    )
    counted = line.alias("counted")
    live = counted.c.status != PickLineStatus.CANCELLED.value  # a cancelled order's lines leave the walk
    figures = lambda column: select(column).where(counted.c.pick_list_id == pl.c.id).scalar_subquery()  # noqa: E731
    return (
        select(pl.c.id, pl.c.code, pl.c.version, pl.c.status, pl.c.warehouse_id, pl.c.assigned_to_id,
               open_line(0).label("current_line"), open_line(1).label("following_line"), unbound.label("unbound"),
               figures(func.sum(case((live, 1), else_=0))).label("line_count"),
               figures(func.sum(case((live & (counted.c.status != PickLineStatus.OPEN.value), 1), else_=0)))
               .label("lines_closed"),
               figures(func.sum(counted.c.picked_qty)).label("units_done"),
               figures(func.sum(case((live, counted.c.quantity), else_=counted.c.picked_qty))).label("units_total"))
        .where(pl.c.id == bindparam("p_list"), pl.c.warehouse_id == bindparam("p_warehouse"))
    )


# --- the picker takes the list --------------------------------------------------------------


def claim(session: Session, view: ListView, user_id: int) -> None:
    """The first scan of an unassigned list assigns it; another picker's list is refused."""
    if view.status in (PickListStatus.DONE, PickListStatus.CANCELLED):
        raise errors.ListFinished(view.code)
    if view.assigned_to_id == user_id:
        if view.status is PickListStatus.OPEN:
            session.execute(update(PickList).where(PickList.id == view.id)
                            .values(status=PickListStatus.PICKING, started_at=utcnow()))
        return
    taken = session.execute(
        update(PickList).where(PickList.id == view.id, PickList.assigned_to_id.is_(None))
        .values(assigned_to_id=user_id, status=PickListStatus.PICKING, started_at=utcnow())
    ).rowcount
    if not taken:
        raise errors.NotYourList(view.code)


def bind_tote(session: Session, view: ListView, tote_code: str) -> OrderSlot:
    """The next order without a tote gets this one, if it is empty and on no open list."""
    slot = view.unbound
    if slot is None:
        raise errors.ToteInUse(tote_code)
    tote_id = tote_location(session, view.warehouse_id, tote_code)
    if any(s.tote_id == tote_id for s in view.orders) or _tote_busy(session, tote_id):
        raise errors.ToteInUse(tote_code)
    session.execute(update(PickListOrder)
                    .where(PickListOrder.pick_list_id == view.id, PickListOrder.order_id == slot.order_id)
                    .values(tote_id=tote_id))
    _bump(session, view.id)
    return slot


def tote_location(session: Session, warehouse_id: int, code: str) -> int:
    """The tote's location (a tote is a place goods are in), made on its first use."""
    session.execute(
        upsert_insert(session, Location.__table__).values(
            warehouse_id=warehouse_id, code=code, kind=LocationKind.TOTE.value, sellable=False, active=True,
            created_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["warehouse_id", "code"])
    )
    row = session.execute(select(Location.id, Location.kind).where(Location.warehouse_id == warehouse_id,
                                                                  Location.code == code)).one()
    if row.kind != LocationKind.TOTE:
        raise errors.NotATote(code)
    return row.id


def _tote_busy(session: Session, tote_id: int) -> bool:
    holds = session.scalar(select(func.coalesce(func.sum(Quant.on_hand), 0)).where(Quant.location_id == tote_id))
    on_list = session.scalar(
        select(func.count()).select_from(PickListOrder).join(PickList, PickList.id == PickListOrder.pick_list_id)
        .where(PickListOrder.tote_id == tote_id,
               PickList.status.in_([PickListStatus.OPEN, PickListStatus.PICKING]))
    )
    return bool(holds) or bool(on_list)


# --- picking ---------------------------------------------------------------------------


def pick(session: Session, view: ListView, line: LineView, quantity: int, *, user_id: int, key: str) -> Picked:
    """Move `quantity` of the line's product (and lot) from its shelf into its order's tote."""
    if quantity > line.remaining:
        raise errors.TooMany(quantity, line.remaining)
    if quantity == line.remaining and view.following is None:
        lock_orders(session, view.id)  # the list may finish: its orders change, locked before any product
    ledger.post(session, [ledger.Move(line.product_id, quantity, line.location_id, line.tote_id, MoveReason.PICK,
                                      lot=line.lot_id, reservation_id=line.reservation_id, reference=view.code)],
                key=f"pick:{key}", user_id=user_id, reference=view.code)
    done = quantity == line.remaining
    values = {"picked_qty": PickLine.picked_qty + quantity}
    if done:
        values.update(status=PickLineStatus.DONE, done_by_id=user_id, done_at=utcnow())
    session.execute(update(PickLine).where(PickLine.id == line.id).values(**values))
    if done and view.following is None:
        _finish_if_done(session, view.id)
    return Picked(line, quantity, done)


def swap_lot(session: Session, view: ListView, line: LineView, lot_id: int, lot_number: str, *, user_id: int,
             key: str, today: date | None = None) -> LineView:
    """Move what the line still holds to another lot of the same product on the same shelf.

    Allowed when that lot is free there for the whole rest of the line, passes the order line's
    shelf-life rule and does not expire later than the reserved one (FEFO); refused otherwise.
    A line partly picked from the first lot is split: the picked part stays done.
    """
    today = today or local_today()
    expected = line.lot_number or "-"
    lot = session.execute(select(Lot.id, Lot.expiry, Lot.first_received_at).where(Lot.id == lot_id)).one()
    if lot.expiry is not None and lot.expiry < today:
        raise errors.LotMayNotShip(lot_number, expected, "expired")
    if lot.expiry is not None and line.expiry is not None and lot.expiry > line.expiry:
        raise errors.LotMayNotShip(lot_number, expected, "later")
    order = session.get(Order, line.order_id)
    order_line = session.get(OrderLine, line.order_line_id)
    product = session.get(Product, line.product_id)
    rule = orders.shelf_life_rule(order, order_line)
    days = rule.min_remaining_days(product.min_shelf_life_days, product.shelf_life_days)
    if lot.expiry is not None and lot.expiry < today + timedelta(days=days):
        raise errors.LotMayNotShip(lot_number, expected, "short_dated")
    free = session.scalar(select(Quant.on_hand - Quant.reserved).where(
        Quant.product_id == line.product_id, Quant.location_id == line.location_id, Quant.lot_id == lot_id))
    rest = line.remaining
    if not free or free < rest:
        raise errors.LotMayNotShip(lot_number, expected, "not_here")
    posted = ledger.post(session, [
        ledger.Release(line.reservation_id, rest),
        ledger.Reserve(line.product_id, line.location_id, rest, order_line.document_line, lot_id=lot_id),
    ], key=f"swap:{key}", user_id=user_id, reference=view.code)
    new_reservation = posted.reservation_ids[0]
    if line.picked_qty:
        session.execute(update(PickLine).where(PickLine.id == line.id).values(
            quantity=line.picked_qty, status=PickLineStatus.DONE, done_by_id=user_id, done_at=utcnow()))
        moved = PickLine(pick_list_id=view.id, order_id=line.order_id, order_line_id=line.order_line_id,
                         product_id=line.product_id, lot_id=lot_id, location_id=line.location_id,
                         reservation_id=new_reservation, quantity=rest, walk=_walk_of(session, line.id))
        session.add(moved)
        session.flush()
        line_id = moved.id
    else:
        session.execute(update(PickLine).where(PickLine.id == line.id).values(lot_id=lot_id, reservation_id=new_reservation))
        line_id = line.id
    _bump(session, view.id)
    return replace(line, id=line_id, lot_id=lot_id, lot_number=lot_number, expiry=lot.expiry,
                   reservation_id=new_reservation, quantity=rest if line.picked_qty else line.quantity,
                   picked_qty=0 if line.picked_qty else line.picked_qty)


def short_pick(session: Session, view: ListView, line: LineView, *, user_id: int, key: str,
               today: date | None = None) -> Shorted:
    """「ここに足りない」: the shelf has less than the line needs (module docstring)."""
    lock_orders(session, view.id)
    missing = line.remaining
    task_id = request_count(session, view.warehouse_id, line.location_id, line.product_id, cause="short_pick",
                            reference=view.code, user_id=user_id)
    session.add(Discrepancy(
        warehouse_id=view.warehouse_id, source=DiscrepancySource.PICKING, cause="short_pick",
        product_id=line.product_id, lot_id=line.lot_id, location_id=line.location_id,
        expected_qty=line.quantity, found_qty=line.picked_qty, quantity=missing, reference=view.code,
        user_id=user_id,
    ))
    ledger.post(session, [
        ledger.Release(line.reservation_id, missing),
        ledger.Reserve(line.product_id, line.location_id, missing, count_hold(task_id), lot_id=line.lot_id),
    ], key=f"short:{key}", user_id=user_id, reference=view.code, note="short pick: held for the count")
    session.execute(update(PickLine).where(PickLine.id == line.id).values(
        status=PickLineStatus.SHORT, done_by_id=user_id, done_at=utcnow()))
    reallocated = _reallocate(session, view, line, key=key, user_id=user_id, today=today)
    order_line = session.get(OrderLine, line.order_line_id)
    orders.refresh_figures(session, [order_line])
    _bump(session, view.id)
    _finish_if_done(session, view.id)
    return Shorted(line, missing, reallocated, order_line.backordered, task_id)


def _reallocate(session: Session, view: ListView, line: LineView, *, key: str, user_id: int, today) -> int:
    order = session.get(Order, line.order_id)
    order_line = session.get(OrderLine, line.order_line_id)
    session.flush()
    have = orders.line_holdings(session, [order_line.id]).get(order_line.id, {})
    demand = Demand(order_line.document_line, order_line.product_id, order_line.quantity,
                    orders.shelf_life_rule(order, order_line), have)
    results = allocate(session, view.warehouse_id, [demand], key=f"realloc:{key}", user_id=user_id,
                       today=today or local_today(), exclude_locations=frozenset({line.location_id}))
    reserved = [r for result in results for r in result.reservations]
    if not reserved:
        return 0
    places = dict(session.execute(select(Location.id, Location.code).where(
        Location.id.in_({r.location_id for r in reserved}))).all())
    sequences = dict(session.execute(select(Location.id, Location.pick_sequence).where(
        Location.id.in_({r.location_id for r in reserved}))).all())
    add_pick_lines(session, view.id, line.order_id, [
        OpenReservation(r.reservation_id, order_line.id, r.product_id, r.location_id, r.lot_id, r.quantity,
                        places[r.location_id], sequences[r.location_id])
        for r in reserved
    ])
    session.flush()
    return sum(r.quantity for r in reserved)


def lock_orders(session: Session, list_id: int) -> None:
    """PostgreSQL: lock the list's orders (by id) before the ledger locks any product, the order in which
    allocation takes them too (order row, then products), so the two never wait on each other in a cycle."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(select(Order.id).where(Order.id.in_(
        select(PickListOrder.order_id).where(PickListOrder.pick_list_id == list_id))).order_by(Order.id)
        .with_for_update())


def _finish_if_done(session: Session, list_id: int) -> None:
    open_lines = session.scalar(select(func.count()).select_from(PickLine).where(
        PickLine.pick_list_id == list_id, PickLine.status == PickLineStatus.OPEN))
    if open_lines:
        return
    session.execute(update(PickList).where(PickList.id == list_id)
                    .values(status=PickListStatus.DONE, done_at=utcnow()))
    orders.settle_list_orders(session, list_id)


def _bump(session: Session, list_id: int) -> None:
    session.execute(update(PickList).where(PickList.id == list_id).values(version=PickList.version + 1))


def _walk_of(session: Session, line_id: int) -> str:
    return session.scalar(select(PickLine.walk).where(PickLine.id == line_id))


__all__ = ["LineView", "ListView", "OrderSlot", "Picked", "Shorted", "my_lists", "open_unassigned", "load_list",
           "claim", "bind_tote", "tote_location", "pick", "swap_lot", "short_pick"]
