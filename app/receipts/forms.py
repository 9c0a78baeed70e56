"""The "new expected receipt" form: what was typed, kept for re-rendering, and the draft it makes.

Fields `supplier`, `expected_date`, `note`; lines `product`, `quantity`, `lot`, `expiry` (the
rules of app.shell.line_form). Errors are keyed `supplier`, `expected_date`, `note`, `lines`
and `line-<n>-<field>`.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.masterdata import cells
from app.masterdata.errors import ImportRefused
from app.receipts.drafts import MAX_REFERENCE, DraftLine, DraftReceipt, lot_text, quantity, supplier_text
from app.shell import line_form
from app.shell.line_form import MAX_LINES, LineForm, read_field

FIELDS = ("supplier", "expected_date", "note")
LINE_FIELDS = ("product", "quantity", "lot", "expiry")
LINE_READERS = {"product": cells.product_code, "quantity": quantity, "lot": lot_text, "expiry": cells.day}
ReceiptForm = LineForm


def blank_form(today: date) -> ReceiptForm:
    return line_form.blank_form({"supplier": "", "expected_date": today.isoformat(), "note": ""}, LINE_FIELDS)


def typed_form(form: MultiDict) -> ReceiptForm:
    """What was typed, as it was typed."""
    return line_form.typed_form(form, FIELDS, LINE_FIELDS, limit=200)


def with_more_lines(form: ReceiptForm) -> ReceiptForm:
    return line_form.with_more_lines(form, LINE_FIELDS)


def read_draft(form: ReceiptForm) -> DraftReceipt | None:
    """The receipt the form describes, or None with `form.errors` filled in."""
    supplier = read_field(form, "supplier", supplier_text, needed=_l("The supplier is empty."))
    expected = read_field(form, "expected_date", cells.day, needed=_l("Choose the expected date."))
    note = read_field(form, "note", lambda text: cells.text_cell(text, limit=MAX_REFERENCE, what=_l("The note")))
    lines = line_form.read_lines(form, LINE_READERS, _line)
    if form.errors:
        return None
    return DraftReceipt(supplier, expected, tuple(lines), note or "")


def add_refusal(form: ReceiptForm, refused: ImportRefused) -> None:
    """Put the service's refusal under the fields it is about."""
    for error in refused.errors:
        key = f"line-{error.row}-{'product' if error.field == 'jan' else error.field}" if error.row else "lines"
        form.errors.setdefault(key, error.message)


def _line(number: int, values: dict[str, object]) -> DraftLine:
    return DraftLine(number, str(values["product"]), int(values["quantity"]), str(values.get("lot", "")),
                     values.get("expiry"))


__all__ = ["ReceiptForm", "blank_form", "typed_form", "with_more_lines", "read_draft", "add_refusal", "MAX_LINES"]
