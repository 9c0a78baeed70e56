"""A world built once per database and laid down again for each test that attacks it.

Building the fuzz suite's world through the services takes a second or two (hundreds of
statements); each (role, language) test needs it fresh. The first test on a database builds it
and keeps every row of every table; the next ones, on the emptied tables (the `session`
fixture), insert those rows again with their ids, and PostgreSQL's id sequences are moved past
them, so what the app makes next gets new ids as it would have.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select, text

from app.extensions import db

T = TypeVar("T")
_kept: dict[tuple[str, str], tuple[object, list[tuple[object, list[dict]]]]] = {}


def once_per_database(session, name: str, build: Callable[[object], T]) -> T:
    """`build(session)` the first time on this database; its rows again every later time."""
    key = (session.get_bind().url.render_as_string(hide_password=True), name)
    if key in _kept:
        made, rows = _kept[key]
        _restore(session, rows)
        return made  # type: ignore[return-value]
    made = build(session)
    session.rollback()
    _kept[key] = (made, [(table, [dict(row) for row in session.execute(select(table)).mappings()])
                         for table in db.metadata.sorted_tables])
    session.rollback()
    return made


def _restore(session, rows) -> None:
    postgres = session.get_bind().dialect.name == "postgresql"
    for table, values in rows:
        if values:
            session.execute(table.insert(), values)
    if postgres:
        for table, values in rows:
            key = list(table.primary_key.columns)
            if values and len(key) == 1 and key[0].type.python_type is int:
                highest = session.scalar(select(func.max(key[0])))
                session.execute(text("SELECT setval(pg_get_serial_sequence(:table, :column), :value)"),
                                {"table": f'"{table.name}"', "column": key[0].name, "value": highest})
    session.commit()
