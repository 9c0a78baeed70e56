"""Office screens for orders (受注): /orders (list, allocation, picking lists from ticked orders),
/orders/new, /orders/import, /orders/<id> (lines, reserved shelves, shelf-life override) and
/orders/waves (lists by ship-by date, open pick lists). Forms re-render with their errors
(422); an action redirects back with a message.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.roles import Screen, screen_required
from app.extensions import db
from app.floor.refusals import FloorRefusal
from app.masterdata.csvfile import encoding_name
from app.masterdata.errors import ImportRefused
from app.orders import cancel, forms, intake, office, reports, service
from app.orders.entries import MAX_PRIORITY, ORDER_COLUMNS, REQUIRED
from app.orders.errors import DuplicateOrder
from app.shell.context import current_warehouse
from app.shell.csv_import import CsvImport
from app.shell.redirects import local_path
from app.timeutil import local_today

bp = Blueprint("orders", __name__, url_prefix="/orders")
IMPORT = CsvImport(_l("Import orders"), action="orders.import_file", back="orders.index", columns=ORDER_COLUMNS,
                   required=REQUIRED, hints="orders/_import_hints.html", sample="orders.import_sample",
                   context=lambda: {"channels": office.active_channels(db.session)})


# --- the list and allocation -------------------------------------------------------------


@bp.get("")
@screen_required(Screen.ORDERS)
def index():
    warehouse = current_warehouse()
    if warehouse is None:
        return render_template("masterdata/no_warehouse.html")
    status = office.status_filter(request.args.get("status"))
    channel = request.args.get("channel", "").strip() or None
    page = office.list_orders(db.session, warehouse.id, status=status, channel=channel,
                              page=request.args.get("page", type=int))
    return render_template("orders/index.html", page=page, status=status, channel=channel,
                           channels=office.active_channels(db.session), pickers=office.pickers_of(db.session, warehouse.id),
                           statuses=office.STATUS_FILTERS)


@bp.post("/allocate")
@screen_required(Screen.ORDERS)
def allocate_backorders():
    warehouse = _warehouse()
    results = service.allocate_backorders(db.session, warehouse.id, user_id=current_user.id)
    totals = reports.run_totals(results)
    if not results:
        flash(_("No open order lacks stock: nothing to allocate."), "note")
    else:
        flash(ngettext("%(num)s order lacking stock looked at: %(reserved)s units reserved, %(backordered)s still "
                       "backordered.",
                       "%(num)s orders lacking stock looked at: %(reserved)s units reserved, %(backordered)s still "
                       "backordered.", totals.orders, reserved=totals.reserved, backordered=totals.backordered), "ok")
    return redirect(_back_to(request.form.get("next")))


@bp.post("/<int:order_id>/allocate")
@screen_required(Screen.ORDERS)
def allocate(order_id: int):
    warehouse = _warehouse()
    if office.order_in(db.session, warehouse.id, order_id) is None:
        abort(404)
    try:
        result = service.allocate_order(db.session, order_id, user_id=current_user.id)
    except FloorRefusal as refused:
        flash(refused.message(), "error")
    else:
        flash(_("%(code)s: %(reserved)s units reserved now, %(backordered)s backordered.", code=result.code,
                reserved=result.allocated, backordered=result.backordered), "ok" if not result.backordered else "note")
    return redirect(_back_to(request.form.get("next"), url_for("orders.detail", order_id=order_id)))


# --- one order ---------------------------------------------------------------------------


@bp.get("/<int:order_id>")
@screen_required(Screen.ORDERS)
def detail(order_id: int):
    return _detail_page(order_id)


@bp.post("/<int:order_id>/lines/<int:line_id>/shelf-life")
@screen_required(Screen.ORDERS)
def override_shelf_life(order_id: int, line_id: int):
    warehouse = _warehouse()
    line = office.line_in(db.session, warehouse.id, order_id, line_id)
    if line is None:
        abort(404)
    reason, problem = forms.override_reason(request.form.get("reason"))
    if problem is not None:
        return _detail_page(order_id, errors={line_id: problem}, typed={line_id: request.form.get("reason", "")}), 422
    try:
        service.override_shelf_life(db.session, line_id, user_id=current_user.id, reason=reason)
    except FloorRefusal as refused:
        flash(refused.message(), "error")
    else:
        flash(_("Line %(n)s may now ship short-dated lots (never expired ones). Allocate the order to reserve them.",
                n=line.line_no), "ok")
    return redirect(url_for("orders.detail", order_id=order_id))


@bp.post("/<int:order_id>/cancel")
@screen_required(Screen.ORDERS)
def cancel_order(order_id: int):
    warehouse = _warehouse()
    if office.order_in(db.session, warehouse.id, order_id) is None:
        abort(404)
    typed = request.form.get("reason", "")
    try:
        done = cancel.cancel_order(db.session, order_id, user_id=current_user.id, reason=typed)
    except (cancel.CancelReasonMissing, cancel.CancelReasonTooLong) as refused:
        return _detail_page(order_id, errors={"cancel": refused.message()}, typed={"cancel": typed[:500]}), 422
    except FloorRefusal as refused:
        flash(refused.message(), "error")
    else:
        flash(_cancel_message(done), "ok" if not done.put_back else "note")
    return redirect(url_for("orders.detail", order_id=order_id))


def _cancel_message(done: cancel.Cancelled) -> str:
    if done.already:
        return _("%(code)s was already cancelled: nothing changed.", code=done.order_code)
    if done.put_back:
        return _("%(code)s cancelled: %(released)s reserved units let go; %(units)s picked units wait to be put back "
                 "(返品 › 戻し).", code=done.order_code, released=done.released, units=done.units_to_put_back)
    return _("%(code)s cancelled: %(released)s reserved units let go.", code=done.order_code, released=done.released)


# --- new order and import ----------------------------------------------------------------


@bp.get("/new")
@screen_required(Screen.ORDERS)
def new():
    return _form_page(forms.blank_form(service.STANDARD_CHANNELS[0][0]))


@bp.post("/new")
@screen_required(Screen.ORDERS)
def create():
    warehouse = current_warehouse()
    form = forms.typed_form(request.form)
    if "more" in request.form:
        return _form_page(forms.with_more_lines(form))
    entry = forms.read_entry(form)
    if warehouse is None or entry is None:
        return _form_page(form), 422
    try:
        order = intake.create_entered_order(db.session, warehouse.id, entry, user_id=current_user.id)
    except ImportRefused as refused:
        forms.add_refusal(form, refused)
        return _form_page(form), 422
    except DuplicateOrder as duplicate:
        form.errors["form"] = duplicate.message()
        return _form_page(form), 422
    flash(_("Order %(code)s created.", code=order.code), "ok")
    return redirect(url_for("orders.detail", order_id=order.id))


@bp.get("/import")
@screen_required(Screen.ORDERS)
def import_form():
    return IMPORT.page()


@bp.post("/import")
@screen_required(Screen.ORDERS)
def import_file():
    warehouse = current_warehouse()
    return IMPORT.take(lambda data: intake.import_orders(db.session, warehouse.id, data, user_id=current_user.id),
                       _imported, ready=warehouse is not None)


@bp.get("/import/sample")
@screen_required(Screen.ORDERS)
def import_sample():
    return IMPORT.sample_file(_sample_rows(local_today()), "orders-sample.csv")


# --- waves -------------------------------------------------------------------------------


@bp.get("/waves")
@screen_required(Screen.ORDERS)
def waves():
    return _waves_page()


@bp.post("/waves")
@screen_required(Screen.ORDERS)
def build_wave():
    """A pick list from the orders ticked on the list; back to the list when it cannot be built."""
    warehouse = _warehouse()
    picker_id, problem = forms.picker_choice(request.form.get("picker"))
    back = _back_to(request.form.get("next"))
    if problem is not None:
        flash(problem, "error")
        return redirect(back)
    try:
        pick_list = office.build_chosen_wave(db.session, warehouse.id, forms.chosen_orders(request.form),
                                             picker_id=picker_id, user_id=current_user.id)
    except FloorRefusal as refused:
        flash(refused.message(), "error")
        return redirect(back)
    _flash_built(pick_list)
    return redirect(url_for("orders.waves"))


@bp.post("/waves/due")
@screen_required(Screen.ORDERS)
def build_wave_due():
    """A pick list of the allocated orders due by a date (and of one channel)."""
    warehouse = _warehouse()
    picker_id, problem = forms.picker_choice(request.form.get("picker"))
    until, channel, errors = forms.wave_by_date(request.form, [c.code for c in office.active_channels(db.session)])
    if problem is not None:
        errors["picker"] = problem
    if errors:
        return _waves_page(errors=errors, values=request.form), 422
    try:
        pick_list = office.build_wave_due(db.session, warehouse.id, ship_by_until=until, channel=channel,
                                          picker_id=picker_id, user_id=current_user.id)
    except office.NotAPicker as refused:
        return _waves_page(errors={"picker": refused.message()}, values=request.form), 422
    except FloorRefusal as refused:
        return _waves_page(errors={"form": refused.message()}, values=request.form), 422
    _flash_built(pick_list)
    return redirect(url_for("orders.waves"))


# --- pages -------------------------------------------------------------------------------


def _detail_page(order_id: int, errors: dict | None = None, typed: dict | None = None):
    warehouse = current_warehouse()
    view = office.order_view(db.session, warehouse.id, order_id) if warehouse else None
    if view is None:
        abort(404)
    return render_template("orders/detail.html", view=view, order=view.order, errors=errors or {}, typed=typed or {},
                           cancellation=cancel.cancellation_of(db.session, view.order),
                           may_cancel=cancel.may_cancel(view.order), max_reason=cancel.MAX_REASON)


def _form_page(form: forms.OrderForm):
    if current_warehouse() is None:
        return render_template("masterdata/no_warehouse.html")
    return render_template("orders/new.html", form=form, max_lines=forms.MAX_LINES,
                           channels=office.active_channels(db.session), max_priority=MAX_PRIORITY)


def _imported(result: intake.OrderImport) -> str:
    return ngettext("%(num)s order imported (%(encoding)s): %(codes)s.",
                    "%(num)s orders imported (%(encoding)s): %(codes)s.", len(result.orders),
                    encoding=encoding_name(result.encoding), codes=", ".join(o.code for o in result.orders))


def _waves_page(errors: dict | None = None, values=None):
    warehouse = current_warehouse()
    if warehouse is None:
        return render_template("masterdata/no_warehouse.html")
    values = values if values is not None else {"ship_by": local_today().isoformat()}
    return render_template("orders/waves.html", lists=office.open_pick_lists(db.session, warehouse.id),
                           pickers=office.pickers_of(db.session, warehouse.id), channels=office.active_channels(db.session),
                           errors=errors or {}, values=values)


def _flash_built(pick_list) -> None:
    codes = ", ".join(office.orders_on(db.session, pick_list.id))
    picker = office.picker_name(db.session, pick_list.assigned_to_id)
    if picker is not None:
        flash(_("Pick list %(code)s built (%(orders)s) and given to %(picker)s.", code=pick_list.code, orders=codes,
                picker=picker), "ok")
    else:
        flash(_("Pick list %(code)s built (%(orders)s): the next picker to tap 次のピッキング takes it.",
                code=pick_list.code, orders=codes), "ok")


def _warehouse():
    warehouse = current_warehouse()
    if warehouse is None:
        abort(404)
    return warehouse


def _back_to(target: str | None, fallback: str | None = None) -> str:
    return local_path(target, fallback or url_for("orders.index"))


def _sample_rows(today: date) -> list[tuple[str, ...]]:
    ship_by = f"{today + timedelta(days=1):%Y/%m/%d}"
    return [
        ("rakuten", "RKT-100001", "山田 花子", ship_by, "0", "0", "", "", "4901234567894", "2"),
        ("rakuten", "RKT-100001", "山田 花子", ship_by, "0", "0", "", "TEA-500", "", "1"),
        ("amazon", "250-1234567-7654321", "佐藤 一郎", ship_by, "1", "1", "のし不要", "SOAP-1", "", "3"),
    ]
