"""Answers of the API built from what the services return (plain dicts in the response models' shape)."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api import publishing
from app.api.feed import Change
from app.api.stock import StockFigure
from app.orders.models import Order
from app.receipts.models import Receipt
from app.stock.models import Warehouse


def stock_item_out(figure: StockFigure, warehouse_code: str) -> dict:
    item = {
        "sku": figure.product.sku, "jan": figure.product.jan, "name": figure.product.name, "kit": figure.product.kit,
        "warehouse": warehouse_code, "on_hand": figure.on_hand, "reserved": figure.reserved,
        "available": figure.available, "channels": figure.channels,
    }
    if figure.lots is not None:
        item["lots"] = [
            {"lot": lot.lot, "expiry": lot.expiry.isoformat() if lot.expiry else None, "on_hand": lot.on_hand,
             "reserved": lot.reserved, "available": lot.available, "sellable": lot.sellable}
            for lot in figure.lots
        ]
    return item


def change_out(change: Change, channel_rules: Sequence[publishing.Rule]) -> dict:
    return {
        "cursor": change.position, "event_id": change.event_id, "sku": change.sku, "warehouse": change.warehouse,
        "available": change.available, "channels": publishing.published(change.available, channel_rules),
        "cause": change.cause, "at": change.at.isoformat(),
    }


def _warehouse_code(session: Session, warehouse_id: int) -> str:
    return session.scalar(select(Warehouse.code).where(Warehouse.id == warehouse_id))


def order_out(session: Session, order: Order) -> dict:
    return {
        "code": order.code, "channel": order.channel.code, "external_id": order.external_id,
        "warehouse": _warehouse_code(session, order.warehouse_id), "status": order.status.value,
        "created_at": order.created_at.isoformat(),
        "lines": [{"line_no": line.line_no, "sku": line.product.sku, "quantity": line.quantity,
                   "allocated": line.allocated_qty, "picked": line.picked_qty, "backordered": line.backordered}
                  for line in order.lines],
    }


def receipt_out(session: Session, receipt: Receipt) -> dict:
    return {
        "code": receipt.code, "reference": receipt.reference, "warehouse": _warehouse_code(session, receipt.warehouse_id),
        "supplier": receipt.supplier, "expected_date": receipt.expected_date.isoformat() if receipt.expected_date else None,
        "status": receipt.phase,
        "lines": [{"line_no": line.line_no, "sku": line.product.sku, "lot": line.lot_number,
                   "expiry": line.expiry.isoformat() if line.expiry else None, "expected": line.expected_qty,
                   "received": line.received_qty} for line in receipt.lines],
    }


__all__ = ["stock_item_out", "change_out", "order_out", "receipt_out"]
