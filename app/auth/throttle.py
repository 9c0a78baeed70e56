"""Login throttle: repeated failures are refused per account and per client address.

Counts live in the storage named by RATELIMIT_STORAGE_URI: process memory for a single
LAN install, Redis in production so every gunicorn worker and app server shares them.
Only failures count; a success clears the account's count.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter


@dataclass(frozen=True)
class Throttle:
    limiter: MovingWindowRateLimiter
    per_account: RateLimitItem
    per_address: RateLimitItem

    def _keys(self, account: str, address: str):
        account = account.strip().lower()[:100] or "-"
        return ((self.per_account, "login-account", account, address), (self.per_address, "login-address", address))

    def blocked(self, account: str, address: str) -> bool:
        return any(not self.limiter.test(item, *ids) for item, *ids in self._keys(account, address))

    def failed(self, account: str, address: str) -> None:
        for item, *ids in self._keys(account, address):
            self.limiter.hit(item, *ids)

    def succeeded(self, account: str, address: str) -> None:
        item, *ids = self._keys(account, address)[0]
        self.limiter.clear(item, *ids)


def init_app(app: Flask) -> None:
    storage: Storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions["tana.throttle"] = Throttle(
        MovingWindowRateLimiter(storage),
        parse(app.config["LOGIN_FAILURES_PER_ACCOUNT"]),
        parse(app.config["LOGIN_FAILURES_PER_ADDRESS"]),
    )


def throttle() -> Throttle:
    return current_app.extensions["tana.throttle"]
