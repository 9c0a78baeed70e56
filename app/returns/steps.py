"""What a scan does at each stage of a return (返品) and of a put-back (戻し). No Flask request here.

Return stages, carried by the page in hidden fields (with the `order_id`, and from `lot` on the
scanned `product_id`, `lot_id` and `units`):
- `order`: scan the order label (ZO-…) or the slip's tracking number;
- `item`: scan each item coming back (JAN, case, GS1 with its lot), optionally with a quantity;
  an item not shipped with the order, or more than shipped, is recorded as a discrepancy (a
  red answer: nothing moved); another order label switches to that order;
- `lot`: the order shipped several lots of it: which one? (a question; tap it or scan its label);
- `condition`: resaleable, or damaged with a reason (a question; tap one; "back" leaves the item);
- `shelf`: resaleable: go to the suggested shelf (the largest text) and scan it; another storage
  shelf is allowed.

Put-back stages: `item` (scan an item of the open tasks' list), `choose` (several tasks hold it:
tap one), `shelf` (the suggestion; scan the shelf, optionally fewer than all).
"""
from __future__ import annotations

from app.barcodes import resolve
from app.barcodes.results import DocumentKind, DocumentRef, Gs1Hit, LocationHit, ProductHit, Unresolved
from app.extensions import db
from app.floor import fields
from app.floor.refusals import NotAProduct, UnreadableScan
from app.floor.step import Answer, Scan, ScanRefused
from app.returns import errors, service
from app.returns.service import LotChoice, ReturnOrder, Task
from app.stock.models import Location, Product
from app.stock.warehouses import WarehouseRef

STEP = "returns/_step.html"
PUT_BACK_STEP = "returns/_put_back_step.html"


# --- returns -------------------------------------------------------------------------------


def first_step(warehouse: WarehouseRef) -> Answer:
    return Answer.idle(STEP, **_context(None, waiting=service.count_open_tasks(db.session, warehouse.id)))


def return_scan(scan: Scan) -> Answer:
    stage = scan.field("stage") or "order"
    if stage == "order":
        return _order_scanned(scan)
    order = service.load_order(db.session, scan.warehouse.id, scan.number("order_id"))
    if order is None:
        raise errors.ScanTheOrderFirst()
    if scan.field("back") == "1":
        return Answer.ok(STEP, **_context(order, went_back=True))
    if stage == "condition":
        return _condition_chosen(scan, order)
    if stage == "lot" and not scan.code.strip():
        return _lot_chosen(scan, order)
    if stage == "shelf":
        return _shelf_scanned(scan, order)
    return _item_scanned(scan, order)


def _order_scanned(scan: Scan) -> Answer:
    order = service.find_order(db.session, scan.warehouse.id, scan.code)
    return Answer.ok(STEP, **_context(order, found=True))


def _item_scanned(scan: Scan, order: ReturnOrder) -> Answer:
    hit = resolve(scan.code, scan.warehouse, db.session)
    if isinstance(hit, DocumentRef) and hit.kind is DocumentKind.ORDER:
        return _order_scanned(scan)
    if isinstance(hit, Unresolved):
        return _tracking_number_or_refuse(scan, hit)
    product = hit.product if isinstance(hit, Gs1Hit) else hit
    if not isinstance(product, ProductHit):
        raise NotAProduct(scan.code.strip()[:60])
    if db.session.get(Product, product.product_id).is_kit:
        raise errors.KitComesAsParts(product.sku)
    lot_number = (hit.lot or hit.serial) if isinstance(hit, Gs1Hit) else None  # a serial is its own lot
    counted = hit.quantity if isinstance(hit, Gs1Hit) and hit.quantity else 1
    units = (fields.quantity(scan.field("qty")) or 1) * counted * product.pack_qty
    outcome = service.lots_to_take_back(order, product.product_id, lot_number, units)
    if isinstance(outcome, service.Mismatch):
        known = hit.known_lot.lot_id if isinstance(hit, Gs1Hit) and hit.known_lot else None
        service.record_mismatch(db.session, scan.warehouse.id, order, product.product_id, known, lot_number, outcome,
                                user_id=scan.user_id)
        return Answer.refusal(STEP, **_context(order, mismatch=outcome, sku=product.sku, lot=lot_number))
    if len(outcome) == 1:
        return _ask_condition(order, product.product_id, outcome[0], units)
    return Answer.question(STEP, **_context(order, stage="lot", choices=outcome, units=units, sku=product.sku,
                                            product_id=product.product_id))


