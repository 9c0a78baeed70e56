"""What a scan does on the shipping screen: the slip on a packed box ships that order."""
from __future__ import annotations

from app.barcodes.tracking import slip_number
from app.extensions import db
from app.floor.step import Answer, Scan
from app.shipping import errors, service

STEP = "shipping/_step.html"


def context(warehouse_id: int, **extra) -> dict:
    return {"ready": service.ready_to_ship(db.session, warehouse_id), **extra}


def first_step(warehouse_id: int) -> Answer:
    return Answer.idle(STEP, **context(warehouse_id))


def ship_scan(scan: Scan) -> Answer:
    number = slip_number(scan.code)
    order_id = service.order_by_slip(db.session, scan.warehouse.id, number) if number else None
    if order_id is None:
        raise errors.NoPackedOrderWithSlip(scan.code.strip()[:40])
    shipped = service.ship(db.session, order_id, scan.warehouse.id, user_id=scan.user_id)
    return Answer.ok(STEP, **context(scan.warehouse.id, shipped=[shipped]))


def ship_ticked(scan: Scan, order_ids: list[int]) -> Answer:
    shipped = service.ship_many(db.session, order_ids, scan.warehouse.id, user_id=scan.user_id)
    return Answer.ok(STEP, **context(scan.warehouse.id, shipped=shipped))
