"""Webhooks on both databases: each availability change delivered signed with its event id, at least
once, retried with backoff; a dead endpoint holds up neither the floor nor the other endpoints."""
from __future__ import annotations

import json
import socket
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.api import delivery, signing, webhooks
from app.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from app.api.worker import Worker
from app.database import write_transaction
from app.stock.models import StockEvent
from app.timeutil import utcnow
from tests import factories as f
from tests.api.receiver import receiver
from tests.api.support import world


@pytest.fixture
def w(client, session):
    return world(session)


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/gone"


def one_round(app, **kw) -> Worker:
    worker = Worker(app, dates=False, **kw)
    worker.cycle()
    worker.wait()
    return worker


def test_a_change_is_delivered_signed_with_its_event_id(app, session, w):
    with receiver() as hook:
        made = webhooks.register(session, "shop", hook.url, ["TKY"])
        assert made.secret.startswith("whsec_")
        f.receive(session, w.tea, w.shelf, 3)
        one_round(app)
        got = hook.wait_for(1)
    assert len(got) == 1
    body = got[0].body
    assert signing.verify(made.secret, got[0].headers[signing.HEADER], body)
    assert not signing.verify(made.secret, got[0].headers[signing.HEADER], body.replace(b"18", b"19"))
    payload = json.loads(body)
    session.rollback()
    last = session.scalar(select(StockEvent).order_by(StockEvent.id.desc()).limit(1))
    assert (payload["event_id"], payload["sku"], payload["warehouse"], payload["available"]) == (
        last.id, "TEA", "TKY", 18)
    assert got[0].headers["X-Tana-Event-Id"] == str(last.id)
    assert payload["channels"]["rakuten"] == 18 and payload["cursor"] == last.position
    history = webhooks.history(session, made.id)
    assert [(h.sku, h.status, h.attempts, h.last_status) for h in history] == [
        ("TEA", DeliveryStatus.DELIVERED, 1, 200)]


def test_changes_before_registration_are_not_sent(app, session, w):
    with receiver() as hook:
        webhooks.register(session, "shop", hook.url, ["TKY"])
        one_round(app)
        assert hook.wait_for(1, timeout=0.5) == []


def test_a_failed_delivery_is_retried_with_backoff_until_it_is_accepted(app, session, w):
    with receiver(status=500) as hook:
        made = webhooks.register(session, "shop", hook.url, ["TKY"])
        f.receive(session, w.tea, w.shelf, 1)
        one_round(app)
        assert len(hook.wait_for(1)) == 1
        session.rollback()
        row = session.scalar(select(WebhookDelivery))
        endpoint = session.get(WebhookEndpoint, made.id, populate_existing=True)
        assert (row.status, row.attempts, row.last_status) == (DeliveryStatus.PENDING, 1, 500)
        assert endpoint.failures == 1 and endpoint.backoff_until > utcnow()
        one_round(app)  # backing off: nothing is sent
        assert len(hook.wait_for(2, timeout=0.3)) == 1
        hook.status = 204
        past = utcnow() - timedelta(seconds=1)
        with write_transaction(session):
            session.execute(update(WebhookEndpoint).values(backoff_until=past))
            session.execute(update(WebhookDelivery).values(next_attempt_at=past))
        one_round(app)
        got = hook.wait_for(2)
    assert len(got) == 2 and got[0].body == got[1].body  # the same change, at least once
    assert got[1].headers["X-Tana-Attempt"] == "2"
    session.rollback()
    row = session.scalar(select(WebhookDelivery).execution_options(populate_existing=True))
    assert (row.status, row.attempts) == (DeliveryStatus.DELIVERED, 2)
    endpoint = session.get(WebhookEndpoint, made.id, populate_existing=True)
    assert endpoint.failures == 0 and endpoint.backoff_until is None


def test_backoff_doubles_and_is_capped():
    for n, expected in ((1, 1), (2, 2), (5, 16), (30, 3600)):
        assert expected * 0.9 <= delivery.backoff(n).total_seconds() <= expected * 1.1


