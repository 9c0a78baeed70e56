"""Orders: created (screen, CSV, later the channel API), allocated, and their figures kept.

The one service every way in calls, so an order is made and checked the same way wherever
it comes from. An order line's figures (`allocated_qty`, `picked_qty`) are recomputed from
what the ledger holds for it (its open reservations) and what the pick lists took for it,
in the same transaction as each change (`refresh_figures`).
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.database import upsert_insert, write_transaction
from app.orders.errors import DuplicateOrder, OrderNotOpen, UnknownChannel
from app.orders.models import Order, OrderLine, OrderStatus, SalesChannel, document_line
from app.orders.picklists import PickLine, PickListOrder
from app.stock.allocation import Allocated, Demand, ShelfLifeRule, allocate, lock_stock
from app.stock.models import KitComponent, Product, Quant, Reservation, ReservationStatus
from app.timeutil import local_today, utcnow

STANDARD_CHANNELS = (
    ("rakuten", "RKT", "楽天市場"),
    ("amazon", "AMZ", "Amazon"),
    ("yahoo", "YHO", "Yahoo!ショッピング"),
    ("own", "OWN", "自社サイト"),
    ("other", "OTH", "その他"),
)
CODE_CHARS = re.compile(r"[^A-Z0-9-]+")


@dataclass(frozen=True)
class DraftLine:
    product_id: int
    quantity: int
    unit_price: int | None = None  # yen, as the channel sold it (on the delivery note)


@dataclass(frozen=True)
class DraftOrder:
    channel: str  # a channel code: rakuten, amazon, …
    external_id: str
    ship_to_name: str
    lines: Sequence[DraftLine]
    ship_by: date | None = None
    priority: int = 0
    gift: bool = False
    note: str | None = None


@dataclass
class OrderAllocation:
    order_id: int
    code: str
    allocated: int = 0  # units (kits) reserved by this call
    backordered: int = 0  # what is still neither reserved nor picked
    lines: list[Allocated] = field(default_factory=list)


# --- channels -------------------------------------------------------------------------


def ensure_channels(session: Session) -> None:
    """The standard channels exist (made by the migration; made again on an emptied database)."""
    now = utcnow()
    session.execute(
        upsert_insert(session, SalesChannel.__table__).values([
            {"code": code, "short": short, "name": name, "active": True, "created_at": now}
            for code, short, name in STANDARD_CHANNELS
        ]).on_conflict_do_nothing()
    )


def channel_by_code(session: Session, code: str) -> SalesChannel:
    channel = session.scalar(select(SalesChannel).where(SalesChannel.code == code.strip().lower()))
    if channel is None:
        ensure_channels(session)
        channel = session.scalar(select(SalesChannel).where(SalesChannel.code == code.strip().lower()))
    if channel is None:
        raise UnknownChannel(code)
    return channel


def channels(session: Session) -> list[SalesChannel]:
    ensure_channels(session)
    return list(session.scalars(select(SalesChannel).where(SalesChannel.active.is_(True)).order_by(SalesChannel.id)))


# --- creating -------------------------------------------------------------------------


def create_order(session: Session, warehouse_id: int, draft: DraftOrder, *, user_id: int | None) -> Order:
    """One order (inside the caller's unit of work, or its own). The same external id from the
    same channel is refused with DuplicateOrder: a re-sent order never becomes two."""
    with write_transaction(session):
        channel = channel_by_code(session, draft.channel)
        existing = session.scalar(select(Order).where(Order.channel_id == channel.id,
                                                      Order.external_id == draft.external_id.strip()))
        if existing is not None:
            raise DuplicateOrder(channel.code, draft.external_id, existing.code)
        order = Order(
            warehouse_id=warehouse_id, channel_id=channel.id, external_id=draft.external_id.strip(),
            code=_order_code(session, channel, draft.external_id), ship_to_name=draft.ship_to_name.strip(),
            ship_by=draft.ship_by, priority=draft.priority, gift=draft.gift, note=draft.note or None,
            status=OrderStatus.NEW, created_by_id=user_id,
        )
        order.lines = [OrderLine(line_no=n, product_id=line.product_id, quantity=line.quantity,
                                 unit_price=line.unit_price)
                       for n, line in enumerate(draft.lines, start=1)]
        try:
            with session.begin_nested():  # the same order sent twice at once: the second meets the unique key
                session.add(order)
                session.flush()
        except IntegrityError:
            existing = session.scalar(select(Order).where(Order.channel_id == channel.id,
                                                          Order.external_id == draft.external_id.strip()))
            if existing is None:
                raise
            raise DuplicateOrder(channel.code, draft.external_id, existing.code) from None
        return order


def already_imported(session: Session, channel_code: str, external_ids: Iterable[str]) -> dict[str, str]:
    """external id → order code, for those of the channel already known."""
    ids = sorted({e.strip() for e in external_ids})
    if not ids:
        return {}
    rows = session.execute(
        select(Order.external_id, Order.code).join(SalesChannel, SalesChannel.id == Order.channel_id)
        .where(SalesChannel.code == channel_code, Order.external_id.in_(ids))
    )
    return {external_id: code for external_id, code in rows}


def _order_code(session: Session, channel: SalesChannel, external_id: str) -> str:
    """ZO-<channel>-<the channel's number> in label characters; a suffix if that is taken."""
    cleaned = CODE_CHARS.sub("-", external_id.strip().upper()).strip("-")[:28] or "0"
    base = f"ZO-{channel.short}-{cleaned}"
    taken = set(session.scalars(select(Order.code).where(Order.code.like(f"{base}%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


# --- allocation -----------------------------------------------------------------------


def allocate_order(session: Session, order_id: int, *, user_id: int | None, today: date | None = None) -> OrderAllocation:
    """Reserve what the order's lines still lack, as the allocation rules allow (app.stock.allocation).

    Partial allocation leaves the rest backordered. Refused with OrderNotOpen once the order
    is picked, packed, shipped or cancelled.
    """
    with write_transaction(session):
        order = _locked_order(session, order_id)
        if not order.status.is_open:
            raise OrderNotOpen(order.code, order.status)
        lines = list(order.lines)
        wanting = [line for line in lines if line.backordered > 0]
        # What the lines hold is read under the stock's locks: a writer without the order's lock (a
        # short pick re-allocating for a line) has committed by then, so nothing is topped up twice.
        lock_stock(session, [line.product_id for line in wanting])
        holdings = line_holdings(session, [line.id for line in lines])
        demands = [
            Demand(line.document_line, line.product_id, line.quantity, _rule(order, line), holdings.get(line.id, {}))
            for line in wanting
        ]
        order.version += 1
        results = allocate(session, order.warehouse_id, demands, key=f"alloc:{order.id}:{order.version}",
                           user_id=user_id, today=today or local_today())
        before = sum(line.allocated_qty + line.picked_qty for line in lines)
        refresh_figures(session, lines)
        after = sum(line.allocated_qty + line.picked_qty for line in lines)
        if order.status is OrderStatus.NEW and any(line.allocated_qty for line in lines):
            order.status = OrderStatus.ALLOCATED
        order.updated_at = utcnow()
        return OrderAllocation(order.id, order.code, after - before, sum(line.backordered for line in lines), results)


def allocate_backorders(session: Session, warehouse_id: int | None = None, *, user_id: int | None,
                        today: date | None = None) -> list[OrderAllocation]:
    """Allocate every open order that lacks stock, highest priority first, then the earliest
    ship-by date, then the oldest: stock that arrived later goes to who waited longest."""
    waiting = (
        select(Order.id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.status.in_([OrderStatus.NEW, OrderStatus.ALLOCATED, OrderStatus.PICKING]),
               OrderLine.quantity > OrderLine.allocated_qty + OrderLine.picked_qty)
        .group_by(Order.id, Order.priority, Order.ship_by, Order.created_at)
        .order_by(Order.priority.desc(), Order.ship_by.is_(None), Order.ship_by, Order.created_at, Order.id)
    )
    if warehouse_id is not None:
        waiting = waiting.where(Order.warehouse_id == warehouse_id)
    order_ids = list(session.scalars(waiting))
    session.rollback()  # each order is its own unit of work
    results = []
    for order_id in order_ids:
        try:
            results.append(allocate_order(session, order_id, user_id=user_id, today=today))
        except OrderNotOpen:
            continue  # picked, packed or cancelled since the list was read: nothing to allocate
    return results


def override_shelf_life(session: Session, order_line_id: int, *, user_id: int, reason: str) -> OrderLine:
    """A supervisor lets one line ship short-dated lots (never expired ones); who and why are kept."""
    with write_transaction(session):
        line = session.get(OrderLine, order_line_id)
        if line is None:
            raise LookupError(order_line_id)
        if not line.order.status.is_open:
            raise OrderNotOpen(line.order.code, line.order.status)
        line.shelf_life_override_by_id = user_id
        line.shelf_life_override_reason = reason.strip()[:200]
        line.shelf_life_override_at = utcnow()
        return line


def shelf_life_rule(order: Order, line: OrderLine) -> ShelfLifeRule:
    return _rule(order, line)


def _rule(order: Order, line: OrderLine) -> ShelfLifeRule:
    return ShelfLifeRule(order.channel.accept_within, override=line.shelf_life_override_at is not None)


def _locked_order(session: Session, order_id: int) -> Order:
    stmt = select(Order).where(Order.id == order_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Order)
    order = session.execute(stmt.execution_options(populate_existing=True)).scalar_one_or_none()
    if order is None:
        raise LookupError(order_id)
    return order


# --- figures --------------------------------------------------------------------------


def line_holdings(session: Session, line_ids: Sequence[int]) -> dict[int, dict[int, int]]:
    """Per order line, units per product it holds: open reservations plus what was picked."""
    if not line_ids:
        return {}
    by_name = {document_line(line_id): line_id for line_id in line_ids}
    held: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    reserved = session.execute(
        select(Reservation.document_line, Quant.product_id, func.sum(Reservation.quantity))
        .join(Quant, Quant.id == Reservation.quant_id)
        .where(Reservation.document_line.in_(sorted(by_name)), Reservation.status == ReservationStatus.OPEN)
        .group_by(Reservation.document_line, Quant.product_id)
    )
    for name, product_id, quantity in reserved:
        held[by_name[name]][product_id] += int(quantity)
    for line_id, product_id, quantity in _picked(session, line_ids):
        held[line_id][product_id] += quantity
    return held


def _picked(session: Session, line_ids: Sequence[int]) -> list[tuple[int, int, int]]:
    rows = session.execute(
        select(PickLine.order_line_id, PickLine.product_id, func.sum(PickLine.picked_qty))
        .where(PickLine.order_line_id.in_(sorted(line_ids)))
        .group_by(PickLine.order_line_id, PickLine.product_id)
    )
    return [(line_id, product_id, int(qty or 0)) for line_id, product_id, qty in rows]


def refresh_figures(session: Session, lines: Sequence[OrderLine]) -> None:
    """Set each line's allocated and picked figures from the ledger and the pick lists.

    A kit line counts whole kits: as many as its scarcest component covers.
    """
    if not lines:
        return
    session.flush()
    ids = [line.id for line in lines]
    held = line_holdings(session, ids)
    picked: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for line_id, product_id, quantity in _picked(session, ids):
        picked[line_id][product_id] += quantity
    parts = _parts_of(session, [line.product_id for line in lines])
    for line in lines:
        line_parts = parts.get(line.product_id) or [(line.product_id, 1)]
        covered = min(held[line.id].get(p, 0) // per for p, per in line_parts)
        done = min(picked[line.id].get(p, 0) // per for p, per in line_parts)
        line.picked_qty = min(done, line.quantity)
        line.allocated_qty = min(covered, line.quantity) - line.picked_qty


def settle_list_orders(session: Session, list_id: int) -> None:
    """The orders of a pick list that has just finished: their figures refreshed, all at once, and each
    picked when every line is, else back to allocated or new (cancelled orders stay cancelled)."""
    settled = session.scalars(
        select(Order).where(Order.id.in_(select(PickListOrder.order_id).where(PickListOrder.pick_list_id == list_id)),
                            Order.status != OrderStatus.CANCELLED)
        .options(selectinload(Order.lines)).execution_options(populate_existing=True)
    ).all()
    refresh_figures(session, [line for order in settled for line in order.lines])
    now = utcnow()
    for order in settled:
        if all(line.picked_qty == line.quantity for line in order.lines):
            order.status = OrderStatus.PICKED
        elif order.status is OrderStatus.PICKING:
            order.status = OrderStatus.ALLOCATED if any(line.allocated_qty for line in order.lines) else OrderStatus.NEW
        order.updated_at = now


def _parts_of(session: Session, product_ids: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
    rows = session.execute(
        select(KitComponent.kit_id, KitComponent.component_id, KitComponent.quantity)
        .join(Product, Product.id == KitComponent.kit_id)
        .where(KitComponent.kit_id.in_(sorted(set(product_ids))), Product.is_kit.is_(True))
    )
    parts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for kit_id, component_id, quantity in rows:
        parts[kit_id].append((component_id, quantity))
    return parts


__all__ = [
    "DraftLine", "DraftOrder", "OrderAllocation", "STANDARD_CHANNELS", "ensure_channels", "channel_by_code",
    "channels", "create_order", "already_imported", "allocate_order", "allocate_backorders",
    "override_shelf_life", "shelf_life_rule", "line_holdings", "refresh_figures", "settle_list_orders",
]
