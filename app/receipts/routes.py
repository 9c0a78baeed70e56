"""Office screens for expected receipts (入荷予定): /receipts, /receipts/new, /receipts/import,
/receipts/<id>. Forms re-render with their errors (422); a success redirects."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.roles import Screen, screen_required
from app.extensions import db
from app.masterdata.csvfile import encoding_name
from app.masterdata.errors import ImportRefused
from app.receipts import forms, service
from app.receipts.drafts import RECEIPT_COLUMNS, REQUIRED
from app.shell.context import current_warehouse
from app.shell.csv_import import CsvImport
from app.timeutil import local_today

bp = Blueprint("receipts", __name__, url_prefix="/receipts")
SAMPLE_SUPPLIER = "サンプル食品株式会社"
IMPORT = CsvImport(_l("Import expected receipts"), action="receipts.import_file", back="receipts.index",
                   columns=RECEIPT_COLUMNS, required=REQUIRED, hints="receipts/_import_hints.html",
                   sample="receipts.import_sample")


@bp.get("")
@screen_required(Screen.RECEIPTS)
def index():
    warehouse = current_warehouse()
    if warehouse is None:
        return render_template("masterdata/no_warehouse.html")
    waiting, closed = service.list_receipts(db.session, warehouse.id)
    return render_template("receipts/index.html", waiting=waiting, closed=closed)


@bp.get("/new")
@screen_required(Screen.RECEIPTS)
def new():
    return _form_page(forms.blank_form(local_today()))


@bp.post("/new")
@screen_required(Screen.RECEIPTS)
def create():
    warehouse = current_warehouse()
    form = forms.typed_form(request.form)
    if "more" in request.form:
        return _form_page(forms.with_more_lines(form))
    draft = forms.read_draft(form)
    if warehouse is None or draft is None:
        return _form_page(form), 422
    try:
        receipt = service.create_planned_receipt(db.session, warehouse.id, draft, user_id=current_user.id,
                                                 today=local_today())
    except ImportRefused as refused:
        forms.add_refusal(form, refused)
        return _form_page(form), 422
    flash(_("Expected receipt %(code)s created.", code=receipt.code), "ok")
    return redirect(url_for("receipts.detail", receipt_id=receipt.id))


@bp.get("/import")
@screen_required(Screen.RECEIPTS)
def import_form():
    return IMPORT.page()


@bp.post("/import")
@screen_required(Screen.RECEIPTS)
def import_file():
    warehouse = current_warehouse()
    return IMPORT.take(lambda data: service.import_receipts(db.session, warehouse.id, data, user_id=current_user.id,
                                                            today=local_today()),
                       _imported, ready=warehouse is not None)


@bp.get("/import/sample")
@screen_required(Screen.RECEIPTS)
def import_sample():
    return IMPORT.sample_file(_sample_rows(local_today()), "receipts-sample.csv")


@bp.get("/<int:receipt_id>")
@screen_required(Screen.RECEIPTS)
def detail(receipt_id: int):
    warehouse = current_warehouse()
    view = service.receipt_view(db.session, warehouse.id, receipt_id) if warehouse else None
    if view is None:
        abort(404)
    floor_url = (url_for("receiving.task", receipt_id=receipt_id)
                 if "receiving.task" in current_app.view_functions and not view.receipt.is_closed else None)
    return render_template("receipts/detail.html", view=view, receipt=view.receipt, floor_url=floor_url)


def _sample_rows(today: date) -> list[tuple[str, ...]]:
    expected, expiry = f"{today + timedelta(days=7):%Y/%m/%d}", f"{today + timedelta(days=240):%Y/%m/%d}"
    return [
        ("ASN-0001", SAMPLE_SUPPLIER, expected, "", "4901234567894", "48", "L0001", expiry),
        ("ASN-0001", SAMPLE_SUPPLIER, expected, "TEA-500", "", "24", "", ""),
    ]


def _form_page(form: forms.ReceiptForm):
    if current_warehouse() is None:
        return render_template("masterdata/no_warehouse.html")
    return render_template("receipts/new.html", form=form, max_lines=forms.MAX_LINES)


def _imported(result: service.ReceiptImport) -> str:
    return ngettext("%(num)s expected receipt imported (%(encoding)s): %(codes)s.",
                    "%(num)s expected receipts imported (%(encoding)s): %(codes)s.", len(result.receipts),
                    encoding=encoding_name(result.encoding), codes=", ".join(r.code for r in result.receipts))
