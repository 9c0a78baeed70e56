"""The JSON API's own records: integrations and their tokens, webhooks and their deliveries, and how
much of the one stock figure each sales channel is shown.

A token's secret is kept only as its SHA-256 (it is 32 random bytes, so a fast hash is enough);
a webhook's signing secret is kept as it is, because every delivery is signed with it.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.stock.models import BigId, Warehouse, str_enum
from app.timeutil import UTCDateTime, utcnow


class Scope(StrEnum):
    """What a token may do; every endpoint names the one it needs."""

    STOCK_READ = "stock:read"
    ORDERS_WRITE = "orders:write"
    RECEIPTS_WRITE = "receipts:write"
    PRODUCTS_WRITE = "products:write"


class Integration(db.Model):
    """A system that talks to the stock store (a channel's connector, an ERP): its tokens and webhooks.

    `channel_id`: the sales channel it sells on, if any; its tokens then write orders of that channel only.
    """

    __tablename__ = "api_integration"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("sales_channel.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


api_token_warehouse = Table(
    "api_token_warehouse",
    db.metadata,
    Column("token_id", ForeignKey("api_token.id", ondelete="CASCADE"), primary_key=True),
    Column("warehouse_id", ForeignKey("warehouse.id", ondelete="CASCADE"), primary_key=True),
)


class ApiToken(db.Model):
    """One bearer token: `tana_<prefix>_<secret>`, found by its prefix, checked by its hash."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("api_integration.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated Scope values
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    integration: Mapped[Integration] = relationship(lazy="joined")
    warehouses: Mapped[list[Warehouse]] = relationship(secondary=api_token_warehouse, order_by=Warehouse.code)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


webhook_endpoint_warehouse = Table(
    "webhook_endpoint_warehouse",
    db.metadata,
    Column("endpoint_id", ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), primary_key=True),
    Column("warehouse_id", ForeignKey("warehouse.id", ondelete="CASCADE"), primary_key=True),
)


class WebhookEndpoint(db.Model):
    """A URL of an integration that hears of every availability change of its warehouses.

    `cursor`: the change feed's position up to which deliveries were queued. `failures` counts
    attempts failed in a row; while `backoff_until` lies ahead nothing is sent to it (a dead
    endpoint costs one attempt per backoff step, not one per change). `lease_until`: a worker
    is handling it until then (a second worker leaves it alone).
    """

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("api_integration.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    backoff_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    integration: Mapped[Integration] = relationship(lazy="joined")
    warehouses: Mapped[list[Warehouse]] = relationship(secondary=webhook_endpoint_warehouse, order_by=Warehouse.code)


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not yet accepted; tried again at next_attempt_at
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # given up after the last attempt


class WebhookDelivery(db.Model):
    """One change (stock event) for one endpoint, with every attempt's outcome summed up."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_delivery_due", "endpoint_id", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_status_created", "status", "created_at"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("stock_event.id"))
    position: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus, 10), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ChannelRule(db.Model):
    """How much of the one stock figure a sales channel is shown (seed 002).

    The channel is held back `buffer_units` or `buffer_percent` of what is available (the larger),
    and never shown more than a channel of higher `priority` (app.api.publishing).
    """

    __tablename__ = "channel_rule"
    __table_args__ = (
        CheckConstraint("buffer_units >= 0", name="buffer_units_not_negative"),
        CheckConstraint("buffer_percent >= 0 AND buffer_percent <= 100", name="buffer_percent_in_range"),
    )

    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"), primary_key=True)
    buffer_units: Mapped[int] = mapped_column(Integer, default=0)
    buffer_percent: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


__all__ = ["Scope", "Integration", "ApiToken", "api_token_warehouse", "WebhookEndpoint", "webhook_endpoint_warehouse",
           "DeliveryStatus", "WebhookDelivery", "ChannelRule"]
