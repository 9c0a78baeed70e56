"""The logged-in user of a request: who, with which roles, in which warehouses — one read.

Every request of a logged-in person needs the same few facts (roles for the screen check,
the warehouses for the floor, the language). They are read in one statement into a frozen
`SessionUser`, never the ORM `User`, so nothing later lazy-loads more of it. An inactive
user has no session: deactivating someone ends their sessions at their next request, and
so does ending the login session the cookie names (logout, a password or PIN change), read in
the same statement.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, exists, or_, select
from sqlalchemy.orm import Session

from app.auth.models import LoginSession, Role, User, UserRole, user_warehouse
from app.stock.models import Warehouse, WarehouseSetting
from app.stock.warehouses import SETTING_COLUMNS, WarehouseRef, place_columns, places_of, settings_of


@dataclass(frozen=True, eq=False)
class SessionUser:
    id: int
    login: str
    name: str
    language: str | None
    all_warehouses: bool
    roles: frozenset[Role]
    warehouses: tuple[WarehouseRef, ...]
    must_change_password: bool = False  # someone else chose it: the person chooses their own first
    must_change_pin: bool = False

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def __repr__(self) -> str:
        return f"<SessionUser {self.login}>"


_user = User.__table__
_role = UserRole.__table__
_warehouse = Warehouse.__table__
_login = LoginSession.__table__
_setting = WarehouseSetting.__table__
_SESSION_GOES_ON = exists().where(
    _login.c.id == bindparam("session_id"), _login.c.user_id == _user.c.id, _login.c.ended_at.is_(None),
    _login.c.started_at > bindparam("started_after"),
)

_SESSION_USER = (
    select(
        _user.c.id, _user.c.login, _user.c.name, _user.c.language, _user.c.all_warehouses,
        _user.c.must_change_password, _user.c.must_change_pin, _role.c.role, _warehouse.c.id.label("warehouse_id"),
        _warehouse.c.code, _warehouse.c.name.label("warehouse_name"), _warehouse.c.location_pattern, *place_columns(_warehouse.c.id), *SETTING_COLUMNS,
    )
    .select_from(_user)
    .outerjoin(_role, _role.c.user_id == _user.c.id)
    .outerjoin(_warehouse, or_(
        _user.c.all_warehouses.is_(True),
        exists().where(and_(user_warehouse.c.user_id == _user.c.id, user_warehouse.c.warehouse_id == _warehouse.c.id)),
    ))
    .outerjoin(_setting, _setting.c.warehouse_id == _warehouse.c.id)
    .where(_user.c.id == bindparam("user_id"), _user.c.active.is_(True), _SESSION_GOES_ON)
    .order_by(_warehouse.c.code)
)


def load_session_user(session: Session, user_id: int, session_id: str, started_after: datetime) -> SessionUser | None:
    """The active user `user_id` with roles and warehouses, in one statement; None if gone or inactive,
    or if the login session `session_id` (started after `started_after`) has ended."""
    rows = session.execute(_SESSION_USER, {"user_id": user_id, "session_id": session_id,
                                           "started_after": started_after}).all()
    if not rows:
        return None
    first = rows[0]
    roles = frozenset(Role(row.role) for row in rows if row.role is not None)
    warehouses = tuple({
        row.warehouse_id: WarehouseRef(row.warehouse_id, row.code, row.warehouse_name, row.location_pattern,
                                       places_of(row), settings_of(row))
        for row in rows if row.warehouse_id is not None
    }.values())
    return SessionUser(first.id, first.login, first.name, first.language, bool(first.all_warehouses), roles, warehouses,
                       bool(first.must_change_password), bool(first.must_change_pin))
