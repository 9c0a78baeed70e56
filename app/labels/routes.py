"""Label printing (supervisor, admin): `/labels` picks what to print; each kind answers a
printable page of label sheets (HTML, inline SVG barcodes, print CSS for A4 sheets).

Every form is a GET: printing changes nothing, and a sheet's URL can be bookmarked and
printed again. A request that names nothing printable re-renders `/labels` with the reason
under its form (422).
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.models import Role
from app.auth.roles import Screen, screen_required
from app.i18n import format_day
from app.extensions import db
from app.labels import forms, selection, service
from app.labels.barcodes import render_svg
from app.labels.service import SHEET_FORMATS, Label, LabelRefused
from app.shell.context import current_warehouse
from app.stock.models import Warehouse
from app.shell.web import MAX_ID, error_page

bp = Blueprint("labels", __name__)


@bp.get("/labels")
@screen_required(Screen.LABELS)
def index():
    return _index_page()


@bp.get("/labels/locations")
@screen_required(Screen.LABELS)
def locations():
    return _sheets("locations", _l("Location labels"), lambda: selection.location_labels(
        db.session, _warehouse(), forms.location_choice(request.args)
    ))


@bp.get("/labels/products")
@screen_required(Screen.LABELS)
def products():
    return _sheets("products", _l("Product labels"), lambda: selection.product_labels(
        db.session, forms.product_choice(request.args)
    ))


@bp.get("/labels/lot")
@screen_required(Screen.LABELS)
def lot():
    return _sheets("lot", _l("Lot labels (GS1-128)"), lambda: selection.lot_labels(
        db.session, forms.lot_choice(request.args)
    ))


@bp.get("/labels/totes")
@screen_required(Screen.LABELS)
def totes():
    def tote_labels() -> list[Label]:
        choice = forms.tote_choice(request.args)
        return service.tote_labels(choice.first, choice.last)

    return _sheets("totes", _l("Tote labels"), tote_labels)


@bp.get("/labels/badges")
@screen_required(Screen.LABELS)
def badges():
    return _sheets("badges", _l("Badges"), lambda: selection.badge_labels(
        db.session, _warehouse(), forms.badge_choice(request.args), higher_roles=_prints_higher_badges()
    ))


@bp.get("/labels/receipt/<int:receipt_id>")
@screen_required(Screen.RECEIVING)
def receipt_lots(receipt_id: int):
    """Lot labels of a receipt, for the receiving clerk (not only the office): `lot`, `copies`."""
    try:
        choice = forms.sheet_choice(request.args, _default_sheet())
        lot_id = request.args.get("lot", type=int)
        if lot_id is not None and abs(lot_id) > MAX_ID:  # no lot has it (SQLite cannot even be asked)
            raise LabelRefused(_l("Nothing to print."))
        labels = selection.receipt_lot_labels(db.session, _warehouse(), receipt_id, lot_id, forms.copies(request.args))
    except LabelRefused as refused:
        return error_page(404, _l("Labels"), str(refused.message))
    return _render_sheets(_l("Lot labels (GS1-128)"), labels, choice, "lot")


def _sheets(form: str, title, make_labels: Callable[[], list[Label]]):
    try:
        choice = forms.sheet_choice(request.args, _default_sheet())
        labels = make_labels()
        sheets = service.lay_out(labels, choice.sheet, choice.start)
    except LabelRefused as refused:
        return _index_page(failed=form, error=str(refused.message)), 422
    return _render_sheets(title, labels, choice, form, sheets)


def _render_sheets(title, labels: list[Label], choice, kind: str, sheets=None):
    sheets = sheets if sheets is not None else service.lay_out(labels, choice.sheet, choice.start)
    return render_template(
        "labels/sheet.html", title=title, sheets=sheets, sheet=choice.sheet, count=len(labels),
        kind=kind, barcode_svg=render_svg, day=format_day,
    )


def _index_page(failed: str | None = None, error: str | None = None):
    warehouse = current_warehouse()
    return render_template(
        "labels/index.html",
        title=_l("Labels"),
        zones=selection.zones(db.session, warehouse) if warehouse else [],
        badge_holders=selection.badge_holders(db.session, warehouse, higher_roles=_prints_higher_badges())
        if warehouse else [],
        sheet_formats=list(SHEET_FORMATS.values()),
        default_sheet=_default_sheet(),
        failed=failed,
        error=error,
        values=request.args if failed else {},
    )


def _default_sheet() -> str | None:
    """The label sheet the warehouse uses unless another is chosen (/admin/settings)."""
    warehouse = current_warehouse()
    return warehouse.settings.label_sheet if warehouse else None


def _prints_higher_badges() -> bool:
    """Only an admin prints the badges of supervisors and admins (DESIGN: people and safety)."""
    return current_user.has_role(Role.ADMIN)


def _warehouse() -> Warehouse:
    warehouse = current_warehouse()
    if warehouse is None:
        raise LabelRefused(_l("You have no warehouse yet. Ask an administrator to give you one."))
    return warehouse


