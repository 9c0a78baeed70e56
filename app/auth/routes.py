"""Login (ID + password, or badge + PIN), logout."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import service
from app.auth.current import SessionUser, load_session_user
from app.auth.throttle import throttle
from app.extensions import db, login_manager
from app.shell.redirects import local_path
from app.timeutil import utcnow

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> SessionUser | None:
    session_id = session.get(SESSION_ID)
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) <= 9 and isinstance(session_id, str)):
        return None
    return load_session_user(db.session, int(user_id), session_id, _oldest_session_start())


SESSION_ID = "sid"
LOGIN_BY = "via"


def _oldest_session_start():
    return utcnow() - timedelta(seconds=current_app.config["LOGIN_SESSION_MAX_AGE"])


@login_manager.unauthorized_handler
def unauthorized():
    if getattr(request, "htmx", False):
        response = redirect(url_for("auth.login"))
        response.headers["HX-Redirect"] = url_for("auth.login")
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def safe_next(target: str | None) -> str:
    return local_path(target, url_for("shell.home"))


@bp.get("/login")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("shell.home"))
    return render_template("auth/login.html", next=request.args.get("next", ""), mode=request.args.get("mode", "password"))


@bp.post("/login")
def login_post():
    by_badge = "code" in request.form and "login" not in request.form
    account = request.form.get("code" if by_badge else "login", "")
    secret = request.form.get("pin" if by_badge else "password", "")
    address = request.remote_addr or "-"
    mode = "badge" if by_badge else "password"
    guard = throttle()
    if guard.blocked(account, address, mode):
        error = _("Too many failed attempts. Wait a few minutes, then try again.")
        return render_template("auth/login.html", error=error, mode=mode, next=request.form.get("next", "")), 429
    if by_badge:
        user = service.authenticate_badge(db.session, account, secret)
    else:
        user = service.authenticate_password(db.session, account, secret)
    if user is None:
        guard.failed(account, address, mode)
        error = _("Login failed: check your badge and PIN.") if by_badge else _("Login failed: check your ID and password.")
        return render_template("auth/login.html", error=error, mode=mode, login=account if not by_badge else "",
                               next=request.form.get("next", "")), 401
    guard.succeeded(account, address, mode)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    session[LOGIN_BY] = mode  # a password or PIN someone else chose is replaced at this login (app.people)
    session[SESSION_ID] = service.start_session(db.session, user, forget_before=_oldest_session_start())
    login_user(user)
    return redirect(safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    lang = session.get("lang")
    service.end_session(db.session, session.get(SESSION_ID))
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))
