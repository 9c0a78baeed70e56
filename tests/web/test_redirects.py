"""Redirects after login, the language switch and a location's deactivation stay on this site
(issue 14, item 2): an address someone else wrote never sends a person elsewhere."""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from app.auth.models import Role
from tests import factories as f
from tests.support import csrf_token

HOSTILE = ["/\t/evil.example/", "/\n/evil.example/", "//evil.example/", "/\\evil.example/", "https://evil.example/",
           " //evil.example/"]


def stays_here(response, fallback: str) -> bool:
    location = response.headers["Location"]
    parts = urlsplit(location)
    return parts.netloc in ("", "localhost") and location == fallback


@pytest.mark.parametrize("target", HOSTILE)
def test_login_with_a_hostile_next_lands_on_home(client, session, target):
    f.user(session, login="boss")
    page = client.get("/login?next=" + quote(target, safe=""))
    assert page.status_code == 200
    token = csrf_token(client)
    response = client.post("/login", data={"login": "boss", "password": "pass-1234", "csrf_token": token, "next": target})
    assert response.status_code == 302 and stays_here(response, "/")


@pytest.mark.parametrize("target", HOSTILE)
def test_the_language_switch_with_a_hostile_next_goes_home(client, session, target):
    response = client.post("/lang", data={"lang": "en", "csrf_token": csrf_token(client), "next": target})
    assert response.status_code == 302 and stays_here(response, "/")


@pytest.mark.parametrize("target", HOSTILE)
def test_a_deactivation_with_a_hostile_next_goes_back_to_the_locations(client, session, target):
    wh = f.warehouse(session)
    shelf = f.location(session, wh)
    f.user(session, Role.SUPERVISOR, login="office1")
    client.post("/login", data={"login": "office1", "password": "pass-1234", "csrf_token": csrf_token(client)})
    token = csrf_token(client, "/admin/locations")
    response = client.post(f"/admin/locations/{shelf.id}/deactivate", data={"csrf_token": token, "confirm": "1",
                                                                           "next": target})
    assert response.status_code == 302 and stays_here(response, "/admin/locations")


def test_a_next_on_this_site_is_followed(client, session):
    f.user(session, login="boss")
    token = csrf_token(client)
    response = client.post("/login", data={"login": "boss", "password": "pass-1234", "csrf_token": token,
                                           "next": "/profile?tab=1"})
    assert response.headers["Location"] == "/profile?tab=1"