def _tracking_number_or_refuse(scan: Scan, hit: Unresolved) -> Answer:
    """A slip's tracking number reads as nothing else (often as a barcode with a wrong check digit)."""
    try:
        return _order_scanned(scan)
    except errors.NoSuchOrder:
        raise UnreadableScan(hit) from None


def _lot_chosen(scan: Scan, order: ReturnOrder) -> Answer:
    product_id, units = scan.number("product_id"), scan.number("units")
    if product_id is None or units is None:
        raise errors.ScanTheOrderFirst()
    choice = _choice(order, product_id, scan.number("lot_id"), units)
    return _ask_condition(order, product_id, choice, units)


def _choice(order: ReturnOrder, product_id: int, lot_id: int | None, units: int) -> LotChoice:
    """The lot as it may be taken back now; refused with the order as it is when it no longer may."""
    outcome = service.lots_to_take_back(order, product_id, None, units)
    found = None if isinstance(outcome, service.Mismatch) else next((c for c in outcome if c.lot_id == lot_id), None)
    if found is None or found.returnable < units:
        sku = next((item.sku for item in order.items if item.product_id == product_id), "?")
        raise ScanRefused(Answer.refusal(STEP, **_context(order, message=errors.AlreadyReturned(sku).message())))
    return found


def _ask_condition(order: ReturnOrder, product_id: int, choice: LotChoice, units: int) -> Answer:
    carry = {"stage": "condition", "order_id": str(order.id), "product_id": str(product_id),
             "lot_id": str(choice.lot_id or ""), "units": str(units)}
    return Answer.question(STEP, **_context(order, stage="condition", item=_item(order, product_id, choice.lot_id),
                                            units=units, reasons=service.DAMAGE_REASONS, carry=carry))


def _condition_chosen(scan: Scan, order: ReturnOrder) -> Answer:
    product_id, lot_id, units = scan.number("product_id"), scan.number("lot_id"), scan.number("units")
    chosen = scan.field("choice")
    if product_id is None or not units or chosen == "back":
        return Answer.ok(STEP, **_context(order, went_back=True))
    choice = _choice(order, product_id, lot_id, units)
    if chosen == "resaleable":
        return _go_to_shelf(scan.warehouse, order, product_id, choice, units)
    reason = chosen.removeprefix("damaged:")
    if reason not in service.DAMAGE_REASONS:
        return _ask_condition(order, product_id, choice, units)
    done = service.scrap(db.session, scan.warehouse, order.id, product_id, choice.lot_id, units, reason,
                         user_id=scan.user_id, key=scan.scan_id)
    return Answer.ok(STEP, **_context(_reload(scan, order), done=done))


def _go_to_shelf(warehouse: WarehouseRef, order: ReturnOrder, product_id: int, choice: LotChoice,
                 units: int, **extra) -> Answer:
    suggestion = service.suggestion(db.session, warehouse.id, product_id, choice.lot_id)
    carry = {"stage": "shelf", "order_id": str(order.id), "product_id": str(product_id),
             "lot_id": str(choice.lot_id or ""), "units": str(units), "suggested": suggestion.code if suggestion else ""}
    return Answer.ok(STEP, **_context(order, stage="shelf", item=_item(order, product_id, choice.lot_id), units=units,
                                      suggestion=suggestion, carry=carry, **extra))


def _shelf_scanned(scan: Scan, order: ReturnOrder) -> Answer:
    product_id, lot_id, units = scan.number("product_id"), scan.number("lot_id"), scan.number("units")
    if product_id is None or not units:
        return Answer.ok(STEP, **_context(order, went_back=True))
    choice = _choice(order, product_id, lot_id, units)
    suggested = fields.location_code(scan.field("suggested"))
    shelf = _shelf(scan, suggested or "")
    done = service.restock(db.session, scan.warehouse, order.id, product_id, choice.lot_id, units, shelf,
                           suggested=suggested, user_id=scan.user_id, key=scan.scan_id)
    return Answer.ok(STEP, **_context(_reload(scan, order), done=done))


def _reload(scan: Scan, order: ReturnOrder) -> ReturnOrder:
    return service.load_order(db.session, scan.warehouse.id, order.id)


def _item(order: ReturnOrder, product_id: int, lot_id: int | None):
    return next(item for item in order.items if item.product_id == product_id and item.lot_id == lot_id)


