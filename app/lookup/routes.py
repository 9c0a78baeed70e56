"""在庫照会 (stock lookup): scan anything, see what it is and what we hold of it."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from app.auth.roles import Screen, screen_required
from app.barcodes.results import Unresolved
from app.extensions import db
from app.lookup.service import look_up
from app.scan.step import Answer, ScanRefused, Step, answer_registered, register_step
from app.shell.context import current_warehouse

bp = Blueprint("lookup", __name__)
STEP = "lookup/_step.html"
PAGE = "lookup/page.html"


@bp.get("/lookup")
@screen_required(Screen.LOOKUP)
def page():
    return render_template(PAGE, step_html=Answer(STEP, result="").render())


@bp.post("/lookup")
@screen_required(Screen.LOOKUP)
def scan():
    return answer_registered("lookup.scan")


def answer_lookup(code: str) -> Answer:
    warehouse = current_warehouse()
    if warehouse is None:
        raise ScanRefused(Answer.refusal(STEP, {"code": code, "error": _("You have no warehouse yet. Ask an administrator to give you one.")}))
    found = look_up(db.session, code, warehouse)
    if isinstance(found, Unresolved):
        raise ScanRefused(Answer.refusal(STEP, {"code": found.code or code.strip(), "error": found.message()}))
    return Answer(STEP, {"code": code.strip(), "found": found})


register_step("lookup.scan", Step("lookup", answer_lookup, PAGE))
