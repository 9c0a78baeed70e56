"""Test fixtures: every database test runs on SQLite and on a real PostgreSQL.

PostgreSQL: a fresh database is created for the run from TEST_POSTGRES_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) and dropped afterwards. Without a
reachable server the PostgreSQL variants are skipped locally and FAIL when CI=true.
Both databases are built by the Alembic migrations, never by create_all().
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from app.extensions import db as flask_db
from tests.support import build_app, migrate_to_head

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser):
    parser.addoption("--screenshots", action="store_true", help="save README screenshots from the browser tests")


def pytest_collection_modifyitems(config, items):
    """Collect each test only for the databases it is meant for (not skipped: absent).

    PostgreSQL-only tests drop their SQLite variant; browser tests drive the embedded
    SQLite default (their stock paths are covered on both databases below the browser).
    """
    keep, drop = [], []
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec else None
        if item.get_closest_marker("postgres_only") and backend == "sqlite":
            drop.append(item)
        elif item.get_closest_marker("browser") and backend == "postgresql":
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server_url():
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG_URL)
    url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no PostgreSQL"
        engine.dispose()
        unavailable(f"PostgreSQL not reachable at {make_url(url).render_as_string(hide_password=True)}: {exc}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def make_database(postgres_server_url, tmp_path_factory):
    """Create an empty database of a backend and return its URL; all are dropped at the end."""
    created: list[str] = []

    def make(backend: str) -> str:
        name = f"tana_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / (name + '.db')}"
        with postgres_server_url.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(postgres_server_url.url).set(database=name).render_as_string(hide_password=False)

    yield make
    with postgres_server_url.connect() as conn:
        for name in created:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("instance")
    os.environ["TANA_INSTANCE_PATH"] = str(path)
    return path


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, request, tmp_path_factory) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'tana.db'}"
    return request.getfixturevalue("make_database")("postgresql")


@pytest.fixture(scope="session")
def app(database_url, instance_dir):
    application = build_app(database_url, instance_dir)
    migrate_to_head(application)
    yield application
    with application.app_context():
        flask_db.engine.dispose()


def clean_tables(app) -> None:
    """Empty every table, so no test sees another's data."""
    with app.app_context():
        engine = flask_db.engine
        tables = [t.name for t in reversed(flask_db.metadata.sorted_tables)]
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(sa.text(f'DELETE FROM "{table}"'))


@pytest.fixture
def session(app):
    """A clean database and the app's session, inside an app context."""
    clean_tables(app)
    with app.app_context():
        yield flask_db.session
        flask_db.session.remove()


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (own `g`, own db.session), as under a real server.

    Without this, requests would run inside the test's long-lived app context and share
    `g` and the SQLAlchemy session with the test and with each other.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture
def client(app, session):
    """A browser-like client on a clean database, with the login throttle reset."""
    app.extensions["tana.throttle"].reset()
    app.test_client_class = IsolatedClient
    return app.test_client()
