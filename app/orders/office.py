"""What the office screens of orders show, and the checks of their actions: orders with their
figures (paged), one order with the shelves and lots its lines hold, the pickers of a
warehouse, open pick lists with their progress, and waves handed to a picker of the warehouse.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from app.auth.models import Role, User, UserRole, user_warehouse
from app.floor.refusals import FloorRefusal
from app.masterdata.listing import Page, page_number
from app.orders import service, waves
from app.orders.models import Order, OrderLine, OrderStatus, SalesChannel, document_line
from app.orders.picklists import PickLine, PickList, PickListOrder, PickListStatus
from app.stock.models import Location, Lot, Product, Quant, Reservation, ReservationStatus, Tracking
from app.timeutil import WAREHOUSE_TZ

PAGE_SIZE = 30
OPEN_STATUSES = (OrderStatus.NEW, OrderStatus.ALLOCATED, OrderStatus.PICKING)
OPEN_LISTS = (PickListStatus.OPEN, PickListStatus.PICKING)
# What the list can show: the open orders (default), those still lacking stock, every order, or one state.
STATUS_FILTERS = ("open", "backordered", *[s.value for s in OrderStatus], "all")


@dataclass(frozen=True)
class OrderRow:
    order: Order
    ordered: int
    allocated: int
    picked: int
    pick_list: str | None = None

    @property
    def backordered(self) -> int:
        return self.ordered - self.allocated - self.picked

    @property
    def pickable(self) -> bool:
        """It may go on a pick list: it holds reserved stock and is not picked or closed yet."""
        return self.order.status in (OrderStatus.ALLOCATED, OrderStatus.PICKING) and self.allocated > 0


@dataclass(frozen=True)
class Holding:
    """Units an order line holds on one shelf: reserved (and, when on a pick list, its code)."""

    sku: str
    location: str
    lot: str | None
    expiry: date | None
    quantity: int
    pick_list: str | None


@dataclass(frozen=True)
class LineView:
    line: OrderLine
    holdings: list[Holding]
    may_override: bool
    override_by: str | None = None
    override_at: datetime | None = None


@dataclass(frozen=True)
class OrderView:
    order: Order
    lines: list[LineView]
    pick_lists: list[str]
    created_by: str | None = None

    @property
    def ordered(self) -> int:
        return sum(view.line.quantity for view in self.lines)

    @property
    def allocated(self) -> int:
        return sum(view.line.allocated_qty for view in self.lines)

    @property
    def picked(self) -> int:
        return sum(view.line.picked_qty for view in self.lines)

    @property
    def backordered(self) -> int:
        return sum(view.line.backordered for view in self.lines)


@dataclass(frozen=True)
class Picker:
    id: int
    login: str
    name: str


@dataclass(frozen=True)
class PickListRow:
    pick_list: PickList
    picker: str | None
    orders: list[str] = field(default_factory=list)
    lines: int = 0
    lines_done: int = 0
    units: int = 0
    units_picked: int = 0


@dataclass(eq=False)
class NotAPicker(FloorRefusal):
    """A pick list can go only to a picker of its warehouse."""

    code = "not_a_picker"

    def message(self) -> str:
        return _("Choose a picker of this warehouse, or leave the list for 次のピッキング.")


@dataclass(eq=False)
class NoOrdersChosen(FloorRefusal):
    code = "no_orders_chosen"

    def message(self) -> str:
        return _("Tick the orders to put on the pick list first.")


def active_channels(session: Session) -> list[SalesChannel]:
    """The channels to choose from (read only; the standard ones are made again if the table was emptied)."""
    found = list(session.scalars(select(SalesChannel).where(SalesChannel.active.is_(True)).order_by(SalesChannel.id)))
    return found or service.channels(session)


# --- the list --------------------------------------------------------------------------


def list_orders(session: Session, warehouse_id: int, *, status: str = "open", channel: str | None = None,
                page: int | None = 1) -> Page[OrderRow]:
    """One page of the warehouse's orders, most urgent first (as allocation takes them)."""
    condition = _listed(warehouse_id, status, channel)
    total = session.scalar(select(func.count()).select_from(Order).join(SalesChannel).where(condition))
    number = page_number(page, total, PAGE_SIZE)
    orders = session.scalars(
        select(Order).join(SalesChannel).where(condition)
        .order_by(Order.priority.desc(), Order.ship_by.is_(None), Order.ship_by, Order.created_at, Order.id)
        .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
    ).all()
    ids = [order.id for order in orders]
    figures = _figures(session, ids)
    lists = _open_lists_of(session, ids)
    rows = [OrderRow(order, *figures.get(order.id, (0, 0, 0)), lists.get(order.id)) for order in orders]
    return Page(rows, total, number, PAGE_SIZE)


