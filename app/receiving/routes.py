"""入荷 (receiving) screens: pick or scan a receipt, scan goods in, undo, close."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.auth.roles import Screen, screen_required
from app.barcodes import resolve
from app.barcodes.results import DocumentKind, DocumentRef, Unresolved
from app.database import write_transaction
from app.extensions import db
from app.receiving import errors, service
from app.receipts.models import DamageReason, Receipt
from app.receipts.plans import create_receipt
from app.receiving.scans import goods_from_details, goods_from_hidden, goods_from_item_scan, handling_from
from app.scan.step import Answer, ScanRefused, Step, answer_registered, register_step
from app.shell.context import current_warehouse
from app.stock.errors import StockError
from app.timeutil import local_today

bp = Blueprint("receiving", __name__, url_prefix="/receiving")

DAMAGE_LABELS = {
    "crushed": _l("Crushed box"), "wet": _l("Wet"), "broken": _l("Broken"),
    "contaminated": _l("Contaminated or leaking"), "other": _l("Other damage"),
}
LINE_STATES = {
    "short": _l("short"), "waiting": _l("not arrived"), "over": _l("over the plan"), "unexpected": _l("not on the plan"),
    "complete": _l("complete"), "received": _l("received"),
}
bp.add_app_template_global(lambda value: DAMAGE_LABELS.get(value, value), "damage_label")
bp.add_app_template_global(lambda value: LINE_STATES.get(value, value), "line_state_label")
INDEX_STEP = "receiving/_index_step.html"
STEP = "receiving/_step.html"


def _receipt_or_404(receipt_id: int) -> Receipt:
    _check_receipt(receipt_id)
    return db.session.get(Receipt, receipt_id)


def _check_receipt(receipt_id: int) -> None:
    """404 unless the receipt belongs to the current warehouse (one indexed read, no lines)."""
    warehouse = current_warehouse()
    owner = db.session.scalar(select(Receipt.warehouse_id).where(Receipt.id == receipt_id))
    if owner is None or warehouse is None or owner != warehouse.id:
        abort(404)


# --- the list, and opening a receipt by its label ----------------------------------------------


@bp.get("")
@screen_required(Screen.RECEIVING)
def index():
    return render_template("receiving/index.html", step_html=Answer(INDEX_STEP, _index_context(), result="").render())


def _index_context(**extra) -> dict:
    warehouse = current_warehouse()
    receipts = service.open_receipts(db.session, warehouse.id) if warehouse else []
    return {"receipts": receipts, **extra}


@bp.post("/open")
@screen_required(Screen.RECEIVING)
def open_by_scan():
    return answer_registered("receiving.open_by_scan")


def answer_open(code: str) -> Answer:
    warehouse = current_warehouse()
    hit = resolve(code, warehouse, db.session) if warehouse else None
    receipt = None
    if isinstance(hit, DocumentRef) and hit.kind is DocumentKind.RECEIPT:
        receipt = service.receipt_by_code(db.session, warehouse.id, hit.code)
    if receipt is None or receipt.is_closed:
        message = hit.message() if isinstance(hit, Unresolved) else _(
            "%(code)s is not an open receipt of this warehouse. Scan the receipt label (ZR-…).", code=code.strip()[:40])
        raise ScanRefused(Answer.refusal(INDEX_STEP, _index_context(error=message, code=code)))
    return Answer(INDEX_STEP, _index_context(opened=receipt, go=url_for("receiving.task", receipt_id=receipt.id)))


@bp.post("/blind")
@screen_required(Screen.RECEIVING)
def start_blind():
    warehouse = current_warehouse()
    if warehouse is None:
        abort(404)
    supplier = (request.form.get("supplier") or "").strip()[:100] or _("(no plan)")
    with write_transaction():
        receipt = create_receipt(db.session, warehouse.id, supplier, local_today(), [], current_user.id, blind=True)
    return redirect(url_for("receiving.task", receipt_id=receipt.id))


# --- receiving goods ------------------------------------------------------------------------------


@bp.get("/<int:receipt_id>")
@screen_required(Screen.RECEIVING)
def task(receipt_id: int):
    receipt = _receipt_or_404(receipt_id)
    if receipt.is_closed:
        return redirect(url_for("receiving.summary", receipt_id=receipt.id))
    return render_template("receiving/task.html", receipt=receipt,
                           step_html=Answer(STEP, _step_context(receipt), result="").render())


@bp.post("/<int:receipt_id>/scan")
@screen_required(Screen.RECEIVING)
def scan(receipt_id: int):
    return answer_registered("receiving.scan")


def answer_receive(code: str) -> Answer:
    receipt_id = request.view_args["receipt_id"]
    form = request.form
    stage = form.get("stage", "item")
    try:
        goods = _goods_for(stage, code, form)
        outcome = service.receive(
            db.session, receipt_id, goods, handling_from(form), user_id=current_user.id,
            key=form.get("scan_id") or code, today=local_today(), warehouse_id=current_warehouse().id,
        )
    except errors.ReceiptNotHere:
        abort(404)
    except (errors.FloorRefusal, StockError) as refusal:
        receipt = db.session.get(Receipt, receipt_id)
        retry = _retry_context(stage, form)
        raise ScanRefused(Answer.refusal(STEP, _step_context(receipt, error=refusal.message(), code=code, **retry))) from None
    receipt = db.session.get(Receipt, receipt_id)
    return _answer_for(receipt, outcome, form)


def _goods_for(stage: str, code: str, form):
    warehouse = current_warehouse()
    if stage == "details":
        return goods_from_details(db.session, code, form, warehouse)
    if stage == "confirm":
        return goods_from_hidden(form)
    if not code.strip():
        raise errors.NotAProduct("")
    return goods_from_item_scan(db.session, code, form, warehouse)


def _answer_for(receipt: Receipt, outcome, form) -> Answer:
    handling = handling_from(form)
    if isinstance(outcome, service.NeedsDetails):
        return Answer(STEP, _step_context(receipt, stage="details", asked=outcome, held=outcome.goods,
                                          handling=handling), result="ok")
    if isinstance(outcome, service.NeedsConfirmation):
        return Answer(STEP, _step_context(receipt, stage="confirm", confirm=outcome, held=outcome.goods,
                                          handling=handling), result="confirm")
    return Answer(STEP, _step_context(receipt, received=outcome), result="ok")


def _retry_context(stage: str, form) -> dict:
    """After a refusal, stay on the stage the person was at, with what they had already given."""
    if stage == "item":
        return {}
    try:
        held = goods_from_hidden(form)
    except errors.FloorRefusal:
        return {}
    return {"stage": stage, "held": held, "handling": handling_from(form),
            "asked": _asked_again(form, held)}


def _asked_again(form, held) -> service.NeedsDetails:
    missing = tuple(part for part in (form.get("missing") or "").split(",") if part)
    return service.NeedsDetails(held, form.get("sku", ""), form.get("name", ""), None, missing)


SHOWN_LINES = 8


def _step_context(receipt: Receipt, **extra) -> dict:
    summary = service.summarize(db.session, receipt)
    focus = _focus_sku(extra)
    shown = _lines_to_show(summary.lines, focus)
    return {"receipt": receipt, "summary": summary, "stage": "item", "damage_reasons": list(DamageReason),
            "lines": shown, "hidden_lines": len(summary.lines) - len(shown), **extra}


def _focus_sku(extra: dict) -> str | None:
    for key in ("received", "confirm", "asked"):
        if extra.get(key) is not None:
            return extra[key].sku
    return None


def _lines_to_show(lines, focus: str | None) -> list:
    """A scan's answer stays small: the line just scanned, then lines still waiting, up to SHOWN_LINES."""
    def rank(line):
        return (line.sku != focus, line.state not in ("waiting", "short"), line.line_no)
    return sorted(lines, key=rank)[:SHOWN_LINES]


