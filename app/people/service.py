"""Users from the office: create, edit, deactivate and reactivate; passwords, PINs and badges.

Rules kept here, whatever screen or command asks:
- a user has at least one role and works in one or more warehouses (or every warehouse);
- the login ID is unique whatever its case (login is case-blind);
- there is always an active admin: the last one is neither demoted nor deactivated, and an
  admin never takes away their own admin role or deactivates themselves (two admins demoting
  each other at once: the admins' rows are locked first, so the second sees the first's change);
- a password or PIN chosen by someone else may be made here (shown once) and the person may be
  asked to choose their own at their next login; a password or PIN change, and deactivation,
  end every login session of the person at once;
- a supervisor may reset the PIN of a floor worker (picker, receiver) of their warehouses only.

Every change is written through the ORM, so the history (app.history) records it field by field.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import Role, User, UserRole
from app.auth.service import end_every_session
from app.database import write_transaction
from app.masterdata.listing import Page, page_number
from app.people import errors
from app.people.errors import PersonNotFound, PersonRefused
from app.people.secrets import new_badge_code, new_password, new_pin, password_problem, pin_problem
from app.stock.models import Warehouse

FLOOR_ROLES = frozenset({Role.PICKER, Role.RECEIVER})
HIGHER_ROLES = (Role.SUPERVISOR, Role.ADMIN)
LOGIN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,59}")
MAX_NAME = 100
PAGE_SIZE = 50


class SecretMode(StrEnum):
    MAKE = "make"  # made here, shown once
    TYPED = "typed"  # typed by the admin (or the supervisor)
    NONE = "none"


class UserState(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ALL = "all"


@dataclass(frozen=True)
class UserDraft:
    """What the user form says of a person."""

    login: str
    name: str
    roles: frozenset[Role]
    warehouse_ids: tuple[int, ...]
    all_warehouses: bool


@dataclass(frozen=True)
class SecretChoice:
    mode: SecretMode
    typed: str = ""


@dataclass(frozen=True)
class Shown:
    """What the page after a change shows once: the password or PIN made here (None: not made here)."""

    user_id: int
    login: str
    name: str
    badge_code: str | None = None
    password: str | None = None
    pin: str | None = None


@dataclass(frozen=True)
class Filters:
    query: str = ""
    role: Role | None = None
    state: UserState = UserState.ACTIVE
    warehouse_id: int | None = None


# --- reading --------------------------------------------------------------------------------------


def find_users(session: Session, filters: Filters, page: int | None = 1) -> Page[User]:
    """Users matching the filters, by login, a page at a time, with their roles and warehouses."""
    condition = _matching(filters)
    total = session.scalar(select(func.count()).select_from(User).where(*condition))
    number = page_number(page, total, PAGE_SIZE)
    users = session.scalars(
        select(User).where(*condition).options(selectinload(User.warehouses))
        .order_by(User.login).limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
    ).all()
    return Page(list(users), total, number, PAGE_SIZE)


def get_user(session: Session, user_id: int) -> User:
    user = session.scalar(select(User).where(User.id == user_id).options(selectinload(User.warehouses)))
    if user is None:
        raise PersonNotFound(user_id)
    return user


def all_warehouses(session: Session) -> list[Warehouse]:
    return list(session.scalars(select(Warehouse).order_by(Warehouse.code)))


def team(session: Session, actor, query: str = "", page: int | None = 1) -> Page[User]:
    """The active floor workers (pickers, receivers) whose PIN `actor` may reset, by name."""
    condition = [User.active.is_(True), ~User.role_rows.any(UserRole.role.in_(HIGHER_ROLES)), _shares_warehouse(actor)]
    if query:
        condition.append(_text_matches(query))
    total = session.scalar(select(func.count()).select_from(User).where(*condition))
    number = page_number(page, total, PAGE_SIZE)
    users = session.scalars(select(User).where(*condition).order_by(User.name, User.login)
                            .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    return Page(list(users), total, number, PAGE_SIZE)


def _matching(filters: Filters) -> list:
    condition = []
    if filters.query:
        condition.append(_text_matches(filters.query))
    if filters.role is not None:
        condition.append(User.role_rows.any(UserRole.role == filters.role))
    if filters.state is not UserState.ALL:
        condition.append(User.active.is_(filters.state is UserState.ACTIVE))
    if filters.warehouse_id is not None:
        condition.append(or_(User.all_warehouses.is_(True), User.warehouses.any(Warehouse.id == filters.warehouse_id)))
    return condition or [User.id.is_not(None)]


def _text_matches(query: str):
    return or_(User.login.icontains(query, autoescape=True), User.name.icontains(query, autoescape=True),
               User.badge_code == query.upper())


def _shares_warehouse(actor):
    if actor.all_warehouses:
        return User.id.is_not(None)
    ids = [warehouse.id for warehouse in actor.warehouses]
    return or_(User.all_warehouses.is_(True), User.warehouses.any(Warehouse.id.in_(ids)))


# --- creating and editing -------------------------------------------------------------------------


def create_user(session: Session, draft: UserDraft, *, badge: bool, password: SecretChoice, pin: SecretChoice,
                must_change: bool) -> Shown:
    """A new user; the password and PIN made here come back to be shown once. Raises PersonRefused."""
    with write_transaction(session):
        problems = _draft_problems(session, draft, None)
        problems.update(_secret_problems(draft.login, password, pin if badge else SecretChoice(SecretMode.NONE)))
        if password.mode is SecretMode.NONE and not (badge and pin.mode is not SecretMode.NONE):
            problems.setdefault("password", errors_no_way_in())
        if problems:
            raise PersonRefused(problems)
        user = User(login=draft.login, name=draft.name, active=True)
        _apply(session, user, draft)
        made_password = _chosen(password, new_password)
        made_pin = _chosen(pin, new_pin) if badge else None
        if made_password:
            user.set_password(made_password)
            user.must_change_password = must_change
        if made_pin:
            user.set_pin(made_pin)
            user.must_change_pin = must_change
        if badge:
            user.badge_code = _free_badge_code(session)
        session.add(user)
        session.flush()
        return Shown(user.id, user.login, user.name, user.badge_code, _shown(password, made_password),
                     _shown(pin, made_pin))


def update_user(session: Session, user_id: int, draft: UserDraft, *, actor_id: int) -> User:
    """Login ID, name, roles and warehouses of a user. Raises PersonRefused (nothing written)."""
    with write_transaction(session):
        user = _locked_user(session, user_id)
        problems = _draft_problems(session, draft, user_id)
        if Role.ADMIN in user.roles and Role.ADMIN not in draft.roles:
            if user_id == actor_id:
                problems["roles"] = errors.own_admin_role()
            elif user.active and _other_active_admins(session, user_id) == 0:
                problems["roles"] = errors.last_admin()
        if problems:
            raise PersonRefused(problems)
        _apply(session, user, draft)
        session.flush()
        return user


def deactivate_user(session: Session, user_id: int, *, actor_id: int) -> User:
    """The user can no longer log in, and every device logged in as them is logged out at once."""
    with write_transaction(session):
        user = _locked_user(session, user_id)
        if user_id == actor_id:
            raise PersonRefused.on("active", errors.own_account())
        if user.active and Role.ADMIN in user.roles and _other_active_admins(session, user_id) == 0:
            raise PersonRefused.on("active", errors.last_admin())
        user.active = False
        session.flush()
        end_every_session(session, user_id)
        return user


def reactivate_user(session: Session, user_id: int) -> User:
    with write_transaction(session):
        user = _locked_user(session, user_id)
        user.active = True
        session.flush()
        return user


def set_password(session: Session, user_id: int, choice: SecretChoice, *, must_change: bool) -> Shown:
    """A new password for the user (made here or typed); every device logged in as them is logged out."""
    with write_transaction(session):
        user = _locked_user(session, user_id)
        if choice.mode is SecretMode.NONE:
            raise PersonRefused.on("password", errors_choose_mode())
        problems = _secret_problems(user.login, choice, SecretChoice(SecretMode.NONE))
        if problems:
            raise PersonRefused(problems)
        password = _chosen(choice, new_password)
        user.set_password(password)
        user.must_change_password = must_change
        session.flush()
        end_every_session(session, user_id)
        return Shown(user.id, user.login, user.name, user.badge_code, password=_shown(choice, password))


def set_pin(session: Session, user_id: int, choice: SecretChoice, *, must_change: bool, actor) -> Shown:
    """A new PIN (made here or typed) for a user `actor` may manage (an admin: anyone; a supervisor:
    the floor workers of their warehouses, PersonNotFound otherwise); the user's sessions end."""
    with write_transaction(session):
        user = _locked_user(session, user_id)
        if not may_reset_pin(actor, user):
            raise PersonNotFound(user_id)
        if choice.mode is SecretMode.NONE:
            raise PersonRefused.on("pin", errors_choose_mode())
        problems = _secret_problems(user.login, SecretChoice(SecretMode.NONE), choice)
        if problems:
            raise PersonRefused(problems)
        pin = _chosen(choice, new_pin)
        user.set_pin(pin)
        user.must_change_pin = must_change
        session.flush()
        end_every_session(session, user_id)
        return Shown(user.id, user.login, user.name, user.badge_code, pin=_shown(choice, pin))