def status_filter(text: str | None) -> str:
    return text if text in STATUS_FILTERS else "open"


def _listed(warehouse_id: int, status: str, channel: str | None):
    conditions = [Order.warehouse_id == warehouse_id]
    if status == "open":
        conditions.append(Order.status.in_(OPEN_STATUSES))
    elif status == "backordered":
        lacking = exists().where(OrderLine.order_id == Order.id,
                                 OrderLine.quantity > OrderLine.allocated_qty + OrderLine.picked_qty)
        conditions += [Order.status.in_(OPEN_STATUSES), lacking]
    elif status != "all":
        conditions.append(Order.status == OrderStatus(status))
    if channel:
        conditions.append(SalesChannel.code == channel)
    return and_(*conditions)


def _figures(session: Session, order_ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
    if not order_ids:
        return {}
    rows = session.execute(
        select(OrderLine.order_id, func.sum(OrderLine.quantity), func.sum(OrderLine.allocated_qty),
               func.sum(OrderLine.picked_qty))
        .where(OrderLine.order_id.in_(order_ids)).group_by(OrderLine.order_id)
    )
    return {order_id: (int(ordered), int(allocated), int(picked)) for order_id, ordered, allocated, picked in rows}


def _open_lists_of(session: Session, order_ids: Sequence[int]) -> dict[int, str]:
    if not order_ids:
        return {}
    rows = session.execute(
        select(PickListOrder.order_id, PickList.code).join(PickList, PickList.id == PickListOrder.pick_list_id)
        .where(PickListOrder.order_id.in_(order_ids), PickList.status.in_(OPEN_LISTS)).order_by(PickList.id)
    )
    return {order_id: code for order_id, code in rows}


# --- one order -------------------------------------------------------------------------


def order_view(session: Session, warehouse_id: int, order_id: int) -> OrderView | None:
    """An order of the warehouse with what each line holds where; None if it is not one of its orders."""
    order = session.get(Order, order_id)
    if order is None or order.warehouse_id != warehouse_id:
        return None
    lines = list(order.lines)
    holdings = _holdings(session, [line.id for line in lines])
    names = _names(session, {line.shelf_life_override_by_id for line in lines} | {order.created_by_id})
    views = [
        LineView(line, holdings.get(line.id, []), may_override(order, line),
                 names.get(line.shelf_life_override_by_id), _local(line.shelf_life_override_at))
        for line in lines
    ]
    lists = session.scalars(
        select(PickList.code).join(PickListOrder, PickListOrder.pick_list_id == PickList.id)
        .where(PickListOrder.order_id == order.id).order_by(PickList.id)
    ).all()
    return OrderView(order, views, list(lists), names.get(order.created_by_id))


def may_override(order: Order, line: OrderLine) -> bool:
    """A line may be let ship short-dated lots while its order is open, once, if dates matter to it
    (its product tracks expiry, or it is a kit whose parts may)."""
    if not order.status.is_open or line.shelf_life_override_at is not None:
        return False
    return line.product.tracking is Tracking.LOT_EXPIRY or line.product.is_kit


def _holdings(session: Session, line_ids: Sequence[int]) -> dict[int, list[Holding]]:
    if not line_ids:
        return {}
    by_name = {document_line(line_id): line_id for line_id in line_ids}
    rows = session.execute(
        select(Reservation.document_line, Product.sku, Location.code, Lot.number, Lot.expiry, Reservation.quantity,
               PickList.code)
        .join(Quant, Quant.id == Reservation.quant_id)
        .join(Product, Product.id == Quant.product_id)
        .join(Location, Location.id == Quant.location_id)
        .outerjoin(Lot, Lot.id == Quant.lot_id)
        .outerjoin(PickLine, PickLine.reservation_id == Reservation.id)
        .outerjoin(PickList, PickList.id == PickLine.pick_list_id)
        .where(Reservation.document_line.in_(sorted(by_name)), Reservation.status == ReservationStatus.OPEN)
        .order_by(Reservation.document_line, Location.pick_sequence.is_(None), Location.pick_sequence, Location.code,
                  Reservation.id)
    )
    held: dict[int, list[Holding]] = defaultdict(list)
    for name, sku, location, lot, expiry, quantity, pick_list in rows:
        held[by_name[name]].append(Holding(sku, location, lot, expiry, int(quantity), pick_list))
    return held


def _names(session: Session, user_ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(i for i in user_ids if i is not None)
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all())


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(WAREHOUSE_TZ) if moment is not None else None


# --- pickers and pick lists ------------------------------------------------------------


def pickers_of(session: Session, warehouse_id: int) -> list[Picker]:
    """Active users holding the picker role who work in the warehouse, by name."""
    in_warehouse = or_(User.all_warehouses.is_(True), exists().where(user_warehouse.c.user_id == User.id,
                                                                    user_warehouse.c.warehouse_id == warehouse_id))
    rows = session.execute(
        select(User.id, User.login, User.name).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PICKER, User.active.is_(True), in_warehouse)
        .order_by(User.name, User.login)
    )
    return [Picker(*row) for row in rows]


