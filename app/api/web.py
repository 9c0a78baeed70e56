"""The API's web plumbing: tokens on every call, JSON for every answer (errors included), no cookies.

* `token_required(scope)`: the bearer token is checked (401), then its scope (403); a login
  session cookie is never looked at (the request runs as nobody), and messages are English.
* Every error of an /api/ path — a wrong path or method, a value the database refuses, the
  database being away, a bug — answers in the one error shape (app.api.errors).
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, Flask, current_app, g, jsonify, request
from flask_babel import force_locale
from sqlalchemy.exc import DataError, DisconnectionError, IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.routing import Map, RequestRedirect, Rule

from app.api import tokens
from app.api.errors import ApiError, for_status
from app.api.models import Scope
from app.extensions import db

API_PREFIX = "/api/"


def grant() -> tokens.Grant:
    return g.api_grant


def token_required(scope: Scope):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            g.api_grant = _authorised(scope)
            with force_locale("en"):
                return view(*args, **kwargs)

        wrapped.token_scope = scope
        return wrapped

    return decorator


def _authorised(scope: Scope) -> tokens.Grant:
    header = request.headers.get("Authorization", "")
    kind, _, presented = header.partition(" ")
    if kind.lower() != "bearer" or not presented.strip():
        raise ApiError(401, "unauthorized", "Send a token: Authorization: Bearer tana_…")
    try:
        found = tokens.authenticate(db.session, presented)
    except tokens.RevokedToken:
        raise ApiError(401, "token_revoked", "This token was revoked.") from None
    except tokens.InvalidToken:
        raise ApiError(401, "unauthorized", "Unknown or malformed token.") from None
    if not found.allows(scope):
        raise ApiError(403, "insufficient_scope", f"This token lacks the scope {scope.value}.")
    tokens.note_use(db.session, found)
    return found


def as_nobody() -> None:
    """A login cookie never authorises the API: the request runs as the anonymous user."""
    g._login_user = current_app.login_manager.anonymous_user()


def init_blueprint(bp: Blueprint) -> None:
    bp.before_request(as_nobody)
    bp.register_error_handler(ApiError, _answer)
    for code in default_exceptions:
        bp.register_error_handler(code, _http_error)
    bp.register_error_handler(DataError, _not_storable)
    bp.register_error_handler(IntegrityError, _conflict)
    for error in (OperationalError, InterfaceError, DisconnectionError):
        bp.register_error_handler(error, _unavailable)


def init_app(app: Flask) -> None:
    """Before the app's own checks (which answer HTML pages): /api/ calls that no route takes (a path
    the router cannot read) or that carry NUL are answered in JSON."""
    app.before_request_funcs.setdefault(None, []).insert(0, _api_guard)


def _api_guard():
    if not request.path.startswith(API_PREFIX):
        return None
    as_nobody()
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        return _answer(ApiError(400, "bad_request", "The request contains a NUL character."))
    failed = request.routing_exception
    if isinstance(failed, HTTPException) and not isinstance(failed, RequestRedirect) and not request.blueprints:
        return _http_error(failed)
    return None


def _answer(error: ApiError):
    response = jsonify(error.body())
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tana"'
    return response


def _http_error(error: HTTPException):
    if error.code and error.code >= 500:
        _discard()
    response = _answer(for_status(error.code or 500, _plain(error)))
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _plain(error: HTTPException) -> str:
    return (error.description or error.name or "").split("\n")[0][:200] or error.name


def _not_storable(_error):
    _discard()
    return _answer(ApiError(422, "invalid_request", "A value is too long or out of range for the store."))


def _conflict(_error):
    _discard()
    return _answer(ApiError(409, "conflict", "Another call changed the same thing at once: send it again."))


def _unavailable(_error):
    _discard()
    response = _answer(ApiError(503, "unavailable", "The database did not answer: try again in a moment."))
    response.headers["Retry-After"] = "1"
    return response


def _discard() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a dead connection may refuse even that
        db.session.close()


def unknown_path(rest: str):
    """Any /api/v1/… path no route has: 404, or 405 (with Allow) where only the method is wrong."""
    allowed = _api_rules().bind("localhost").allowed_methods(request.path)
    if allowed:
        raise ApiError(405, "method_not_allowed", f"{request.method} is not allowed here: use {', '.join(allowed)}.")
    raise ApiError(404, "not_found", "No such API path.")


def _api_rules() -> Map:
    found = current_app.extensions.get("tana.api_rules")
    if found is None:
        rules = [Rule(rule.rule, methods=rule.methods, endpoint=rule.endpoint)
                 for rule in current_app.url_map.iter_rules()
                 if rule.endpoint.startswith("api.") and rule.endpoint != "api.unknown"]
        found = current_app.extensions["tana.api_rules"] = Map(rules, converters=current_app.url_map.converters)
    return found


__all__ = ["API_PREFIX", "grant", "token_required", "as_nobody", "init_blueprint", "init_app", "unknown_path"]
