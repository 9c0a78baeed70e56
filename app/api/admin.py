"""Screens of the API: tokens and webhooks (admins), and the per-channel figures side by side (office).

/admin/api-tokens: make a token (its secret shown once, on the answer to the POST, never again),
revoke one. /admin/webhooks: register an endpoint (its signing secret shown once), pause, resume,
send given-up deliveries again, and each endpoint's delivery history. /channels: every product's
available figure and what each channel is shown of it, the channels' buffers and priorities (set
by an admin), and the SKU,quantity file of one channel.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.api import channel_csv, publishing, stock, tokens, webhooks
from app.api.models import Scope
from app.auth.roles import Screen, may_use, screen_required
from app.extensions import db
from app.orders.service import channels as active_channels
from app.shell.context import accessible_warehouses, current_warehouse
from app.stock.models import Warehouse
from app.timeutil import WAREHOUSE_TZ

bp = Blueprint("api_admin", __name__)


@bp.app_template_filter("api_when")
def api_when(value) -> str:
    """A moment as the warehouse's clock shows it."""
    return value.astimezone(WAREHOUSE_TZ).strftime("%Y-%m-%d %H:%M:%S") if value else ""

SCOPE_LABELS = {
    Scope.STOCK_READ.value: "stock:read", Scope.ORDERS_WRITE.value: "orders:write",
    Scope.RECEIPTS_WRITE.value: "receipts:write", Scope.PRODUCTS_WRITE.value: "products:write",
}
PAGE = 50


def _all_warehouses() -> list[Warehouse]:
    return list(db.session.scalars(db.select(Warehouse).order_by(Warehouse.code)))


# --- tokens ------------------------------------------------------------------------------------


@bp.get("/admin/api-tokens")
@screen_required(Screen.API_TOKENS)
def token_list():
    return _tokens_page()


@bp.post("/admin/api-tokens")
@screen_required(Screen.API_TOKENS)
def token_create():
    values = {"integration": request.form.get("integration", "").strip()[:60],
              "channel": request.form.get("channel", "").strip(),
              "scopes": request.form.getlist("scope"), "warehouses": request.form.getlist("warehouse")}
    try:
        made = tokens.create_token(db.session, values["integration"], values["scopes"], values["warehouses"],
                                   channel=values["channel"] or None, user_id=current_user.id)
    except tokens.TokenRefused as refused:
        return _tokens_page(values, {refused.field: _token_problem(refused.field)}), 422
    return render_template("api/secret.html", kind="token", made=made, title=_("Token made"),
                           back=url_for("api_admin.token_list"))


def _token_problem(field: str) -> str:
    return {
        "integration": _("Name the integration: 1–60 letters, digits, '.', '_' or '-'."),
        "scopes": _("Tick at least one permission."),
        "warehouses": _("Tick at least one warehouse."),
        "channel": _("Choose a channel this integration does not already sell on under another."),
    }.get(field, _("Check this field."))


@bp.post("/admin/api-tokens/<int:token_id>/revoke")
@screen_required(Screen.API_TOKENS)
def token_revoke(token_id: int):
    try:
        changed = tokens.revoke_token(db.session, token_id, user_id=current_user.id)
    except LookupError:
        abort(404)
    flash(_("The token was revoked: calls with it are refused from now on.") if changed
          else _("That token was revoked already."), "ok" if changed else "note")
    return redirect(url_for("api_admin.token_list"))


def _tokens_page(values: dict | None = None, errors: dict | None = None):
    return render_template("api/tokens.html", tokens=tokens.list_tokens(db.session), values=values or {},
                           errors=errors or {}, scopes=[s.value for s in Scope], warehouses=_all_warehouses(),
                           channels=active_channels(db.session))


# --- webhooks ----------------------------------------------------------------------------------


@bp.get("/admin/webhooks")
@screen_required(Screen.WEBHOOKS)
def webhook_list():
    return _webhooks_page()


@bp.post("/admin/webhooks")
@screen_required(Screen.WEBHOOKS)
def webhook_create():
    values = {"integration": request.form.get("integration", "").strip()[:60],
              "url": request.form.get("url", "").strip()[:600], "warehouses": request.form.getlist("warehouse")}
    try:
        made = webhooks.register(db.session, values["integration"], values["url"], values["warehouses"],
                                 user_id=current_user.id)
    except webhooks.EndpointRefused as refused:
        return _webhooks_page(values, {refused.field: _webhook_problem(refused.field)}), 422
    return render_template("api/secret.html", kind="webhook", made=made, title=_("Webhook registered"),
                           back=url_for("api_admin.webhook_detail", endpoint_id=made.id))


def _webhook_problem(field: str) -> str:
    return {
        "url": _("An http:// or https:// address of at most 500 characters, without spaces."),
        "integration": _("Name the integration: 1–60 letters, digits, '.', '_' or '-'."),
        "warehouses": _("Tick at least one warehouse."),
    }.get(field, _("Check this field."))


