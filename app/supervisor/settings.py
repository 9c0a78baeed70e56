"""The supervisor's settings from the app's configuration (app/config.py), for routes and the CLI."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

DEFAULT_INTERVALS = {"A": 30, "B": 90, "C": 180}


@dataclass(frozen=True)
class ReorderSettings:
    demand_days: int = 28
    cover_days: int = 30
    default_lead_time: int = 7


def count_intervals() -> dict[str, int]:
    """Days between two counts of a shelf, per ABC class."""
    configured = current_app.config.get("COUNT_INTERVAL_DAYS") or {}
    return {abc: int(configured.get(abc, days)) for abc, days in DEFAULT_INTERVALS.items()}


def reorder_settings() -> ReorderSettings:
    config = current_app.config
    return ReorderSettings(int(config.get("REORDER_DEMAND_DAYS", 28)), int(config.get("REORDER_COVER_DAYS", 30)),
                           int(config.get("DEFAULT_LEAD_TIME_DAYS", 7)))


__all__ = ["DEFAULT_INTERVALS", "ReorderSettings", "count_intervals", "reorder_settings"]
