"""Language: the user's setting, else the choice made on this device, else the browser's."""
from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user


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
