"""Logging in and out: password, badge + PIN, CSRF, throttle."""
from __future__ import annotations

import pytest

from app.auth.models import Role
from app.database import write_transaction
from tests import factories as f
from tests.support import csrf_token, log_in


def test_login_page_shows_the_form_and_a_csrf_meta_tag(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="login"' in page and 'name="password"' in page and 'name="csrf_token"' in page
    assert '<meta name="csrf-token" content="' in page


def test_password_login_lands_on_home_showing_who_is_logged_in(client, session):
    user = f.user(session, Role.PICKER, login="yamada")
    response = log_in(client, "yamada")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert 'id="current-login">yamada<' in home
    assert 'id="logout"' in home
    assert user.login in home


def test_login_id_is_not_case_sensitive(client, session):
    f.user(session, login="suzuki")
    assert log_in(client, "Suzuki ").status_code == 302


@pytest.mark.parametrize("scanned", ["ZU-7F3K9Q", "zu-7f3k9q", "ＺＵ－７Ｆ３Ｋ９Ｑ", "ZU-7F3K9Q\r\n"])
def test_badge_scan_and_pin_log_in(client, session, scanned):
    f.user(session, Role.RECEIVER, login="tanaka", badge="ZU-7F3K9Q", pin="4821")
    token = csrf_token(client, "/login?mode=badge")
    response = client.post("/login", data={"code": scanned, "pin": "4821", "csrf_token": token})
    assert response.status_code == 302
    assert 'id="current-login">tanaka<' in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_login_get_the_same_answer(client, session):
    f.user(session, login="sato")
    wrong_password = log_in(client, "sato", "nope")
    unknown_login = log_in(client, "nobody", "nope")
    assert wrong_password.status_code == unknown_login.status_code == 401
    assert _error(wrong_password) == _error(unknown_login)
    assert "Location" not in wrong_password.headers


def test_wrong_pin_is_refused_without_saying_which_part_was_wrong(client, session):
    f.user(session, badge="ZU-AAAAAA", pin="1111")
    token = csrf_token(client, "/login?mode=badge")
    wrong_pin = client.post("/login", data={"code": "ZU-AAAAAA", "pin": "2222", "csrf_token": token})
    unknown_badge = client.post("/login", data={"code": "ZU-BBBBBB", "pin": "2222", "csrf_token": token})
    assert wrong_pin.status_code == unknown_badge.status_code == 401
    assert _error(wrong_pin) == _error(unknown_badge)


def test_an_inactive_user_cannot_log_in(client, session):
    user = f.user(session, login="retired")
    with write_transaction(session):
        user.active = False
    assert log_in(client, "retired").status_code == 401


def test_a_login_without_csrf_token_is_refused(client, session):
    f.user(session, login="kato")
    response = client.post("/login", data={"login": "kato", "password": "pass-1234"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_repeated_failures_are_throttled_per_login_even_with_the_right_password(client, session):
    f.user(session, login="ito")
    for _ in range(5):
        assert log_in(client, "ito", "wrong").status_code == 401
    blocked = log_in(client, "ito", "pass-1234")
    assert blocked.status_code == 429
    assert "Location" not in blocked.headers
    f.user(session, login="other")
    assert log_in(client, "other").status_code == 302


def test_the_throttle_counts_the_real_client_address_behind_a_proxy(app, client, session):
    f.user(session, login="kimura")
    app.extensions["tana.throttle"].reset()
    token = csrf_token(client)
    original = app.wsgi_app
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(original, x_for=1)
    try:
        for _ in range(5):
            client.post("/login", data={"login": "kimura", "password": "x", "csrf_token": token},
                        headers={"X-Forwarded-For": "10.0.0.7"})
        from_same = client.post("/login", data={"login": "kimura", "password": "pass-1234", "csrf_token": token},
                                headers={"X-Forwarded-For": "10.0.0.7"})
        from_other = client.post("/login", data={"login": "kimura", "password": "pass-1234", "csrf_token": token},
                                 headers={"X-Forwarded-For": "10.0.0.8"})
    finally:
        app.wsgi_app = original
    assert from_same.status_code == 429
    assert from_other.status_code == 302


def test_logout_ends_the_session(client, session):
    f.user(session, login="mori")
    log_in(client, "mori")
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_after_login_the_user_returns_to_the_page_asked_for_but_never_off_site(client, session):
    f.user(session, Role.ADMIN, login="boss")
    token = csrf_token(client)
    inside = client.post("/login", data={"login": "boss", "password": "pass-1234", "csrf_token": token, "next": "/profile"})
    assert inside.headers["Location"] == "/profile"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    token = csrf_token(client)
    outside = client.post("/login", data={"login": "boss", "password": "pass-1234", "csrf_token": token,
                                          "next": "//evil.example/x"})
    assert outside.headers["Location"] == "/"


def _error(response) -> str:
    page = response.get_data(as_text=True)
    start = page.index('class="message">') + len('class="message">')
    return page[start:page.index("<", start)]
