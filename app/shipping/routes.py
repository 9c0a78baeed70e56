"""出荷 (shipping) screen: packed boxes by slip, ship by scanning the slip or a batch, the shipment CSV. HTTP only."""
from __future__ import annotations

from datetime import date
from functools import partial

from flask import Blueprint, Response, abort, render_template, request

from app.auth.roles import Screen, screen_required
from app.extensions import db
from app.floor.step import answer_scan
from app.masterdata.csvfile import write_csv
from app.shell.context import current_warehouse
from app.shipping import service, steps
from app.timeutil import local_today

bp = Blueprint("shipping", __name__, url_prefix="/shipping")
MAX_BATCH = 500


def _warehouse_id() -> int:
    warehouse = current_warehouse()
    if warehouse is None:
        abort(404)
    return warehouse.id


@bp.get("")
@screen_required(Screen.SHIPPING)
def index():
    return render_template("shipping/index.html", step_html=steps.first_step(_warehouse_id()).render(),
                           today=local_today())


@bp.post("/scan")
@screen_required(Screen.SHIPPING)
def scan():
    return answer_scan("ship", steps.ship_scan)


@bp.post("/confirm")
@screen_required(Screen.SHIPPING)
def confirm():
    ticked = [int(v) for v in request.form.getlist("order") if v.isascii() and v.isdigit() and len(v) <= 9]
    return answer_scan("ship-batch", partial(steps.ship_ticked, order_ids=ticked[:MAX_BATCH]))


@bp.get("/export")
@screen_required(Screen.SHIPPING)
def export():
    try:
        day = date.fromisoformat(request.args.get("day", ""))
        if not date.min < day < date.max:  # the first and last days have no local start or end as a time
            raise ValueError(day)
    except ValueError:
        day = local_today()
    rows = service.shipments(db.session, _warehouse_id(), day)
    data = write_csv(service.SHIPMENT_HEADER, rows)
    if request.args.get("encoding") == "sjis":
        data = data.decode("utf-8-sig").encode("cp932", errors="replace")
        content_type = "text/csv; charset=shift_jis"
    else:
        content_type = "text/csv; charset=utf-8"
    return Response(data, content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="shipments-{day:%Y%m%d}.csv"'})
