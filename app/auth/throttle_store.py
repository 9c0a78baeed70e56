"""Login-failure counts kept in our own database (`RATELIMIT_STORAGE_URI=database://`).

Every gunicorn worker of `make run`, and every app server on one PostgreSQL, sees the same
counts without a Redis. A count is a row (key, hits, expires): a fixed window, as the `limits`
library's other storages keep it. Each call runs in a short transaction of its own on its own
connection, apart from the request's unit of work; expired rows are removed as new ones come.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache

from limits.storage import Storage
from sqlalchemy import bindparam, case, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.auth.models import LoginThrottle
from app.database import WRITE_OPTION, dialect_insert

DATABASE_SCHEME = "database://"
_count = LoginThrottle.__table__


class DatabaseStorage(Storage):
    STORAGE_SCHEME = None  # made by app.auth.throttle, which hands it the app's engine

    def __init__(self, engine: Callable[[], Engine], clock: Callable[[], float] = time.time):
        super().__init__()
        self._engine, self._clock = engine, clock

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        engine, now = self._engine(), self._clock()
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            conn.execute(_FORGET_EXPIRED, {"p_before": now})
            return conn.execute(_increment(engine.dialect.name), {
                "p_key": key, "p_amount": amount, "p_now": now, "p_expires": now + expiry,
            }).scalar_one()

    def get(self, key: str) -> int:
        with self._engine().connect() as conn:
            hits = conn.execute(_HITS, {"p_key": key, "p_now": self._clock()}).scalar_one_or_none()
            conn.rollback()
        return hits or 0

    def get_expiry(self, key: str) -> float:
        with self._engine().connect() as conn:
            expires = conn.execute(select(_count.c.expires).where(_count.c.key == key)).scalar_one_or_none()
            conn.rollback()
        return expires if expires is not None else self._clock()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._engine().connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            return conn.execute(delete(_count)).rowcount

    def clear(self, key: str) -> None:
        with self._engine().connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            conn.execute(delete(_count).where(_count.c.key == key))


_HITS = select(_count.c.hits).where(_count.c.key == bindparam("p_key"), _count.c.expires > bindparam("p_now"))
_FORGET_EXPIRED = delete(_count).where(_count.c.expires <= bindparam("p_before"))


@lru_cache(maxsize=None)
def _increment(dialect: str):
    """Add to the count, or start a new window when the old one has ended (one statement, race-free)."""
    ended = _count.c.expires <= bindparam("p_now")
    return (
        dialect_insert(dialect, _count)
        .values(key=bindparam("p_key"), hits=bindparam("p_amount"), expires=bindparam("p_expires"))
        .on_conflict_do_update(index_elements=["key"], set_={
            "hits": case((ended, bindparam("p_amount")), else_=_count.c.hits + bindparam("p_amount")),
            "expires": case((ended, bindparam("p_expires")), else_=_count.c.expires),
        })
        .returning(_count.c.hits)
    )
