"""People screens: /admin/users (admin), /team (a supervisor resets a floor worker's PIN), and one's
own password and PIN under /profile. Each view reads the form, calls one service, renders.

A password or PIN made by the app is shown once, in the answer to the POST that made it (never
in a redirect or a flash message, which travel in the session cookie).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.models import Role
from app.auth.roles import Screen, may_use, screen_required
from app.auth.routes import LOGIN_BY, SESSION_ID, _oldest_session_start
from app.auth.service import start_session
from app.extensions import db
from app.history.reading import history_of
from app.people import forms, service
from app.people.errors import PersonNotFound, PersonRefused
from app.people.service import SecretMode
from app.shell.redirects import local_path
from app.shell.web import is_htmx

bp = Blueprint("people", __name__)
WHILE_CHOOSING = {"people.first_secret", "people.first_secret_post", "auth.logout", "auth.login", "auth.login_post",
                  "shell.set_language", "shell.health", "static"}


# --- the list and a new user ----------------------------------------------------------------------


@bp.get("/admin/users")
@screen_required(Screen.USERS)
def user_list():
    filters = forms.filters(request.args)
    page = service.find_users(db.session, filters, request.args.get("page", type=int))
    return render_template("people/users.html", page=page, filters=filters, roles=list(Role),
                           warehouses=service.all_warehouses(db.session))


@bp.get("/admin/users/new")
@screen_required(Screen.USERS)
def user_new():
    return _new_page({"roles": [Role.PICKER.value], "badge": "1", "password_mode": "none", "pin_mode": "make",
                      "must_change": "1"})


@bp.post("/admin/users/new")
@screen_required(Screen.USERS)
def user_create():
    form = request.form
    try:
        shown = service.create_user(
            db.session, forms.user_draft(form), badge=form.get("badge") == "1",
            password=forms.secret_choice(form, "password"), pin=forms.secret_choice(form, "pin"),
            must_change=form.get("must_change") == "1")
    except PersonRefused as refused:
        return _new_page(_kept(form), refused.errors), 422
    return render_template("people/shown.html", shown=shown, created=True)


def _new_page(values, errors: dict | None = None):
    return render_template("people/user_new.html", values=values, errors=errors or {}, roles=list(Role),
                           warehouses=service.all_warehouses(db.session))


def _kept(form) -> dict:
    """The form as sent, to fill it again (never the typed password or PIN)."""
    values = {key: form.get(key, "") for key in ("login", "name", "all_warehouses", "badge", "password_mode",
                                                 "pin_mode", "must_change")}
    values["roles"] = form.getlist("roles")
    values["warehouses"] = form.getlist("warehouses")
    return values


# --- one user -------------------------------------------------------------------------------------


@bp.get("/admin/users/<int:user_id>")
@screen_required(Screen.USERS)
def user_page(user_id: int):
    return _user_page(_user(user_id))


@bp.post("/admin/users/<int:user_id>")
@screen_required(Screen.USERS)
def user_save(user_id: int):
    user = _user(user_id)
    try:
        service.update_user(db.session, user_id, forms.user_draft(request.form), actor_id=current_user.id)
    except PersonRefused as refused:
        db.session.expire_all()
        return _user_page(_user(user_id), values=_kept(request.form), errors=refused.errors), 422
    flash(_("%(login)s saved.", login=user.login), "ok")
    return redirect(url_for("people.user_page", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/password")
@screen_required(Screen.USERS)
def user_password(user_id: int):
    _user(user_id)
    try:
        shown = service.set_password(db.session, user_id, forms.secret_choice(request.form, "password"),
                                     must_change=request.form.get("must_change") == "1")
    except PersonRefused as refused:
        return _user_page(_user(user_id), errors=refused.errors), 422
    return render_template("people/shown.html", shown=shown, created=False)


@bp.post("/admin/users/<int:user_id>/pin")
@screen_required(Screen.TEAM)
def user_pin(user_id: int):
    """An admin from the user's page, a supervisor from /team: a new PIN, shown once if made here."""
    try:
        shown = service.set_pin(db.session, user_id, forms.secret_choice(request.form, "pin"),
                                must_change=request.form.get("must_change") == "1", actor=current_user)
    except PersonNotFound:
        abort(404)
    except PersonRefused as refused:
        if may_use(current_user, Screen.USERS):
            return _user_page(_user(user_id), errors=refused.errors), 422
        flash(str(next(iter(refused.errors.values()))), "error")
        return redirect(url_for("people.team_list")), 303
    return render_template("people/shown.html", shown=shown, created=False,
                           back=url_for("people.team_list") if not may_use(current_user, Screen.USERS) else None)


@bp.post("/admin/users/<int:user_id>/badge")
@screen_required(Screen.USERS)
def user_badge(user_id: int):
    user = _user(user_id)
    action = request.form.get("action")
    if action == "new":
        service.new_badge(db.session, user_id)
        flash(_("%(login)s has a new badge: print it; the old one no longer works.", login=user.login), "ok")
    elif action == "remove":
        service.remove_badge(db.session, user_id)
        flash(_("%(login)s no longer has a badge.", login=user.login), "ok")
    else:
        return _user_page(user, errors={"badge": _("Choose what to do with the badge.")}), 422
    return redirect(url_for("people.user_page", user_id=user_id) + "#badge")


