"""What a scan does at each stage of packing. No Flask request here: a step gets a `Scan`.

Stages, carried by the page in hidden fields:
- `item`: scan each unit (JAN, case GTIN counting its pack, GS1 with its lot or serial), with an
  optional typed quantity; 「足りない」 on a line asks to confirm that its units are missing;
- `lot`: a lot-tracked unit scanned without its lot while the tote holds several: tap the lot;
- `serial`: a serial-tracked unit scanned without its serial: scan or type the serial;
- `missing`: are you sure these units are not in the tote? (a confirmation);
- `slip`: everything is packed: choose the carrier, scan the slip;
- `done`: packed with its slip: print the delivery note, next order.
"""
from __future__ import annotations

from app.barcodes import resolve
from app.barcodes.results import DocumentKind, DocumentRef, Gs1Hit, ProductHit, Unresolved
from app.barcodes.tracking import SlipRefused, read_slip
from app.extensions import db
from app.floor import fields
from app.floor.refusals import NotHere, UnreadableScan
from app.floor.step import Answer, Scan, ScanRefused
from app.orders.models import OrderStatus
from app.packing import errors, service
from app.packing.service import PackView, Part
from app.stock.models import Tracking

INDEX = "packing/_index_step.html"
STEP = "packing/_step.html"


# --- opening an order ---------------------------------------------------------------------------


def index_context(warehouse_id: int, **extra) -> dict:
    return {"waiting": service.waiting_orders(db.session, warehouse_id), **extra}


def open_order(scan: Scan) -> Answer:
    """The order's label, its tote or its pick list scanned at the packing station: go to that order."""
    try:
        order_id = _order_scanned(scan)
    except errors.FloorRefusal as refusal:
        raise ScanRefused(Answer.refusal(INDEX, **index_context(scan.warehouse.id, error=refusal.message())))
    return Answer.ok(INDEX, **index_context(scan.warehouse.id), go=order_id)


def _order_scanned(scan: Scan) -> int:
    hit = resolve(scan.code, scan.warehouse, db.session)
    if isinstance(hit, Unresolved):
        raise UnreadableScan(hit)
    order_id = None
    if isinstance(hit, DocumentRef) and hit.kind is DocumentKind.ORDER:
        order_id = service.order_by_code(db.session, scan.warehouse.id, hit.code)
    elif isinstance(hit, DocumentRef) and hit.kind is DocumentKind.TOTE:
        order_id = service.order_of_tote(db.session, scan.warehouse.id, hit.code)
    elif isinstance(hit, DocumentRef) and hit.kind is DocumentKind.PICK_LIST:
        orders = service.orders_of_list(db.session, scan.warehouse.id, hit.code)
        if len(orders) > 1:
            raise errors.ScanTheTote(hit.code)
        order_id = orders[0] if orders else None
    if order_id is None:
        raise errors.NoSuchOrder(scan.code.strip()[:40])
    return order_id


# --- packing one order ------------------------------------------------------------------------


def first_step(view: PackView) -> Answer:
    return Answer.idle(STEP, **_context(view))


def pack_scan(scan: Scan, order_id: int, station_id: int) -> Answer:
    view = service.load(db.session, order_id, scan.warehouse.id)
    if view is None:
        raise NotHere("order")
    if view.status is OrderStatus.PACKED:
        return _slip_scanned(scan, view)
    service.claim(db.session, view, scan.user_id)
    stage = scan.field("stage")
    if scan.field("missing"):
        part = _part_named(view, scan.field("missing"))
        return Answer.confirm(STEP, **_context(view, stage="missing", part=part))
    if stage == "missing":
        return _missing_answered(scan, view)
    if stage == "lot" and scan.number("lot_id") is not None:
        part = _part_named(view, scan.field("part"))
        return _pack(scan, view, part, scan.number("units") or 1, station_id, lot=_lot_in_tote(view, part,
                                                                                               lot_id=scan.number("lot_id")))
    if stage == "serial" and scan.code.strip():
        part = _part_named(view, scan.field("part"))
        return _pack_serial(scan, view, part, station_id, scan.code.strip())
    return _item_scanned(scan, view, station_id)


