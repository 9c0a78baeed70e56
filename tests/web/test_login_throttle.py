"""The login throttle (issue 14, item 3): per login across addresses with a short, growing lock;
counts shared by every worker (the database by default, or Redis); production refuses
per-process counts; a badge + PIN is throttled like a password; higher roles' badges are
printed by admins only."""
from __future__ import annotations

import os
import uuid

import pytest
from limits.storage import storage_from_string

from app import create_app
from app.auth.models import Role
from app.auth.throttle import Throttle, policy_of
from app.auth.throttle_store import DatabaseStorage
from app.config import Config, ProductionConfig
from app.extensions import db
from tests import factories as f
from tests.gunicorn_server import Browser, gunicorn
from tests.support import build_app, csrf_token, migrate_to_head

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEN_ADDRESSES = [f"10.0.0.{n}" for n in range(1, 11)]


def attempt(client, login: str, password: str, address: str):
    return client.post("/login", data={"login": login, "password": password, "csrf_token": csrf_token(client)},
                       environ_base={"REMOTE_ADDR": address})


def badge_attempt(client, code: str, pin: str, address: str):
    return client.post("/login", data={"code": code, "pin": pin, "csrf_token": csrf_token(client)},
                       environ_base={"REMOTE_ADDR": address})


def test_one_login_tried_from_ten_addresses_is_locked_after_ten_failures(client, session):
    f.user(session, login="ito")
    answers = [attempt(client, "ito", f"guess-{n}", address).status_code
               for n, address in enumerate(TEN_ADDRESSES * 4)]
    assert answers[:10] == [401] * 10
    assert set(answers[10:]) == {429}, "every try after the tenth failure meets the lock"
    assert attempt(client, "ito", "pass-1234", "10.9.9.9").status_code == 429
    assert attempt(client, "someone-else", "x", "10.9.9.9").status_code == 401


def test_a_badge_and_pin_is_throttled_like_a_password_however_the_badge_is_spelled(client, session):
    f.user(session, login="sato", badge="ZU-7F3K9Q", pin="4321")
    spellings = ["ZU-7F3K9Q", "zu-7f3k9q", " ＺＵ－７Ｆ３Ｋ９Ｑ ", "Zu-7F3k9Q"]
    answers = [badge_attempt(client, spellings[n % 4], f"{n:04d}", address).status_code
               for n, address in enumerate(TEN_ADDRESSES * 2)]
    assert answers[:10] == [401] * 10 and set(answers[10:]) == {429}
    assert badge_attempt(client, "ZU-7F3K9Q", "4321", "10.9.9.9").status_code == 429
    assert attempt(client, "sato", "pass-1234", "10.9.9.9").status_code == 302, "the ID + password still works"


def test_five_pins_from_one_address_block_that_address_for_that_badge(client, session):
    f.user(session, badge="ZU-AAAA11", pin="4321")
    for n in range(5):
        assert badge_attempt(client, "ZU-AAAA11", f"{n:04d}", "10.0.0.1").status_code == 401
    assert badge_attempt(client, "ZU-AAAA11", "4321", "10.0.0.1").status_code == 429


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def lock_lengths(throttle: Throttle, clock: Clock, locks: int) -> list[int]:
    """Fail until locked `locks` times; the seconds each lock lasted."""
    lengths = []
    for _ in range(9):
        throttle.failed("ito", "10.0.0.1")
        clock.now += 1
    while len(lengths) < locks:
        throttle.failed("ito", f"10.0.1.{len(lengths)}")
        started = clock.now
        while throttle.blocked("ito", f"10.0.2.{len(lengths)}"):
            clock.now += 1
        lengths.append(round(clock.now - started))
    return lengths


def test_the_lock_is_short_and_doubles_up_to_ten_minutes_in_the_database(app, session):
    clock = Clock()
    throttle = Throttle(DatabaseStorage(lambda: db.engine, clock), policy_of(app.config))
    assert lock_lengths(throttle, clock, 6) == [30, 60, 120, 240, 480, 600]
    clock.now += 24 * 3600
    assert not throttle.blocked("ito", "10.0.0.1")
    assert lock_lengths(throttle, clock, 1) == [30], "a day later the lock starts short again"


