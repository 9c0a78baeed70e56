"""返品 (returns) and 戻し (put-back) screens: the scan steps of each. HTTP only."""
from __future__ import annotations

from flask import Blueprint, render_template

from app.auth.roles import Screen, screen_required
from app.floor.step import answer_scan
from app.returns import steps
from app.shell.context import current_warehouse

bp = Blueprint("returns", __name__, url_prefix="/returns")


@bp.get("")
@screen_required(Screen.RETURNS)
def index():
    warehouse = current_warehouse()
    step_html = steps.first_step(warehouse).render() if warehouse else ""
    return render_template("returns/index.html", step_html=step_html)


@bp.post("/scan")
@screen_required(Screen.RETURNS)
def scan():
    return answer_scan("return", steps.return_scan, page="returns/index.html")


@bp.get("/put-back")
@screen_required(Screen.RETURNS)
def put_back():
    warehouse = current_warehouse()
    step_html = steps.first_put_back(warehouse).render() if warehouse else ""
    return render_template("returns/put_back.html", step_html=step_html)


@bp.post("/put-back/scan")
@screen_required(Screen.RETURNS)
def put_back_scan():
    return answer_scan("put_back", steps.put_back_scan, page="returns/put_back.html")
