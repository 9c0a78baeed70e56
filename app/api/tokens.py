"""API tokens: made for an integration (shown once), checked on every call, revoked by an admin.

A token reads `tana_<prefix>_<secret>`: the prefix finds its row, the SHA-256 of the whole token
is compared in constant time. What a call may do is its scopes; where, its warehouses.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from app.api.models import ApiToken, Integration, Scope
from app.database import write_transaction
from app.orders.models import SalesChannel
from app.stock.models import Warehouse
from app.timeutil import utcnow

TOKEN_RE = re.compile(r"^tana_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
INTEGRATION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")
LAST_USED_EVERY = timedelta(minutes=1)  # a read costs no write: last use is kept to the minute


class TokenRefused(ValueError):
    """A token that cannot be made or revoked as asked; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class WarehouseGrant:
    id: int
    code: str


@dataclass(frozen=True)
class Grant:
    """What a presented token allows: read once per call, never the ORM row."""

    token_id: int
    integration: str
    channel: str | None
    scopes: frozenset[str]
    warehouses: tuple[WarehouseGrant, ...]
    last_used_at: datetime | None

    def allows(self, scope: Scope) -> bool:
        return scope.value in self.scopes

    def warehouse(self, code: str | None) -> WarehouseGrant | None:
        """The warehouse named (any case), or the only one when none is named; None if not granted."""
        if code is None:
            return self.warehouses[0] if len(self.warehouses) == 1 else None
        wanted = code.strip().upper()
        return next((w for w in self.warehouses if w.code == wanted), None)


@dataclass(frozen=True)
class NewToken:
    """A token just made: `secret` is the whole token, shown this once and never again."""

    id: int
    integration: str
    prefix: str
    secret: str
    scopes: tuple[str, ...]
    warehouses: tuple[str, ...]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(values: Iterable[str]) -> tuple[str, ...]:
    """Scopes from repeated or comma/space-separated values; unknown ones refused."""
    words = [word for value in values for word in re.split(r"[\s,]+", value.strip()) if word]
    known = {scope.value for scope in Scope}
    unknown = sorted(set(words) - known)
    if unknown:
        raise TokenRefused("scopes", f"unknown scope {', '.join(unknown)}: use {', '.join(s.value for s in Scope)}")
    if not words:
        raise TokenRefused("scopes", "give at least one scope")
    return tuple(scope.value for scope in Scope if scope.value in words)


def ensure_integration(session: Session, name: str, channel_code: str | None = None) -> Integration:
    """The integration of that name, made on first use; a channel, if given, must agree with it."""
    name = name.strip()
    if not INTEGRATION_RE.match(name):
        raise TokenRefused("integration", "integration name: 1–60 letters, digits, '.', '_' or '-'")
    channel_id = None
    if channel_code:
        channel_id = session.scalar(select(SalesChannel.id).where(SalesChannel.code == channel_code.strip().lower()))
        if channel_id is None:
            raise TokenRefused("channel", f"unknown sales channel {channel_code}")
    integration = session.scalar(select(Integration).where(Integration.name == name))
    if integration is None:
        integration = Integration(name=name, channel_id=channel_id)
        session.add(integration)
        session.flush()
    elif channel_id is not None and integration.channel_id not in (None, channel_id):
        raise TokenRefused("channel", f"integration {name} sells on another channel")
    elif channel_id is not None:
        integration.channel_id = channel_id
    return integration


def create_token(session: Session, integration: str, scopes: Sequence[str], warehouse_codes: Sequence[str], *,
                 channel: str | None = None, user_id: int | None = None) -> NewToken:
    """A new token for the integration (made if new), with its scopes and warehouses."""
    chosen = parse_scopes(scopes)
    with write_transaction(session):
        warehouses = _warehouses(session, warehouse_codes)
        owner = ensure_integration(session, integration, channel)
        prefix = secrets.token_hex(6)
        secret = f"tana_{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken(integration_id=owner.id, prefix=prefix, secret_hash=digest(secret), scopes=" ".join(chosen),
                         created_by_id=user_id, created_at=utcnow())
        token.warehouses = warehouses
        session.add(token)
        session.flush()
        return NewToken(token.id, owner.name, prefix, secret, chosen, tuple(w.code for w in warehouses))


def revoke_token(session: Session, token_id: int, *, user_id: int | None = None) -> bool:
    """Revoke the token; False if it was revoked already. LookupError if there is none."""
    with write_transaction(session):
        token = session.get(ApiToken, token_id)
        if token is None:
            raise LookupError(token_id)
        if token.revoked_at is not None:
            return False
        token.revoked_at, token.revoked_by_id = utcnow(), user_id
        return True


def token_by_prefix(session: Session, prefix: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.prefix == prefix.strip().lower()))


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(
        select(ApiToken).options(selectinload(ApiToken.warehouses))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


_GRANT = (
    select(ApiToken.id, ApiToken.secret_hash, ApiToken.scopes, ApiToken.revoked_at, ApiToken.last_used_at,
           Integration.name, SalesChannel.code.label("channel"), Warehouse.id.label("warehouse_id"),
           Warehouse.code.label("warehouse_code"))
    .join(Integration, Integration.id == ApiToken.integration_id)
    .outerjoin(SalesChannel, SalesChannel.id == Integration.channel_id)
    .outerjoin(ApiToken.warehouses)
    .order_by(Warehouse.code)
)


class InvalidToken(Exception):
    """No such token, a malformed one, or a wrong secret (the caller is not told which)."""


class RevokedToken(Exception):
    pass


def authenticate(session: Session, presented: str) -> Grant:
    """The grant of a presented token, in one statement. Raises InvalidToken or RevokedToken."""
    match = TOKEN_RE.match(presented.strip())
    if not match:
        raise InvalidToken()
    rows = session.execute(_GRANT.where(ApiToken.prefix == match.group(1))).all()
    if not rows or not hmac.compare_digest(rows[0].secret_hash, digest(presented.strip())):
        raise InvalidToken()
    first = rows[0]
    if first.revoked_at is not None:
        raise RevokedToken()
    warehouses = tuple(WarehouseGrant(row.warehouse_id, row.warehouse_code) for row in rows if row.warehouse_id)
    return Grant(first.id, first.name, first.channel, frozenset(first.scopes.split()), warehouses, first.last_used_at)


def note_use(session: Session, grant: Grant) -> None:
    """Keep when the token was last used, at most once a minute (its own small unit of work)."""
    now = utcnow()
    if grant.last_used_at is not None and now - grant.last_used_at < LAST_USED_EVERY:
        return
    with write_transaction(session):
        session.execute(update(ApiToken).where(ApiToken.id == grant.token_id).values(last_used_at=now))


def _warehouses(session: Session, codes: Sequence[str]) -> list[Warehouse]:
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes if code.strip()))
    if not wanted:
        raise TokenRefused("warehouses", "bind the token to at least one warehouse")
    found = {w.code: w for w in session.scalars(select(Warehouse).where(Warehouse.code.in_(wanted)))}
    missing = [code for code in wanted if code not in found]
    if missing:
        raise TokenRefused("warehouses", f"no warehouse {', '.join(missing)}")
    return [found[code] for code in wanted]


__all__ = ["TokenRefused", "WarehouseGrant", "Grant", "NewToken", "InvalidToken", "RevokedToken", "digest",
           "parse_scopes", "ensure_integration", "create_token", "revoke_token", "token_by_prefix", "list_tokens",
           "authenticate", "note_use"]
