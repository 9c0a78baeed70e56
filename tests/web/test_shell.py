"""The shell every screen stands on: headers, CSP, CSRF for htmx, language, compression."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect

from app.auth.models import Role
from app.config import Config, ProductionConfig, shared_secret_key
from app.extensions import db
from tests import factories as f
from tests.support import build_app, csrf_token, log_in

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle=", re.I)


@pytest.fixture
def picker(client, session):
    f.warehouse(session)
    f.user(session, Role.PICKER, Role.RECEIVER, login="shell-user")
    log_in(client, "shell-user")
    return client


def test_pages_carry_strict_security_headers(picker):
    for path in ("/", "/login", "/profile"):
        response = picker.get(path)
        csp = response.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self' 'wasm-unsafe-eval'"  # the camera polyfill's WebAssembly, nothing more
        assert directives["style-src"] == "'self'" and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(picker):
    for path in ("/", "/login", "/profile", "/lookup"):
        page = picker.get(path).get_data(as_text=True)
        assert not INLINE_SCRIPT.search(page), path
        assert not STYLE_ATTR.search(page), path
        assert "<style" not in page, path


def test_htmx_is_configured_without_injected_styles_or_eval_and_swaps_refusals(picker):
    page = picker.get("/").get_data(as_text=True)
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page).group(1)
    assert '"includeIndicatorStyles":false' in config and '"allowEval":false' in config
    assert '"422"' in config or "422" in config
    assert "htmx-2.0.11.min.js" in page


def test_an_htmx_post_needs_the_csrf_header(picker):
    token = csrf_token(picker, "/")
    refused = picker.post("/lang", data={"lang": "en"}, headers={"HX-Request": "true"})
    accepted = picker.post("/lang", data={"lang": "en"}, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert refused.status_code == 400
    assert accepted.status_code == 302


def test_language_follows_the_browser_then_the_users_choice(client, session):
    assert 'lang="en"' in client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="ja"' in client.get("/login", headers={"Accept-Language": "ja-JP"}).get_data(as_text=True)
    assert 'lang="ja"' in client.get("/login").get_data(as_text=True)
    token = csrf_token(client)
    client.post("/lang", data={"lang": "en", "csrf_token": token})
    page = client.get("/login", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert 'lang="en"' in page and "Log in" in page


def test_home_speaks_japanese_and_english(picker):
    token = csrf_token(picker, "/")
    picker.post("/lang", data={"lang": "ja", "csrf_token": token})
    ja = picker.get("/").get_data(as_text=True)
    picker.post("/lang", data={"lang": "en", "csrf_token": token})
    en = picker.get("/").get_data(as_text=True)
    assert "ログアウト" in ja and "ピッキング" in ja
    assert "Log out" in en and "Picking" in en


def test_the_users_language_choice_is_remembered_across_logins(client, session):
    f.warehouse(session)
    f.user(session, login="eigo")
    log_in(client, "eigo")
    client.post("/lang", data={"lang": "en", "csrf_token": csrf_token(client, "/")})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    fresh = client.application.test_client()
    log_in(fresh, "eigo")
    assert 'lang="en"' in fresh.get("/", headers={"Accept-Language": "ja"}).get_data(as_text=True)


def test_first_load_of_a_screen_stays_within_50_kb_compressed(picker):
    headers = {"Accept-Encoding": "gzip, br"}
    page = picker.get("/", headers=headers)
    html = page.get_data()
    assert page.headers.get("Content-Encoding") in {"gzip", "br"}
    total = len(html)
    text_page = picker.get("/").get_data(as_text=True)
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', text_page):
        response = picker.get(asset, headers=headers)
        assert response.status_code == 200, asset
        if asset.endswith((".js", ".css")):
            assert response.headers.get("Content-Encoding") in {"gzip", "br"}, asset
        total += len(response.get_data())
    assert total <= 50 * 1024, f"first load is {total} bytes"


def test_static_assets_are_versioned_and_cached(picker):
    page = picker.get("/").get_data(as_text=True)
    asset = re.search(r'src="(/static/js/floor\.js\?v=[0-9a-f]{10})"', page).group(1)
    assert "max-age" in picker.get(asset).headers["Cache-Control"]


def test_health_reports_the_database(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json["database"] is True


def test_secret_key_is_created_once_and_shared(tmp_path):
    first = shared_secret_key(tmp_path)
    second = shared_secret_key(tmp_path)
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_create_app_never_migrates(tmp_path, instance_dir):
    app = build_app(f"sqlite:///{tmp_path / 'empty.db'}", instance_dir)
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        db.engine.dispose()


def test_cookies_are_secure_in_production_and_plain_on_a_lan_install(monkeypatch, tmp_path):
    monkeypatch.setenv("TANA_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    lan, prod = Config(), ProductionConfig()
    assert lan.SESSION_COOKIE_SECURE is False and prod.SESSION_COOKIE_SECURE is True
    assert lan.RATELIMIT_STORAGE_URI == prod.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/3"


def test_the_app_never_redirects_to_https_by_itself(client, session):
    response = client.get("/login", base_url="http://192.168.1.20:8000")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_translated_messages_carrying_typed_text_are_escaped(app):
    from flask import render_template_string
    from flask_babel import lazy_gettext

    with app.test_request_context():
        message = lazy_gettext("Unknown barcode: %(code)s", code='"><script>alert(1)</script>')
        html = render_template_string("{{ message }}", message=message)
    assert "<script>" not in html and "&lt;script&gt;" in html
