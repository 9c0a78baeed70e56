"""What a scan does at each stage of picking. No Flask request here: a step gets a `Scan`.

Stages, carried by the page in hidden fields (with the list's `version` and the `line`):
- `tote`: scan an empty tote for the next order without one (before the first pick);
- `shelf`: go to the shelf the prompt shows (the largest text) and scan its label;
- `item`: scan the item (JAN, case GTIN counting its pack, GS1 carrying the lot), optionally
  with a typed quantity; 「ここに足りない」 asks to confirm a short pick;
- `lot`: a lot-tracked item was scanned without its lot: scan the lot label or confirm the
  reserved lot is the one in hand (a question);
- `short`: are you sure? (a confirmation);
- `done`: the list is finished.
A line on the same shelf as the one just finished starts at `item`: a shelf is scanned once.
"""
from __future__ import annotations

from dataclasses import replace

from app.barcodes import resolve
from app.barcodes.results import DocumentKind, DocumentRef, Gs1Hit, LocationHit, ProductHit, Unresolved
from app.extensions import db
from app.floor import fields
from app.floor.refusals import NotHere, UnreadableScan
from app.floor.step import Answer, Scan, ScanRefused
from app.picking import errors, service
from app.picking.service import LineView, ListView
from app.stock.models import Tracking

STEP = "picking/_step.html"


def first_step(view: ListView) -> Answer:
    return Answer.idle(STEP, **_context(view))


def pick_scan(scan: Scan, list_id: int) -> Answer:
    view = _list(scan, list_id)
    service.claim(db.session, view, scan.user_id)
    version = scan.number("version")
    if version is not None and version != view.version:
        raise ScanRefused(Answer.refusal(STEP, **_context(view, stale=True)))
    if view.unbound is not None:
        return _tote_scanned(scan, view)
    line = view.current
    if line is None:
        return Answer.ok(STEP, **_context(view))
    stage = scan.field("stage")
    at_shelf = scan.number("at") == line.location_id and scan.number("line") == line.id
    if stage == "short" and at_shelf:
        return _short_answered(scan, view, line)
    if stage in ("item", "lot") and at_shelf:
        if scan.field("short") == "1":
            return Answer.confirm(STEP, **_context(view, stage="short", at=line.location_id))
        return _item_scanned(scan, view, line)
    return _shelf_scanned(scan, view, line)


def _list(scan: Scan, list_id: int) -> ListView:
    view = service.load_list(db.session, list_id, scan.warehouse.id)
    if view is None:
        raise NotHere("pick list")
    return view


def _tote_scanned(scan: Scan, view: ListView) -> Answer:
    hit = resolve(scan.code, scan.warehouse, db.session)
    if not (isinstance(hit, DocumentRef) and hit.kind is DocumentKind.TOTE):
        raise errors.NotATote(scan.code.strip()[:60])
    slot = service.bind_tote(db.session, view, hit.code)
    fresh = _reload(view)
    return Answer.ok(STEP, **_context(fresh, bound=(slot.order_code, hit.code)))


def _shelf_scanned(scan: Scan, view: ListView, line: LineView) -> Answer:
    if _is_label_of(scan.code, line.location_code):  # the expected shelf: nothing to look up
        return Answer.ok(STEP, **_context(view, stage="item", at=line.location_id))
    hit = resolve(scan.code, scan.warehouse, db.session)
    if isinstance(hit, LocationHit):
        if hit.location_id != line.location_id:
            raise errors.WrongShelf(line.location_code, hit.code)
        return Answer.ok(STEP, **_context(view, stage="item", at=line.location_id))
    if isinstance(hit, (ProductHit, Gs1Hit)):
        raise errors.ShelfFirst(line.location_code)
    if isinstance(hit, Unresolved):
        raise UnreadableScan(hit)
    raise errors.WrongShelf(line.location_code, scan.code.strip()[:60])


