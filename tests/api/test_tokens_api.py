"""Tokens: made (hashed, shown once), scoped, bound to warehouses, revoked; a login cookie never
authorises the API and a token never a screen; every error in the one JSON shape."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.api import tokens
from app.api.models import ApiToken
from app.auth.models import Role
from tests import factories as f
from tests.api.support import bearer, make_token, world
from tests.support import log_in

ENDPOINTS = [
    ("GET", "/api/v1/stock/items/TEA", None, "stock:read"),
    ("GET", "/api/v1/stock/jan/4901234567894", None, "stock:read"),
    ("POST", "/api/v1/stock/lookup", {"skus": ["TEA"]}, "stock:read"),
    ("GET", "/api/v1/stock", None, "stock:read"),
    ("GET", "/api/v1/stock/changes", None, "stock:read"),
    ("POST", "/api/v1/orders", {"channel": "rakuten", "external_id": "X", "ship_to_name": "a",
                                "lines": [{"sku": "TEA", "quantity": 1}]}, "orders:write"),
    ("GET", "/api/v1/orders/rakuten/X", None, "orders:write"),
    ("POST", "/api/v1/orders/rakuten/X/cancel", {"reason": "r"}, "orders:write"),
    ("POST", "/api/v1/receipts", {"reference": "A", "supplier": "s", "lines": [{"sku": "TEA", "quantity": 1}]},
     "receipts:write"),
    ("GET", "/api/v1/receipts/A", None, "receipts:write"),
    ("PUT", "/api/v1/products", {"products": [{"sku": "N", "name": "n"}]}, "products:write"),
]


@pytest.fixture
def w(client, session):
    return world(session)


def call(client, method, path, body, headers):
    return client.open(path, method=method, json=body, headers=headers)


@pytest.mark.parametrize("method,path,body,scope", ENDPOINTS, ids=[f"{m} {p}" for m, p, _b, _s in ENDPOINTS])
def test_every_endpoint_needs_a_token_with_its_scope(client, session, w, method, path, body, scope):
    missing = call(client, method, path, body, {})
    assert missing.status_code == 401 and missing.get_json()["error"]["code"] == "unauthorized"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    others = [s for s in ("stock:read", "orders:write", "receipts:write", "products:write") if s != scope]
    lacking = call(client, method, path, body, bearer(make_token(session, *others, integration="lacking")))
    assert lacking.status_code == 403 and lacking.get_json()["error"]["code"] == "insufficient_scope"
    allowed = call(client, method, path, body, bearer(make_token(session, scope, integration="allowed")))
    assert allowed.status_code in (200, 201, 404)


def test_wrong_malformed_and_revoked_tokens(client, session, w):
    assert client.get("/api/v1/stock", headers=bearer("nonsense")).status_code == 401
    forged = w.token[:-4] + "AAAA"
    assert client.get("/api/v1/stock", headers=bearer(forged)).status_code == 401
    assert client.get("/api/v1/stock", headers={"Authorization": f"Basic {w.token}"}).status_code == 401
    prefix = w.token.split("_")[1]
    tokens.revoke_token(session, tokens.token_by_prefix(session, prefix).id)
    revoked = client.get("/api/v1/stock", headers=w.auth)
    assert revoked.status_code == 401 and revoked.get_json()["error"]["code"] == "token_revoked"


def test_the_secret_is_kept_only_as_its_hash_and_last_use_is_noted(client, session, w):
    session.rollback()
    row = session.scalar(select(ApiToken))
    assert row.secret_hash == tokens.digest(w.token) and w.token not in (row.secret_hash, row.prefix)
    assert row.last_used_at is None
    client.get("/api/v1/stock", headers=w.auth)
    session.rollback()
    session.expire_all()
    assert session.scalar(select(ApiToken.last_used_at)) is not None


def test_a_login_cookie_never_authorises_the_api_and_a_token_never_a_screen(app, client, session, w):
    f.user(session, Role.ADMIN, login="boss")
    assert log_in(client, "boss").status_code == 302
    answer = client.get("/api/v1/stock/items/TEA")
    assert answer.status_code == 401
    stranger = app.test_client()
    screen = stranger.get("/orders", headers=w.auth)
    assert screen.status_code == 302 and screen.headers["Location"].startswith("/login")


def test_api_writes_need_no_csrf_token_and_set_no_cookie(client, session, w):
    answer = client.post("/api/v1/stock/lookup", json={"skus": ["TEA"]}, headers=w.auth)
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers


def test_wrong_paths_methods_and_characters_answer_json(client, session, w):
    missing = client.get("/api/v1/nothing/here", headers=w.auth)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong = client.delete("/api/v1/orders", headers=w.auth)
    assert wrong.status_code == 405 and wrong.get_json()["error"]["code"] == "method_not_allowed"
    nul = client.get("/api/v1/stock?after=%00", headers=w.auth)
    assert nul.status_code == 400 and nul.get_json()["error"]["code"] == "bad_request"


def test_the_openapi_document_needs_no_token(client, session):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    document = answer.get_json()
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/stock/changes" in document["paths"] and "/orders" not in document["paths"]
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def test_tokens_from_the_command_line(app, session, w):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["tokens", "create", "--integration", "yahoo-store", "--scope", "stock:read,orders:write",
                               "--warehouse", "TKY", "--channel", "yahoo"])
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    assert secret.startswith("tana_")
    grant = tokens.authenticate(session, secret)
    assert (grant.integration, grant.channel, sorted(grant.scopes)) == ("yahoo-store", "yahoo",
                                                                        ["orders:write", "stock:read"])
    listed = runner.invoke(args=["tokens", "list"])
    assert "yahoo-store" in listed.output and secret not in listed.output
    revoked = runner.invoke(args=["tokens", "revoke", secret.split("_")[1]])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    with pytest.raises(tokens.RevokedToken):
        tokens.authenticate(session, secret)
    wrong = runner.invoke(args=["tokens", "create", "--integration", "x", "--scope", "stock:write", "--warehouse", "TKY"])
    assert wrong.exit_code != 0 and "unknown scope" in wrong.output
    nowhere = runner.invoke(args=["tokens", "create", "--integration", "x", "--scope", "stock:read",
                                  "--warehouse", "NOPE"])
    assert nowhere.exit_code != 0 and "no warehouse NOPE" in nowhere.output