def may_reset_pin(actor, user: User) -> bool:
    """An admin resets anyone's PIN; a supervisor the PIN of an active floor worker who works in one
    of the supervisor's warehouses."""
    if actor.has_role(Role.ADMIN):
        return True
    if not actor.has_role(Role.SUPERVISOR) or not user.active or user.has_role(*HIGHER_ROLES):
        return False
    if actor.all_warehouses or user.all_warehouses:
        return True
    return bool({w.id for w in actor.warehouses} & {w.id for w in user.warehouses})


def new_badge(session: Session, user_id: int) -> User:
    """A new random badge code: the old badge stops working (print the new one)."""
    with write_transaction(session):
        user = _locked_user(session, user_id)
        user.badge_code = _free_badge_code(session)
        session.flush()
        end_every_session(session, user_id)
        return user


def remove_badge(session: Session, user_id: int) -> User:
    with write_transaction(session):
        user = _locked_user(session, user_id)
        user.badge_code = None
        session.flush()
        end_every_session(session, user_id)
        return user


# --- one's own password and PIN -------------------------------------------------------------------


def change_own_password(session: Session, user_id: int, current: str, new: str, repeat: str) -> None:
    """The person's new password, the current one asked for; all their sessions end (the screen
    starts a new one for the device in hand). Raises PersonRefused."""
    with write_transaction(session):
        user = _locked_user(session, user_id)
        problems = {}
        if not user.check_password(current):
            problems["current"] = errors_wrong_current()
        problems.update(_new_secret_problems(new, repeat, password_problem(new, user.login)))
        if not problems and user.check_password(new):
            problems["new"] = errors_same_as_before()
        if problems:
            raise PersonRefused(problems)
        _own_password(session, user, new)


