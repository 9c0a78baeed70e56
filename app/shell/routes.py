"""Home, profile, language and warehouse switches, health, and placeholders for screens to come."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text
from werkzeug.exceptions import NotFound
from werkzeug.routing import RequestRedirect

from app.auth.roles import Screen, screen_required
from app.auth import service as auth_service
from app.extensions import db
from app.shell.context import accessible_warehouses
from app.shell.nav import ENTRIES, entries_for
from app.shell.redirects import local_path

bp = Blueprint("shell", __name__)


@bp.get("/")
@screen_required(Screen.HOME)
def home():
    entries = entries_for(current_user)
    return render_template("shell/home.html", entries=entries)


@bp.get("/profile")
@screen_required(Screen.PROFILE)
def profile():
    return render_template("shell/profile.html", warehouses=accessible_warehouses())


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            auth_service.set_language(db.session, current_user.id, lang)
    return redirect(_back_to(request.form.get("next")))


@bp.post("/warehouse")
@screen_required(Screen.HOME)
def set_warehouse():
    wanted = request.form.get("warehouse_id", type=int)
    if wanted not in {w.id for w in accessible_warehouses()}:
        abort(404)  # not one of yours: do not tell whether it exists
    session["warehouse_id"] = wanted
    return redirect(_back_to(request.form.get("next")))


@bp.get("/health")
def health():
    checks = {"database": _database_ok()}
    checks.update(current_app.extensions.get("tana.health", lambda: {})())
    status = 200 if checks["database"] else 503
    return jsonify(status="ok" if status == 200 else "failing", **checks), status


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - health reports, never raises
        return False
    finally:
        db.session.rollback()


def _back_to(target: str | None) -> str:
    return local_path(target, url_for("shell.home"))


def register_placeholders(app: Flask) -> None:
    """A "coming soon" page for every home entry whose screen is not built yet."""
    adapter = app.url_map.bind("localhost")
    for entry in ENTRIES:
        try:
            adapter.match(entry.path, method="GET")
            continue
        except RequestRedirect:
            continue
        except NotFound:
            pass
        view = screen_required(entry.screen)(_coming_soon_view(entry))
        app.add_url_rule(entry.path, f"soon_{entry.screen.value}", view, methods=["GET"])


def _coming_soon_view(entry):
    def coming_soon():
        return render_template("shell/coming_soon.html", entry=entry, title=_("Coming soon"))

    coming_soon.__name__ = f"coming_soon_{entry.screen.value}"
    return coming_soon
