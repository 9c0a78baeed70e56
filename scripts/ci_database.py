"""Create (or with --drop, remove) a fresh PostgreSQL database for a CI run; print its URL."""
from __future__ import annotations

import sys

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def main(argv: list[str]) -> int:
    server_url, name = argv[1], argv[2]
    drop = "--drop" in argv
    url = server_url.replace("postgresql://", "postgresql+psycopg://", 1) if server_url.startswith("postgresql://") else server_url
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    if not drop:
        print(make_url(url).set(database=name).render_as_string(hide_password=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