@bp.post("/admin/users/<int:user_id>/deactivate")
@screen_required(Screen.USERS)
def user_deactivate(user_id: int):
    """Asks first (confirm=1 does it); ends every session of the person at once."""
    user = _user(user_id)
    if request.form.get("confirm") != "1":
        return _user_page(user, asking=True)
    try:
        service.deactivate_user(db.session, user_id, actor_id=current_user.id)
    except PersonRefused as refused:
        return _user_page(_user(user_id), errors=refused.errors), 422
    flash(_("%(login)s is deactivated and logged out everywhere.", login=user.login), "ok")
    return redirect(url_for("people.user_page", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/reactivate")
@screen_required(Screen.USERS)
def user_reactivate(user_id: int):
    user = _user(user_id)
    service.reactivate_user(db.session, user_id)
    flash(_("%(login)s can log in again.", login=user.login), "ok")
    return redirect(url_for("people.user_page", user_id=user_id))


def _user(user_id: int):
    try:
        return service.get_user(db.session, user_id)
    except PersonNotFound:
        abort(404)


def _user_page(user, values: dict | None = None, errors: dict | None = None, asking: bool = False):
    values = values or {"login": user.login, "name": user.name, "roles": [r.value for r in user.roles],
                        "warehouses": [str(w.id) for w in user.warehouses],
                        "all_warehouses": "1" if user.all_warehouses else ""}
    return render_template("people/user.html", user=user, values=values, errors=errors or {}, asking=asking,
                           roles=list(Role), warehouses=service.all_warehouses(db.session),
                           history=history_of(db.session, "user", user.id), is_self=user.id == current_user.id)


# --- a supervisor's floor team --------------------------------------------------------------------


@bp.get("/team")
@screen_required(Screen.TEAM)
def team_list():
    query = forms.text(request.args, "q", 60)
    page = service.team(db.session, current_user, query, request.args.get("page", type=int))
    return render_template("people/team.html", page=page, query=query)


# --- one's own password and PIN -------------------------------------------------------------------


@bp.get("/profile/password")
@screen_required(Screen.PROFILE)
def own_password():
    return render_template("people/own_secret.html", kind="password", errors={})


@bp.post("/profile/password")
@screen_required(Screen.PROFILE)
def own_password_post():
    form = request.form
    try:
        service.change_own_password(db.session, current_user.id, forms.secret(form, "current"),
                                    forms.secret(form, "new"), forms.secret(form, "repeat"))
    except PersonRefused as refused:
        return render_template("people/own_secret.html", kind="password", errors=refused.errors), 422
    _stay_logged_in()
    flash(_("Your password is changed. Other devices were logged out."), "ok")
    return redirect(url_for("shell.profile"))


@bp.get("/profile/pin")
@screen_required(Screen.PROFILE)
def own_pin():
    return render_template("people/own_secret.html", kind="pin", errors={}, has_pin=_has_pin())


@bp.post("/profile/pin")
@screen_required(Screen.PROFILE)
def own_pin_post():
    form = request.form
    try:
        service.change_own_pin(db.session, current_user.id, forms.secret(form, "current"), forms.secret(form, "new"),
                               forms.secret(form, "repeat"))
    except PersonRefused as refused:
        return render_template("people/own_secret.html", kind="pin", errors=refused.errors, has_pin=_has_pin()), 422
    _stay_logged_in()
    flash(_("Your PIN is changed. Other devices were logged out."), "ok")
    return redirect(url_for("shell.profile"))


@bp.get("/profile/first")
@screen_required(Screen.PROFILE)
def first_secret():
    kind = must_choose()
    if kind is None:
        return redirect(url_for("shell.home"))
    return render_template("people/first_secret.html", kind=kind, errors={}, next=_next())


@bp.post("/profile/first")
@screen_required(Screen.PROFILE)
def first_secret_post():
    kind = must_choose()
    if kind is None:
        return redirect(url_for("shell.home"))
    form = request.form
    choose = service.choose_first_pin if kind == "pin" else service.choose_first_password
    try:
        choose(db.session, current_user.id, forms.secret(form, "new"), forms.secret(form, "repeat"))
    except PersonRefused as refused:
        return render_template("people/first_secret.html", kind=kind, errors=refused.errors, next=_next()), 422
    _stay_logged_in()
    return redirect(local_path(form.get("next"), url_for("shell.home")))


def must_choose() -> str | None:
    """"pin" or "password" while the person must choose their own for the way they logged in."""
    if not getattr(current_user, "is_authenticated", False):
        return None
    if session.get(LOGIN_BY) == "badge":
        return "pin" if current_user.must_change_pin else None
    return "password" if current_user.must_change_password else None


@bp.before_app_request
def send_to_first_secret():
    """Someone logged in with a password or PIN another person chose: they choose their own first."""
    if request.endpoint in WHILE_CHOOSING or request.endpoint is None or request.endpoint.startswith("api."):
        return None
    if must_choose() is None:
        return None
    target = url_for("people.first_secret", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    response = redirect(target)
    if is_htmx():
        response.headers["HX-Redirect"] = target
    return response


def _next() -> str:
    return local_path(request.values.get("next"), url_for("shell.home"))


def _has_pin() -> bool:
    return bool(service.get_user(db.session, current_user.id).pin_hash)


def _stay_logged_in() -> None:
    """The change ended every session of the person; this device goes on under a new one."""
    user = service.get_user(db.session, current_user.id)
    session[SESSION_ID] = start_session(db.session, user, forget_before=_oldest_session_start())
