"""Delivering changes to webhook endpoints: queued from the change feed, sent signed, retried with backoff.

* `enqueue`: the changes of the endpoint's warehouses after its cursor become pending deliveries
  and the cursor moves past them, in one unit of work (so each change is queued once; the feed
  never skips one, so neither does this).
* `due` / `send` / `record`: a pending delivery is POSTed as JSON, signed (app.api.signing); a 2xx
  answer delivers it. Anything else is tried again later: the delivery waits 2^(n−1) seconds after
  its n-th failure (at most an hour), and the endpoint as a whole waits as long after failures in
  a row, so a dead endpoint costs one attempt per step, not one per change. After three days of
  failing a delivery is given up (failed); an admin can send those again.
* Nothing here runs inside a floor request: the floor only appends stock events.
"""
from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from app.api import feed, publishing, signing
from app.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, webhook_endpoint_warehouse
from app.database import upsert_insert, write_transaction
from app.stock.models import Product, ProductBarcode, StockEvent, Warehouse
from app.timeutil import utcnow

QUEUE_BATCH = 500
SEND_BATCH = 100
MAX_DELAY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=3)
KEEP_DELIVERED = timedelta(days=7)
LEASE = timedelta(seconds=60)
TIMEOUT_SECONDS = 5.0
USER_AGENT = "tana-webhooks/1"


@dataclass(frozen=True)
class Target:
    id: int
    url: str
    secret: str


@dataclass(frozen=True)
class Due:
    id: int
    event_id: int
    position: int
    attempts: int
    created_at: datetime
    sku: str
    jan: str | None
    warehouse: str
    available: int
    cause: str
    at: datetime


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    error: str | None = None


def backoff(failures: int) -> timedelta:
    """2^(n−1) seconds after the n-th failure, ±10 %, at most MAX_DELAY."""
    seconds = min(2 ** max(failures - 1, 0), MAX_DELAY.total_seconds())
    return timedelta(seconds=seconds * random.uniform(0.9, 1.1))


# --- which endpoints have work ---------------------------------------------------------------


def endpoints_with_work(session: Session, now: datetime | None = None) -> list[int]:
    """Active endpoints not backing off that are behind the feed or have a delivery due."""
    now = now or utcnow()
    top = feed.horizon(session)
    has_due = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.endpoint_id == WebhookEndpoint.id, WebhookDelivery.status == DeliveryStatus.PENDING,
               WebhookDelivery.next_attempt_at <= now)
        .exists()
    )
    return list(session.scalars(
        select(WebhookEndpoint.id)
        .where(WebhookEndpoint.active.is_(True),
               or_(WebhookEndpoint.backoff_until.is_(None), WebhookEndpoint.backoff_until <= now,
                   WebhookEndpoint.cursor < top),
               or_(WebhookEndpoint.cursor < top, has_due))
        .order_by(WebhookEndpoint.id)
    ))


def lease(session: Session, endpoint_id: int) -> Target | None:
    """Take the endpoint for LEASE (another worker leaves it alone meanwhile); None if taken or gone."""
    now = utcnow()
    with write_transaction(session):
        taken = session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.active.is_(True),
                   or_(WebhookEndpoint.lease_until.is_(None), WebhookEndpoint.lease_until < now))
            .values(lease_until=now + LEASE)
        ).rowcount
        if not taken:
            return None
        row = session.execute(select(WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.secret)
                              .where(WebhookEndpoint.id == endpoint_id)).one()
        return Target(*row)


def release(session: Session, endpoint_id: int) -> None:
    with write_transaction(session):
        session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).values(lease_until=None))


# --- queueing --------------------------------------------------------------------------------


def enqueue(session: Session, endpoint_id: int) -> int:
    """Queue the endpoint's changes after its cursor (QUEUE_BATCH at most); how many were queued."""
    with write_transaction(session):
        cursor = session.scalar(select(WebhookEndpoint.cursor).where(WebhookEndpoint.id == endpoint_id))
        warehouses = list(session.scalars(select(webhook_endpoint_warehouse.c.warehouse_id)
                                          .where(webhook_endpoint_warehouse.c.endpoint_id == endpoint_id)))
        if cursor is None or not warehouses:
            return 0
        page = feed.changes(session, cursor, QUEUE_BATCH, warehouses)
        now = utcnow()
        if page.changes:
            session.execute(
                upsert_insert(session, WebhookDelivery.__table__).values([
                    {"endpoint_id": endpoint_id, "event_id": change.event_id, "position": change.position,
                     "status": DeliveryStatus.PENDING.value, "attempts": 0, "next_attempt_at": now, "created_at": now}
                    for change in page.changes
                ]).on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"])
            )
        if page.next != cursor:
            session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).values(cursor=page.next))
        return len(page.changes)


