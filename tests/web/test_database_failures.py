"""When the database fails under a request (issue 14, item 6): the error page is still drawn by
the app, a cut connection answers 503 with Retry-After, and the scan sent again under its
scan_id lands exactly once."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.extensions import db
from app.receipts.models import ReceiptEntry
from tests import hostile as h
from tests.support import build_app


def cut_every_connection(postgres_server_url, database: str) -> int:
    """pg_terminate_backend on every connection to `database`: what a failover or a restart does."""
    with postgres_server_url.connect() as conn:
        return len(conn.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
        ), {"name": database}).all())


@pytest.mark.postgres_only
def test_a_scan_whose_connection_was_cut_is_answered_503_and_lands_once_when_sent_again(
        app, client, session, backend, postgres_server_url):
    world = h.build(session)
    token = h.log_in_as(client, "receiver")
    scan = {"code": h.JAN, "scan_id": "cut-scan-00000001"}
    session.rollback()
    assert cut_every_connection(postgres_server_url, db.engine.url.database) >= 1
    path = f"/receiving/{world.receipt_id}/scan"
    cut = client.post(path, data={"csrf_token": token, **scan}, headers={"HX-Request": "true"})
    assert cut.status_code == 503 and cut.headers["Retry-After"] == "1"
    assert 'data-result="error"' in cut.get_data(as_text=True) and "database" in h.alert_text(cut.get_data(as_text=True))
    answers = [client.post(path, data={"csrf_token": token, **scan}, headers={"HX-Request": "true", "X-Scan-Retry": "1"})
               for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].get_data() == answers[1].get_data()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ReceiptEntry)) == 1


@pytest.fixture
def failing_app(database_url, instance_dir):
    """The app with one more page that leaves its session needing a rollback, then fails."""
    failing = build_app(database_url, instance_dir)

    @failing.get("/test/fails-after-a-failed-flush")
    def fails_after_a_failed_flush():
        db.session.add(User(login=None, name="nobody"))
        try:
            db.session.flush()
        except IntegrityError:
            pass
        db.session.execute(select(User.id)).all()  # PendingRollbackError: the session still holds the failure
        return "unreachable"

    yield failing
    with failing.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("htmx", [False, True])
def test_the_error_page_is_drawn_after_a_failed_transaction(failing_app, session, htmx):
    failing_app.config["PROPAGATE_EXCEPTIONS"] = False
    client = failing_app.test_client()
    response = client.get("/test/fails-after-a-failed-flush", headers={"HX-Request": "true"} if htmx else {})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert 'data-result="error"' in page and h.alert_text(page)
    assert ("<html" in page) is not htmx, "htmx gets the partial, a browser the whole page"
    assert client.get("/login").status_code == 200, "the worker goes on serving"