def change_own_pin(session: Session, user_id: int, current: str, new: str, repeat: str) -> None:
    """The person's new PIN, the current one asked for (their password while they have no PIN)."""
    with write_transaction(session):
        user = _locked_user(session, user_id)
        problems = {}
        right = user.check_pin(current) if user.pin_hash else user.check_password(current)
        if not right:
            problems["current"] = errors_wrong_current()
        problems.update(_new_secret_problems(new, repeat, pin_problem(new)))
        if not problems and user.check_pin(new):
            problems["new"] = errors_same_as_before()
        if problems:
            raise PersonRefused(problems)
        _own_pin(session, user, new)


def choose_first_password(session: Session, user_id: int, new: str, repeat: str) -> None:
    """At the login after someone else chose it: the person's own password (they just typed the old one)."""
    with write_transaction(session):
        user = _locked_user(session, user_id)
        problems = _new_secret_problems(new, repeat, password_problem(new, user.login))
        if not problems and user.check_password(new):
            problems["new"] = errors_same_as_before()
        if problems:
            raise PersonRefused(problems)
        _own_password(session, user, new)


def choose_first_pin(session: Session, user_id: int, new: str, repeat: str) -> None:
    with write_transaction(session):
        user = _locked_user(session, user_id)
        problems = _new_secret_problems(new, repeat, pin_problem(new))
        if not problems and user.check_pin(new):
            problems["new"] = errors_same_as_before()
        if problems:
            raise PersonRefused(problems)
        _own_pin(session, user, new)


def _own_password(session: Session, user: User, password: str) -> None:
    user.set_password(password)
    user.must_change_password = False
    session.flush()
    end_every_session(session, user.id)


def _own_pin(session: Session, user: User, pin: str) -> None:
    user.set_pin(pin)
    user.must_change_pin = False
    session.flush()
    end_every_session(session, user.id)


# --- the rules ------------------------------------------------------------------------------------