def _item_scanned(scan: Scan, view: PackView, station_id: int) -> Answer:
    hit = resolve(scan.code, scan.warehouse, db.session)
    product = hit.product if isinstance(hit, Gs1Hit) else hit
    if not isinstance(product, ProductHit):
        if isinstance(hit, Unresolved):
            raise UnreadableScan(hit)
        raise errors.NotOnOrder(view.code, scanned=scan.code.strip()[:40])
    try:
        part = service.part_for(view, product.product_id)
    except errors.NotOnOrder:
        raise errors.NotOnOrder(view.code, service.waiting_order_with(db.session, scan.warehouse.id, product.product_id,
                                                                      view.order_id), product.sku) from None
    typed = fields.quantity(scan.field("qty")) or 1
    units = typed * (hit.quantity if isinstance(hit, Gs1Hit) and hit.quantity else 1) * product.pack_qty
    if part.tracking is Tracking.SERIAL:
        serial = hit.serial if isinstance(hit, Gs1Hit) else None
        if serial:
            return _pack_serial(scan, view, part, station_id, serial)
        return Answer.question(STEP, **_context(view, stage="serial", part=part))
    if part.tracking.needs_lot:
        lot_number = hit.lot if isinstance(hit, Gs1Hit) else None
        lots = service.lots_in_tote(db.session, view, part.product_id)
        if lot_number:
            return _pack(scan, view, part, units, station_id, lot=_lot_in_tote(view, part, number=lot_number))
        if len(lots) > 1:
            if units > part.remaining:
                raise errors.TooManyForLine(part.sku, units, part.remaining)
            return Answer.question(STEP, **_context(view, stage="lot", part=part, lots=lots, units=units))
        return _pack(scan, view, part, units, station_id, lot=lots[0] if lots else None)
    return _pack(scan, view, part, units, station_id, lot=None)


def _lot_in_tote(view: PackView, part: Part, *, lot_id: int | None = None, number: str | None = None):
    for lot in service.lots_in_tote(db.session, view, part.product_id):
        if lot[0] == lot_id or lot[1] == number:
            return lot
    raise errors.NotPickedLot(part.sku, number or str(lot_id))


def _pack_serial(scan: Scan, view: PackView, part: Part, station_id: int, serial: str) -> Answer:
    lot = _lot_in_tote(view, part, number=serial)
    return _pack(scan, view, part, 1, station_id, lot=lot, serial=serial)


def _pack(scan: Scan, view: PackView, part: Part, units: int, station_id: int, *, lot, serial=None) -> Answer:
    lot_id, lot_number = (lot[0], lot[1]) if lot else (None, None)
    packed = service.pack(db.session, view, part, units, station_id=station_id, lot_id=lot_id, lot_number=lot_number,
                          serial=serial, user_id=scan.user_id, key=scan.scan_id)
    fresh = service.load(db.session, view.order_id, scan.warehouse.id)
    return Answer.ok(STEP, **_context(fresh, packed=packed))


def _part_named(view: PackView, key: str) -> Part:
    for part in view.parts:
        if f"{part.order_line_id}:{part.product_id}" == key:
            return part
    raise errors.NoSuchOrder(key[:20])


def _missing_answered(scan: Scan, view: PackView) -> Answer:
    part = _part_named(view, scan.field("part"))
    if not scan.said_yes():
        return Answer.ok(STEP, **_context(view))
    count = service.missing(db.session, view, part, scan.warehouse, user_id=scan.user_id, key=scan.scan_id)
    fresh = service.load(db.session, view.order_id, scan.warehouse.id)
    return Answer.ok(STEP, **_context(fresh, missed=(part, count)))


def _slip_scanned(scan: Scan, view: PackView) -> Answer:
    if view.tracking_number:
        return Answer.ok(STEP, **_context(view))
    carrier = scan.field("carrier") or "yamato"
    try:
        slip = read_slip(scan.code, carrier)
    except SlipRefused as refused:
        raise errors.BadSlip(refused.reason, refused.shown) from None
    service.record_slip(db.session, view, slip.carrier, slip.number, user_id=scan.user_id)
    fresh = service.load(db.session, view.order_id, scan.warehouse.id)
    return Answer.ok(STEP, **_context(fresh, slip=slip))


def _context(view: PackView, stage: str | None = None, **extra) -> dict:
    if view.status is OrderStatus.PACKED:
        stage = "done" if view.tracking_number else "slip"
    elif view.status is not OrderStatus.PICKED:
        stage = "closed"
    stage = stage or "item"
    carry = {"stage": stage}
    part = extra.get("part")
    if part is not None:
        carry["part"] = f"{part.order_line_id}:{part.product_id}"
    if extra.get("units"):
        carry["units"] = str(extra["units"])
    return {"view": view, "stage": stage, "carry": carry, **extra}


__all__ = ["INDEX", "STEP", "index_context", "open_order", "first_step", "pack_scan"]