@bp.get("/admin/webhooks/<int:endpoint_id>")
@screen_required(Screen.WEBHOOKS)
def webhook_detail(endpoint_id: int):
    row = webhooks.endpoint(db.session, endpoint_id)
    if row is None:
        abort(404)
    return render_template("api/webhook.html", row=row, history=webhooks.history(db.session, endpoint_id))


@bp.post("/admin/webhooks/<int:endpoint_id>/pause")
@screen_required(Screen.WEBHOOKS)
def webhook_pause(endpoint_id: int):
    return _set_active(endpoint_id, False, _("Paused: changes wait for it and are sent when it is resumed."))


@bp.post("/admin/webhooks/<int:endpoint_id>/resume")
@screen_required(Screen.WEBHOOKS)
def webhook_resume(endpoint_id: int):
    return _set_active(endpoint_id, True, _("Resumed: what waited is being sent."))


@bp.post("/admin/webhooks/<int:endpoint_id>/retry")
@screen_required(Screen.WEBHOOKS)
def webhook_retry(endpoint_id: int):
    try:
        sent = webhooks.retry_failed(db.session, endpoint_id)
    except LookupError:
        abort(404)
    flash(_("%(n)s given-up deliveries will be sent again now.", n=sent), "ok")
    return redirect(url_for("api_admin.webhook_detail", endpoint_id=endpoint_id))


def _set_active(endpoint_id: int, active: bool, message: str):
    try:
        webhooks.set_active(db.session, endpoint_id, active)
    except LookupError:
        abort(404)
    flash(message, "ok")
    return redirect(url_for("api_admin.webhook_detail", endpoint_id=endpoint_id))


def _webhooks_page(values: dict | None = None, errors: dict | None = None):
    return render_template("api/webhooks.html", rows=webhooks.endpoints(db.session), values=values or {},
                           errors=errors or {}, warehouses=_all_warehouses())


# --- what each channel is shown ----------------------------------------------------------------


@bp.get("/channels")
@screen_required(Screen.REPORTS)
def channel_figures():
    warehouse = current_warehouse()
    if warehouse is None:
        return render_template("masterdata/no_warehouse.html")
    query = request.args.get("q", "").strip()[:40]
    after = request.args.get("after", "").strip()[:40]
    channel_rules = publishing.rules(db.session)
    if query:
        found = stock.by_skus(db.session, [query]).products or stock.by_jans(db.session, [query]).products
        products, more = found, False
    else:
        products = stock.page_of_products(db.session, after, PAGE + 1)
        products, more = products[:PAGE], len(products) > PAGE
    figures = stock.figures(db.session, warehouse.id, products, channel_rules=channel_rules)
    return render_template("api/channels.html", figures=figures, rules=channel_rules, query=query, after=after,
                           next_after=products[-1].sku if more and products else None,
                           may_set=may_use(current_user, Screen.SETTINGS), encodings=sorted(channel_csv.ENCODINGS),
                           errors={}, warehouse=warehouse)


@bp.post("/channels/rules")
@screen_required(Screen.SETTINGS)
def channel_rule():
    code = request.form.get("channel", "")
    if code not in publishing.channel_codes(publishing.rules(db.session)):
        abort(404)
    numbers = {}
    for field in ("buffer_units", "buffer_percent", "priority"):
        text = request.form.get(field, "0").strip() or "0"
        try:
            numbers[field] = int(text)
        except ValueError:
            numbers[field] = -10**9  # refused below, with the field named
    try:
        rule = publishing.set_rule(db.session, code, user_id=current_user.id, **numbers)
    except publishing.RuleRefused as refused:
        flash(_("Not saved: give whole numbers, units 0–1000000, percent 0–100, priority −1000–1000 (%(field)s).",
                field=refused.field), "error")
        return redirect(url_for("api_admin.channel_figures"))
    flash(_("%(channel)s: %(units)s units or %(percent)s%% held back, priority %(priority)s.", channel=rule.name,
            units=rule.buffer_units, percent=rule.buffer_percent, priority=rule.priority), "ok")
    return redirect(url_for("api_admin.channel_figures"))


@bp.get("/channels/<channel>.csv")
@screen_required(Screen.REPORTS)
def channel_file(channel: str):
    warehouse = current_warehouse()
    if warehouse is None or warehouse.id not in {w.id for w in accessible_warehouses()}:
        abort(404)
    encoding = request.args.get("encoding", "utf-8")
    if encoding not in channel_csv.ENCODINGS:
        abort(404)
    try:
        data = channel_csv.channel_csv(db.session, warehouse.id, channel, encoding)
    except channel_csv.UnknownChannel:
        abort(404)
    charset = "shift_jis" if encoding == "shift_jis" else "utf-8"
    name = f"stock-{channel}-{warehouse.code}-{encoding}.csv"
    return Response(data, content_type=f"text/csv; charset={charset}",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


__all__ = ["bp"]