def test_the_database_counts_start_a_new_window_when_the_old_one_ends(app, session):
    clock = Clock()
    storage = DatabaseStorage(lambda: db.engine, clock)
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    clock.now += 61
    assert storage.get("k") == 0 and storage.incr("k", 60) == 1
    storage.clear("k")
    assert storage.get("k") == 0


def test_with_redis_one_login_from_many_addresses_is_locked_too(app):
    storage = storage_from_string(REDIS_URL, key_prefix=f"tana-test-{uuid.uuid4().hex}")
    try:
        storage.get("probe")
    except Exception as exc:  # noqa: BLE001
        from tests.conftest import unavailable

        unavailable(f"Redis not reachable at {REDIS_URL}: {exc}")
    throttle = Throttle(storage, policy_of(app.config))
    try:
        for address in TEN_ADDRESSES:
            assert not throttle.blocked("ito", address)
            throttle.failed("ito", address)
        throttle.failed("ito", "10.0.1.1")
        assert throttle.blocked("ito", "10.0.1.2")
        assert not throttle.blocked("kato", "10.0.1.2")
    finally:
        storage.reset()


def test_production_refuses_to_start_with_counts_kept_in_each_process(monkeypatch, tmp_path):
    monkeypatch.setenv("TANA_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    with pytest.raises(RuntimeError, match="each process alone"):
        create_app(ProductionConfig())
    monkeypatch.delenv("RATELIMIT_STORAGE_URI")
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert ProductionConfig().RATELIMIT_STORAGE_URI == Config().RATELIMIT_STORAGE_URI == "database://"


@pytest.mark.slow
def test_make_runs_workers_share_the_counts_the_sixth_try_is_refused(instance_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'tana.db'}"  # what make run serves: the embedded SQLite database, nothing else set
    embedded = build_app(url, instance_dir)
    migrate_to_head(embedded)
    with embedded.app_context():
        f.user(db.session, login="gunicorn-user")
        db.engine.dispose()
    with gunicorn(url, instance_dir, workers=3) as (base, _process):
        answers = [Browser(base).log_in("gunicorn-user", f"wrong-{n}")[0] for n in range(8)]
    assert answers == [401] * 5 + [429] * 3


@pytest.mark.slow
@pytest.mark.postgres_only
def test_production_workers_on_postgresql_share_the_counts_without_redis(app, session, instance_dir, backend):
    f.user(session, login="gunicorn-user")
    with gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], instance_dir, workers=3, TANA_CONFIG="production",
                  SECRET_KEY="x" * 32, SESSION_COOKIE_SECURE="0") as (base, _process):
        answers = [Browser(base).log_in("gunicorn-user", f"wrong-{n}")[0] for n in range(8)]
    assert answers == [401] * 5 + [429] * 3


def test_a_supervisor_cannot_print_an_admins_or_another_supervisors_badge(client, session):
    wh = f.warehouse(session)
    f.user(session, Role.ADMIN, login="admin", badge="ZU-ADMIN1", pin="1111")
    f.user(session, Role.SUPERVISOR, login="boss2", badge="ZU-BOSS02", pin="2222")
    f.user(session, Role.PICKER, login="hanako", badge="ZU-HANA01", pin="3333", warehouses=[wh], all_warehouses=False)
    f.user(session, Role.SUPERVISOR, login="boss")
    assert attempt(client, "boss", "pass-1234", "127.0.0.1").status_code == 302
    for login, badge in (("admin", "ZU-ADMIN1"), ("boss2", "ZU-BOSS02")):
        response = client.get(f"/labels/badges?login={login}")
        assert response.status_code == 422 and badge not in response.get_data(as_text=True)
    index = client.get("/labels").get_data(as_text=True)
    assert 'value="hanako"' in index and 'value="admin"' not in index and 'value="boss2"' not in index
    assert "ZU-HANA01" in client.get("/labels/badges?login=hanako").get_data(as_text=True)


def test_an_admin_prints_every_badge(client, session):
    f.warehouse(session)
    f.user(session, Role.SUPERVISOR, login="boss2", badge="ZU-BOSS02", pin="2222")
    f.user(session, Role.ADMIN, login="root")
    assert attempt(client, "root", "pass-1234", "127.0.0.1").status_code == 302
    assert "ZU-BOSS02" in client.get("/labels/badges?login=boss2").get_data(as_text=True)