@bp.post("/<int:receipt_id>/undo")
@screen_required(Screen.RECEIVING)
def undo(receipt_id: int):
    _check_receipt(receipt_id)
    return answer_registered("receiving.undo")


def answer_undo(_code: str) -> Answer:
    receipt_id = request.view_args["receipt_id"]
    try:
        entry = service.undo_last(db.session, receipt_id, user_id=current_user.id, key=request.form.get("scan_id", ""))
    except errors.FloorRefusal as refusal:
        receipt = db.session.get(Receipt, receipt_id)
        raise ScanRefused(Answer.refusal(STEP, _step_context(receipt, error=refusal.message()))) from None
    receipt = db.session.get(Receipt, receipt_id)
    return Answer(STEP, _step_context(receipt, undone=entry), result="ok")


# --- closing --------------------------------------------------------------------------------------


@bp.get("/<int:receipt_id>/close")
@screen_required(Screen.RECEIVING)
def close_form(receipt_id: int):
    receipt = _receipt_or_404(receipt_id)
    if receipt.is_closed:
        return redirect(url_for("receiving.summary", receipt_id=receipt.id))
    return render_template("receiving/close.html", receipt=receipt, summary=service.summarize(db.session, receipt))


@bp.post("/<int:receipt_id>/close")
@screen_required(Screen.RECEIVING)
def close(receipt_id: int):
    receipt = _receipt_or_404(receipt_id)
    try:
        with write_transaction():
            service.close_receipt(db.session, receipt_id, user_id=current_user.id,
                                  version=request.form.get("version", type=int) or 0)
    except errors.ReceiptClosed:
        return redirect(url_for("receiving.summary", receipt_id=receipt_id))
    except errors.StalePage as stale:
        db.session.expire_all()
        receipt = _receipt_or_404(receipt_id)
        return render_template("receiving/close.html", receipt=receipt, error=stale.message(),
                               summary=service.summarize(db.session, receipt)), 409
    return redirect(url_for("receiving.summary", receipt_id=receipt.id))


@bp.get("/<int:receipt_id>/summary")
@screen_required(Screen.RECEIVING)
def summary(receipt_id: int):
    receipt = _receipt_or_404(receipt_id)
    return render_template("receiving/summary.html", receipt=receipt, summary=service.summarize(db.session, receipt))


register_step("receiving.open_by_scan", Step("receiving-open", answer_open))
register_step("receiving.scan", Step("receive", answer_receive))
register_step("receiving.undo", Step("receive-undo", answer_undo))
