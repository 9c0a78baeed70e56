"""What each sales channel is shown: one stock figure, less what is held back from that channel.

Seed 002: channels that all sell the same last unit eat each other's stock, and a channel that
hears late oversells. So each channel gets

* a buffer held back from it: `buffer_units`, or `buffer_percent` of what is available (rounded
  up), whichever holds back more; and
* a priority: a channel is never shown more than a channel of higher priority, so as stock runs
  out the lower channels reach zero first and the last units sell where the shop wants them
  (自社ECを最優先, 楽天に多めに…).

published(channel) = max(0, available − hold), hold = max(its own buffer, the hold of every
channel ranked above it). Every figure comes from the same `available`, read once.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.models import ChannelRule
from app.database import write_transaction
from app.orders.models import SalesChannel
from app.orders.service import ensure_channels
from app.timeutil import utcnow

MAX_BUFFER_UNITS = 1_000_000


@dataclass(frozen=True)
class Rule:
    channel: str  # the channel's code (rakuten, amazon, …)
    name: str
    buffer_units: int = 0
    buffer_percent: int = 0
    priority: int = 0

    def own_hold(self, available: int) -> int:
        return max(self.buffer_units, math.ceil(max(available, 0) * self.buffer_percent / 100))


class RuleRefused(ValueError):
    """A rule that cannot be kept; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def rules(session: Session) -> list[Rule]:
    """The rule of every active channel (none set: nothing held back, priority 0), by priority then code.

    Read only: the standard channels are made by the migration (and by the first order on an
    emptied database), never by a read."""
    rows = session.execute(
        select(SalesChannel.code, SalesChannel.name, ChannelRule.buffer_units, ChannelRule.buffer_percent,
               ChannelRule.priority)
        .outerjoin(ChannelRule, ChannelRule.channel_id == SalesChannel.id)
        .where(SalesChannel.active.is_(True))
    ).all()
    found = [Rule(code, name, units or 0, percent or 0, priority or 0) for code, name, units, percent, priority in rows]
    return sorted(found, key=lambda rule: (-rule.priority, rule.channel))


def published(available: int, channel_rules: Sequence[Rule]) -> dict[str, int]:
    """channel code → what it is shown of `available` (module docstring)."""
    shown: dict[str, int] = {}
    held_above = 0
    by_priority = sorted(channel_rules, key=lambda rule: -rule.priority)
    index = 0
    while index < len(by_priority):
        same = [rule for rule in by_priority[index:] if rule.priority == by_priority[index].priority]
        holds = {rule.channel: max(rule.own_hold(available), held_above) for rule in same}
        for channel, hold in holds.items():
            shown[channel] = max(0, available - hold)
        held_above = max(holds.values())
        index += len(same)
    return shown


def published_many(available: Mapping[int, int], channel_rules: Sequence[Rule]) -> dict[int, dict[str, int]]:
    return {product_id: published(figure, channel_rules) for product_id, figure in available.items()}


def set_rule(session: Session, channel_code: str, *, buffer_units: int, buffer_percent: int, priority: int,
             user_id: int | None) -> Rule:
    """Keep a channel's buffer and priority (the office screen and the CLI)."""
    if not 0 <= buffer_units <= MAX_BUFFER_UNITS:
        raise RuleRefused("buffer_units", f"buffer_units must be 0–{MAX_BUFFER_UNITS}")
    if not 0 <= buffer_percent <= 100:
        raise RuleRefused("buffer_percent", "buffer_percent must be 0–100")
    if not -1000 <= priority <= 1000:
        raise RuleRefused("priority", "priority must be -1000–1000")
    with write_transaction(session):
        ensure_channels(session)
        channel = session.scalar(select(SalesChannel).where(SalesChannel.code == channel_code))
        if channel is None:
            raise RuleRefused("channel", f"unknown channel {channel_code}")
        rule = session.get(ChannelRule, channel.id)
        if rule is None:
            rule = ChannelRule(channel_id=channel.id)
            session.add(rule)
        rule.buffer_units, rule.buffer_percent, rule.priority = buffer_units, buffer_percent, priority
        rule.updated_at, rule.updated_by_id = utcnow(), user_id
        return Rule(channel.code, channel.name, buffer_units, buffer_percent, priority)


def channel_codes(channel_rules: Iterable[Rule]) -> list[str]:
    return [rule.channel for rule in channel_rules]


__all__ = ["Rule", "RuleRefused", "rules", "published", "published_many", "set_rule", "channel_codes",
           "MAX_BUFFER_UNITS"]
