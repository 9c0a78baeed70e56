"""Passwords, PINs and badge codes: how strong a chosen one must be, and how new ones are made.

A password or PIN made here is shown once to the person who asked for it and never stored in
clear; a badge code is random (ZU- + 6 characters), never derived from a database id.
"""
from __future__ import annotations

import secrets
import string

from flask_babel import lazy_gettext as _l

from app.barcodes.resolve import BADGE_PREFIX

MIN_PASSWORD = 8
MAX_PASSWORD = 128
PIN_LENGTHS = range(4, 9)
BADGE_ALPHABET = string.ascii_uppercase + string.digits
# letters and digits nobody misreads on paper (no 0/O, 1/l/I)
READABLE = "abcdefghjkmnpqrstuvwxyz23456789"
COMMON_PASSWORDS = frozenset({
    "password", "password1", "password123", "passw0rd", "12345678", "123456789", "1234567890", "qwerty123",
    "qwertyuiop", "iloveyou", "admin123", "administrator", "letmein1", "welcome1", "abc12345", "11111111",
    "00000000", "asdfghjkl", "warehouse", "tana1234", "sokoban1",
})


def password_problem(password: str, login: str = "") -> object | None:
    """Why `password` is too weak (a message), or None."""
    if len(password) < MIN_PASSWORD:
        return _l("Use at least %(n)s characters.", n=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        return _l("Use at most %(n)s characters.", n=MAX_PASSWORD)
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return _l("This password is too easy to guess.")
    if len(login) >= 3 and login.lower() in lowered:
        return _l("The password may not contain the login ID.")
    kinds = sum(any(test(ch) for ch in password) for test in (str.isalpha, str.isdigit, _is_mark))
    if kinds < 2:
        return _l("Mix letters with digits or marks.")
    return None


def pin_problem(pin: str) -> object | None:
    """Why `pin` cannot be a PIN (a message), or None: 4–8 digits, not one digit repeated, not a run."""
    if not (pin.isascii() and pin.isdigit() and len(pin) in PIN_LENGTHS):
        return _l("A PIN is 4 to 8 digits.")
    if len(set(pin)) == 1 or pin in "01234567890" or pin in "09876543210":
        return _l("This PIN is too easy to guess.")
    return None


def new_password() -> str:
    """A random password that reads aloud well: three groups of four, e.g. k7mq-4x9p-2rta."""
    return "-".join("".join(secrets.choice(READABLE) for _ in range(4)) for _ in range(3))


def new_pin(length: int = 6) -> str:
    while True:
        pin = "".join(secrets.choice(string.digits) for _ in range(length))
        if pin_problem(pin) is None:
            return pin


def new_badge_code() -> str:
    return BADGE_PREFIX + "".join(secrets.choice(BADGE_ALPHABET) for _ in range(6))


def _is_mark(ch: str) -> bool:
    return not ch.isalnum() and not ch.isspace()


__all__ = ["password_problem", "pin_problem", "new_password", "new_pin", "new_badge_code"]
