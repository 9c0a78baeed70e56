"""Who is logging in: ID + password, or a badge scan + PIN."""
from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import LoginSession, User
from app.database import write_transaction
from app.history import recording as history
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


def start_session(session: Session, user: User, *, forget_before: datetime) -> str:
    """A new login session of `user` (its id goes into the signed cookie); sessions ended or started
    before `forget_before` are forgotten meanwhile."""
    session_id = secrets.token_urlsafe(32)
    with write_transaction(session):
        now = utcnow()
        session.execute(update(User).where(User.id == user.id).values(last_login_at=now))
        session.execute(delete(LoginSession).where(
            (LoginSession.started_at < forget_before) | (LoginSession.ended_at < now - timedelta(days=1))))
        session.add(LoginSession(id=session_id, user_id=user.id, started_at=now))
    return session_id


def end_session(session: Session, session_id: str | None) -> None:
    """Logout: this login session ends, on every copy of its cookie."""
    if not session_id:
        return
    with write_transaction(session):
        session.execute(update(LoginSession).where(LoginSession.id == session_id, LoginSession.ended_at.is_(None))
                        .values(ended_at=utcnow()))


def end_every_session(session: Session, user_id: int) -> int:
    """Every login session of the user ends (call inside the unit of work that changes a password or PIN)."""
    return session.execute(update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
                           .values(ended_at=utcnow())).rowcount


def change_password(session: Session, user_id: int, password: str) -> None:
    """A new password; every device logged in as the user is logged out (and the user's history says so)."""
    with write_transaction(session):
        session.execute(update(User).where(User.id == user_id).values(password_hash=generate_password_hash(password)))
        history.record(session, [history.Change("user", user_id, "password", None, None)])
        end_every_session(session, user_id)


def change_pin(session: Session, user_id: int, pin: str) -> None:
    """A new badge PIN; every device logged in as the user is logged out."""
    with write_transaction(session):
        session.execute(update(User).where(User.id == user_id).values(pin_hash=generate_password_hash(pin)))
        history.record(session, [history.Change("user", user_id, "pin", None, None)])
        end_every_session(session, user_id)


def set_language(session: Session, user_id: int, language: str) -> None:
    """The user's language from now on, on every device."""
    with write_transaction(session):
        session.execute(update(User).where(User.id == user_id).values(language=language))
