"""The demo users again (`flask --app app demo users`), as `demo load` planned them from the
seed, each checked against the database: a password or PIN changed since is not printed,
because it would no longer work, and a demo login the database does not have is said so.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.demo.plan import DEFAULT_SEED, plan_demo
from app.demo.summary import USERS_HEADING, DemoUser, user_line

CHANGED_PASSWORD = "(changed)"
CHANGED_PIN = "----"
NO_BADGE = "-"


@dataclass(frozen=True)
class DemoLogin:
    """A planned demo user and what of it still works in the database."""

    planned: DemoUser
    exists: bool
    password_works: bool = False
    pin_works: bool = False
    active: bool = False
    badge_code: str | None = None

    def line(self) -> str:
        """The user's row of the table, with only the secrets that still work, and what changed."""
        if not self.exists:
            return f"  {self.planned.login:<12} (not in this database)"
        shown = replace(
            self.planned,
            password=self.planned.password if self.password_works else CHANGED_PASSWORD,
            pin=self.planned.pin if self.pin_works else CHANGED_PIN,
            badge_code=self.badge_code or NO_BADGE,
        )
        changes = [
            *([] if self.password_works else ["password changed"]),
            *([] if self.pin_works else ["PIN changed"]),
            *([] if self.badge_code == self.planned.badge_code else ["badge changed"]),
            *([] if self.active else ["deactivated"]),
        ]
        return user_line(shown) + (f"  <- {', '.join(changes)}" if changes else "")


def demo_logins(session: Session, seed: int = DEFAULT_SEED) -> tuple[DemoLogin, ...]:
    """Every demo user the seed plans, checked against the users in the database."""
    plan = plan_demo(seed)
    codes = [w.code for w in plan.warehouses]
    planned = [u.summary(codes) for u in plan.users]
    found = {u.login: u for u in session.scalars(select(User).where(User.login.in_([p.login for p in planned])))}
    return tuple(_checked(p, found.get(p.login)) for p in planned)


def _checked(planned: DemoUser, user: User | None) -> DemoLogin:
    if user is None:
        return DemoLogin(planned, exists=False)
    return DemoLogin(planned, True, user.check_password(planned.password), user.check_pin(planned.pin), user.active,
                     user.badge_code)


def login_lines(logins: tuple[DemoLogin, ...]) -> list[str]:
    """The users table as `demo load` printed it, marked where the database no longer agrees."""
    out = ["Demo users as `demo load` made them, checked against this database.", USERS_HEADING]
    out.extend(login.line() for login in logins)
    if any(login.exists and not (login.password_works and login.pin_works) for login in logins):
        out.append(f"{CHANGED_PASSWORD} and {CHANGED_PIN} mark a password or PIN changed since the demo was loaded: "
                   "the demo one no longer works and the new one is not known here.")
    return out
