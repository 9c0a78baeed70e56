"""What a scan does at each stage of a count. No Flask request here: a step gets a `Scan`.

Stages, carried by the page in hidden fields:
- `shelf`: go to the shelf the prompt shows and scan its label (the count starts);
- `item`: scan each unit (JAN, case GTIN counting its pack, GS1 with its lot), optionally with a
  typed quantity; the counter never sees what the records say (blind); 「この棚は空」 and
  「数え終わり」 each ask to confirm;
- `lot`: a lot-tracked product scanned without its lot: tap the lot or scan its label;
- `empty` / `finish`: are you sure? (a confirmation);
- `done`: submitted.
"""
from __future__ import annotations

from app.barcodes import resolve
from app.barcodes.results import Gs1Hit, LocationHit, ProductHit, Unresolved
from app.counts import errors, service
from app.extensions import db
from app.floor import fields
from app.floor.refusals import NotHere, UnreadableScan
from app.floor.step import Answer, Scan
from app.stock.models import CountTaskStatus, Lot, Product

STEP = "counts/_step.html"


def first_step(view: service.CountView) -> Answer:
    return Answer.idle(STEP, **_context(view))


def count_scan(scan: Scan, task_id: int) -> Answer:
    view = service.load(db.session, task_id, scan.warehouse.id, scan.user_id)
    if view is None:
        raise NotHere("count task")
    stage = scan.field("stage")
    if view.task.status not in (CountTaskStatus.OPEN, CountTaskStatus.RECOUNT) and stage != "done":
        return Answer.ok(STEP, **_context(view, stage="closed"))
    if stage in ("empty", "finish"):
        return _confirmed(scan, view, stage)
    if stage in ("item", "lot"):
        if scan.field("empty") == "1":
            return Answer.confirm(STEP, **_context(view, stage="empty"))
        if scan.field("finish") == "1":
            return Answer.confirm(STEP, **_context(view, stage="finish"))
        if stage == "lot" and scan.number("lot_id") is not None:
            return _lot_chosen(scan, view, scan.number("product_id"), scan.number("lot_id"))
        return _item_scanned(scan, view)
    return _shelf_scanned(scan, view)


def _shelf_scanned(scan: Scan, view: service.CountView) -> Answer:
    shelf = view.task.location
    hit = resolve(scan.code, scan.warehouse, db.session)
    if isinstance(hit, LocationHit):
        if hit.location_id != shelf.id:
            raise errors.WrongShelf(shelf.code, hit.code)
        service.start(db.session, view, scan.user_id)
        return Answer.ok(STEP, **_context(service.reload(db.session, view, scan.user_id), stage="item"))
    if isinstance(hit, Unresolved):
        raise UnreadableScan(hit)
    raise errors.ShelfFirst(shelf.code)


def _item_scanned(scan: Scan, view: service.CountView) -> Answer:
    hit = resolve(scan.code, scan.warehouse, db.session)
    if isinstance(hit, LocationHit) and hit.location_id == view.task.location_id:
        return Answer.ok(STEP, **_context(view, stage="item"))
    product = hit.product if isinstance(hit, Gs1Hit) else hit
    if not isinstance(product, ProductHit):
        if isinstance(hit, Unresolved):
            raise UnreadableScan(hit)
        from app.floor.refusals import NotAProduct

        raise NotAProduct(scan.code.strip()[:60])
    typed = fields.quantity(scan.field("qty")) or 1
    units = typed * (hit.quantity if isinstance(hit, Gs1Hit) and hit.quantity else 1) * product.pack_qty
    if product.tracking.needs_lot:
        if isinstance(hit, Gs1Hit) and hit.known_lot is not None:
            return _counted(scan, view, product.product_id, hit.known_lot.lot_id, units)
        lots = service.known_lots(db.session, product.product_id)
        if not lots:
            raise errors.LotNeeded(product.sku)
        return Answer.question(STEP, **_context(view, stage="lot", product=product, lots=lots, units=units))
    return _counted(scan, view, product.product_id, None, units)


def _lot_chosen(scan: Scan, view: service.CountView, product_id: int | None, lot_id: int) -> Answer:
    """A lot tapped: the page sends the product and the lot back, and they must still go together."""
    product = db.session.get(Product, product_id) if product_id is not None else None
    if product is None:
        raise errors.ShelfFirst(view.task.location.code)
    lot = db.session.get(Lot, lot_id)
    if lot is None or lot.product_id != product.id:
        raise errors.LotNeeded(product.sku)
    return _counted(scan, view, product.id, lot.id, scan.number("units") or 1)


def _counted(scan: Scan, view: service.CountView, product_id: int | None, lot_id: int | None, units: int) -> Answer:
    if product_id is None:
        raise errors.ShelfFirst(view.task.location.code)
    total = service.count_units(db.session, view, scan.user_id, product_id, lot_id, units)
    fresh = service.reload(db.session, view, scan.user_id)
    return Answer.ok(STEP, **_context(fresh, stage="item", counted=(product_id, lot_id, units, total)))


def _confirmed(scan: Scan, view: service.CountView, stage: str) -> Answer:
    if not scan.said_yes():
        return Answer.ok(STEP, **_context(view, stage="item"))
    submitted = service.finish(db.session, view, scan.user_id, empty=stage == "empty")
    fresh = service.reload(db.session, view, scan.user_id)
    return Answer.ok(STEP, **_context(fresh, stage="done", submitted=submitted, empty=stage == "empty"))


def _context(view: service.CountView, stage: str | None = None, **extra) -> dict:
    stage = stage or ("item" if view.count is not None and view.count.submitted_at is None else "shelf")
    carry = {"stage": stage}
    if extra.get("product") is not None:
        carry["product_id"] = str(extra["product"].product_id)
    if extra.get("units"):
        carry["units"] = str(extra["units"])
    return {"view": view, "stage": stage, "carry": carry, **extra}


__all__ = ["STEP", "first_step", "count_scan"]
