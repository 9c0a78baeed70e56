"""Command-line tools of the API: `flask --app app tokens …`, `webhooks …`, `channels …`."""
from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from app.api import channel_csv, publishing, tokens, webhooks
from app.api.models import ApiToken, Scope
from app.extensions import db
from app.stock.models import Warehouse


@click.group("tokens", help="API tokens of the integrations (sales channels, ERP).")
def tokens_cli():
    pass


@tokens_cli.command("create", help="Make a token; it is printed once and cannot be shown again.")
@click.option("--integration", required=True, help="Name of the system that will use it, e.g. rakuten-rms.")
@click.option("--scope", "scopes", multiple=True, required=True,
              help=f"Repeat or separate by commas: {', '.join(s.value for s in Scope)}.")
@click.option("--warehouse", "warehouses", multiple=True, required=True, help="Warehouse code; repeat for several.")
@click.option("--channel", default=None, help="The sales channel the integration sells on (its orders only).")
def tokens_create(integration, scopes, warehouses, channel):
    try:
        made = tokens.create_token(db.session, integration, scopes, warehouses, channel=channel)
    except tokens.TokenRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"token {made.prefix} for {made.integration} ({' '.join(made.scopes)}; {', '.join(made.warehouses)})")
    click.echo("Keep it now, it is not shown again:")
    click.echo(made.secret)


@tokens_cli.command("list", help="Every token: prefix, integration, scopes, warehouses, last use.")
def tokens_list():
    for token in tokens.list_tokens(db.session):
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        click.echo(f"{token.prefix}  {token.integration.name}  {token.scopes}  "
                   f"{','.join(w.code for w in token.warehouses)}  last used {used}  {state}")


@tokens_cli.command("revoke", help="Revoke a token by its prefix (the part after tana_).")
@click.argument("prefix")
def tokens_revoke(prefix):
    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.prefix == prefix.removeprefix("tana_")[:12]))
    if token_id is None:
        raise click.ClickException(f"no token {prefix}")
    changed = tokens.revoke_token(db.session, token_id)
    click.echo(f"token {prefix} revoked" if changed else f"token {prefix} was revoked already")


@click.group("webhooks", help="Webhooks: availability changes pushed to the integrations.")
def webhooks_cli():
    pass


@webhooks_cli.command("deliver", help="Deliver webhooks until stopped (beside gunicorn; `make run` starts it).")
@click.option("--poll", default=0.2, show_default=True, help="Seconds between looks for new changes.")
@click.option("--threads", default=8, show_default=True, help="Endpoints served at once.")
@click.option("--once", is_flag=True, help="One round, then stop (for tests and cron).")
@click.option("--no-dates", is_flag=True, help="Do not run the daily refresh-dates.")
def webhooks_deliver(poll, threads, once, no_dates):
    from app.api.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    worker = Worker(current_app._get_current_object(), poll=poll, threads=threads, dates=not no_dates)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop.set())
    signal.signal(signal.SIGINT, lambda *_: worker.stop.set())
    click.echo(f"webhooks: delivering (every {poll}s, {threads} endpoints at once)", err=True)
    worker.run(rounds=1 if once else None)


@webhooks_cli.command("register", help="Register an endpoint URL for an integration; prints its signing secret once.")
@click.option("--integration", required=True)
@click.option("--url", required=True)
@click.option("--warehouse", "warehouses", multiple=True, required=True)
def webhooks_register(integration, url, warehouses):
    try:
        made = webhooks.register(db.session, integration, url, warehouses)
    except webhooks.EndpointRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"webhook {made.id} for {made.integration}: {made.url} ({', '.join(made.warehouses)})")
    click.echo("Signing secret (keep it now, it is not shown again):")
    click.echo(made.secret)


@webhooks_cli.command("list", help="Endpoints with their deliveries pending, failed and delivered.")
def webhooks_list():
    for row in webhooks.endpoints(db.session):
        e = row.endpoint
        click.echo(f"{e.id}  {e.integration.name}  {e.url}  {'active' if e.active else 'paused'}  "
                   f"pending {row.pending}  failed {row.failed}  delivered {row.delivered}  behind {row.behind}")


@click.group("channels", help="What each sales channel is shown of the stock.")
def channels_cli():
    pass


@channels_cli.command("csv", help="Availability as SKU,quantity for one channel (for channels that take files).")
@click.option("--channel", required=True, help="Channel code: rakuten, amazon, yahoo, own, …")
@click.option("--warehouse", "warehouse_code", required=True)
@click.option("--encoding", type=click.Choice(sorted(channel_csv.ENCODINGS)), default="utf-8", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
def channels_csv(channel, warehouse_code, encoding, output):
    warehouse_id = db.session.scalar(select(Warehouse.id).where(Warehouse.code == warehouse_code.upper()))
    if warehouse_id is None:
        raise click.ClickException(f"no warehouse {warehouse_code}")
    try:
        data = channel_csv.channel_csv(db.session, warehouse_id, channel, encoding)
    except channel_csv.UnknownChannel:
        raise click.ClickException(f"no active channel {channel}") from None
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        lines = data.count(b"\n") - 1
        click.echo(f"{output}: {lines} products", err=True)


@channels_cli.command("rule", help="Set a channel's buffer (units and/or percent held back) and priority.")
@click.option("--channel", required=True)
@click.option("--buffer-units", type=int, default=0, show_default=True)
@click.option("--buffer-percent", type=int, default=0, show_default=True)
@click.option("--priority", type=int, default=0, show_default=True, help="Higher is served first.")
def channels_rule(channel, buffer_units, buffer_percent, priority):
    try:
        rule = publishing.set_rule(db.session, channel, buffer_units=buffer_units, buffer_percent=buffer_percent,
                                   priority=priority, user_id=None)
    except publishing.RuleRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"{rule.channel}: hold back {rule.buffer_units} units or {rule.buffer_percent}%, priority {rule.priority}")


@channels_cli.command("rules", help="Every channel's buffer and priority.")
def channels_rules():
    for rule in publishing.rules(db.session):
        click.echo(f"{rule.channel}  units {rule.buffer_units}  percent {rule.buffer_percent}  priority {rule.priority}")


COMMANDS = (tokens_cli, webhooks_cli, channels_cli)
