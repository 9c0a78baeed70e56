"""Warehouses and their floor settings (admin): /admin/warehouses and /admin/settings."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.roles import Screen, screen_required
from app.extensions import db
from app.history.reading import history_of
from app.labels.service import SHEET_FORMATS
from app.masterdata import warehouse_edit
from app.masterdata.cells import normalized
from app.masterdata.errors import FormRefused, NotFound
from app.masterdata.warehouse_edit import WarehouseDraft
from app.stock.models import DEFAULT_LOCATION_PATTERN, LotMixing
from app.stock.warehouses import STANDARD_LOCATIONS

bp = Blueprint("warehouses", __name__, url_prefix="/admin")
FIELDS = ("code", "name", "address", "location_pattern")


@bp.get("/warehouses")
@screen_required(Screen.WAREHOUSES)
def warehouse_list():
    return render_template("masterdata/warehouses.html", lines=warehouse_edit.warehouse_lines(db.session))


@bp.get("/warehouses/new")
@screen_required(Screen.WAREHOUSES)
def warehouse_new():
    return _new_page({"location_pattern": DEFAULT_LOCATION_PATTERN})


@bp.post("/warehouses/new")
@screen_required(Screen.WAREHOUSES)
def warehouse_create():
    try:
        warehouse = warehouse_edit.new_warehouse(db.session, _draft())
    except FormRefused as refused:
        return _new_page(_sent(), refused.errors), 422
    flash(_("Warehouse %(code)s created with its standard places. Give people access to it under Users.",
            code=warehouse.code), "ok")
    return redirect(url_for("warehouses.warehouse_page", warehouse_id=warehouse.id))


@bp.get("/warehouses/<int:warehouse_id>")
@screen_required(Screen.WAREHOUSES)
def warehouse_page(warehouse_id: int):
    warehouse = _warehouse(warehouse_id)
    return _page(warehouse, {name: getattr(warehouse, name) or "" for name in FIELDS})


@bp.post("/warehouses/<int:warehouse_id>")
@screen_required(Screen.WAREHOUSES)
def warehouse_save(warehouse_id: int):
    warehouse = _warehouse(warehouse_id)
    try:
        warehouse_edit.update_warehouse(db.session, warehouse_id, _draft(code=warehouse.code))
    except FormRefused as refused:
        db.session.expire_all()
        return _page(_warehouse(warehouse_id), {**_sent(), "code": warehouse.code}, refused.errors), 422
    flash(_("Warehouse %(code)s saved.", code=warehouse.code), "ok")
    return redirect(url_for("warehouses.warehouse_page", warehouse_id=warehouse_id))


@bp.get("/settings")
@screen_required(Screen.SETTINGS)
def settings():
    return _settings_page()


@bp.post("/settings/<int:warehouse_id>")
@screen_required(Screen.SETTINGS)
def settings_save(warehouse_id: int):
    warehouse = _warehouse(warehouse_id)
    try:
        chosen = warehouse_edit.read_settings(request.form.to_dict())
        warehouse_edit.save_settings(db.session, warehouse_id, chosen)
    except FormRefused as refused:
        return _settings_page(failed=warehouse_id, sent=request.form.to_dict(), errors=refused.errors), 422
    flash(_("Settings of %(code)s saved: the floor uses them from the next scan.", code=warehouse.code), "ok")
    return redirect(url_for("warehouses.settings") + f"#settings-{warehouse.code}")


def _warehouse(warehouse_id: int):
    try:
        return warehouse_edit.get_warehouse(db.session, warehouse_id)
    except NotFound:
        abort(404)


def _draft(code: str | None = None) -> WarehouseDraft:
    form = request.form
    address = "\n".join(line.strip() for line in form.get("address", "")[:1000].strip().splitlines() if line.strip())
    return WarehouseDraft(code=code if code is not None else normalized(form.get("code", ""))[:40],
                          name=normalized(form.get("name", ""))[:200], address=address,
                          location_pattern=form.get("location_pattern", "").strip()[:400])


def _sent() -> dict:
    return {name: request.form.get(name, "") for name in FIELDS}


def _new_page(values: dict, errors: dict | None = None):
    return render_template("masterdata/warehouse_new.html", values=values, errors=errors or {},
                           standard=STANDARD_LOCATIONS)


def _page(warehouse, values: dict, errors: dict | None = None):
    return render_template("masterdata/warehouse.html", warehouse=warehouse, values=values, errors=errors or {},
                           places=warehouse_edit.standard_places(db.session, warehouse.id),
                           settings=warehouse_edit.settings_for(db.session, warehouse.id),
                           history=history_of(db.session, "warehouse", warehouse.id))


def _settings_page(failed: int | None = None, sent: dict | None = None, errors: dict | None = None):
    lines = [(line.warehouse, warehouse_edit.settings_for(db.session, line.warehouse.id))
             for line in warehouse_edit.warehouse_lines(db.session)]
    return render_template("masterdata/settings.html", lines=lines, failed=failed, sent=sent or {},
                           errors=errors or {}, sheets=list(SHEET_FORMATS.values()), mixings=list(LotMixing))