def _item_scanned(scan: Scan, view: ListView, line: LineView) -> Answer:
    if scan.field("stage") == "lot" and scan.said_yes():
        return _pick(scan, view, line, scan.number("units") or 1)
    hit = _expected_product(scan.code, line) or resolve(scan.code, scan.warehouse, db.session)
    if isinstance(hit, LocationHit) and hit.location_id == line.location_id:
        return Answer.ok(STEP, **_context(view, stage="item", at=line.location_id))
    product = hit.product if isinstance(hit, Gs1Hit) else hit
    if not isinstance(product, ProductHit):
        if isinstance(hit, Unresolved):
            raise UnreadableScan(hit)
        raise errors.WrongItem(_expected(line), scan.code.strip()[:60], line.location_code)
    if product.product_id != line.product_id:
        raise errors.WrongItem(_expected(line), f"{product.sku} ({product.barcode})", line.location_code)
    typed = fields.quantity(scan.field("qty")) or 1
    units = typed * (_gs1_count(hit) or 1) * product.pack_qty
    if line.lot_id is None:
        return _pick(scan, view, line, units)
    lot = hit.lot if isinstance(hit, Gs1Hit) else None
    if not lot:
        if units > line.remaining:
            raise errors.TooMany(units, line.remaining)
        return Answer.question(STEP, **_context(view, stage="lot", at=line.location_id, units=units))
    if lot != line.lot_number:
        if hit.known_lot is None:
            raise errors.LotMayNotShip(lot, line.lot_number or "-", "not_here")
        if units > line.remaining:
            raise errors.TooMany(units, line.remaining)
        line = service.swap_lot(db.session, view, line, hit.known_lot.lot_id, lot, user_id=scan.user_id,
                                key=scan.scan_id)
        view = replace(view, version=view.version + 1, current=line)
        return _pick(scan, view, line, units, swapped=True)
    return _pick(scan, view, line, units)


def _is_label_of(code: str, location_code: str) -> bool:
    cleaned = code.strip().upper()
    return cleaned in (location_code, f"ZL-{location_code}")


def _expected_product(code: str, line: LineView) -> ProductHit | None:
    """The line's own product when the scan is one of its barcodes as registered (most scans): no lookup."""
    cleaned = code.strip()
    for barcode, pack_qty in line.barcodes:
        if cleaned == barcode:
            return ProductHit(line.product_id, line.sku, line.name, pack_qty, Tracking(line.tracking), None, barcode)
    return None


def _gs1_count(hit) -> int | None:
    return hit.quantity if isinstance(hit, Gs1Hit) and hit.quantity else None


def _pick(scan: Scan, view: ListView, line: LineView, units: int, swapped: bool = False) -> Answer:
    picked = service.pick(db.session, view, line, units, user_id=scan.user_id, key=scan.scan_id)
    fresh = view.after_pick(line, units)
    if fresh.current is None:
        fresh = _reload(view)
    stage, at = _next_stage(fresh, line)
    return Answer.ok(STEP, **_context(fresh, stage=stage, at=at, picked=picked, swapped=swapped,
                                      shown_line=None if picked.line_done else line.id))


def _short_answered(scan: Scan, view: ListView, line: LineView) -> Answer:
    if not scan.said_yes():
        return Answer.ok(STEP, **_context(view, stage="item", at=line.location_id))
    shorted = service.short_pick(db.session, view, line, user_id=scan.user_id, key=scan.scan_id)
    fresh = _reload(view)
    stage, at = _next_stage(fresh, line)
    return Answer.ok(STEP, **_context(fresh, stage=stage, at=at, shorted=shorted))


def _next_stage(view: ListView, previous: LineView) -> tuple[str, int | None]:
    """A next line on the shelf the picker stands at starts at the item: a shelf is scanned once."""
    current = view.current
    if current is not None and current.location_id == previous.location_id and current.tote_id is not None:
        return "item", current.location_id
    return "shelf", None


def _reload(view: ListView) -> ListView:
    return service.load_list(db.session, view.id, view.warehouse_id)


def _expected(line: LineView) -> str:
    return f"{line.sku} ({line.barcode})" if line.barcode else line.sku


def _context(view: ListView, stage: str | None = None, at: int | None = None, **extra) -> dict:
    line = view.current
    if view.unbound is not None:
        stage = "tote"
    elif line is None:
        stage = "done"
    elif stage is None:
        stage = "shelf"
    carry = {"stage": stage, "version": str(view.version), "line": str(line.id) if line else "",
             "at": str(at or "")}
    if extra.get("units"):
        carry["units"] = str(extra["units"])
    return {"view": view, "line": line, "stage": stage, "carry": carry, **extra}


__all__ = ["STEP", "first_step", "pick_scan"]
