"""The operator's commands, on SQLite and PostgreSQL."""
from __future__ import annotations

import itertools

from sqlalchemy import select, update

from app.auth.models import Role, User
from app.database import write_transaction
from app.demo import plan_demo
from app.stock.models import Location, Quant, Warehouse
from tests import factories as f


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def test_an_operator_sets_up_a_warehouse_and_an_admin_without_the_demo(app, session):
    created = run(app, "warehouses", "create", "tky", "東京DC")
    assert created.exit_code == 0, created.output
    user = run(app, "users", "create", "--login", "ops", "--role", "admin", "--role", "supervisor", "--password", "s3cret-pass")
    assert user.exit_code == 0, user.output
    session.rollback()
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == "TKY"))
    codes = set(session.scalars(select(Location.code).where(Location.warehouse_id == warehouse.id)))
    assert {"SUPPLIER", "CUSTOMER", "ADJUSTMENT", "SCRAP", "DOCK", "QUARANTINE"} <= codes
    ops = session.scalar(select(User).where(User.login == "ops"))
    assert ops.roles == {Role.ADMIN, Role.SUPERVISOR} and ops.all_warehouses and ops.check_password("s3cret-pass")


def test_a_user_can_be_limited_to_named_warehouses_and_log_in_by_badge(app, session):
    run(app, "warehouses", "create", "TKY", "東京")
    run(app, "warehouses", "create", "OSK", "大阪")
    result = run(app, "users", "create", "--login", "p1", "--role", "picker", "--warehouse", "OSK",
                 "--badge", "ZU-ABC123", "--pin", "1234")
    assert result.exit_code == 0, result.output
    session.rollback()
    p1 = session.scalar(select(User).where(User.login == "p1"))
    assert [w.code for w in p1.warehouses] == ["OSK"] and not p1.all_warehouses
    assert p1.badge_code == "ZU-ABC123" and p1.check_pin("1234")


def test_bad_operator_input_is_refused_with_a_message(app, session):
    run(app, "warehouses", "create", "TKY", "東京")
    assert "already exists" in run(app, "warehouses", "create", "TKY", "again").output
    assert "no warehouse NOPE" in run(app, "users", "create", "--login", "x", "--role", "picker",
                                      "--password", "pw-pw-pw", "--warehouse", "NOPE").output
    assert run(app, "users", "create", "--login", "y", "--role", "boss", "--password", "pw").exit_code != 0


def test_stock_verify_exits_non_zero_naming_what_is_broken(app, session):
    wh = f.warehouse(session)
    shelf = f.location(session, wh, code="A-01-01-1")
    prod = f.product(session, sku="SKU-BROKEN")
    f.receive(session, prod, shelf, 4)
    assert run(app, "stock", "verify").exit_code == 0
    with write_transaction(session):
        session.execute(update(Quant).values(on_hand=9))
    broken = run(app, "stock", "verify")
    assert broken.exit_code == 1
    assert "SKU-BROKEN @ A-01-01-1" in broken.output


def test_demo_load_refuses_a_database_that_has_data(app, session):
    f.warehouse(session, code="MINE")
    result = run(app, "demo", "load")
    assert result.exit_code == 0
    assert "already has data" in result.output
    session.rollback()
    assert session.scalars(select(Warehouse.code)).all() == ["MINE"]


def users_table(output: str) -> list[str]:
    lines = output.splitlines()
    start = lines.index("Users (login / password / badge / PIN / roles / warehouses):")
    return list(itertools.takewhile(lambda line: line.startswith("  "), lines[start + 1:]))


def test_demo_users_prints_the_demo_logins_again_as_demo_load_did(app, session):
    loaded = run(app, "demo", "load")
    assert loaded.exit_code == 0, loaded.output

    again = run(app, "demo", "users")

    assert again.exit_code == 0, again.output
    assert users_table(again.output) == users_table(loaded.output)
    assert any(line.split()[:2] == ["admin", "admin-pass"] for line in users_table(again.output))
    assert "(changed)" not in again.output


def test_demo_users_marks_secrets_changed_since_and_users_gone_instead_of_printing_them(app, session):
    run(app, "demo", "load")
    planned = {u.login: u for u in plan_demo().users}
    with write_transaction(session):
        picker = session.scalar(select(User).where(User.login == "picker1"))
        picker.set_password("a-new-password")
        receiver = session.scalar(select(User).where(User.login == "receiver1"))
        receiver.set_pin("9999" if planned["receiver1"].pin != "9999" else "1111")
        session.execute(update(User).where(User.login == "picker2").values(login="picker2-left"))
        session.execute(update(User).where(User.login == "supervisor1").values(active=False))

    rows = {line.split()[0]: line for line in users_table(run(app, "demo", "users").output)}

    assert planned["picker1"].password not in rows["picker1"]
    assert "(changed)" in rows["picker1"] and "password changed" in rows["picker1"]
    assert planned["picker1"].pin in rows["picker1"] and planned["picker1"].badge_code in rows["picker1"]
    assert f"  {planned['receiver1'].pin}  " not in rows["receiver1"] and "PIN changed" in rows["receiver1"]
    assert planned["receiver1"].password in rows["receiver1"]
    assert "not in this database" in rows["picker2"] and planned["picker2"].password not in rows["picker2"]
    assert rows["supervisor1"].endswith("<- deactivated")
    assert rows["admin"].split()[:2] == ["admin", "admin-pass"] and "<-" not in rows["admin"]


def test_demo_users_on_a_database_without_the_demo_prints_no_secret(app, session):
    f.user(session, Role.ADMIN, login="admin", password="the-real-one")

    rows = users_table(run(app, "demo", "users").output)

    assert len(rows) == len(plan_demo().users)
    assert not any(u.password in line for u in plan_demo().users for line in rows)
    assert all("not in this database" in line for line in rows if not line.split()[0] == "admin")
