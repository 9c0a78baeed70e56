"""入荷 (receiving) screens: pick or scan a receipt, scan goods in, undo, close. HTTP only."""
from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.roles import Screen, screen_required
from app.extensions import db
from app.floor.refusals import NotHere
from app.floor.step import Answer, answer_scan
from app.receiving import errors, service, steps
from app.shell.context import current_warehouse
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


def _warehouse_id() -> int:
    warehouse = current_warehouse()
    if warehouse is None:
        abort(404)
    return warehouse.id


def _summary_or_404(receipt_id: int) -> service.Summary:
    try:
        return service.receipt_here(db.session, receipt_id, _warehouse_id())
    except NotHere:
        abort(404)


@bp.get("")
@screen_required(Screen.RECEIVING)
def index():
    warehouse = current_warehouse()
    context = steps.receipt_list(warehouse.id) if warehouse else {"receipts": []}
    return render_template("receiving/index.html", step_html=Answer.idle(steps.INDEX_STEP, **context).render())


@bp.post("/open")
@screen_required(Screen.RECEIVING)
def open_by_scan():
    return answer_scan("receiving-open", steps.open_receipt)


@bp.post("/blind")
@screen_required(Screen.RECEIVING)
def start_blind():
    supplier = (request.form.get("supplier") or "").strip()[:100] or _("(no plan)")
    receipt_id = service.start_blind_receipt(db.session, _warehouse_id(), supplier, user_id=current_user.id,
                                             today=local_today())
    return redirect(url_for("receiving.task", receipt_id=receipt_id))


@bp.get("/<int:receipt_id>")
@screen_required(Screen.RECEIVING)
def task(receipt_id: int):
    summary = _summary_or_404(receipt_id)
    if summary.is_closed:
        return redirect(url_for("receiving.summary", receipt_id=receipt_id))
    return render_template("receiving/task.html", summary=summary,
                           step_html=steps.first_step(receipt_id, summary.warehouse_id).render())


@bp.post("/<int:receipt_id>/scan")
@screen_required(Screen.RECEIVING)
def scan(receipt_id: int):
    return answer_scan("receive", partial(steps.receive, receipt_id=receipt_id))


@bp.post("/<int:receipt_id>/undo")
@screen_required(Screen.RECEIVING)
def undo(receipt_id: int):
    return answer_scan("receive-undo", partial(steps.undo, receipt_id=receipt_id))


@bp.get("/<int:receipt_id>/close")
@screen_required(Screen.RECEIVING)
def close_form(receipt_id: int):
    summary = _summary_or_404(receipt_id)
    if summary.is_closed:
        return redirect(url_for("receiving.summary", receipt_id=receipt_id))
    return render_template("receiving/close.html", summary=summary)


@bp.post("/<int:receipt_id>/close")
@screen_required(Screen.RECEIVING)
def close(receipt_id: int):
    try:
        service.close_receipt(db.session, receipt_id, user_id=current_user.id, seen=request.form.get("seen", ""),
                              warehouse_id=_warehouse_id())
    except NotHere:
        abort(404)
    except errors.ReceiptClosed:
        pass
    except errors.StalePage as stale:
        return render_template("receiving/close.html", summary=_summary_or_404(receipt_id), error=stale.message()), 409
    return redirect(url_for("receiving.summary", receipt_id=receipt_id))


@bp.get("/<int:receipt_id>/summary")
@screen_required(Screen.RECEIVING)
def summary(receipt_id: int):
    return render_template("receiving/summary.html", summary=_summary_or_404(receipt_id))
