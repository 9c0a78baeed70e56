"""What a scan does at each stage of putaway. No Flask request here: a step gets a `Scan`.

Stages, carried by the page in hidden fields:
- `item`: scan what waits on the dock (a JAN, a case, a GS1 lot label);
- `choose`: several lots of it wait: which one? (a question; tap it);
- `location`: go to the suggested shelf and scan it (another shelf is allowed); a quantity
  smaller than all of it splits the goods; "back" returns to `item`;
- `place`: the scanned shelf holds another product, or another lot where lots may not mix:
  yes or no.
"""
from __future__ import annotations

from app.barcodes import location_code_in, resolve
from app.barcodes.results import Gs1Hit, ProductHit, Unresolved
from app.extensions import db
from app.floor import fields
from app.floor.refusals import ExpectedLocation, NotAProduct, UnreadableScan
from app.floor.step import Answer, Scan
from app.putaway import errors, service
from app.stock.models import Product
from app.stock.warehouses import WarehouseRef

STEP = "putaway/_step.html"


def first_step(warehouse: WarehouseRef) -> Answer:
    return Answer.idle(STEP, **_context(warehouse))


def put_away(scan: Scan) -> Answer:
    stage = scan.field("stage") or "item"
    if stage == "location":
        if scan.field("back") == "1":
            return Answer.ok(STEP, **_context(scan.warehouse, went_back=True))
        return _shelf_scanned(scan, scan.code, confirmed=False)
    if stage == "place":
        if not scan.said_yes():
            return _suggest(scan.warehouse, scan.number("product_id"), scan.number("lot_id"), kept_away=scan.field("shelf"))
        return _shelf_scanned(scan, scan.field("shelf"), confirmed=True)
    if stage == "choose":
        return _suggest(scan.warehouse, scan.number("product_id"), scan.number("lot_id"))
    return _goods_scanned(scan)


def _context(warehouse: WarehouseRef, items=None, **extra) -> dict:
    items = service.dock_items(db.session, warehouse) if items is None else items
    return {"items": items, "stage": "item", "carry": {"stage": "item"}, **extra}


def _goods_scanned(scan: Scan) -> Answer:
    hit = resolve(scan.code, scan.warehouse, db.session)
    if isinstance(hit, Unresolved):
        raise UnreadableScan(hit)
    if isinstance(hit, ProductHit):
        product, lot_number = hit, None
    elif isinstance(hit, Gs1Hit) and hit.product is not None:
        product, lot_number = hit.product, hit.lot
    else:
        raise NotAProduct(scan.code.strip()[:60])
    waiting = service.dock_items(db.session, scan.warehouse, product.product_id)
    if lot_number:
        waiting = [item for item in waiting if item.lot == lot_number]
    if not waiting:
        raise errors.NotOnDock(product.sku)
    if len(waiting) > 1:
        return Answer.question(STEP, **_context(scan.warehouse, stage="choose", choices=waiting, product=product,
                                                 carry={"stage": "item"}))
    return _suggest(scan.warehouse, product.product_id, waiting[0].lot_id)


def _suggest(warehouse: WarehouseRef, product_id: int | None, lot_id: int | None, **extra) -> Answer:
    product = db.session.get(Product, product_id) if product_id is not None else None
    waiting = [item for item in service.dock_items(db.session, warehouse, product_id) if item.lot_id == lot_id] \
        if product is not None else []
    if not waiting:
        raise errors.NotOnDock(product.sku if product else "")
    item = waiting[0]
    suggestion = service.suggest_location(db.session, warehouse.id, product, lot_id, warehouse.settings.lot_mixing)
    carry = {"stage": "location", "product_id": str(item.product_id), "lot_id": str(item.lot_id or ""),
             "suggested": suggestion.code if suggestion else ""}
    return Answer.ok(STEP, **_context(warehouse, items=(), stage="location", item=item, suggestion=suggestion,
                                      carry=carry, **extra))


def _shelf_scanned(scan: Scan, code: str, *, confirmed: bool) -> Answer:
    product_id, lot_id = scan.number("product_id"), scan.number("lot_id")
    if product_id is None:
        raise errors.NotOnDock("")
    facts = service.shelf_facts(db.session, scan.warehouse, product_id, lot_id,
                                location_code_in(code, scan.warehouse.location_pattern))
    if facts.shelf is None:
        _explain_not_a_shelf(scan, code)
    waiting = facts.goods.quantity if facts.goods else 0
    quantity = fields.quantity(scan.field("qty")) or waiting
    outcome = service.put_away(
        db.session, scan.warehouse, facts, quantity, suggested=fields.location_code(scan.field("suggested")),
        confirmed=confirmed,
        user_id=scan.user_id, key=scan.scan_id,
    )
    if isinstance(outcome, service.NeedsConfirmation):
        carry = {"stage": "place", "product_id": str(product_id), "lot_id": str(lot_id or ""),
                 "suggested": fields.location_code(scan.field("suggested")) or "", "shelf": outcome.shelf.code,
                 "qty": str(quantity)}
        return Answer.confirm(STEP, **_context(scan.warehouse, items=(), stage="place", confirm=outcome, carry=carry))
    return Answer.ok(STEP, **_context(scan.warehouse, items=service.dock_after(facts, outcome), done=outcome))


def _explain_not_a_shelf(scan: Scan, code: str):
    hit = resolve(code, scan.warehouse, db.session)
    if isinstance(hit, Unresolved):
        raise UnreadableScan(hit)
    raise ExpectedLocation(fields.location_code(scan.field("suggested")) or "", code.strip()[:40])