def _context(order: ReturnOrder | None, stage: str | None = None, **extra) -> dict:
    """A lot to choose is answered by its own button; the scan input stays the item scan."""
    stage = stage or ("item" if order is not None else "order")
    carry = {"stage": "item" if stage == "lot" else stage, "order_id": str(order.id) if order else ""}
    return {"order": order, "stage": stage, "carry": carry, **extra}


# --- shelves -------------------------------------------------------------------------------


def _shelf(scan: Scan, expected: str) -> Location:
    hit = resolve(scan.code, scan.warehouse, db.session)
    if isinstance(hit, LocationHit):
        return db.session.get(Location, hit.location_id)
    if isinstance(hit, Unresolved):
        raise UnreadableScan(hit)
    raise errors.ExpectedAShelf(expected, scan.code.strip()[:40])


# --- put-backs -----------------------------------------------------------------------------


def first_put_back(warehouse: WarehouseRef) -> Answer:
    return Answer.idle(PUT_BACK_STEP, **_put_back_context(warehouse))


def put_back_scan(scan: Scan) -> Answer:
    stage = scan.field("stage") or "item"
    if stage == "shelf":
        task = _task(scan)
        if scan.field("back") == "1":
            return Answer.ok(PUT_BACK_STEP, **_put_back_context(scan.warehouse, went_back=True))
        return _put_back_shelf_scanned(scan, task)
    if stage == "choose" and not scan.code.strip():
        return _suggest(scan.warehouse, _task(scan))
    return _put_back_item_scanned(scan)


def _task(scan: Scan) -> Task:
    task = service.open_task(db.session, scan.warehouse.id, scan.number("task"))
    if task is None:
        raise ScanRefused(Answer.refusal(PUT_BACK_STEP, **_put_back_context(
            scan.warehouse, message=errors.PutBackChanged(scan.field("sku") or "?").message())))
    return task


def _put_back_item_scanned(scan: Scan) -> Answer:
    hit = resolve(scan.code, scan.warehouse, db.session)
    if isinstance(hit, Unresolved):
        raise UnreadableScan(hit)
    product = hit.product if isinstance(hit, Gs1Hit) else hit
    if not isinstance(product, ProductHit):
        raise NotAProduct(scan.code.strip()[:60])
    tasks = service.open_tasks(db.session, scan.warehouse.id, product.product_id,
                               (hit.lot or hit.serial) if isinstance(hit, Gs1Hit) else None)
    if not tasks:
        raise errors.NothingToPutBack(product.sku)
    if len(tasks) == 1:
        return _suggest(scan.warehouse, tasks[0])
    return Answer.question(PUT_BACK_STEP, **_put_back_context(scan.warehouse, tasks=tasks, stage="choose",
                                                              choices=tasks, product=product))


def _suggest(warehouse: WarehouseRef, task: Task, **extra) -> Answer:
    suggestion = service.suggestion(db.session, warehouse.id, task.product_id, task.lot_id)
    carry = {"stage": "shelf", "task": str(task.id), "sku": task.sku, "suggested": suggestion.code if suggestion else ""}
    return Answer.ok(PUT_BACK_STEP, **_put_back_context(warehouse, tasks=(), stage="shelf", task=task,
                                                        suggestion=suggestion, carry=carry, **extra))


def _put_back_shelf_scanned(scan: Scan, task: Task) -> Answer:
    suggested = fields.location_code(scan.field("suggested"))
    shelf = _shelf(scan, suggested or "")
    units = fields.quantity(scan.field("qty")) or task.remaining
    if units > task.remaining:
        raise errors.MoreThanWaits(task.sku, task.remaining)
    try:
        done = service.put_back(db.session, task, units, shelf, suggested=suggested, user_id=scan.user_id,
                                key=scan.scan_id)
    except errors.PutBackChanged as changed:
        raise ScanRefused(Answer.refusal(PUT_BACK_STEP, **_put_back_context(scan.warehouse,
                                                                            message=changed.message()))) from None
    return Answer.ok(PUT_BACK_STEP, **_put_back_context(scan.warehouse, done=done))


def _put_back_context(warehouse: WarehouseRef, tasks=None, stage: str = "item", **extra) -> dict:
    """A choice is answered by its own button; the scan input stays the item scan."""
    tasks = service.open_tasks(db.session, warehouse.id) if tasks is None else tasks
    carry = {"stage": "item" if stage == "choose" else stage}
    return {"tasks": tasks, "stage": stage, "carry": carry, **extra}


__all__ = ["STEP", "PUT_BACK_STEP", "first_step", "return_scan", "first_put_back", "put_back_scan"]
