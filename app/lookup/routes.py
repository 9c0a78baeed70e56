"""在庫照会 (stock lookup): scan anything, see what it is and what we hold of it. HTTP only."""
from __future__ import annotations

from flask import Blueprint, render_template

from app.auth.roles import Screen, screen_required
from app.floor.step import answer_scan
from app.lookup import steps

bp = Blueprint("lookup", __name__)
PAGE = "lookup/page.html"


@bp.get("/lookup")
@screen_required(Screen.LOOKUP)
def page():
    return render_template(PAGE, step_html=steps.first_step().render())


@bp.post("/lookup")
@screen_required(Screen.LOOKUP)
def scan():
    return answer_scan("lookup", steps.lookup, page=PAGE)
