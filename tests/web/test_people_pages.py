"""People on screens (issue 15): /admin/users for admins, /team for a supervisor resetting a floor
worker's PIN, one's own password and PIN on /profile; each refusal writes nothing."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.auth.models import LoginSession, Role, User
from app.history.models import ChangeRecord
from app.people import service
from app.people.errors import PersonRefused, last_admin
from app.people.service import UserDraft
from tests import factories as f
from tests.support import csrf_token, log_in, text_of

SHOWN_PIN = re.compile(r'id="shown-pin">(\d+)<')
SHOWN_PASSWORD = re.compile(r'id="shown-password">([^<]+)<')
SHOWN_BADGE = re.compile(r'id="shown-badge">(ZU-[A-Z0-9]+)<')


def as_user(client, login: str, password: str = "pass-1234"):
    assert log_in(client, login, password).status_code == 302
    client.post("/lang", data={"lang": "en", "csrf_token": csrf_token(client, "/")})
    return client


def post(client, path: str, **form):
    token = csrf_token(client, "/profile")
    return client.post(path, data={"csrf_token": token, **form})


def badge_login(client, code: str, pin: str):
    token = csrf_token(client, "/login?mode=badge")
    return client.post("/login", data={"code": code, "pin": pin, "csrf_token": token})


def records(session, entity: str, entity_id: int) -> list[tuple[str, str | None, str | None]]:
    fresh(session)
    rows = session.execute(select(ChangeRecord.field, ChangeRecord.old_value, ChangeRecord.new_value)
                           .where(ChangeRecord.entity == entity, ChangeRecord.entity_id == entity_id)
                           .order_by(ChangeRecord.id)).all()
    return [tuple(row) for row in rows]


def counts(session) -> tuple[int, int]:
    fresh(session)
    return (session.scalar(select(func.count()).select_from(User)),
            session.scalar(select(func.count()).select_from(ChangeRecord)))


def user_by_login(session, login: str) -> User:
    fresh(session)
    return session.scalar(select(User).where(User.login == login).execution_options(populate_existing=True))


def fresh(session) -> None:
    """Read what the requests committed since: a new transaction, nothing kept from before."""
    session.rollback()
    session.expire_all()


@pytest.fixture
def world(session):
    tky = f.warehouse(session, code="TKY", name="東京DC")
    osk = f.warehouse(session, code="OSK", name="大阪DC")
    boss = f.user(session, Role.ADMIN, login="boss")
    return {"tky": tky, "osk": osk, "boss": boss}


@pytest.fixture
def admin(client, world):
    return as_user(client, "boss")


def new_user_form(world, **extra):
    return {"login": "hana", "name": "山田 花子", "roles": ["picker"], "warehouses": [str(world["tky"].id)],
            "badge": "1", "password_mode": "none", "pin_mode": "make", "must_change": "1", **extra}


# --- the list --------------------------------------------------------------------------------------


def test_the_users_list_searches_and_filters_on_the_server(admin, session, world):
    f.user(session, Role.PICKER, login="picker-tky", warehouses=[world["tky"]], all_warehouses=False)
    f.user(session, Role.RECEIVER, login="receiver-osk", warehouses=[world["osk"]], all_warehouses=False)
    gone = f.user(session, Role.PICKER, login="gone")
    service.deactivate_user(session, gone.id, actor_id=world["boss"].id)

    def logins(query: str) -> list[str]:
        html = admin.get(f"/admin/users{query}").get_data(as_text=True)
        return re.findall(r'<tr data-login="([^"]+)"', html)

    assert logins("") == ["boss", "picker-tky", "receiver-osk"]
    assert logins("?role=receiver") == ["receiver-osk"]
    assert logins(f"?warehouse={world['tky'].id}") == ["boss", "picker-tky"]
    assert logins("?state=inactive") == ["gone"]
    assert logins("?q=PICKER&state=all") == ["picker-tky"]


# --- creating ----------------------------------------------------------------------------------------


def test_an_admin_creates_a_picker_with_a_badge_and_a_pin_shown_once(app, admin, session, world):
    response = post(admin, "/admin/users/new", **new_user_form(world))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    pin, badge = SHOWN_PIN.search(html).group(1), SHOWN_BADGE.search(html).group(1)
    assert "Shown this once only" in text_of(html)
    hana = user_by_login(session, "hana")
    assert hana.check_pin(pin) and hana.badge_code == badge and hana.must_change_pin and hana.password_hash is None
    assert hana.roles == {Role.PICKER} and [w.code for w in hana.warehouses] == ["TKY"]
    assert pin not in admin.get(f"/admin/users/{hana.id}").get_data(as_text=True)  # never again
    fields = [field for field, _old, _new in records(session, "user", hana.id)]
    assert fields == ["created", "roles", "warehouses", "badge"]
    history = text_of(admin.get(f"/admin/users/{hana.id}").get_data(as_text=True), "history")
    assert "Created hana" in history and "テスト 太郎" in history  # who: the admin's name


def test_a_new_user_with_a_typed_password_is_not_shown_it(admin, session, world):
    form = new_user_form(world, login="ken", badge="", password_mode="typed", password="sora-iro-42", must_change="")
    html = post(admin, "/admin/users/new", **form).get_data(as_text=True)
    assert "sora-iro-42" not in html and 'id="shown-password"' not in html
    ken = user_by_login(session, "ken")
    assert ken.check_password("sora-iro-42") and not ken.must_change_password and ken.badge_code is None


@pytest.mark.parametrize("change, field", [
    ({"login": "BOSS"}, "login"),  # taken, whatever its case
    ({"login": "has space"}, "login"),
    ({"name": ""}, "name"),
    ({"roles": []}, "roles"),
    ({"warehouses": []}, "warehouses"),
    ({"warehouses": ["999999"]}, "warehouses"),
    ({"badge": "", "password_mode": "none"}, "password"),  # no way to log in
    ({"password_mode": "typed", "password": "password"}, "password"),
    ({"password_mode": "typed", "password": "hana-2024-x"}, "password"),  # holds the login
    ({"pin_mode": "typed", "pin": "1234"}, "pin"),
    ({"pin_mode": "typed", "pin": "12a4"}, "pin"),
])
def test_a_refused_new_user_writes_nothing(admin, session, world, change, field):
    before = counts(session)
    response = post(admin, "/admin/users/new", **new_user_form(world, **change))
    assert response.status_code == 422
    assert f'id="error-{field}"' in response.get_data(as_text=True)
    assert counts(session) == before


# --- editing -----------------------------------------------------------------------------------------


def test_editing_roles_and_warehouses_is_kept_in_the_history(admin, session, world):
    ken = f.user(session, Role.PICKER, login="ken", warehouses=[world["tky"]], all_warehouses=False)
    form = {"login": "ken", "name": "佐藤 健", "roles": ["picker", "receiver"],
            "warehouses": [str(world["tky"].id), str(world["osk"].id)]}
    assert post(admin, f"/admin/users/{ken.id}", **form).status_code == 302
    changes = records(session, "user", ken.id)[-3:]
    assert ("name", "テスト 太郎", "佐藤 健") in changes
    assert ("roles", "picker", "picker, receiver") in changes
    assert ("warehouses", "TKY", "OSK, TKY") in changes
    page = admin.get(f"/admin/users/{ken.id}").get_data(as_text=True)
    history = text_of(page, "history")
    assert history.index("Roles") < history.index("Created")  # newest first


def test_an_admin_cannot_take_away_their_own_admin_role_nor_deactivate_themselves(admin, session, world):
    boss = world["boss"]
    before = counts(session)
    form = {"login": "boss", "name": "boss", "roles": ["supervisor"], "all_warehouses": "1"}
    response = post(admin, f"/admin/users/{boss.id}", **form)
    assert response.status_code == 422 and "own admin role" in text_of(response.get_data(as_text=True), "error-roles")
    response = post(admin, f"/admin/users/{boss.id}/deactivate", confirm="1")
    assert response.status_code == 422 and "cannot deactivate yourself" in response.get_data(as_text=True)
    assert counts(session) == before and user_by_login(session, "boss").roles == {Role.ADMIN}


def test_the_last_active_admin_is_neither_demoted_nor_deactivated(session, world):
    other = f.user(session, Role.ADMIN, login="other")
    service.deactivate_user(session, other.id, actor_id=world["boss"].id)
    draft = UserDraft("boss", "boss", frozenset({Role.SUPERVISOR}), (), True)
    before = counts(session)
    with pytest.raises(PersonRefused) as refused:
        service.update_user(session, world["boss"].id, draft, actor_id=other.id)
    assert str(refused.value.errors["roles"]) == str(last_admin())
    with pytest.raises(PersonRefused):
        service.deactivate_user(session, world["boss"].id, actor_id=other.id)
    assert counts(session) == before
    service.reactivate_user(session, other.id)  # with a second admin, the first may go
    service.update_user(session, world["boss"].id, draft, actor_id=other.id)
    assert user_by_login(session, "boss").roles == {Role.SUPERVISOR}


def test_deactivating_a_user_logs_them_out_everywhere_at_once(app, admin, session, world):
    ken = f.user(session, Role.PICKER, login="ken")
    phone, tablet = app.test_client(), app.test_client()
    log_in(phone, "ken")
    log_in(tablet, "ken")
    assert phone.get("/").status_code == 200
    asked = post(admin, f"/admin/users/{ken.id}/deactivate")
    assert asked.status_code == 200 and 'id="confirm-deactivate"' in asked.get_data(as_text=True)
    assert phone.get("/").status_code == 200  # asking changed nothing
    assert post(admin, f"/admin/users/{ken.id}/deactivate", confirm="1").status_code == 302
    assert phone.get("/").status_code == 302 and tablet.get("/").status_code == 302
    fresh(session)
    assert session.scalar(select(func.count()).select_from(LoginSession)
                          .where(LoginSession.user_id == ken.id, LoginSession.ended_at.is_(None))) == 0
    assert log_in(phone, "ken").status_code == 401
    assert post(admin, f"/admin/users/{ken.id}/reactivate").status_code == 302
    assert log_in(phone, "ken").status_code == 302
    assert [c for c in records(session, "user", ken.id) if c[0] == "active"] == [
        ("active", "true", "false"), ("active", "false", "true")]


def test_a_new_password_made_by_an_admin_is_shown_once_and_chosen_again_at_the_next_login(app, admin, session, world):
    ken = f.user(session, Role.RECEIVER, login="ken")
    phone = app.test_client()
    log_in(phone, "ken")
    html = post(admin, f"/admin/users/{ken.id}/password", password_mode="make", must_change="1").get_data(as_text=True)
    made = SHOWN_PASSWORD.search(html).group(1)
    assert phone.get("/").status_code == 302  # logged out by the change
    assert log_in(phone, "ken", made).status_code == 302
    first = phone.get("/receiving")
    assert first.status_code == 302 and first.headers["Location"].startswith("/profile/first")
    token = csrf_token(phone, "/profile/first")
    weak = phone.post("/profile/first", data={"csrf_token": token, "new": "ken12345", "repeat": "ken12345"})
    assert weak.status_code == 422
    chosen = phone.post("/profile/first", data={"csrf_token": token, "new": "mori-no-ki-7", "repeat": "mori-no-ki-7",
                                                "next": "/receiving"})
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/receiving"
    assert phone.get("/receiving").status_code == 200
    assert user_by_login(session, "ken").check_password("mori-no-ki-7")
    assert [c for c in records(session, "user", ken.id) if c[0] == "password"] == [("password", None, None)] * 2


def test_set_password_and_pin_require_a_choice(admin, session, world):
    ken = f.user(session, Role.PICKER, login="ken", badge="ZU-KEN001", pin="4826")
    before = counts(session)
    assert post(admin, f"/admin/users/{ken.id}/password").status_code == 422
    assert post(admin, f"/admin/users/{ken.id}/pin").status_code == 422
    assert post(admin, f"/admin/users/{ken.id}/pin", pin_mode="typed", pin="0000").status_code == 422
    assert post(admin, f"/admin/users/{ken.id}/badge").status_code == 422
    assert counts(session) == before


def test_a_new_badge_code_replaces_the_old_one(app, admin, session, world):
    ken = f.user(session, Role.PICKER, login="ken", badge="ZU-KEN001", pin="4826")
    assert post(admin, f"/admin/users/{ken.id}/badge", action="new").status_code == 302
    code = user_by_login(session, "ken").badge_code
    assert code.startswith("ZU-") and code != "ZU-KEN001"
    phone = app.test_client()
    assert badge_login(phone, "ZU-KEN001", "4826").status_code == 401
    assert badge_login(phone, code, "4826").status_code == 302
    assert ("badge", "ZU-KEN001", code) in records(session, "user", ken.id)


# --- a supervisor resets a floor worker's PIN ------------------------------------------------------


@pytest.fixture
def supervisor(client, session, world):
    f.user(session, Role.SUPERVISOR, login="sato", warehouses=[world["tky"]], all_warehouses=False)
    return as_user(client, "sato")


def test_a_supervisor_resets_the_pin_of_a_picker_of_their_warehouse(app, supervisor, session, world):
    ken = f.user(session, Role.PICKER, login="ken", badge="ZU-KEN001", pin="4826", warehouses=[world["tky"]],
                 all_warehouses=False)
    f.user(session, Role.PICKER, login="osaka-picker", warehouses=[world["osk"]], all_warehouses=False)
    team = supervisor.get("/team").get_data(as_text=True)
    assert re.findall(r'data-login="([^"]+)"', team) == ["ken"]
    response = post(supervisor, f"/admin/users/{ken.id}/pin", pin_mode="make", must_change="1")
    pin = SHOWN_PIN.search(response.get_data(as_text=True)).group(1)
    phone = app.test_client()
    assert badge_login(phone, "ZU-KEN001", pin).status_code == 302
    assert phone.get("/picking").headers["Location"].startswith("/profile/first")


@pytest.mark.parametrize("who", ["admin", "other_supervisor", "other_warehouse", "self"])
def test_a_supervisor_may_not_reset_other_pins(supervisor, session, world, who):
    targets = {
        "admin": lambda: world["boss"],
        "other_supervisor": lambda: f.user(session, Role.SUPERVISOR, login="s2", pin="4826", warehouses=[world["tky"]],
                                           all_warehouses=False),
        "other_warehouse": lambda: f.user(session, Role.PICKER, login="p2", pin="4826", warehouses=[world["osk"]],
                                          all_warehouses=False),
        "self": lambda: user_by_login(session, "sato"),
    }
    target = targets[who]()
    before = counts(session)
    assert post(supervisor, f"/admin/users/{target.id}/pin", pin_mode="make").status_code == 404
    assert counts(session) == before


@pytest.mark.parametrize("role, path", [
    (Role.SUPERVISOR, "/admin/users"), (Role.SUPERVISOR, "/admin/users/new"), (Role.PICKER, "/team"),
    (Role.RECEIVER, "/team"), (Role.SUPERVISOR, "/admin/warehouses"), (Role.SUPERVISOR, "/admin/settings"),
])
def test_the_people_screens_answer_403_where_the_role_table_says(client, session, world, role, path):
    f.user(session, role, login="someone")
    as_user(client, "someone")
    assert client.get(path).status_code == 403


def test_a_supervisor_posting_to_the_admin_user_actions_is_refused(supervisor, session, world):
    ken = f.user(session, Role.PICKER, login="ken", warehouses=[world["tky"]], all_warehouses=False)
    before = counts(session)
    for action, form in (("", {"login": "x", "name": "x", "roles": ["admin"], "all_warehouses": "1"}),
                         ("/password", {"password_mode": "make"}), ("/badge", {"action": "new"}),
                         ("/deactivate", {"confirm": "1"}), ("/reactivate", {})):
        assert post(supervisor, f"/admin/users/{ken.id}{action}", **form).status_code == 403, action
    assert counts(session) == before


# --- one's own password and PIN ----------------------------------------------------------------------


def test_a_user_changes_their_own_password_with_the_old_one_and_stays_logged_in(app, client, session, world):
    f.user(session, Role.PICKER, login="ken")
    as_user(client, "ken")
    other = app.test_client()
    log_in(other, "ken")
    for form, field in (({"current": "wrong-1234", "new": "hoshi-zora-9", "repeat": "hoshi-zora-9"}, "current"),
                        ({"current": "pass-1234", "new": "short1", "repeat": "short1"}, "new"),
                        ({"current": "pass-1234", "new": "hoshi-zora-9", "repeat": "hoshi-zora-8"}, "repeat"),
                        ({"current": "pass-1234", "new": "pass-1234", "repeat": "pass-1234"}, "new")):
        response = post(client, "/profile/password", **form)
        assert response.status_code == 422 and f'id="error-{field}"' in response.get_data(as_text=True), form
    assert other.get("/").status_code == 200  # nothing changed yet
    done = post(client, "/profile/password", current="pass-1234", new="hoshi-zora-9", repeat="hoshi-zora-9")
    assert done.status_code == 302 and done.headers["Location"] == "/profile"
    assert client.get("/profile").status_code == 200  # this device goes on
    assert other.get("/").status_code == 302  # the other was logged out
    assert user_by_login(session, "ken").check_password("hoshi-zora-9")


def test_a_user_changes_their_own_pin_with_the_old_one(app, client, session, world):
    f.user(session, Role.PICKER, login="ken", badge="ZU-KEN001", pin="4826")
    as_user(client, "ken")
    assert post(client, "/profile/pin", current="1111", new="7395", repeat="7395").status_code == 422
    assert post(client, "/profile/pin", current="4826", new="2222", repeat="2222").status_code == 422
    assert user_by_login(session, "ken").check_pin("4826")
    assert post(client, "/profile/pin", current="4826", new="7395", repeat="7395").status_code == 302
    assert badge_login(app.test_client(), "ZU-KEN001", "7395").status_code == 302


def test_the_profile_links_the_password_and_pin_screens(client, session, world):
    f.user(session, Role.PICKER, login="ken")
    as_user(client, "ken")
    html = client.get("/profile").get_data(as_text=True)
    assert 'href="/profile/password"' in html and 'href="/profile/pin"' in html
    assert client.get("/profile/first").headers["Location"] == "/"  # nothing to choose


def test_a_password_or_pin_set_from_the_command_line_is_kept_in_the_history(session, world):
    from app.auth import service as auth_service

    ken = f.user(session, Role.PICKER, login="ken")
    auth_service.change_password(session, ken.id, "new-pass-5678")
    auth_service.change_pin(session, ken.id, "7395")
    assert records(session, "user", ken.id)[-2:] == [("password", None, None), ("pin", None, None)]
