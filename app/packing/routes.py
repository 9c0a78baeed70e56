"""検品・梱包 (packing) screens: choose the station, open an order, scan its units, the slip, the note. HTTP only."""
from __future__ import annotations

import os
from functools import partial

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import force_locale

from app.auth.roles import Screen, screen_required
from app.extensions import db
from app.floor.step import Answer, answer_scan
from app.orders.notes import delivery_note
from app.packing import service, steps
from app.shell.context import current_warehouse
from app.stock.models import LocationKind

bp = Blueprint("packing", __name__, url_prefix="/packing")
STATION_KEY = "packing_station"
DEFAULT_SHOP_NAME = "棚 tana ショップ"


def yen(value: int | None) -> str:
    return "" if value is None else f"¥{value:,}"


bp.add_app_template_global(yen, "yen")


def _warehouse():
    warehouse = current_warehouse()
    if warehouse is None:
        abort(404)
    return warehouse


def _station_id() -> int:
    """The station chosen on this device's session, if it is a packing place here; else the packing area."""
    warehouse = _warehouse()
    chosen = session.get(STATION_KEY)
    stations = {sid for sid, _code, _name in service.packing_stations(db.session, warehouse.id)}
    return chosen if chosen in stations else warehouse.place(LocationKind.PACKING)


@bp.get("")
@screen_required(Screen.PACKING)
def index():
    warehouse = _warehouse()
    return render_template("packing/index.html", stations=service.packing_stations(db.session, warehouse.id),
                           station_id=_station_id(),
                           step_html=Answer.idle(steps.INDEX, **steps.index_context(warehouse.id)).render())


@bp.post("/station")
@screen_required(Screen.PACKING)
def choose_station():
    warehouse = _warehouse()
    wanted = request.form.get("station", type=int)
    if wanted in {sid for sid, _c, _n in service.packing_stations(db.session, warehouse.id)}:
        session[STATION_KEY] = wanted
    return redirect(url_for("packing.index"))


@bp.post("/open")
@screen_required(Screen.PACKING)
def open_by_scan():
    return answer_scan("pack-open", steps.open_order)


@bp.get("/<int:order_id>")
@screen_required(Screen.PACKING)
def task(order_id: int):
    view = service.load(db.session, order_id, _warehouse().id)
    if view is None:
        abort(404)
    return render_template("packing/order.html", view=view, step_html=steps.first_step(view).render())


@bp.post("/<int:order_id>/scan")
@screen_required(Screen.PACKING)
def scan(order_id: int):
    return answer_scan("pack", partial(steps.pack_scan, order_id=order_id, station_id=_station_id()))


def _shop_name() -> str:
    """The shop named on delivery notes: SHOP_NAME in the config or the TANA_SHOP_NAME environment variable."""
    return current_app.config.get("SHOP_NAME") or os.environ.get("TANA_SHOP_NAME") or DEFAULT_SHOP_NAME


@bp.get("/<int:order_id>/note")
@screen_required(Screen.PACKING)
def note(order_id: int):
    language = "en" if request.args.get("lang") == "en" else "ja"
    note = delivery_note(db.session, order_id, _warehouse().id, shop_name=_shop_name(),
                         with_prices=request.args.get("prices") == "1")
    if note is None:
        abort(404)
    with force_locale(language):
        return render_template("packing/note.html", note=note, language=language)
