"""Command-line tools: `flask --app app <group> <command>`."""
from __future__ import annotations

import secrets
import string
import sys

import click
from flask import Flask
from sqlalchemy import select

from app.auth import service as auth_service
from app.auth.models import Role, User, UserRole
from app.database import write_transaction
from app.extensions import db
from app.stock.models import Warehouse
from app.stock.verify import verify
from app.stock.warehouses import WarehouseExists, create_warehouse

BADGE_ALPHABET = string.ascii_uppercase + string.digits


def new_badge_code() -> str:
    """A random badge code (ZU- + 6 characters); never derived from a database id."""
    return "ZU-" + "".join(secrets.choice(BADGE_ALPHABET) for _ in range(6))


def init_app(app: Flask) -> None:
    app.cli.add_command(stock_cli)
    app.cli.add_command(warehouses_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(orders_cli)
    app.cli.add_command(counts_cli)
    from app.api.cli import COMMANDS as api_commands

    for command in api_commands:
        app.cli.add_command(command)


@click.group("stock", help="The stock ledger.")
def stock_cli():
    pass


@stock_cli.command("verify", help="Check the ledger invariant over the whole database.")
def stock_verify():
    problems = verify(db.session)
    if not problems:
        click.echo("stock verify: ledger OK (quants = Σ moves, nothing negative, reservations match)")
        return
    for problem in problems:
        click.echo(f"BROKEN {problem}", err=True)
    click.echo(f"stock verify: {len(problems)} problem(s)", err=True)
    sys.exit(1)


@stock_cli.command("refresh-dates", help="Write the availability changed because a date passed (a lot reaching its "
                   "minimum shelf life or expiry) as stock events; daily, after midnight.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="The date to refresh for.")
def stock_refresh_dates(today):
    from app.stock.date_events import refresh_dates

    written = refresh_dates(db.session, today.date() if today else None)
    click.echo(f"stock refresh-dates: {written} availability change(s) written")


@click.group("warehouses", help="Warehouses.")
def warehouses_cli():
    pass


@warehouses_cli.command("create", help="Create a warehouse with its dock, quarantine and virtual locations.")
@click.argument("code")
@click.argument("name")
def warehouses_create(code: str, name: str):
    try:
        with write_transaction():
            warehouse = create_warehouse(db.session, code, name)
    except WarehouseExists:
        raise click.ClickException(f"warehouse {code.upper()} already exists") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created warehouse {warehouse.code} ({warehouse.name})")


@click.group("users", help="People who log in.")
def users_cli():
    pass


@users_cli.command("create", help="Create a user. --role and --warehouse may be repeated.")
@click.option("--login", required=True)
@click.option("--name", default=None, help="Display name (default: the login).")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password", default=None)
@click.option("--warehouse", "warehouses", multiple=True, help="Warehouse code; without it: every warehouse.")
@click.option("--badge", default=None, help="Badge code (ZU-…); 'new' makes a random one.")
@click.option("--pin", default=None, help="PIN for badge login (4–8 digits).")
def users_create(login, name, roles, password, warehouses, badge, pin):
    if not password and not (badge and pin):
        raise click.ClickException("give --password, or --badge and --pin")
    if pin and not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise click.ClickException("--pin must be 4–8 digits")
    if badge == "new":
        badge = new_badge_code()
    with write_transaction():
        if db.session.scalar(select(User.id).where(User.login == login)):
            raise click.ClickException(f"user {login} already exists")
        found = _warehouses_by_code(warehouses)
        user = User(login=login, name=name or login, all_warehouses=not warehouses, badge_code=badge.upper() if badge else None)
        if password:
            user.set_password(password)
        if pin:
            user.set_pin(pin)
        user.role_rows = [UserRole(role=Role(r)) for r in dict.fromkeys(roles)]
        user.warehouses = found
        db.session.add(user)
    scope = ", ".join(w.code for w in found) if warehouses else "every warehouse"
    click.echo(f"created user {login} ({', '.join(roles)}; {scope}){f'; badge {badge}' if badge else ''}")


@users_cli.command("password", help="Set a user's password; every device logged in as them is logged out.")
@click.option("--login", required=True)
@click.password_option()
def users_password(login, password):
    auth_service.change_password(db.session, _user_id(login), password)
    click.echo(f"new password for {login}; their sessions are ended")


@users_cli.command("pin", help="Set a user's badge PIN (4–8 digits); every device logged in as them is logged out.")
@click.option("--login", required=True)
@click.option("--pin", required=True, prompt=True, hide_input=True)
def users_pin(login, pin):
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise click.ClickException("--pin must be 4–8 digits")
    auth_service.change_pin(db.session, _user_id(login), pin)
    click.echo(f"new PIN for {login}; their sessions are ended")


def _user_id(login: str) -> int:
    user_id = db.session.scalar(select(User.id).where(User.login == login))
    if user_id is None:
        raise click.ClickException(f"no user {login}")
    return user_id


def _warehouses_by_code(codes) -> list[Warehouse]:
    found = []
    for code in codes:
        warehouse = db.session.scalar(select(Warehouse).where(Warehouse.code == code.upper()))
        if warehouse is None:
            raise click.ClickException(f"no warehouse {code}")
        found.append(warehouse)
    return found


@click.group("demo", help="Demo data.")
def demo_cli():
    pass


@demo_cli.command("load", help="Load the demo warehouse into an empty database.")
def demo_load():
    from app import demo

    if not demo.database_is_empty(db.session):
        click.echo("demo load: the database already has data; nothing changed.")
        return
    summary = demo.load_demo(db.session)
    click.echo("\n".join(summary.lines()))


@demo_cli.command("users", help="Print the demo logins, passwords, badges and PINs again, checked with the database.")
def demo_users():
    from app.demo import demo_logins, login_lines

    click.echo("\n".join(login_lines(demo_logins(db.session))))


@click.group("orders", help="Outbound orders (受注).")
def orders_cli():
    pass


@orders_cli.command("allocate", help="Allocate (引当) every open order that lacks stock; print what was reserved and what "
                    "stays backordered.")
@click.option("--warehouse", "warehouse_code", default=None, help="Warehouse code; without it: every warehouse.")
def orders_allocate(warehouse_code):
    from app.orders.reports import allocation_reports, cli_lines
    from app.orders.service import allocate_backorders

    warehouse_id = _warehouses_by_code([warehouse_code])[0].id if warehouse_code else None
    results = allocate_backorders(db.session, warehouse_id, user_id=None)
    click.echo("\n".join(cli_lines(allocation_reports(db.session, results))))


@click.group("counts", help="Cycle counts (棚卸し).")
def counts_cli():
    pass


@counts_cli.command("schedule", help="Make a count task for every shelf whose ABC class's interval has passed since its "
                    "last count (COUNT_INTERVAL_DAYS), most overdue first.")
@click.option("--warehouse", "warehouse_code", default=None, help="Warehouse code; without it: every warehouse.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many tasks per warehouse.")
def counts_schedule(warehouse_code, limit):
    from app.supervisor.schedule import run_schedule
    from app.supervisor.settings import count_intervals

    codes = [warehouse_code] if warehouse_code else None
    warehouses = _warehouses_by_code(codes) if codes else db.session.scalars(select(Warehouse).order_by(Warehouse.code)).all()
    intervals = count_intervals()
    for warehouse in list(warehouses):
        result = run_schedule(db.session, warehouse.id, intervals, user_id=None, limit=limit)
        click.echo(f"{warehouse.code}: {result.due} shelves due, {result.made} count tasks made "
                   f"(A {result.by_class['A']}, B {result.by_class['B']}, C {result.by_class['C']}), "
                   f"{result.already_open} already open")
