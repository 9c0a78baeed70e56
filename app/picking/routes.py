"""ピッキング (picking) screens: my lists, the next list, the pick step. HTTP only."""
from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.roles import Screen, screen_required
from app.extensions import db
from app.floor.step import answer_scan
from app.orders.waves import take_next
from app.picking import service, steps
from app.shell.context import current_warehouse
from app.shell.web import is_htmx

bp = Blueprint("picking", __name__, url_prefix="/picking")


def _warehouse_id() -> int:
    warehouse = current_warehouse()
    if warehouse is None:
        abort(404)
    return warehouse.id


def _index(message: str | None = None, status: int = 200):
    warehouse_id = _warehouse_id()
    return render_template(
        "picking/index.html", lists=service.my_lists(db.session, warehouse_id, current_user.id),
        waiting=service.open_unassigned(db.session, warehouse_id), message=message,
    ), status


@bp.get("")
@screen_required(Screen.PICKING)
def index():
    return _index()


@bp.post("/next")
@screen_required(Screen.PICKING)
def next_list():
    pick_list = take_next(db.session, _warehouse_id(), current_user.id)
    if pick_list is None:
        return _index(_("No pick list is waiting. Ask a supervisor for a wave."), 200)
    return redirect(url_for("picking.task", list_id=pick_list.id))


@bp.get("/<int:list_id>")
@screen_required(Screen.PICKING)
def task(list_id: int):
    view = service.load_list(db.session, list_id, _warehouse_id())
    if view is None:
        abort(404)
    return render_template("picking/list.html", view=view, step_html=steps.first_step(view).render())


@bp.post("/<int:list_id>/scan")
@screen_required(Screen.PICKING)
def scan(list_id: int):
    step = partial(steps.pick_scan, list_id=list_id)
    if is_htmx():
        return answer_scan("pick", step)
    view = service.load_list(db.session, list_id, _warehouse_id())  # a plain form post gets the whole page
    if view is None:
        abort(404)
    return answer_scan("pick", step, page="picking/list.html", view=view)
