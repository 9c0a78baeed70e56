"""What a scan does at each stage of receiving. No Flask request here: a step gets a `Scan`.

The receiving step has three stages, carried by the page in hidden fields:
- `item`: scan a product (JAN, case GTIN, GS1 label with lot and expiry); an optional
  quantity per scan and a damage reason come with it;
- `details`: the product is known, its lot, expiry or serial is asked for (a question);
- `confirm`: receiving would go beyond the plan or the lot is short-dated: yes or no.
The goods held between stages travel in hidden fields and are checked again by the service.
"""
from __future__ import annotations

from datetime import date

from app.barcodes import product_gtin_spellings, resolve
from app.barcodes.results import DocumentKind, DocumentRef, Gs1Hit, ProductHit, Unresolved
from app.extensions import db
from app.floor import fields
from app.floor.refusals import NotAProduct, UnreadableScan
from app.floor.step import Answer, Scan, ScanRefused
from app.receipts.models import DamageReason
from app.receiving import errors, service
from app.receiving.service import Goods, Handling, Item, NeedsConfirmation, NeedsDetails, Received, Summary
from app.timeutil import local_today

STEP = "receiving/_step.html"
INDEX_STEP = "receiving/_index_step.html"
SHOWN_LINES = 8


# --- the list: open a receipt by its label ----------------------------------------------------


def receipt_list(warehouse_id: int, **extra) -> dict:
    return {"receipts": service.open_receipts(db.session, warehouse_id), **extra}


def open_receipt(scan: Scan) -> Answer:
    """A receipt label (ZR-…) scanned on the list: go to that receipt."""
    hit = resolve(scan.code, scan.warehouse, db.session)
    receipt_id = None
    if isinstance(hit, DocumentRef) and hit.kind is DocumentKind.RECEIPT:
        receipt_id = service.open_receipt_by_code(db.session, scan.warehouse.id, hit.code)
    if receipt_id is None:
        refusal = UnreadableScan(hit) if isinstance(hit, Unresolved) else errors.NotAnOpenReceipt(scan.code.strip()[:40])
        raise ScanRefused(Answer.refusal(INDEX_STEP, **receipt_list(scan.warehouse.id, error=refusal.message())))
    return Answer.ok(INDEX_STEP, **receipt_list(scan.warehouse.id), go=receipt_id)


# --- receiving goods ------------------------------------------------------------------------------


def first_step(receipt_id: int, warehouse_id: int) -> Answer:
    return Answer.idle(STEP, **_context(service.receipt_here(db.session, receipt_id, warehouse_id)))


def receive(scan: Scan, *, receipt_id: int) -> Answer:
    stage = scan.field("stage") or "item"
    if stage == "confirm" and not scan.said_yes():
        summary = service.receipt_here(db.session, receipt_id, scan.warehouse.id)
        return Answer.ok(STEP, **_context(summary, declined=_held(scan)))
    summary = None
    if stage == "item":
        spellings = product_gtin_spellings(scan.code, scan.warehouse.location_pattern)
        summary, jan = (service.receipt_for_scan(db.session, receipt_id, scan.warehouse.id, spellings=spellings)
                        if spellings else (None, None))
        goods, item = _scanned_goods(scan, jan)
    else:
        goods, item = _goods_held(scan, stage)
    outcome, summary = service.receive(
        db.session, receipt_id, goods, _handling(scan), item, warehouse=scan.warehouse, user_id=scan.user_id,
        key=scan.scan_id, today=local_today(), summary=summary,
    )
    return _answer(outcome, summary, _handling(scan))


def _goods_held(scan: Scan, stage: str) -> tuple[Goods, Item]:
    held = _held(scan)
    item = service.item_by_id(db.session, held.product_id)
    if stage == "details":
        return _details_given(scan, held, item), item
    return held, item


def _scanned_goods(scan: Scan, jan: ProductHit | None) -> tuple[Goods, Item]:
    """A product barcode: a JAN (one unit), a case GTIN (its pack), or a GS1 label with lot, expiry, count.

    `jan` is the product a plain GTIN scan named, already read with the receipt; anything else is resolved here.
    """
    if not scan.code.strip():
        raise NotAProduct("")
    hit = jan or resolve(scan.code, scan.warehouse, db.session)
    if isinstance(hit, Unresolved):
        raise UnreadableScan(hit)
    if isinstance(hit, ProductHit):
        count = fields.quantity(scan.field("qty")) or 1
        return Goods(hit.product_id, count * hit.pack_qty), Item.from_hit(hit)
    if isinstance(hit, Gs1Hit) and hit.product is not None:
        count = hit.quantity or fields.quantity(scan.field("qty")) or 1
        # Japanese food labels often carry 賞味期限 as best-before (AI 15) and no AI 17.
        goods = Goods(hit.product.product_id, count * hit.product.pack_qty, hit.lot, hit.expiry or hit.best_before,
                      hit.serial)
        return goods, Item.from_hit(hit.product)
    raise NotAProduct(scan.code.strip()[:60])


def _details_given(scan: Scan, held: Goods, item: Item) -> Goods:
    """The lot stage: lot, expiry and serial typed, or scanned (a GS1 lot label, or the plain lot barcode)."""
    lot = scan.field("lot") or held.lot
    serial = scan.field("serial") or held.serial
    expiry = fields.expiry(scan.field("expiry"), scan.field("expiry_pick")) or held.expiry
    code = scan.code.strip()
    if code:
        label = _label_of_same_product(scan, item)
        if label is not None:
            lot, expiry, serial = label.lot or lot, label.expiry or label.best_before or expiry, label.serial or serial
        elif "serial" in scan.field("missing") and not serial:
            serial = code
        else:
            lot = lot or code
    return Goods(held.product_id, held.units, lot or None, expiry, serial or None)


