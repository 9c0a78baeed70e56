"""Login throttle: repeated failures are refused per login and address, per address, and per
login across every address (a password or a badge + PIN alike).

- A login (a login ID, or a badge code) tried from one address: LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS,
  then refused from that address until the window ends; a success clears it.
- One address trying anything: LOGIN_FAILURES_PER_ADDRESS.
- One login tried from anywhere: the last of LOGIN_FAILURES_PER_ACCOUNT failures locks the login
  for LOGIN_LOCK_SECONDS[0], and while locks are remembered (LOGIN_LOCKS_REMEMBERED) every
  further failure locks it again for twice as long, up to LOGIN_LOCK_SECONDS[1]. A lock stays
  short, so nobody can keep a person out for long, and it grows, so a 4-digit PIN cannot be
  guessed by trying from many addresses. A login ID and a badge count apart: a person locked out
  of one can still use the other.

Counts live in the storage named by RATELIMIT_STORAGE_URI: `database://` (the default: our own
database, shared by every gunicorn worker and every app server), `redis://…`, or `memory://`
(one process only; production refuses to start with it). Logins are counted by a hash of their
normalised spelling, so `ＩＴＯ`, ` ito` and `ITO` are one login and no typed text reaches the storage.
"""
from __future__ import annotations

import hashlib
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string

from app.auth.throttle_store import DATABASE_SCHEME, DatabaseStorage

PER_PROCESS = ("memory://",)


@dataclass(frozen=True)
class Policy:
    per_account_and_address: RateLimitItem
    per_address: RateLimitItem
    per_account: RateLimitItem
    first_lock: int
    longest_lock: int
    locks_remembered: int

    def lock_seconds(self, nth: int) -> int:
        """How long the `nth` lock of a login lasts: twice the one before, up to the longest."""
        return min(self.first_lock * 2 ** min(nth - 1, 30), self.longest_lock)


@dataclass(frozen=True)
class Throttle:
    storage: Storage
    policy: Policy

    def blocked(self, account: str, address: str, kind: str = "login") -> bool:
        keys = _Keys(kind, account, address)
        return (
            self.storage.get(keys.pair) >= self.policy.per_account_and_address.amount
            or self.storage.get(keys.address) >= self.policy.per_address.amount
            or self.storage.get(keys.lock) > 0
        )

    def failed(self, account: str, address: str, kind: str = "login") -> None:
        keys, policy = _Keys(kind, account, address), self.policy
        self.storage.incr(keys.pair, policy.per_account_and_address.get_expiry())
        self.storage.incr(keys.address, policy.per_address.get_expiry())
        failures = self.storage.incr(keys.account, policy.per_account.get_expiry())
        if failures >= policy.per_account.amount or self.storage.get(keys.locks) > 0:
            nth = self.storage.incr(keys.locks, policy.locks_remembered)
            self.storage.clear(keys.lock)
            self.storage.incr(keys.lock, policy.lock_seconds(nth))

    def succeeded(self, account: str, address: str, kind: str = "login") -> None:
        self.storage.clear(_Keys(kind, account, address).pair)

    def reset(self) -> None:
        self.storage.reset()


class _Keys:
    """The storage keys of one attempt; the login is hashed (typed text never becomes a key)."""

    def __init__(self, kind: str, account: str, address: str):
        spelled = unicodedata.normalize("NFKC", account or "").strip().casefold()[:200]
        login = hashlib.sha256(f"{kind}\0{spelled}".encode("utf-8", "replace")).hexdigest()[:32]
        place = hashlib.sha256((address or "-").encode("utf-8", "replace")).hexdigest()[:32]
        self.pair = f"tana/login-at/{login}/{place}"
        self.address = f"tana/address/{place}"
        self.account = f"tana/login/{login}"
        self.locks = f"tana/locks/{login}"
        self.lock = f"tana/locked/{login}"


def policy_of(config) -> Policy:
    first, longest = config["LOGIN_LOCK_SECONDS"]
    return Policy(
        parse(config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"]), parse(config["LOGIN_FAILURES_PER_ADDRESS"]),
        parse(config["LOGIN_FAILURES_PER_ACCOUNT"]), first, longest, config["LOGIN_LOCKS_REMEMBERED"],
    )


def storage_of(uri: str, engine: Callable, clock: Callable[[], float] = time.time) -> Storage:
    if uri.startswith(DATABASE_SCHEME):
        return DatabaseStorage(engine, clock)
    return storage_from_string(uri)


def shared_by_every_worker(uri: str) -> bool:
    return not uri.startswith(PER_PROCESS)


def init_app(app: Flask) -> None:
    from app.extensions import db

    uri = app.config["RATELIMIT_STORAGE_URI"]
    if app.config.get("THROTTLE_MUST_BE_SHARED") and not shared_by_every_worker(uri):
        raise RuntimeError(
            f"RATELIMIT_STORAGE_URI={uri} counts login failures in each process alone: with several workers an "
            "attacker gets several times the tries. Use database:// (the default) or redis://…"
        )
    app.extensions["tana.throttle"] = Throttle(storage_of(uri, lambda: db.engine), policy_of(app.config))


def throttle() -> Throttle:
    return current_app.extensions["tana.throttle"]
