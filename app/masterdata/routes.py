"""Office screens for master data: /admin/products and /admin/locations.

Each view parses the request, calls one service, and renders or redirects. Imports re-render
their page with every row-numbered problem (422); a success redirects to the list with a
message. Row actions on the locations list answer htmx with the row alone.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.auth.roles import Screen, screen_required
from app.extensions import db
from app.masterdata import locations, products
from app.masterdata.csvfile import encoding_name
from app.masterdata.errors import LocationHoldsStock, LocationNotFound, LocationRequired, RangeRefused
from app.masterdata.location_range import read_range
from app.masterdata.location_rows import LOCATION_COLUMNS
from app.masterdata.location_rows import REQUIRED as LOCATION_REQUIRED
from app.masterdata.product_rows import PRODUCT_COLUMNS
from app.masterdata.product_rows import REQUIRED as PRODUCT_REQUIRED
from app.shell.context import current_warehouse
from app.shell.csv_import import CsvImport, csv_download
from app.shell.redirects import local_path
from app.timeutil import local_today
from app.shell.web import is_htmx

bp = Blueprint("masterdata", __name__, url_prefix="/admin")
PRODUCT_IMPORT = CsvImport(_l("Import products"), action="masterdata.product_import", back="masterdata.product_list",
                           columns=PRODUCT_COLUMNS, required=PRODUCT_REQUIRED, hints="masterdata/_import_hints.html")
LOCATION_IMPORT = CsvImport(_l("Import locations"), action="masterdata.location_import",
                            back="masterdata.location_list", columns=LOCATION_COLUMNS, required=LOCATION_REQUIRED,
                            hints="masterdata/_import_hints.html")
RANGE_FIELDS = ("zones", "aisle_from", "aisle_to", "rack_from", "rack_to", "level_from", "level_to")
RANGE_DEFAULTS = {"zones": "A", "aisle_from": "1", "aisle_to": "1", "rack_from": "1", "rack_to": "1",
                  "level_from": "1", "level_to": "1"}


# --- products -------------------------------------------------------------------------------------


@bp.get("/products")
@screen_required(Screen.PRODUCTS)
def product_list():
    query = request.args.get("q", "").strip()[:100]
    state, tracking = request.args.get("state", "all"), request.args.get("tracking", "")
    page = products.find_products(db.session, query, request.args.get("page", type=int), state=state, tracking=tracking)
    return render_template("masterdata/products.html", page=page, query=query, unit_barcode=products.unit_barcode,
                           case_barcode=products.case_barcode, state=state, tracking=tracking)


@bp.get("/products/import")
@screen_required(Screen.PRODUCTS)
def product_import_form():
    return PRODUCT_IMPORT.page()


@bp.post("/products/import")
@screen_required(Screen.PRODUCTS)
def product_import():
    return PRODUCT_IMPORT.take(lambda data: products.import_products(db.session, data), _products_imported)


@bp.get("/products/export")
@screen_required(Screen.PRODUCTS)
def product_export():
    return _csv_download(products.export_products(db.session, _language()), "products")


# --- locations ------------------------------------------------------------------------------------


@bp.get("/locations")
@screen_required(Screen.LOCATIONS)
def location_list():
    warehouse = current_warehouse()
    if warehouse is None:
        return render_template("masterdata/no_warehouse.html")
    zone, query = request.args.get("zone", "")[:8], request.args.get("q", "").strip().upper()[:40]
    page = locations.find_locations(db.session, warehouse.id, zone=zone, query=query,
                                    page=request.args.get("page", type=int))
    return render_template("masterdata/locations.html", page=page, zone=zone, query=query,
                           zones=locations.zones(db.session, warehouse.id))


@bp.get("/locations/range")
@screen_required(Screen.LOCATIONS)
def location_range_form():
    return _range_page(RANGE_DEFAULTS)


@bp.post("/locations/range")
@screen_required(Screen.LOCATIONS)
def location_range():
    warehouse = current_warehouse()
    values = {name: request.form.get(name, "")[:100] for name in RANGE_FIELDS}
    if warehouse is None:
        return render_template("masterdata/no_warehouse.html"), 422
    try:
        wanted = read_range(values, warehouse.location_pattern)
        created = locations.create_location_range(db.session, warehouse.id, wanted)
    except RangeRefused as refused:
        return _range_page(values, refused.errors), 422
    flash(_("%(created)s new locations from %(first)s to %(last)s; %(existing)s already existed and were left as they are.",
            created=created.created, first=created.first, last=created.last, existing=created.existing), "ok")
    return redirect(url_for("masterdata.location_list", zone=wanted.zones[0]))


@bp.get("/locations/import")
@screen_required(Screen.LOCATIONS)
def location_import_form():
    return LOCATION_IMPORT.page()


@bp.post("/locations/import")
@screen_required(Screen.LOCATIONS)
def location_import():
    warehouse = current_warehouse()
    return LOCATION_IMPORT.take(lambda data: locations.import_locations(db.session, warehouse, data),
                                _locations_imported, ready=warehouse is not None)


@bp.get("/locations/export")
@screen_required(Screen.LOCATIONS)
def location_export():
    warehouse = current_warehouse()
    if warehouse is None:
        abort(404)
    return _csv_download(locations.export_locations(db.session, warehouse.id, _language()), f"locations-{warehouse.code}")


@bp.post("/locations/<int:location_id>/deactivate")
@screen_required(Screen.LOCATIONS)
def location_deactivate(location_id: int):
    """Deactivating asks first (one tap must not take a shelf out of use): confirm=1 does it."""
    answer = request.form.get("confirm")
    if answer != "1":
        warehouse = current_warehouse()
        if warehouse is None:
            abort(404)
        return _row_answer(warehouse.id, location_id, None, "", 200, asking=answer is None)
    return _row_action(location_id, locations.deactivate_location, lambda code: _("%(code)s deactivated.", code=code))


@bp.post("/locations/<int:location_id>/reactivate")
@screen_required(Screen.LOCATIONS)
def location_reactivate(location_id: int):
    return _row_action(location_id, locations.reactivate_location,
                       lambda code: _("%(code)s is active again.", code=code))


def _row_action(location_id: int, action, done: Callable[[str], str]):
    warehouse = current_warehouse()
    if warehouse is None:
        abort(404)
    try:
        location = action(db.session, warehouse.id, location_id)
    except LocationNotFound:
        abort(404)
    except (LocationHoldsStock, LocationRequired) as refused:
        return _row_answer(warehouse.id, location_id, refused.message(), "error", 422)
    return _row_answer(warehouse.id, location.id, done(location.code), "ok", 200)


def _row_answer(warehouse_id: int, location_id: int, message, result: str, status: int, asking: bool = False):
    if is_htmx() or asking:
        try:
            line = locations.location_line(db.session, warehouse_id, location_id)
        except LocationNotFound:
            abort(404)
        template = "masterdata/_location_row.html" if is_htmx() else "masterdata/location_confirm.html"
        return render_template(template, line=line, message=message, result=result, asking=asking,
                               back=_back_to(request.form.get("next"))), status
    if message:
        flash(message, result)
    return redirect(_back_to(request.form.get("next")))


def _range_page(values: dict[str, str], errors: dict | None = None):
    warehouse = current_warehouse()
    if warehouse is None:
        return render_template("masterdata/no_warehouse.html")
    return render_template("masterdata/location_range.html", values=values, errors=errors or {})


# --- shared ---------------------------------------------------------------------------------------


def _products_imported(result: products.ProductImport) -> str:
    return _("Products imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged (%(encoding)s).",
             created=result.created, updated=result.updated, unchanged=result.unchanged,
             encoding=encoding_name(result.encoding))


def _locations_imported(result: locations.LocationImport) -> str:
    return _("Locations imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged (%(encoding)s).",
             created=result.created, updated=result.updated, unchanged=result.unchanged,
             encoding=encoding_name(result.encoding))


def _csv_download(data: bytes, name: str) -> Response:
    return csv_download(data, f"{name}-{local_today():%Y%m%d}.csv")


def _language() -> str:
    return str(get_locale() or "ja")


def _back_to(target: str | None) -> str:
    return local_path(target, url_for("masterdata.location_list"))
