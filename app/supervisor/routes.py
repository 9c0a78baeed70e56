"""The supervisor's screens: /counts/review (live queue, one count's review, approve, reject),
/counts/plan (count tasks by range, zone or product; the ABC schedule), /counts/tolerances,
/discrepancies (list, CSV, resolve), /kpis and /reports (alerts). HTTP only: the services decide.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.roles import Screen, screen_required
from app.extensions import db
from app.shell.context import current_warehouse
from app.shell.redirects import local_path
from app.stock.counting import CountRefused
from app.supervisor import (
    alerts, discrepancies, forms, kpi_charts, kpis, planning, review, schedule, settings, tolerances, words,
)
from app.timeutil import WAREHOUSE_TZ, local_today

bp = Blueprint("supervisor", __name__)


@bp.context_processor
def supervisor_words() -> dict:
    return {"words": words, "word": words.word, "local_time": lambda moment: moment.astimezone(WAREHOUSE_TZ)}


def _warehouse():
    warehouse = current_warehouse()
    if warehouse is None:
        abort(404)
    return warehouse


def _no_warehouse():
    return render_template("masterdata/no_warehouse.html")


# --- review --------------------------------------------------------------------------------------


@bp.get("/counts/review")
@screen_required(Screen.COUNT_REVIEW)
def review_queue():
    warehouse = current_warehouse()
    if warehouse is None:
        return _no_warehouse()
    return render_template("supervisor/review_queue.html", queue=review.review_queue(db.session, warehouse.id))


@bp.get("/counts/review/live")
@screen_required(Screen.COUNT_REVIEW)
def review_queue_live():
    """The queue alone, as the page polls it (htmx): each count shows up as it is submitted."""
    queue = review.review_queue(db.session, _warehouse().id)
    if request.args.get("seen") == queue.signature:
        return "", 204  # nothing arrived: the page keeps what it shows
    return render_template("supervisor/_queue.html", queue=queue)


@bp.get("/counts/review/<int:task_id>")
@screen_required(Screen.COUNT_REVIEW)
def review_task(task_id: int):
    return _review_page(task_id)


@bp.post("/counts/review/<int:task_id>/approve")
@screen_required(Screen.COUNT_REVIEW)
def approve(task_id: int):
    warehouse = _warehouse()
    reason = request.form.get("reason", "")
    try:
        done = review.approve(db.session, warehouse.id, task_id, user_id=current_user.id, reason_code=reason,
                              seen_version=forms.seen_version(request.form))
    except LookupError:
        abort(404)
    except CountRefused as refused:
        return _review_page(task_id, refused=refused, reason=reason), 422 if refused.why == "reason" else 409
    if done.already:
        flash(_("%(code)s was approved already: nothing changed.", code=done.code), "note")
    else:
        flash(ngettext("%(code)s approved: %(num)s unit adjusted (%(reason)s).",
                       "%(code)s approved: %(num)s units adjusted (%(reason)s).", done.units, code=done.code,
                       reason=words.word(words.REASONS, reason)), "ok")
    return redirect(url_for("supervisor.review_queue"))


@bp.post("/counts/review/<int:task_id>/reject")
@screen_required(Screen.COUNT_REVIEW)
def reject(task_id: int):
    warehouse = _warehouse()
    try:
        code = review.reject(db.session, warehouse.id, task_id, user_id=current_user.id,
                             seen_version=forms.seen_version(request.form))
    except LookupError:
        abort(404)
    except CountRefused as refused:
        return _review_page(task_id, refused=refused), 409
    flash(_("%(code)s goes back for another blind count, by someone who has not counted it.", code=code), "ok")
    return redirect(url_for("supervisor.review_queue"))


def _review_page(task_id: int, refused: CountRefused | None = None, reason: str = ""):
    view = review.review_view(db.session, _warehouse().id, task_id)
    if view is None:
        abort(404)
    return render_template("supervisor/review.html", view=view, refused=refused, reason=reason,
                           reasons=review.APPROVAL_REASONS)


# --- count tasks ---------------------------------------------------------------------------------


@bp.get("/counts/plan")
@screen_required(Screen.COUNT_REVIEW)
def plan():
    return _plan_page(forms.PlanForm())


@bp.post("/counts/plan")
@screen_required(Screen.COUNT_REVIEW)
def plan_tasks():
    warehouse = _warehouse()
    form = forms.plan_form(request.form)
    if form.errors:
        return _plan_page(form), 422
    try:
        planned = planning.plan(db.session, warehouse.id, kind=form.kind, first=form.first, last=form.last,
                                zone=form.zone, product=form.product, counter_id=form.counter_id,
                                user_id=current_user.id)
    except planning.PlanRefused as refused:
        form.errors[refused.field] = refused.message
        return _plan_page(form), 422
    flash(_planned_message(planned), "ok" if planned.made else "note")
    return redirect(url_for("supervisor.plan"))


@bp.post("/counts/plan/schedule")
@screen_required(Screen.COUNT_REVIEW)
def run_schedule():
    result = schedule.run_schedule(db.session, _warehouse().id, settings.count_intervals(), user_id=current_user.id)
    if result.made:
        flash(ngettext("ABC schedule: %(num)s count task made (A %(a)s, B %(b)s, C %(c)s).",
                       "ABC schedule: %(num)s count tasks made (A %(a)s, B %(b)s, C %(c)s).", result.made,
                       a=result.by_class["A"], b=result.by_class["B"], c=result.by_class["C"]), "ok")
    else:
        flash(_("ABC schedule: no shelf is due without a task already open."), "note")
    return redirect(url_for("supervisor.plan"))


def _planned_message(planned: planning.Planned) -> str:
    made = ngettext("%(num)s count task made", "%(num)s count tasks made", planned.made)
    who = (_("for %(name)s", name=planned.assigned_to) if planned.assigned_to
           else _("in the queue: the next counter takes the nearest in walk order"))
    already = (ngettext("; %(num)s shelf already had one open", "; %(num)s shelves already had one open",
                        planned.already_open) if planned.already_open else "")
    return f"{made} {who}{already}."


def _plan_page(form: forms.PlanForm):
    warehouse = current_warehouse()
    if warehouse is None:
        return _no_warehouse()
    intervals = settings.count_intervals()
    due = schedule.overdue(schedule.stocked_shelves(db.session, warehouse.id), intervals)
    total, tasks = planning.open_tasks(db.session, warehouse.id)
    return render_template("supervisor/plan.html", form=form, zones=planning.zones(db.session, warehouse.id),
                           counters=planning.counters(db.session, warehouse.id), open_total=total, tasks=tasks,
                           due=[s for s in due if not s.open_task], intervals=intervals)


@bp.get("/counts/tolerances")
@screen_required(Screen.COUNT_REVIEW)
def tolerance_page():
    return render_template("supervisor/tolerances.html", rows=tolerances.tolerances(db.session), errors={}, typed={})


@bp.post("/counts/tolerances")
@screen_required(Screen.COUNT_REVIEW)
def save_tolerances():
    wanted, errors, typed = forms.tolerance_form(request.form)
    if errors:
        return render_template("supervisor/tolerances.html", rows=list(wanted.values()), errors=errors,
                               typed=typed), 422
    changed = tolerances.save_tolerances(db.session, wanted, user_id=current_user.id)
    flash(_("Tolerances saved.") if changed else _("Nothing changed."), "ok" if changed else "note")
    return redirect(url_for("supervisor.tolerance_page"))


# --- discrepancies -------------------------------------------------------------------------------


@bp.get("/discrepancies")
@screen_required(Screen.DISCREPANCIES)
def discrepancy_list():
    warehouse = current_warehouse()
    if warehouse is None:
        return _no_warehouse()
    filters = forms.discrepancy_filters(request.args)
    page = discrepancies.find(db.session, warehouse.id, filters, request.args.get("page", type=int))
    return render_template("supervisor/discrepancies.html", page=page, filters=filters,
                           choices=discrepancies.choices(db.session, warehouse.id))


@bp.get("/discrepancies/export")
@screen_required(Screen.DISCREPANCIES)
def discrepancy_export():
    warehouse = _warehouse()
    sjis = request.args.get("encoding") == "sjis"
    data = discrepancies.export_csv(db.session, warehouse.id, forms.discrepancy_filters(request.args),
                                    str(get_locale() or "ja"), shift_jis=sjis)
    name = f"discrepancies-{warehouse.code}-{local_today():%Y%m%d}.csv"
    return Response(data, content_type="text/csv; charset=shift_jis" if sjis else "text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/discrepancies/<int:discrepancy_id>/resolve")
@screen_required(Screen.DISCREPANCIES)
def resolve(discrepancy_id: int):
    if discrepancies.resolve(db.session, _warehouse().id, discrepancy_id, user_id=current_user.id):
        flash(_("Discrepancy resolved."), "ok")
    else:
        flash(_("This discrepancy was resolved already."), "note")
    return redirect(local_path(request.form.get("next"), url_for("supervisor.discrepancy_list")))


# --- KPIs and alerts -----------------------------------------------------------------------------


@bp.get("/kpis")
@screen_required(Screen.KPIS)
def kpi_page():
    warehouse = current_warehouse()
    if warehouse is None:
        return _no_warehouse()
    figures = kpis.kpis(db.session, warehouse.id, settings.count_intervals())
    return render_template("supervisor/kpis.html", k=figures, charts=kpi_charts.charts(figures),
                           intervals=settings.count_intervals(), source_css=kpi_charts.source_css)


@bp.get("/reports")
@screen_required(Screen.REPORTS)
def alert_page():
    warehouse = current_warehouse()
    if warehouse is None:
        return _no_warehouse()
    found = alerts.alerts(db.session, warehouse.id, settings.reorder_settings(), settings.count_intervals())
    return render_template("supervisor/alerts.html", a=found, reorder=settings.reorder_settings(),
                           intervals=settings.count_intervals(), bands=alerts.EXPIRY_BANDS)
