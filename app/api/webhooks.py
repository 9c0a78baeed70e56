"""Webhook endpoints: registered by an admin per integration, with the history of their deliveries.

An endpoint hears of the changes of its warehouses from the moment it is registered (its cursor
starts at the feed's horizon; what came before is in the feed and the stock list). Its signing
secret is shown once, when it is registered.
"""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session, selectinload

from app.api import feed
from app.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from app.api.tokens import TokenRefused, ensure_integration
from app.database import write_transaction
from app.stock.models import Product, StockEvent, Warehouse
from app.timeutil import utcnow

MAX_URL = 500
HISTORY = 50


class EndpointRefused(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class NewEndpoint:
    id: int
    integration: str
    url: str
    secret: str  # shown this once
    warehouses: tuple[str, ...]


@dataclass(frozen=True)
class EndpointRow:
    endpoint: WebhookEndpoint
    pending: int
    failed: int
    delivered: int
    behind: int  # changes not yet queued for it


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    event_id: int
    position: int
    sku: str
    warehouse: str
    available: int
    status: DeliveryStatus
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None


def check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment \
            or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise EndpointRefused("url", "an http:// or https:// address of at most 500 characters, without spaces")
    return url


def register(session: Session, integration: str, url: str, warehouse_codes: Sequence[str], *,
             user_id: int | None = None) -> NewEndpoint:
    url = check_url(url)
    with write_transaction(session):
        try:
            owner = ensure_integration(session, integration)
        except TokenRefused as refused:
            raise EndpointRefused(refused.field, str(refused)) from None
        warehouses = _warehouses(session, warehouse_codes)
        endpoint = WebhookEndpoint(integration_id=owner.id, url=url, secret=f"whsec_{secrets.token_urlsafe(32)}",
                                   active=True, cursor=feed.horizon(session), failures=0, created_by_id=user_id,
                                   created_at=utcnow())
        endpoint.warehouses = warehouses
        session.add(endpoint)
        session.flush()
        return NewEndpoint(endpoint.id, owner.name, url, endpoint.secret, tuple(w.code for w in warehouses))


def set_active(session: Session, endpoint_id: int, active: bool) -> None:
    """Pause or resume an endpoint. Resumed, it catches up from where it stopped, at once."""
    with write_transaction(session):
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None:
            raise LookupError(endpoint_id)
        endpoint.active = active
        if active:
            endpoint.failures, endpoint.backoff_until = 0, None


def retry_failed(session: Session, endpoint_id: int) -> int:
    """Send the endpoint's given-up deliveries again now; how many."""
    with write_transaction(session):
        if session.get(WebhookEndpoint, endpoint_id) is None:
            raise LookupError(endpoint_id)
        now = utcnow()
        done = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == DeliveryStatus.FAILED)
            .values(status=DeliveryStatus.PENDING, next_attempt_at=now, created_at=now)
        ).rowcount
        session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
                        .values(failures=0, backoff_until=None))
        return done


def endpoints(session: Session) -> list[EndpointRow]:
    found = list(session.scalars(
        select(WebhookEndpoint).options(selectinload(WebhookEndpoint.warehouses))
        .order_by(WebhookEndpoint.active.desc(), WebhookEndpoint.id)
    ))
    counts = _counts(session, [e.id for e in found])
    top = feed.horizon(session)
    return [EndpointRow(e, *counts.get(e.id, (0, 0, 0)), behind=max(0, top - e.cursor)) for e in found]


def endpoint(session: Session, endpoint_id: int) -> EndpointRow | None:
    return next((row for row in endpoints(session) if row.endpoint.id == endpoint_id), None)


def history(session: Session, endpoint_id: int, limit: int = HISTORY) -> list[DeliveryRow]:
    """The endpoint's latest deliveries, newest first."""
    rows = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.event_id, WebhookDelivery.position, Product.sku, Warehouse.code,
               StockEvent.available, WebhookDelivery.status, WebhookDelivery.attempts, WebhookDelivery.last_status,
               WebhookDelivery.last_error, WebhookDelivery.created_at, WebhookDelivery.next_attempt_at,
               WebhookDelivery.delivered_at)
        .join(StockEvent, StockEvent.id == WebhookDelivery.event_id)
        .join(Product, Product.id == StockEvent.product_id)
        .join(Warehouse, Warehouse.id == StockEvent.warehouse_id)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.position.desc())
        .limit(limit)
    ).all()
    return [DeliveryRow(*row) for row in rows]


def _counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int, int]]:
    if not ids:
        return {}
    rows = session.execute(
        select(WebhookDelivery.endpoint_id,
               func.sum(case((WebhookDelivery.status == DeliveryStatus.PENDING, 1), else_=0)),
               func.sum(case((WebhookDelivery.status == DeliveryStatus.FAILED, 1), else_=0)),
               func.sum(case((WebhookDelivery.status == DeliveryStatus.DELIVERED, 1), else_=0)))
        .where(WebhookDelivery.endpoint_id.in_(ids))
        .group_by(WebhookDelivery.endpoint_id)
    )
    return {eid: (int(p or 0), int(f or 0), int(d or 0)) for eid, p, f, d in rows}


def _warehouses(session: Session, codes: Sequence[str]) -> list[Warehouse]:
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes if code and code.strip()))
    if not wanted:
        raise EndpointRefused("warehouses", "choose at least one warehouse")
    found = {w.code: w for w in session.scalars(select(Warehouse).where(Warehouse.code.in_(wanted)))}
    missing = [code for code in wanted if code not in found]
    if missing:
        raise EndpointRefused("warehouses", f"no warehouse {', '.join(missing)}")
    return [found[code] for code in wanted]


__all__ = ["EndpointRefused", "NewEndpoint", "EndpointRow", "DeliveryRow", "check_url", "register", "set_active",
           "retry_failed", "endpoints", "endpoint", "history"]