def _label_of_same_product(scan: Scan, item: Item) -> Gs1Hit | None:
    """A GS1 label of the product being received; a product barcode is refused (it is not a lot)."""
    hit = resolve(scan.code, scan.warehouse, db.session)
    if isinstance(hit, ProductHit):
        raise errors.LotExpected(item.sku, scan.code.strip()[:40])
    if isinstance(hit, Gs1Hit) and hit.product is not None:
        if hit.product.product_id != item.product_id:
            raise errors.LotExpected(item.sku, scan.code.strip()[:40])
        return hit
    return None


def _held(scan: Scan) -> Goods:
    """The goods a previous stage carried forward in hidden fields (checked again by the service)."""
    product_id, units = scan.number("product_id"), scan.number("units")
    if product_id is None or units is None:
        raise NotAProduct(scan.field("product_id")[:10])
    expiry = scan.field("held_expiry")
    try:
        held_expiry = date.fromisoformat(expiry) if expiry else None
    except ValueError:
        held_expiry = None
    return Goods(product_id, units, scan.field("held_lot") or None, held_expiry, scan.field("held_serial") or None)


def _handling(scan: Scan) -> Handling:
    """Damaged when a damage reason is chosen; confirmations carried from the question before."""
    reason = scan.field("reason")
    damage_reason = DamageReason(reason) if reason in DamageReason._value2member_map_ else None
    confirming = scan.field("stage") == "confirm" and scan.said_yes()
    asked = scan.field("asked")
    return Handling(
        damaged=damage_reason is not None,
        damage_reason=damage_reason,
        confirm_over=scan.field("confirm_over") == "1" or (confirming and asked in ("over", "unexpected")),
        confirm_short_dated=scan.field("confirm_short_dated") == "1" or (confirming and asked == "short_dated"),
    )


def _answer(outcome, summary: Summary, handling: Handling) -> Answer:
    if isinstance(outcome, NeedsDetails):
        return Answer.question(STEP, **_context(summary, stage="details", asked=outcome,
                                                carry=_carry("details", outcome.goods, handling, missing=outcome.missing)))
    if isinstance(outcome, NeedsConfirmation):
        return Answer.confirm(STEP, **_context(summary, stage="confirm", confirm=outcome,
                                               carry=_carry("confirm", outcome.goods, handling, asked=outcome.reason)))
    return Answer.ok(STEP, **_context(summary, received=outcome))


def _carry(stage: str, goods: Goods, handling: Handling, *, missing=(), asked: str = "") -> dict[str, str]:
    """The hidden fields the next stage posts back: the goods held, and what was already confirmed."""
    return {
        "stage": stage,
        "product_id": str(goods.product_id),
        "units": str(goods.units),
        "held_lot": goods.lot or "",
        "held_expiry": goods.expiry.isoformat() if goods.expiry else "",
        "held_serial": goods.serial or "",
        "missing": ",".join(missing),
        "asked": asked,
        "reason": handling.damage_reason.value if handling.damage_reason else "",
        "confirm_over": "1" if handling.confirm_over else "",
        "confirm_short_dated": "1" if handling.confirm_short_dated else "",
    }


def _context(summary: Summary, **extra) -> dict:
    focus = _focus(summary, extra)
    shown = _lines_to_show(summary.lines, focus)
    return {"summary": summary, "stage": "item", "damage_reasons": list(DamageReason), "lines": shown,
            "hidden_lines": summary.line_count - len(shown), "focus": focus, "carry": {"stage": "item"}, **extra}


def _focus(summary: Summary, extra: dict):
    """The line the person is working on: the one just received, asked about or confirmed."""
    received = extra.get("received")
    if isinstance(received, Received):
        return summary.line(received.line_id)
    for key in ("confirm", "asked"):
        outcome = extra.get(key)
        if outcome is not None:
            lines = summary.lines_of(outcome.goods.product_id)
            return lines[0] if lines else None
    return None


def _lines_to_show(lines, focus) -> list:
    """A scan's answer stays small: the line just scanned, then lines still waiting, up to SHOWN_LINES."""
    def rank(line):
        return (focus is None or line.line_id != focus.line_id, line.state not in ("waiting", "short"), line.line_no)
    return sorted(lines, key=rank)[:SHOWN_LINES]


# --- undo -------------------------------------------------------------------------------------


def undo(scan: Scan, *, receipt_id: int) -> Answer:
    """First tap: what would be undone, asked; "yes": the scan reversed."""
    if not scan.said_yes():
        summary = service.receipt_here(db.session, receipt_id, scan.warehouse.id)
        last = service.last_scan(db.session, receipt_id, scan.user_id)
        if last is None:
            raise errors.NothingToUndo()
        return Answer.confirm(STEP, **_context(summary, stage="undo", undo=last))
    last, summary = service.undo_last(db.session, receipt_id, warehouse=scan.warehouse, user_id=scan.user_id,
                                      key=scan.scan_id, entry_id=scan.number("entry_id"))
    return Answer.ok(STEP, **_context(summary, undone=last))
