"""棚卸し (counts) screens on the floor: my counts, the next count, the count step. HTTP only."""
from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.roles import Screen, screen_required
from app.database import write_transaction
from app.extensions import db
from app.counts import service, steps
from app.floor.step import answer_scan
from app.shell.context import current_warehouse
from app.stock import counting

bp = Blueprint("counts", __name__, url_prefix="/counts")


def _warehouse_id() -> int:
    warehouse = current_warehouse()
    if warehouse is None:
        abort(404)
    return warehouse.id


@bp.get("")
@screen_required(Screen.COUNTING)
def index(message: str | None = None):
    warehouse_id = _warehouse_id()
    return render_template("counts/index.html", tasks=service.my_tasks(db.session, warehouse_id, current_user.id),
                           waiting=service.waiting(db.session, warehouse_id), message=message)


@bp.post("/next")
@screen_required(Screen.COUNTING)
def next_count():
    with write_transaction(db.session):
        task = counting.next_task(db.session, _warehouse_id(), current_user.id)
        if task is not None and task.assigned_to_id is None:
            task.assigned_to_id = current_user.id
        task_id = task.id if task is not None else None
    if task_id is None:
        return index(_("No count is waiting for you."))
    return redirect(url_for("counts.task", task_id=task_id))


@bp.get("/<int:task_id>")
@screen_required(Screen.COUNTING)
def task(task_id: int):
    view = service.load(db.session, task_id, _warehouse_id(), current_user.id)
    if view is None:
        abort(404)
    return render_template("counts/task.html", view=view, step_html=steps.first_step(view).render())


@bp.post("/<int:task_id>/scan")
@screen_required(Screen.COUNTING)
def scan(task_id: int):
    return answer_scan("count", partial(steps.count_scan, task_id=task_id))
