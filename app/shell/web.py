"""Cross-cutting web behaviour: security headers, error pages, template helpers."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import get_locale, lazy_gettext as _l
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DisconnectionError, InterfaceError, OperationalError

from app.extensions import db
from app.i18n import format_day
from app.shell.context import current_warehouse
from app.stock.warehouses import place_name

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",  # the live-camera polyfill compiles ZXing WebAssembly
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


DOCUMENT_LABELS = {
    "tote": _l("Tote"), "receipt": _l("Expected receipt"), "order": _l("Order"),
    "pick_list": _l("Pick list"), "count_task": _l("Count task"),
}
ROLE_LABELS = {"picker": _l("Picker"), "receiver": _l("Receiver"), "supervisor": _l("Supervisor"), "admin": _l("Admin")}


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    app.before_request(refuse_ids_beyond_the_database)
    app.after_request(add_security_headers)
    app.add_template_global(asset_url, "asset")
    app.add_template_global(lambda role: ROLE_LABELS.get(str(role), str(role)), "role_label")
    app.add_template_global(lambda kind: DOCUMENT_LABELS.get(kind, kind), "document_label")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(place_name, "place")
    app.context_processor(template_context)
    register_error_pages(app)


def template_context() -> dict:
    return {"locale": str(get_locale() or "ja"), "current_warehouse": current_warehouse()}


def refuse_nul_characters():
    """NUL is never part of anything typed or scanned (PostgreSQL cannot even store it): refuse it
    before any view reads the form, in the person's language, with nothing written."""
    sent = (request.args, request.form) if request.method == "POST" else (request.args,)
    if any("\x00" in key or "\x00" in value for values in sent for key, value in values.items(multi=True)):
        return error_page(400, _("Unusable input"),
                          _("What was sent contains a NUL character, which cannot be used. Scan or type it again."))
    return None


MAX_ID = 2**31 - 1  # ids are 32-bit integers in both databases


def refuse_ids_beyond_the_database():
    """An id in the path larger than any the database can hold names nothing: not found, before any
    view reads it (SQLite cannot even be asked about a number past 64 bits)."""
    if any(isinstance(value, int) and value > MAX_ID for value in (request.view_args or {}).values()):
        abort(404)
    return None


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("SESSION_COOKIE_SECURE") and request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


@lru_cache(maxsize=64)
def _content_hash(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def asset_url(filename: str) -> str:
    """URL of a static file with its content hash, so browsers may cache it for a year."""
    path = Path(current_app.static_folder) / filename
    return url_for("static", filename=filename, v=_content_hash(str(path), path.stat().st_mtime))


def is_htmx() -> bool:
    return bool(getattr(request, "htmx", False))


def answers_json(view):
    """Mark a view whose answers, errors included, are JSON."""
    view.answers_json = True
    return view


def wants_json() -> bool:
    """The request goes to a JSON view, or its client prefers JSON to HTML."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "answers_json", False):
        return True
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json" \
        and request.accept_mimetypes["application/json"] > request.accept_mimetypes["text/html"]


def error_page(status: int, title: str, message: str):
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    return render_template(template, status=status, title=title, message=message), status


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(403)
    def forbidden(_e):
        return error_page(403, _("Not allowed"), _("Your role does not allow this screen."))

    @app.errorhandler(404)
    def not_found(_e):
        return error_page(404, _("Not found"), _("This page does not exist."))

    @app.errorhandler(405)
    def method_not_allowed(_e):
        return error_page(405, _("Not allowed"), _("This action is not available here."))

    @app.errorhandler(413)
    def too_large(_e):
        if wants_json():
            return jsonify(error="too_large", message=_("The file is too large.")), 413
        return error_page(413, _("Too large"), _("The file is too large."))

    @app.errorhandler(CSRFError)
    def csrf_failed(_e):
        return error_page(
            400, _("Page expired"), _("This page is out of date. Reload the page and scan again.")
        )

    @app.errorhandler(DataError)
    def not_storable(error):
        """A value the database refuses (too long, out of range): nothing was recorded, say so."""
        discard_failed_transaction()
        current_app.logger.warning("value refused by the database on %s: %s", request.path, str(error).splitlines()[0])
        return error_page(422, _("Not recorded"), _("Something typed or scanned is too long or not allowed here, so "
                                                    "nothing was recorded. Check it and try again."))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DisconnectionError)
    def database_unreachable(error):
        """The connection died (a restart, a cut, a failover) or the database is busy: nothing here is
        wrong with the request, so 503 with Retry-After, and the floor page sends the scan again by
        itself under its scan_id (which counts it once)."""
        discard_failed_transaction()
        current_app.logger.warning("database unreachable on %s: %s", request.path, str(error).splitlines()[0])
        body, status = safe_error_page(503, _("Try again"), _(
            "The database did not answer. A scan is sent again by itself (it counts once); anything else, "
            "try again in a moment."))
        return body, status, {"Retry-After": "1"}

    @app.errorhandler(500)
    def server_error(_e):
        discard_failed_transaction()
        return safe_error_page(500, _("Server error"), _("Something went wrong on the server. Try again."))


def discard_failed_transaction() -> None:
    """Roll back what the failed request left, so the error page can read what it needs."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a dead connection may refuse even that; start afresh
        db.session.close()


def safe_error_page(status: int, title: str, message: str):
    """The error page, or a bare one of our own when even that cannot be drawn (never gunicorn's)."""
    try:
        return error_page(status, title, message)
    except Exception:  # noqa: BLE001 - the page needs the user and the language; both may need the database
        current_app.logger.exception("the error page itself failed")
        discard_failed_transaction()
        return BARE_ERROR.format(status=status), status


BARE_ERROR = (
    '<!doctype html><html lang="ja"><meta charset="utf-8"><title>{status}</title>'
    '<div id="feedback" class="feedback is-error" role="alert" data-result="error" data-status="{status}">'
    '<span class="message">サーバーが応答できません。しばらくしてからもう一度お試しください。'
    ' The server cannot answer just now: try again in a moment.</span></div></html>'
)
