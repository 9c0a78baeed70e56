"""Refusals of the people rules: each names the form field it is about and says why, lazily
translated (written in the reader's language when shown)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


class PersonRefused(Exception):
    """Nothing was written: `errors` maps form fields to messages."""

    def __init__(self, errors: dict[str, object]) -> None:
        super().__init__(", ".join(errors))
        self.errors = dict(errors)

    @classmethod
    def on(cls, field: str, message) -> PersonRefused:
        return cls({field: message})


class PersonNotFound(LookupError):
    """No such user, or one the asker may not manage (not told apart: 404)."""


def last_admin():
    return _l("This is the last active admin: make someone else an admin first.")


def own_admin_role():
    return _l("You cannot take away your own admin role.")


def own_account():
    return _l("You cannot deactivate yourself.")


__all__ = ["PersonRefused", "PersonNotFound", "last_admin", "own_admin_role", "own_account"]