def test_a_dead_or_slow_endpoint_holds_up_no_other(app, session, w):
    with receiver(delay=3.0) as slow, receiver() as good:
        webhooks.register(session, "slow", slow.url, ["TKY"])
        webhooks.register(session, "dead", dead_url(), ["TKY"])
        webhooks.register(session, "good", good.url, ["TKY"])
        worker = Worker(app, dates=False, timeout=5.0, poll=0.05)
        running = threading.Thread(target=worker.run)
        running.start()
        try:
            started = time.monotonic()
            f.receive(session, w.tea, w.shelf, 1)
            first = good.wait_for(1, timeout=2.0)
            took = time.monotonic() - started
            f.receive(session, w.tea, w.shelf, 1)  # the floor writes on meanwhile, the slow one still busy
            second = good.wait_for(2, timeout=2.0)
            took_second = time.monotonic() - started
        finally:
            worker.stop.set()
            running.join(15)
    assert len(first) == 1 and took < 1.0
    assert len(second) == 2 and took_second < 2.0
    session.rollback()
    rows = {e.integration.name: e for e in session.scalars(select(WebhookEndpoint))}
    assert rows["dead"].failures >= 1 and rows["good"].failures == 0


def test_deliveries_are_queued_for_the_endpoint_s_warehouses_only(app, session, w):
    osaka = f.warehouse(session, code="OSK")
    with receiver() as hook:
        webhooks.register(session, "shop", hook.url, ["OSK"])
        f.receive(session, w.tea, w.shelf, 1)
        f.receive(session, w.tea, f.location(session, osaka), 2)
        one_round(app)
        got = hook.wait_for(1)
        assert len(hook.wait_for(2, timeout=0.3)) == 1
    assert json.loads(got[0].body)["warehouse"] == "OSK"


def test_given_up_deliveries_are_sent_again_by_the_admin(app, session, w):
    with receiver(status=410) as hook:
        made = webhooks.register(session, "shop", hook.url, ["TKY"])
        f.receive(session, w.tea, w.shelf, 1)
        one_round(app)
        hook.wait_for(1)
        with write_transaction(session):
            session.execute(update(WebhookDelivery).values(created_at=utcnow() - timedelta(days=4),
                                                           next_attempt_at=utcnow() - timedelta(seconds=1)))
            session.execute(update(WebhookEndpoint).values(backoff_until=None))
        one_round(app)
        hook.wait_for(2)
        session.rollback()
        assert session.scalar(select(WebhookDelivery.status)) == DeliveryStatus.FAILED
        hook.status = 200
        assert webhooks.retry_failed(session, made.id) == 1
        one_round(app)
        assert len(hook.wait_for(3)) == 3
    session.rollback()
    assert session.scalar(select(WebhookDelivery.status).execution_options(populate_existing=True)) \
        == DeliveryStatus.DELIVERED


def test_registration_checks_the_address_and_the_warehouses(session, w):
    for url in ("ftp://x/", "http://", "javascript:alert(1)", "http://a b/"):
        with pytest.raises(webhooks.EndpointRefused):
            webhooks.register(session, "shop", url, ["TKY"])
    with pytest.raises(webhooks.EndpointRefused):
        webhooks.register(session, "shop", "https://example.invalid/hook", [])
    with pytest.raises(webhooks.EndpointRefused):
        webhooks.register(session, "bad name!", "https://example.invalid/hook", ["TKY"])


def test_signatures_refuse_a_replay_and_a_wrong_secret():
    body = b'{"event_id":1}'
    header = signing.sign("whsec_a", body, timestamp=1_000_000)
    assert signing.verify("whsec_a", header, body, now=1_000_100)
    assert not signing.verify("whsec_a", header, body, now=1_000_000 + 301)
    assert not signing.verify("whsec_b", header, body, now=1_000_100)
    assert not signing.verify("whsec_a", "t=x,v1=y", body)


def test_the_deliver_command_runs_a_round(app, session, w):
    with receiver() as hook:
        webhooks.register(session, "shop", hook.url, ["TKY"])
        f.receive(session, w.tea, w.shelf, 1)
        result = app.test_cli_runner().invoke(args=["webhooks", "deliver", "--once", "--no-dates"])
        assert result.exit_code == 0, result.output
        assert len(hook.wait_for(1)) == 1
