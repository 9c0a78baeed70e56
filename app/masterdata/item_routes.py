"""One product, one shelf at a time (supervisor, admin): /admin/products/new, /admin/products/<id>,
/admin/locations/<id>. Each view reads the form, calls one service, renders or redirects; every
page shows the thing's history, newest first."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.roles import Screen, screen_required
from app.extensions import db
from app.history.reading import history_of
from app.masterdata import product_edit, shelf_edit
from app.masterdata.errors import FormRefused, LocationHoldsStock, LocationNotFound, LocationRequired, NotFound
from app.masterdata.product_form import DraftRefused, read_product_form
from app.masterdata.shelf_edit import AskFirst
from app.shell.context import current_warehouse
from app.stock.models import Tracking

bp = Blueprint("items", __name__, url_prefix="/admin")
EMPTY_BARCODE_ROWS = 2
EMPTY_COMPONENT_ROWS = 2


# --- products -------------------------------------------------------------------------------------


@bp.get("/products/new")
@screen_required(Screen.PRODUCTS)
def product_new():
    return _product_page(None, {"tracking": Tracking.NONE.value, "barcodes": [], "components": []})


@bp.post("/products/new")
@screen_required(Screen.PRODUCTS)
def product_create():
    try:
        product = product_edit.create_product(db.session, read_product_form(request.form))
    except (DraftRefused, FormRefused) as refused:
        return _product_page(None, _sent(request.form), refused.errors), 422
    flash(_("%(sku)s created.", sku=product.sku), "ok")
    return redirect(url_for("items.product_page", product_id=product.id))


@bp.get("/products/<int:product_id>")
@screen_required(Screen.PRODUCTS)
def product_page(product_id: int):
    product = _product(product_id)
    return _product_page(product, _stored(product))


@bp.post("/products/<int:product_id>")
@screen_required(Screen.PRODUCTS)
def product_save(product_id: int):
    _product(product_id)
    try:
        product_edit.update_product(db.session, product_id, read_product_form(request.form))
    except (DraftRefused, FormRefused) as refused:
        db.session.expire_all()
        product = _product(product_id)
        values = _stored(product) if "seen" in refused.errors else _sent(request.form, product)
        return _product_page(product, values, refused.errors), 409 if "seen" in refused.errors else 422
    flash(_("Saved."), "ok")
    return redirect(url_for("items.product_page", product_id=product_id))


@bp.post("/products/<int:product_id>/deactivate")
@screen_required(Screen.PRODUCTS)
def product_deactivate(product_id: int):
    product = _product(product_id)
    if request.form.get("confirm") != "1":
        return _product_page(product, _stored(product), asking=True)
    try:
        product_edit.deactivate_product(db.session, product_id)
    except FormRefused as refused:
        db.session.expire_all()
        product = _product(product_id)
        return _product_page(product, _stored(product), refused.errors), 422
    flash(_("%(sku)s is deactivated.", sku=product.sku), "ok")
    return redirect(url_for("items.product_page", product_id=product_id))


@bp.post("/products/<int:product_id>/reactivate")
@screen_required(Screen.PRODUCTS)
def product_reactivate(product_id: int):
    product = _product(product_id)
    product_edit.reactivate_product(db.session, product_id)
    flash(_("%(sku)s is active again.", sku=product.sku), "ok")
    return redirect(url_for("items.product_page", product_id=product_id))


def _product(product_id: int):
    try:
        return product_edit.get_product(db.session, product_id)
    except NotFound:
        abort(404)


def _stored(product) -> dict:
    """The form's values from the product as stored."""
    values = {name: _text(getattr(product, name)) for name in product_edit.SETTABLE}
    values["mixed_lots"] = {True: "true", False: "false"}.get(product.mixed_lots, "")
    values["is_kit"] = "1" if product.is_kit else ""
    values["sku"] = product.sku
    values["seen"] = product_edit.seen_mark(product)
    values["barcodes"] = [(b.code, "" if b.pack_qty == 1 else str(b.pack_qty)) for b in product.barcodes]
    values["components"] = [(c.component.sku, str(c.quantity)) for c in product.components]
    return values


def _sent(form, product=None) -> dict:
    """The form as sent, to show it again with its problems."""
    values = {name: form.get(name, "") for name in (*product_edit.SETTABLE, "sku", "seen")}
    if product is not None:
        values["sku"], values["seen"] = product.sku, form.get("seen", "")
    values["barcodes"] = list(zip(form.getlist("barcode"), form.getlist("pack")))
    values["components"] = list(zip(form.getlist("component"), form.getlist("component_qty")))
    return values


def _text(value) -> str:
    if value is None:
        return ""
    return str(value.value) if hasattr(value, "value") else str(value)


def _product_page(product, values: dict, errors: dict | None = None, asking: bool = False):
    history = history_of(db.session, "product", product.id) if product is not None else None
    return render_template(
        "masterdata/product.html", product=product, values=values, errors=errors or {}, asking=asking,
        history=history, trackings=list(Tracking), barcode_rows=_rows(values["barcodes"], EMPTY_BARCODE_ROWS),
        component_rows=_rows(values["components"], EMPTY_COMPONENT_ROWS),
        uses=product_edit.open_uses(db.session, product.id) if product is not None and product.active else [],
    )


def _rows(pairs: list[tuple[str, str]], spare: int) -> list[tuple[str, str]]:
    return list(pairs) + [("", "")] * spare


# --- shelves --------------------------------------------------------------------------------------


@bp.get("/locations/<int:location_id>")
@screen_required(Screen.LOCATIONS)
def shelf_page(location_id: int):
    warehouse = _warehouse()
    return _shelf_page(_shelf(warehouse.id, location_id))


@bp.post("/locations/<int:location_id>")
@screen_required(Screen.LOCATIONS)
def shelf_save(location_id: int):
    warehouse = _warehouse()
    line = _shelf(warehouse.id, location_id)
    try:
        draft = shelf_edit.read_shelf_form(request.form)
        saved = shelf_edit.update_shelf(db.session, warehouse.id, location_id, draft,
                                        confirmed=request.form.get("confirm") == "1")
    except FormRefused as refused:
        return _shelf_page(line, request.form, refused.errors), 422
    except (LocationHoldsStock, LocationRequired) as refused:
        db.session.expire_all()
        return _shelf_page(_shelf(warehouse.id, location_id), request.form, {"active": refused.message()}), 422
    if isinstance(saved, AskFirst):
        return _shelf_page(saved.line, request.form, asking=True)
    flash(_("%(code)s saved.", code=saved.code), "ok")
    return redirect(url_for("items.shelf_page", location_id=location_id))


def _warehouse():
    warehouse = current_warehouse()
    if warehouse is None:
        abort(404)
    return warehouse


def _shelf(warehouse_id: int, location_id: int):
    try:
        return shelf_edit.shelf_line(db.session, warehouse_id, location_id)
    except LocationNotFound:
        abort(404)


def _shelf_page(line, form=None, errors: dict | None = None, asking: bool = False):
    location = line.location
    values = {"name": location.name or "", "zone": location.zone or "",
              "pick_sequence": "" if location.pick_sequence is None else str(location.pick_sequence),
              "sellable": "1" if location.sellable else "", "active": "1" if location.active else ""}
    if form is not None:
        values = {key: form.get(key, "") for key in values}
    return render_template("masterdata/shelf.html", line=line, values=values, errors=errors or {}, asking=asking,
                           history=history_of(db.session, "location", location.id))