def _locked_user(session: Session, user_id: int) -> User:
    """The user, locked for this unit of work; the admins' rows are locked first, always in the same
    order, so the last-admin check of two admins at once never interleaves."""
    admin_ids = select(UserRole.user_id).where(UserRole.role == Role.ADMIN)
    session.execute(select(User.id).where(User.id.in_(admin_ids)).order_by(User.id).with_for_update()).all()
    user = session.execute(
        select(User).where(User.id == user_id).with_for_update(of=User).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if user is None:
        raise PersonNotFound(user_id)
    return user


def _other_active_admins(session: Session, user_id: int) -> int:
    admin_ids = select(UserRole.user_id).where(UserRole.role == Role.ADMIN)
    return session.scalar(select(func.count()).select_from(User).where(
        User.id.in_(admin_ids), User.active.is_(True), User.id != user_id))


def _draft_problems(session: Session, draft: UserDraft, user_id: int | None) -> dict[str, object]:
    problems: dict[str, object] = {}
    if not LOGIN_RE.fullmatch(draft.login):
        problems["login"] = errors_login_shape()
    elif session.scalar(select(User.id).where(func.lower(User.login) == draft.login.lower(),
                                              User.id != (user_id or 0))):
        problems["login"] = errors_login_taken(draft.login)
    if not draft.name or len(draft.name) > MAX_NAME or _has_control_characters(draft.name):
        problems["name"] = errors_name()
    if not draft.roles:
        problems["roles"] = errors_no_role()
    if not draft.all_warehouses:
        known = set(session.scalars(select(Warehouse.id).where(Warehouse.id.in_(draft.warehouse_ids))))
        if not draft.warehouse_ids or known != set(draft.warehouse_ids):
            problems["warehouses"] = errors_no_warehouse()
    return problems


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def _secret_problems(login: str, password: SecretChoice, pin: SecretChoice) -> dict[str, object]:
    problems = {}
    if password.mode is SecretMode.TYPED:
        problem = password_problem(password.typed, login)
        if problem:
            problems["password"] = problem
    if pin.mode is SecretMode.TYPED:
        problem = pin_problem(pin.typed)
        if problem:
            problems["pin"] = problem
    return problems


def _new_secret_problems(new: str, repeat: str, weakness) -> dict[str, object]:
    if weakness:
        return {"new": weakness}
    if new != repeat:
        return {"repeat": errors_repeat()}
    return {}


def _apply(session: Session, user: User, draft: UserDraft) -> None:
    user.login, user.name, user.all_warehouses = draft.login, draft.name, draft.all_warehouses
    kept = [row for row in user.role_rows if row.role in draft.roles]
    added = [UserRole(role=role) for role in sorted(draft.roles - {row.role for row in kept})]
    if len(kept) != len(user.role_rows) or added:
        user.role_rows = kept + added
    wanted = [] if draft.all_warehouses else list(
        session.scalars(select(Warehouse).where(Warehouse.id.in_(draft.warehouse_ids)).order_by(Warehouse.code)))
    if {w.id for w in user.warehouses} != {w.id for w in wanted}:
        user.warehouses = wanted


def _chosen(choice: SecretChoice, make) -> str | None:
    if choice.mode is SecretMode.MAKE:
        return make()
    if choice.mode is SecretMode.TYPED:
        return choice.typed
    return None


def _shown(choice: SecretChoice, value: str | None) -> str | None:
    return value if choice.mode is SecretMode.MAKE else None


def _free_badge_code(session: Session) -> str:
    while True:
        code = new_badge_code()
        if session.scalar(select(User.id).where(User.badge_code == code)) is None:
            return code


# --- messages -------------------------------------------------------------------------------------


def errors_login_shape():
    return _l("A login ID is 1 to 60 letters, digits and . _ @ - (starting with a letter or digit).")


def errors_login_taken(login: str):
    return _l("The login ID %(login)s is taken.", login=login)


def errors_name():
    return _l("Type a name of at most %(n)s characters.", n=MAX_NAME)


def errors_no_role():
    return _l("Choose at least one role.")


def errors_no_warehouse():
    return _l("Choose one or more warehouses, or every warehouse.")


def errors_no_way_in():
    return _l("Give a password, or a badge with a PIN: otherwise this person cannot log in.")


def errors_choose_mode():
    return _l("Choose how the new one is made.")


def errors_wrong_current():
    return _l("This is not the current one.")


def errors_same_as_before():
    return _l("Choose one different from the current one.")


def errors_repeat():
    return _l("The two do not match.")


__all__ = [
    "SecretMode", "UserState", "UserDraft", "SecretChoice", "Shown", "Filters", "find_users", "get_user", "team",
    "all_warehouses", "create_user", "update_user", "deactivate_user", "reactivate_user", "set_password", "set_pin",
    "may_reset_pin", "new_badge", "remove_badge", "change_own_password", "change_own_pin", "choose_first_password",
    "choose_first_pin",
]
