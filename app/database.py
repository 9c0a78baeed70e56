"""Engine set-up and the write transaction every stock change runs in.

SQLite is not PostgreSQL. Python's sqlite3 driver, in its default mode, starts a
transaction only before the first INSERT/UPDATE, so a SELECT that decides what to write
runs outside it and two writers lose updates; `with_for_update()` does nothing there.
We take the transaction handling away from the driver (isolation_level=None) and emit
BEGIN ourselves: `BEGIN IMMEDIATE` (take the write lock first, then read) for the write
transactions opened by `write_transaction()`, a plain deferred `BEGIN` for reads.
PostgreSQL runs at READ COMMITTED and relies on row locks and conditional updates.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from weakref import WeakSet

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

from app.extensions import db

WRITE_OPTION = "tana_write"
_configured: WeakSet[Engine] = WeakSet()


def dialect_insert(dialect: str, table):
    """An INSERT that takes ON CONFLICT clauses, for PostgreSQL or SQLite by dialect name."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def upsert_insert(bind: Session | scoped_session | Connection, table):
    """`dialect_insert` for the database a session or connection is bound to."""
    dialect = bind.dialect if isinstance(bind, Connection) else real_session(bind).get_bind().dialect
    return dialect_insert(dialect.name, table)


def configure_engine(engine: Engine, synchronous: str = "FULL") -> None:
    """Install the SQLite pragmas and explicit BEGIN handling (no-op on PostgreSQL)."""
    if engine.dialect.name != "sqlite" or engine in _configured:
        return
    _configured.add(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")  # first: the journal_mode switch below may wait for a lock
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get(WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def real_session(session: Session | scoped_session) -> Session:
    return session() if isinstance(session, scoped_session) else session


def in_write_transaction(session: Session | scoped_session) -> bool:
    session = real_session(session)
    return bool(session.info.get(WRITE_OPTION)) and session.in_transaction()


@contextmanager
def write_transaction(session: Session | None = None) -> Iterator[Session]:
    """One unit of work that changes data: commits once at the end, rolls back on error.

    On SQLite any read transaction already open (the login check reads the user) is ended
    first, so that the write lock is taken *before* anything is read. On PostgreSQL, where
    every statement of a READ COMMITTED transaction sees what is committed, an open
    transaction that wrote nothing simply becomes the unit of work (no COMMIT and BEGIN
    round trips). Nested use joins the outer unit of work.
    """
    session = real_session(session if session is not None else db.session)
    if in_write_transaction(session):
        yield session
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("write_transaction() started with unsaved changes in the session")
        if session.get_bind().dialect.name != "postgresql":
            session.commit()
    if not session.in_transaction():
        session.connection(execution_options={WRITE_OPTION: True})
    session.info[WRITE_OPTION] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(WRITE_OPTION, None)
