"""Helpers for the allocation and order tests: products with a shelf life, kits, channels with a
share rule, stock on shelves (through the ledger), orders through the orders service, and what
the ledger holds for an order line."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
import uuid
from itertools import count

from sqlalchemy import select, update

from app.database import write_transaction
from app.orders import service
from app.orders.models import Order, OrderLine, SalesChannel, document_line
from app.stock.ledger import LotSpec
from app.stock.models import KitComponent, Location, Lot, Product, Quant, Reservation, ReservationStatus, Tracking
from tests import factories as f

TODAY = date(2026, 11, 24)
_external_ids = count(1)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def unique_jan() -> str:
    """A JAN from uuid4, not from `random` (hypothesis replays the random module's state)."""
    return f.ean13("49" + str(uuid.uuid4().int)[:10])


def shelf(session, wh, seq: int, **kw) -> Location:
    return f.location(session, wh, pick_sequence=seq, **kw)


def product(session, tracking: Tracking = Tracking.NONE, *, min_days: int = 0, life: int | None = None) -> Product:
    prod = f.product(session, tracking=tracking, min_shelf_life_days=min_days, barcode=unique_jan())
    if life is not None:
        with write_transaction(session):
            session.get(Product, prod.id).shelf_life_days = life
    return session.get(Product, prod.id)


def kit(session, parts: dict[Product, int]) -> Product:
    prod = f.product(session, is_kit=True, name="セット品", barcode=unique_jan())
    with write_transaction(session):
        session.add_all([KitComponent(kit_id=prod.id, component_id=p.id, quantity=q) for p, q in parts.items()])
    return session.get(Product, prod.id)


def channel(session, accept_within: tuple[int, int] | None = None) -> SalesChannel:
    """A channel of its own (unique code), with or without a share-of-life rule."""
    num, den = accept_within or (None, None)
    with write_transaction(session):
        ch = SalesChannel(code=f.unique("ch", 10).lower(), short=f.unique("", 6), name="テスト店",
                          accept_within_num=num, accept_within_den=den, active=True)
        session.add(ch)
        session.flush()
    return ch


def stock(session, prod, loc, qty: int, lot: str | None = None, expiry: date | None = None,
          received: datetime | None = None) -> int | None:
    """Receive `qty` onto `loc`; returns the lot id. `received`: the lot's first receipt time."""
    spec = LotSpec(lot, expiry) if lot is not None else None
    posted = f.receive(session, prod, loc, qty, lot=spec)
    lot_id = posted.lot_ids[0]
    if received is not None and lot_id is not None:
        with write_transaction(session):
            session.execute(update(Lot).where(Lot.id == lot_id).values(first_received_at=received))
    return lot_id


def at(hour: int) -> datetime:
    return datetime(2026, 10, 1, hour, tzinfo=timezone.utc)


def order(session, wh, *lines: tuple[Product, int], channel: str = "rakuten", external_id: str | None = None,
          priority: int = 0, ship_by: date | None = None, user_id: int | None = None) -> Order:
    draft = service.DraftOrder(
        channel=channel, external_id=external_id or f"T{next(_external_ids):06d}{f.unique('', 4)}",
        ship_to_name="山田 花子", lines=[service.DraftLine(p.id, q) for p, q in lines],
        ship_by=ship_by, priority=priority,
    )
    made = service.create_order(session, wh.id, draft, user_id=user_id)
    return session.get(Order, made.id)


def allocate(session, o: Order, user_id: int | None = None) -> service.OrderAllocation:
    return service.allocate_order(session, o.id, user_id=user_id, today=TODAY)


def fresh_lines(session, order_id: int) -> list[OrderLine]:
    session.rollback()
    return list(session.scalars(select(OrderLine).where(OrderLine.order_id == order_id)
                                .order_by(OrderLine.line_no).execution_options(populate_existing=True)))


def fresh_order(session, order_id: int) -> Order:
    session.rollback()
    return session.execute(select(Order).where(Order.id == order_id).execution_options(populate_existing=True)
                           ).scalar_one()


def held(session, line_id: int) -> list[tuple[int, int, int | None, int]]:
    """(product, location, lot, quantity) of the line's open reservations, in the order they were made."""
    rows = session.execute(
        select(Quant.product_id, Quant.location_id, Quant.lot_id, Reservation.quantity)
        .join(Quant, Quant.id == Reservation.quant_id)
        .where(Reservation.document_line == document_line(line_id), Reservation.status == ReservationStatus.OPEN)
        .order_by(Reservation.id)
    )
    return [tuple(r) for r in rows]


def held_at(session, line_id: int) -> list[tuple[int, int]]:
    """(location, quantity) of the line's open reservations, in the order they were made."""
    return [(loc, qty) for _p, loc, _lot, qty in held(session, line_id)]


def quant_state(session, prod) -> dict[tuple[int, int | None], tuple[int, int]]:
    """(location, lot) → (on-hand, reserved) of a product."""
    session.rollback()
    rows = session.execute(select(Quant.location_id, Quant.lot_id, Quant.on_hand, Quant.reserved)
                           .where(Quant.product_id == prod.id))
    return {(r.location_id, r.lot_id): (r.on_hand, r.reserved) for r in rows}


def reserved_total(session, prod) -> int:
    return sum(res for _on, res in quant_state(session, prod).values())
