"""Language: the user's setting, else the choice made on this device, else the browser's."""
from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import escape


def supported() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.language in supported():
        return current_user.language
    chosen = session.get("lang")
    if chosen in supported():
        return chosen
    return request.accept_languages.best_match(supported()) or current_app.config["BABEL_DEFAULT_LOCALE"]


def format_day(value, locale: str | None = None) -> str:
    """Dates as the floor reads them: YYYY/MM/DD in Japanese, ISO in English (the user's language by default)."""
    if not value:
        return ""
    locale = locale or str(get_locale() or "ja")
    return value.strftime("%Y/%m/%d") if locale == "ja" else value.isoformat()


def _escaped(lazy_string) -> str:
    return str(escape(str(lazy_string)))


# Flask-Babel's lazy strings tell Jinja they are already-safe HTML (__html__ returns the text
# as is), so `_l("No product %(code)s", code=typed)` would put a typed "<script>" on the page
# unescaped. Our messages carry scanned and typed text: escape them like any other string.
LazyString.__html__ = _escaped
