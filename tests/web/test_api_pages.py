"""The API's screens on both databases: tokens and webhooks (admins only), channel stock (office)."""
from __future__ import annotations

import re

import pytest

from app.api import delivery, tokens
from app.auth.models import Role
from tests import factories as f
from tests.api.receiver import receiver
from tests.api.support import world
from tests.support import csrf_token, log_in, text_of


@pytest.fixture
def w(client, session):
    made = world(session)
    f.user(session, Role.ADMIN, login="admin")
    f.user(session, Role.SUPERVISOR, login="super")
    return made


def admin(client) -> str:
    assert log_in(client, "admin").status_code == 302
    return csrf_token(client, "/admin/api-tokens")


def secret_on(page: str) -> str:
    return re.search(r'id="secret" value="([^"]+)"', page).group(1)


def test_an_admin_makes_a_token_sees_it_once_and_revokes_it(client, session, w):
    token = admin(client)
    made = client.post("/admin/api-tokens", data={"csrf_token": token, "integration": "rakuten-rms",
                                                  "channel": "rakuten", "scope": ["stock:read", "orders:write"],
                                                  "warehouse": ["TKY"]})
    assert made.status_code == 200
    secret = secret_on(made.get_data(as_text=True))
    grant = tokens.authenticate(session, secret)
    assert (grant.integration, grant.channel, sorted(grant.scopes)) == ("rakuten-rms", "rakuten",
                                                                        ["orders:write", "stock:read"])
    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert secret not in listing and f"tana_{grant_prefix(secret)}_" in listing
    revoked = client.post(f"/admin/api-tokens/{grant.token_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 302
    session.rollback()
    with pytest.raises(tokens.RevokedToken):
        tokens.authenticate(session, secret)
    assert client.get("/api/v1/stock", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def grant_prefix(secret: str) -> str:
    return secret.split("_")[1]


def test_a_token_form_with_problems_is_shown_again_with_them(client, session, w):
    token = admin(client)
    answer = client.post("/admin/api-tokens", data={"csrf_token": token, "integration": "shop", "warehouse": ["TKY"]})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'id="error-scopes"' in page and 'value="shop"' in page and 'id="secret"' not in page


def test_webhooks_are_registered_and_their_deliveries_shown(app, client, session, w):
    token = admin(client)
    with receiver() as hook:
        made = client.post("/admin/webhooks", data={"csrf_token": token, "integration": "shop", "url": hook.url,
                                                     "warehouse": ["TKY"]})
        assert made.status_code == 200
        assert secret_on(made.get_data(as_text=True)).startswith("whsec_")
        f.receive(session, w.tea, w.shelf, 2)
        endpoint_id = int(re.search(r"/admin/webhooks/(\d+)", made.get_data(as_text=True)).group(1))
        delivery.deliver_endpoint(session, endpoint_id)
        assert len(hook.wait_for(1)) == 1
    page = client.get(f"/admin/webhooks/{endpoint_id}").get_data(as_text=True)
    assert 'data-status="delivered"' in page and "TEA" in text_of(page, "history")
    paused = client.post(f"/admin/webhooks/{endpoint_id}/pause", data={"csrf_token": token})
    assert paused.status_code == 302
    assert 'id="resume"' in client.get(f"/admin/webhooks/{endpoint_id}").get_data(as_text=True)
    bad = client.post("/admin/webhooks", data={"csrf_token": token, "integration": "shop", "url": "ftp://x",
                                               "warehouse": ["TKY"]})
    assert bad.status_code == 422 and 'id="error-url"' in bad.get_data(as_text=True)


def test_tokens_and_webhooks_are_for_admins_only(client, session, w):
    log_in(client, "super")
    assert client.get("/admin/api-tokens").status_code == 403
    assert client.get("/admin/webhooks").status_code == 403
    page = client.get("/channels")
    assert page.status_code == 200 and 'id="rule-rakuten"' not in page.get_data(as_text=True)
    token = csrf_token(client, "/channels")
    refused = client.post("/channels/rules", data={"csrf_token": token, "channel": "rakuten", "buffer_units": "3"})
    assert refused.status_code == 403


def test_channel_figures_side_by_side_and_rules_set_by_an_admin(client, session, w):
    token = admin(client)
    saved = client.post("/channels/rules", data={"csrf_token": token, "channel": "amazon", "buffer_units": "4",
                                                 "buffer_percent": "0", "priority": "0"})
    assert saved.status_code == 302
    page = client.get("/channels").get_data(as_text=True)
    row = re.search(r'<tr data-sku="TEA".*?</tr>', page, re.S).group(0)
    assert 'data-available="15"' in row
    assert re.search(r'data-channel="amazon">11<', row) and re.search(r'data-channel="rakuten">15<', row)
    wrong = client.post("/channels/rules", data={"csrf_token": token, "channel": "amazon", "buffer_percent": "150"})
    assert wrong.status_code == 302
    assert 'data-result="error"' in client.get("/channels").get_data(as_text=True)


def test_the_channel_file_in_utf8_and_shift_jis(client, session, w):
    admin(client)
    utf8 = client.get("/channels/rakuten.csv")
    assert utf8.status_code == 200 and utf8.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert utf8.data.decode("utf-8").splitlines() == ["SKU,quantity", "MILK,0", "TEA,15"]
    sjis = client.get("/channels/rakuten.csv?encoding=shift_jis")
    assert sjis.headers["Content-Type"] == "text/csv; charset=shift_jis" and sjis.data.decode("cp932").startswith("SKU")
    assert client.get("/channels/mars.csv").status_code == 404


def test_the_channel_file_from_the_command_line(app, session, w, tmp_path):
    out = tmp_path / "rakuten.csv"
    result = app.test_cli_runner().invoke(args=["channels", "csv", "--channel", "rakuten", "--warehouse", "TKY",
                                                "--encoding", "shift_jis", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().decode("cp932").splitlines() == ["SKU,quantity", "MILK,0", "TEA,15"]
    rule = app.test_cli_runner().invoke(args=["channels", "rule", "--channel", "own", "--buffer-percent", "10",
                                              "--priority", "9"])
    assert rule.exit_code == 0 and "priority 9" in rule.output
