"""納品書 (delivery note): what the box holds, for the customer, printed at packing and reprintable from the order.

A gift order never shows prices, whatever is asked for.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.orders.models import Order, OrderLine
from app.stock.models import Product, Warehouse
from app.timeutil import local_today


@dataclass(frozen=True)
class NoteLine:
    line_no: int
    sku: str
    name: str
    quantity: int
    unit_price: int | None

    @property
    def amount(self) -> int | None:
        return None if self.unit_price is None else self.unit_price * self.quantity


@dataclass(frozen=True)
class DeliveryNote:
    shop_name: str
    warehouse_name: str
    channel_name: str
    order_code: str
    channel_order_number: str
    ship_to_name: str
    issued: date
    gift: bool
    with_prices: bool
    lines: tuple[NoteLine, ...]
    warehouse_address: str = ""  # the sender's address (/admin/warehouses)

    @property
    def total(self) -> int | None:
        amounts = [line.amount for line in self.lines]
        return None if any(a is None for a in amounts) else sum(amounts)


def delivery_note(session: Session, order_id: int, warehouse_id: int, *, shop_name: str,
                  with_prices: bool) -> DeliveryNote | None:
    order = session.scalar(select(Order).where(Order.id == order_id, Order.warehouse_id == warehouse_id))
    if order is None:
        return None
    warehouse = session.get(Warehouse, order.warehouse_id)
    rows = session.execute(
        select(OrderLine.line_no, Product.sku, Product.name, OrderLine.quantity, OrderLine.unit_price)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id == order.id).order_by(OrderLine.line_no)
    )
    return DeliveryNote(
        shop_name=shop_name, warehouse_name=warehouse.name, channel_name=order.channel.name, order_code=order.code,
        channel_order_number=order.external_id, ship_to_name=order.ship_to_name,
        issued=(order.packed_at.date() if order.packed_at else local_today()), gift=order.gift,
        with_prices=with_prices and not order.gift, lines=tuple(NoteLine(*row) for row in rows),
        warehouse_address=warehouse.address or "",
    )


__all__ = ["NoteLine", "DeliveryNote", "delivery_note"]
