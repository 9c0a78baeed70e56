"""Who is logging in: ID + password, or a badge scan + PIN."""
from __future__ import annotations

import unicodedata

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import User
from app.database import write_transaction
from app.timeutil import utcnow

# Checked when no such user exists, so a wrong login costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("tana-no-such-user")


def clean_badge(code: str) -> str:
    return unicodedata.normalize("NFKC", code or "").strip().upper()


def authenticate_password(session: Session, login: str, password: str) -> User | None:
    user = session.scalar(select(User).where(func.lower(User.login) == (login or "").strip().lower()))
    return _checked(user, password, User.check_password)


def authenticate_badge(session: Session, code: str, pin: str) -> User | None:
    badge = clean_badge(code)
    user = session.scalar(select(User).where(User.badge_code == badge)) if badge else None
    return _checked(user, pin, User.check_pin)


def _checked(user: User | None, secret: str, check) -> User | None:
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, secret or "")
        return None
    return user if check(user, secret or "") else None


def record_login(session: Session, user: User) -> None:
    with write_transaction(session):
        session.execute(update(User).where(User.id == user.id).values(last_login_at=utcnow()))


def set_language(session: Session, user_id: int, language: str) -> None:
    """The user's language from now on, on every device."""
    with write_transaction(session):
        session.execute(update(User).where(User.id == user_id).values(language=language))