def open_pick_lists(session: Session, warehouse_id: int) -> list[PickListRow]:
    """The warehouse's pick lists not yet done, oldest first, with their picker, orders and progress."""
    lists = session.scalars(
        select(PickList).where(PickList.warehouse_id == warehouse_id, PickList.status.in_(OPEN_LISTS))
        .order_by(PickList.id)
    ).all()
    ids = [pick_list.id for pick_list in lists]
    if not ids:
        return []
    pickers = _names(session, {pick_list.assigned_to_id for pick_list in lists})
    orders: dict[int, list[str]] = defaultdict(list)
    for list_id, code in session.execute(
        select(PickListOrder.pick_list_id, Order.code).join(Order, Order.id == PickListOrder.order_id)
        .where(PickListOrder.pick_list_id.in_(ids)).order_by(PickListOrder.pick_list_id, PickListOrder.position)
    ):
        orders[list_id].append(code)
    progress = {
        row.pick_list_id: row for row in session.execute(
            select(PickLine.pick_list_id, func.count().label("lines"),
                   func.sum(case((PickLine.picked_qty >= PickLine.quantity, 1), else_=0)).label("done"),
                   func.sum(PickLine.quantity).label("units"), func.sum(PickLine.picked_qty).label("picked"))
            .where(PickLine.pick_list_id.in_(ids)).group_by(PickLine.pick_list_id)
        )
    }
    rows = []
    for pick_list in lists:
        figures = progress.get(pick_list.id)
        rows.append(PickListRow(
            pick_list, pickers.get(pick_list.assigned_to_id), orders.get(pick_list.id, []),
            int(figures.lines) if figures else 0, int(figures.done or 0) if figures else 0,
            int(figures.units or 0) if figures else 0, int(figures.picked or 0) if figures else 0,
        ))
    return rows


def build_chosen_wave(session: Session, warehouse_id: int, order_ids: Sequence[int], *, picker_id: int | None,
                      user_id: int | None) -> PickList:
    """A pick list of the ticked orders (waves.build_wave), for a picker of the warehouse or for anyone."""
    if not order_ids:
        raise NoOrdersChosen()
    _check_picker(session, warehouse_id, picker_id)
    return waves.build_wave(session, warehouse_id, order_ids, assigned_to_id=picker_id, user_id=user_id)


def build_wave_due(session: Session, warehouse_id: int, *, ship_by_until: date | None, channel: str | None,
                   picker_id: int | None, user_id: int | None) -> PickList:
    """A pick list of the allocated orders due by a date (and of one channel), most urgent first."""
    _check_picker(session, warehouse_id, picker_id)
    return waves.build_wave_by(session, warehouse_id, ship_by_until=ship_by_until, channel=channel,
                               assigned_to_id=picker_id, user_id=user_id)


def picker_name(session: Session, user_id: int | None) -> str | None:
    return _names(session, {user_id}).get(user_id) if user_id is not None else None


def orders_on(session: Session, pick_list_id: int) -> list[str]:
    return list(session.scalars(
        select(Order.code).join(PickListOrder, PickListOrder.order_id == Order.id)
        .where(PickListOrder.pick_list_id == pick_list_id).order_by(PickListOrder.position)
    ))


def _check_picker(session: Session, warehouse_id: int, picker_id: int | None) -> None:
    if picker_id is not None and picker_id not in {p.id for p in pickers_of(session, warehouse_id)}:
        raise NotAPicker()


def order_in(session: Session, warehouse_id: int, order_id: int) -> Order | None:
    order = session.get(Order, order_id)
    return order if order is not None and order.warehouse_id == warehouse_id else None


def line_in(session: Session, warehouse_id: int, order_id: int, line_id: int) -> OrderLine | None:
    line = session.get(OrderLine, line_id)
    if line is None or line.order_id != order_id or line.order.warehouse_id != warehouse_id:
        return None
    return line


__all__ = ["PAGE_SIZE", "STATUS_FILTERS", "OrderRow", "Holding", "LineView", "OrderView", "Picker", "PickListRow",
           "NotAPicker", "NoOrdersChosen", "active_channels", "list_orders", "status_filter", "order_view", "may_override", "pickers_of",
           "open_pick_lists", "build_chosen_wave", "build_wave_due", "picker_name", "orders_on", "order_in", "line_in"]
