"""Every route against every role: exactly the roles of DESIGN.md's table get in."""
from __future__ import annotations

import pytest

from app.auth.models import Role
from app.auth.roles import ALLOWED, Screen
from app.shell.nav import ENTRIES
from tests import factories as f
from tests.support import csrf_token, log_in

PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.login_post", "auth.logout", "shell.set_language", "shell.health"}


def screen_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.startswith("api."):
            continue  # the JSON API is authorised by tokens, never by a login (tests/api)
        view = app.view_functions[rule.endpoint]
        yield rule, getattr(view, "screen", None)


def test_every_non_public_route_names_its_screen(app):
    unguarded = [rule.rule for rule, screen in screen_routes(app) if screen is None]
    assert unguarded == []


def example_url(rule) -> str:
    values = {arg: "1" for arg in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_403_exactly_where_the_table_says(app, client, session, role):
    f.warehouse(session)
    f.user(session, role, login=f"walk-{role.value}")
    assert log_in(client, f"walk-{role.value}").status_code == 302
    token = csrf_token(client, "/")
    wrong = []
    for rule, screen in screen_routes(app):
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        url = example_url(rule)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.open(url, method=method, data={"csrf_token": token}, headers={"X-CSRFToken": token})
        allowed = role in ALLOWED[screen]
        if (response.status_code == 403) == allowed:
            wrong.append(f"{method} {rule.rule}: {response.status_code} for {role.value}")
    assert wrong == []


@pytest.mark.parametrize("role", list(Role))
def test_home_links_only_the_screens_a_role_may_use(client, session, role):
    f.warehouse(session)
    f.user(session, role, login=f"home-{role.value}")
    log_in(client, f"home-{role.value}")
    home = client.get("/").get_data(as_text=True)
    for entry in ENTRIES:
        linked = f'href="{entry.path}"' in home
        assert linked == (role in ALLOWED[entry.screen]), entry.path


def test_a_logged_out_visitor_is_sent_to_login(client, session):
    for path in ("/", "/profile", "/lookup", "/receiving", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_role_table_covers_every_screen():
    assert set(ALLOWED) == set(Screen)
