"""Logging out ends the session everywhere its cookie was copied; a password or PIN change ends
every session of the person (issue 14, item 7)."""
from __future__ import annotations

from app.auth import service
from app.auth.models import Role
from tests import factories as f
from tests.support import csrf_token, log_in


def copy_of(client, app):
    """A second browser holding a copy of the first one's session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def test_a_cookie_copied_before_logout_no_longer_works(app, client, session):
    f.user(session, Role.RECEIVER, login="mori")
    assert log_in(client, "mori").status_code == 302
    thief = copy_of(client, app)
    assert thief.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert thief.get("/").status_code == 302
    assert thief.get("/receiving").headers["Location"].startswith("/login")


def test_logging_out_on_one_device_keeps_the_other_devices_logged_in(app, client, session):
    f.user(session, login="mori")
    other = app.test_client()
    log_in(client, "mori")
    log_in(other, "mori")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert other.get("/").status_code == 200


def test_a_password_change_ends_every_session_of_the_person(app, client, session):
    person = f.user(session, login="mori")
    other = app.test_client()
    log_in(client, "mori")
    log_in(other, "mori")
    service.change_password(session, person.id, "new-pass-5678")
    assert client.get("/").status_code == 302 and other.get("/").status_code == 302
    assert log_in(client, "mori", "new-pass-5678").status_code == 302
    assert client.get("/").status_code == 200


def test_a_pin_change_ends_every_session_of_the_person(app, client, session):
    person = f.user(session, login="mori", badge="ZU-MORI01", pin="1234")
    log_in(client, "mori")
    service.change_pin(session, person.id, "9876")
    assert client.get("/").status_code == 302
    token = csrf_token(client)
    assert client.post("/login", data={"code": "ZU-MORI01", "pin": "9876", "csrf_token": token}).status_code == 302


def test_a_session_older_than_its_longest_life_is_over(app, client, session, monkeypatch):
    f.user(session, login="mori")
    log_in(client, "mori")
    monkeypatch.setitem(app.config, "LOGIN_SESSION_MAX_AGE", -1)
    assert client.get("/").status_code == 302


def test_the_password_and_pin_commands_log_the_person_out_everywhere(app, client, session):
    f.user(session, login="mori", badge="ZU-MORI01", pin="1234")
    runner = app.test_cli_runner()
    log_in(client, "mori")
    result = runner.invoke(args=["users", "password", "--login", "mori", "--password", "changed-9999"])
    assert result.exit_code == 0, result.output
    assert client.get("/").status_code == 302
    log_in(client, "mori", "changed-9999")
    assert runner.invoke(args=["users", "pin", "--login", "mori", "--pin", "12x4"]).exit_code != 0
    assert client.get("/").status_code == 200
    assert runner.invoke(args=["users", "pin", "--login", "mori", "--pin", "5555"]).exit_code == 0
    assert client.get("/").status_code == 302
