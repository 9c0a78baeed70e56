"""格納 (putaway) screen: scan what waits on the dock, go where the screen says, scan the shelf."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from flask_login import current_user

from app.auth.roles import Screen, screen_required
from app.barcodes import resolve
from app.barcodes.results import Gs1Hit, LocationHit, ProductHit, Unresolved
from app.extensions import db
from app.putaway import service
from app.receiving import errors
from app.receiving.scans import UnreadableScan, typed_quantity
from app.scan.step import Answer, ScanRefused, Step, answer_registered, register_step
from app.shell.context import current_warehouse
from app.stock.errors import StockError
from app.stock.models import Location, Product

bp = Blueprint("putaway", __name__, url_prefix="/putaway")
STEP = "putaway/_step.html"


@bp.get("")
@screen_required(Screen.PUTAWAY)
def index():
    return render_template("putaway/index.html", step_html=Answer(STEP, _context(), result="").render())


@bp.post("/scan")
@screen_required(Screen.PUTAWAY)
def scan():
    return answer_registered("putaway.scan")


def _context(**extra) -> dict:
    warehouse = current_warehouse()
    items = service.dock_items(db.session, warehouse.id) if warehouse else []
    return {"items": items, "stage": "item", **extra}


def answer_putaway(code: str) -> Answer:
    form = request.form
    stage = form.get("stage", "item")
    try:
        if stage == "location":
            return _shelf_scanned(code, form)
        if stage == "choose":
            return _goods_chosen(int(form.get("product_id", 0)), int(form.get("lot_id") or 0) or None)
        return _goods_scanned(code)
    except (errors.FloorRefusal, StockError) as refusal:
        raise ScanRefused(Answer.refusal(STEP, _retry(stage, form, refusal.message(), code))) from None


def _goods_scanned(code: str) -> Answer:
    warehouse = current_warehouse()
    hit = resolve(code, warehouse, db.session)
    if isinstance(hit, Unresolved):
        raise UnreadableScan(hit)
    if isinstance(hit, ProductHit):
        product_id, lot_number = hit.product_id, None
    elif isinstance(hit, Gs1Hit) and hit.product is not None:
        product_id, lot_number = hit.product.product_id, hit.lot
    else:
        raise errors.NotAProduct(code.strip()[:60])
    product = db.session.get(Product, product_id)
    waiting = service.dock_items(db.session, warehouse.id, product_id)
    if lot_number:
        waiting = [item for item in waiting if item.lot == lot_number]
    if not waiting:
        raise errors.NotOnDock(product.sku)
    if len(waiting) > 1:
        return Answer(STEP, _context(stage="choose", choices=waiting, product=product), result="ok")
    return _suggest(product, waiting[0])


def _goods_chosen(product_id: int, lot_id: int | None) -> Answer:
    warehouse = current_warehouse()
    product = db.session.get(Product, product_id)
    waiting = [item for item in service.dock_items(db.session, warehouse.id, product_id) if item.lot_id == lot_id]
    if product is None or not waiting:
        raise errors.NotOnDock(product.sku if product else "?")
    return _suggest(product, waiting[0])


def _suggest(product: Product, item: service.DockItem, **extra) -> Answer:
    suggestion = service.suggest_location(db.session, current_warehouse().id, product, item.lot_id)
    return Answer(STEP, _context(stage="location", item=item, suggestion=suggestion, **extra), result="ok")


def _shelf_scanned(code: str, form) -> Answer:
    warehouse = current_warehouse()
    product = db.session.get(Product, int(form.get("product_id", 0)))
    lot_id = int(form.get("lot_id") or 0) or None
    hit = resolve(code, warehouse, db.session)
    if isinstance(hit, Unresolved):
        raise UnreadableScan(hit)
    if not isinstance(hit, LocationHit):
        raise errors.ExpectedLocation(form.get("suggested") or "", code.strip()[:40])
    quantity = typed_quantity(form.get("qty")) or int(form.get("waiting", 0))
    done = service.put_away(
        db.session, warehouse.id, product, lot_id, quantity, db.session.get(Location, hit.location_id),
        suggested=form.get("suggested") or None, user_id=current_user.id, key=form.get("scan_id") or code,
    )
    return Answer(STEP, _context(done=done), result="ok")


def _retry(stage: str, form, message: str, code: str) -> dict:
    """After a refusal at the shelf, stay there: same goods, same suggestion."""
    if stage != "location":
        return _context(error=message, code=code)
    warehouse = current_warehouse()
    product = db.session.get(Product, int(form.get("product_id", 0)))
    lot_id = int(form.get("lot_id") or 0) or None
    waiting = [i for i in service.dock_items(db.session, warehouse.id, product.id) if i.lot_id == lot_id]
    if not waiting:
        return _context(error=message, code=code)
    suggestion = service.suggest_location(db.session, warehouse.id, product, lot_id)
    return _context(stage="location", item=waiting[0], suggestion=suggestion, error=message, code=code)


register_step("putaway.scan", Step("putaway", answer_putaway))

