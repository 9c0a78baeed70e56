"""Turning a receiving form into goods: what was scanned or typed at each stage of the step."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.barcodes import resolve
from app.barcodes.results import Gs1Hit, ProductHit, Unresolved
from app.receiving import errors
from app.floor.fields import parse_expiry
from app.receipts.models import DamageReason
from app.receiving.service import Goods, Handling
from app.stock.models import Warehouse

STAGES = ("item", "details", "confirm")


class UnreadableScan(errors.FloorRefusal):
    """The scan resolved to nothing usable; carries the resolver's own message."""

    code = "unreadable"

    def __init__(self, unresolved: Unresolved):
        super().__init__(unresolved.reason)
        self.unresolved = unresolved

    def message(self) -> str:
        return self.unresolved.message()


@dataclass(frozen=True)
class ScannedProduct:
    product_id: int
    pack_qty: int
    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None
    quantity: int | None = None


def scanned_product(session: Session, code: str, warehouse: Warehouse) -> ScannedProduct:
    """A product barcode: JAN (1 unit), case GTIN (its pack), or a GS1 label with lot, expiry, count."""
    hit = resolve(code, warehouse, session)
    if isinstance(hit, Unresolved):
        raise UnreadableScan(hit)
    if isinstance(hit, ProductHit):
        return ScannedProduct(hit.product_id, hit.pack_qty)
    if isinstance(hit, Gs1Hit) and hit.product is not None:
        # Japanese food labels often carry 賞味期限 as best-before (AI 15) and no AI 17.
        return ScannedProduct(hit.product.product_id, hit.product.pack_qty, hit.lot, hit.expiry or hit.best_before,
                              hit.serial, hit.quantity)
    raise errors.NotAProduct(code.strip()[:60])


def typed_quantity(text: str | None) -> int | None:
    """The quantity field: empty means one scan's worth; otherwise a whole number 1–99999."""
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 99_999:
        raise errors.BadQuantity(text[:10])
    return int(text)


def typed_expiry(form) -> date | None:
    typed = (form.get("expiry") or "").strip()
    picked = (form.get("expiry_pick") or "").strip()
    if not typed and not picked:
        return None
    value = parse_expiry(typed or picked)
    if value is None:
        raise errors.BadExpiry((typed or picked)[:20])
    return value


def handling_from(form) -> Handling:
    """Damaged when a damage reason is chosen; confirmations carried from the question before."""
    reason = form.get("reason") or None
    damage_reason = DamageReason(reason) if reason in DamageReason._value2member_map_ else None
    return Handling(
        damaged=damage_reason is not None or form.get("damaged") == "1",
        damage_reason=damage_reason,
        confirm_over=form.get("confirm_over") == "1",
        confirm_short_dated=form.get("confirm_short_dated") == "1",
    )


def goods_from_item_scan(session: Session, code: str, form, warehouse: Warehouse) -> Goods:
    scanned = scanned_product(session, code, warehouse)
    count = scanned.quantity or typed_quantity(form.get("qty")) or 1
    return Goods(scanned.product_id, count * scanned.pack_qty, scanned.lot, scanned.expiry, scanned.serial)


def goods_from_details(session: Session, code: str, form, warehouse: Warehouse) -> Goods:
    """The lot stage: lot, expiry and serial typed, or scanned (a GS1 lot label, or the plain lot barcode)."""
    held = goods_from_hidden(form)
    lot = (form.get("lot") or "").strip() or held.lot
    serial = (form.get("serial") or "").strip() or held.serial
    expiry = typed_expiry(form) or held.expiry
    code = code.strip()
    if code:
        label = _gs1_of_same_product(session, code, warehouse, held.product_id)
        if label is not None:
            lot, expiry, serial = label.lot or lot, label.expiry or label.best_before or expiry, label.serial or serial
        elif serial is None and _is_serial_stage(form):
            serial = code
        else:
            lot = lot or code
    return Goods(held.product_id, held.units, lot or None, expiry, serial or None)


def _is_serial_stage(form) -> bool:
    return "serial" in (form.get("missing") or "")


def _gs1_of_same_product(session, code: str, warehouse: Warehouse, product_id: int) -> Gs1Hit | None:
    hit = resolve(code, warehouse, session)
    if isinstance(hit, Gs1Hit) and hit.product is not None:
        if hit.product.product_id != product_id:
            raise errors.NotAProduct(code[:60])
        return hit
    return None


def goods_from_hidden(form) -> Goods:
    """The goods a previous stage carried forward in hidden fields (re-checked by the service)."""
    try:
        product_id = int(form.get("product_id", ""))
        units = int(form.get("units", ""))
    except ValueError:
        raise errors.BadQuantity(form.get("units", "")[:10]) from None
    expiry = form.get("held_expiry") or None
    return Goods(product_id, units, form.get("held_lot") or None,
                 date.fromisoformat(expiry) if expiry else None, form.get("held_serial") or None)