def due(session: Session, endpoint_id: int, limit: int = SEND_BATCH, now: datetime | None = None) -> list[Due]:
    now = now or utcnow()
    jan = (select(ProductBarcode.code).where(ProductBarcode.product_id == Product.id, ProductBarcode.pack_qty == 1)
           .order_by(ProductBarcode.id).limit(1).scalar_subquery())
    rows = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.event_id, WebhookDelivery.position, WebhookDelivery.attempts,
               WebhookDelivery.created_at, Product.sku, jan, Warehouse.code, StockEvent.available, StockEvent.cause,
               StockEvent.created_at)
        .join(StockEvent, StockEvent.id == WebhookDelivery.event_id)
        .join(Product, Product.id == StockEvent.product_id)
        .join(Warehouse, Warehouse.id == StockEvent.warehouse_id)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == DeliveryStatus.PENDING,
               WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.position)
        .limit(limit)
    ).all()
    session.rollback()  # nothing is held open while the endpoints are called
    return [Due(*row) for row in rows]


# --- sending ---------------------------------------------------------------------------------


def payload(item: Due, channel_rules) -> dict:
    return {
        "type": "stock.availability", "event_id": item.event_id, "cursor": item.position,
        "warehouse": item.warehouse, "sku": item.sku, "jan": item.jan, "available": item.available,
        "channels": publishing.published(item.available, channel_rules), "cause": item.cause,
        "at": item.at.isoformat(),
    }


def body_of(item: Due, channel_rules) -> bytes:
    return json.dumps(payload(item, channel_rules), ensure_ascii=False, separators=(",", ":")).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is not an acceptance: tried again later


_opener = urllib.request.build_opener(_NoRedirect)


def send(target: Target, item: Due, body: bytes, *, timeout: float = TIMEOUT_SECONDS) -> Outcome:
    """POST one change to the endpoint, signed now; 2xx delivers it."""
    request = urllib.request.Request(target.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        signing.HEADER: signing.sign(target.secret, body),
        "X-Tana-Event-Id": str(item.event_id), "X-Tana-Delivery-Id": str(item.id),
        "X-Tana-Attempt": str(item.attempts + 1),
    })
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(1024)
            return Outcome(200 <= response.status < 300, response.status,
                           None if 200 <= response.status < 300 else f"HTTP {response.status}")
    except urllib.error.HTTPError as error:
        return Outcome(False, error.code, f"HTTP {error.code} {error.reason}"[:300])
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Outcome(False, None, f"{type(error).__name__}: {reason}"[:300])


def record(session: Session, endpoint_id: int, item: Due, outcome: Outcome) -> None:
    """Keep an attempt's outcome on the delivery and the endpoint (one small unit of work)."""
    now = utcnow()
    with write_transaction(session):
        if outcome.ok:
            session.execute(update(WebhookDelivery).where(WebhookDelivery.id == item.id).values(
                status=DeliveryStatus.DELIVERED, attempts=item.attempts + 1, last_status=outcome.status,
                last_error=None, delivered_at=now))
            session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).values(
                failures=0, backoff_until=None, last_success_at=now))
            return
        attempts = item.attempts + 1
        gave_up = now - item.created_at >= GIVE_UP_AFTER
        session.execute(update(WebhookDelivery).where(WebhookDelivery.id == item.id).values(
            status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING, attempts=attempts,
            last_status=outcome.status, last_error=outcome.error, next_attempt_at=now + backoff(attempts)))
        failures = (session.scalar(select(WebhookEndpoint.failures).where(WebhookEndpoint.id == endpoint_id)) or 0) + 1
        session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).values(
            failures=failures, backoff_until=now + backoff(failures), last_failure_at=now))


def deliver_endpoint(session: Session, endpoint_id: int, *, timeout: float = TIMEOUT_SECONDS) -> tuple[int, int]:
    """One round for one endpoint: queue its new changes, send what is due in order, stop at the first
    failure (the endpoint then backs off). Returns (delivered, failed)."""
    target = lease(session, endpoint_id)
    if target is None:
        return 0, 0
    delivered = failed = 0
    try:
        while enqueue(session, endpoint_id) == QUEUE_BATCH:
            pass
        channel_rules = publishing.rules(session)
        backing_off = session.scalar(select(WebhookEndpoint.backoff_until).where(WebhookEndpoint.id == endpoint_id))
        if backing_off is not None and backing_off > utcnow():
            return 0, 0
        for item in due(session, endpoint_id):
            outcome = send(target, item, body_of(item, channel_rules), timeout=timeout)
            record(session, endpoint_id, item, outcome)
            if not outcome.ok:
                failed += 1
                break
            delivered += 1
    finally:
        release(session, endpoint_id)
    return delivered, failed


def prune(session: Session, now: datetime | None = None) -> int:
    """Forget deliveries delivered more than KEEP_DELIVERED ago."""
    cutoff = (now or utcnow()) - KEEP_DELIVERED
    with write_transaction(session):
        return session.execute(delete(WebhookDelivery).where(
            WebhookDelivery.status == DeliveryStatus.DELIVERED, WebhookDelivery.delivered_at < cutoff)).rowcount


__all__ = ["Target", "Due", "Outcome", "backoff", "endpoints_with_work", "lease", "release", "enqueue", "due",
           "payload", "body_of", "send", "record", "deliver_endpoint", "prune"]
