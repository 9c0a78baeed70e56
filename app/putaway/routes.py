"""格納 (putaway) screen: scan what waits on the dock, go where the screen says, scan the shelf. HTTP only."""
from __future__ import annotations

from flask import Blueprint, render_template

from app.auth.roles import Screen, screen_required
from app.floor.step import answer_scan
from app.putaway import steps
from app.shell.context import current_warehouse

bp = Blueprint("putaway", __name__, url_prefix="/putaway")


@bp.get("")
@screen_required(Screen.PUTAWAY)
def index():
    warehouse = current_warehouse()
    step_html = steps.first_step(warehouse).render() if warehouse else ""
    return render_template("putaway/index.html", step_html=step_html)


@bp.post("/scan")
@screen_required(Screen.PUTAWAY)
def scan():
    return answer_scan("putaway", steps.put_away)
