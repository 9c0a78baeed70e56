"""The "new expected receipt" form: what was typed, kept for re-rendering, and the draft it makes.

Lines are repeated fields `product`, `quantity`, `lot`, `expiry`, numbered 1, 2, … in the
order shown; a line left blank is skipped. Errors are keyed `supplier`, `expected_date`,
`note`, `lines` and `line-<n>-<field>`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.masterdata import cells
from app.masterdata.errors import CellError, ImportRefused
from app.receipts.drafts import MAX_REFERENCE, DraftLine, DraftReceipt, lot_text, product_text, quantity, supplier_text

LINE_FIELDS = ("product", "quantity", "lot", "expiry")
FIRST_LINES = 3
MORE_LINES = 3
MAX_LINES = 100


@dataclass
class ReceiptForm:
    values: dict[str, str]
    lines: list[dict[str, str]]
    errors: dict[str, object] = field(default_factory=dict)


def blank_form(today: date) -> ReceiptForm:
    return ReceiptForm({"supplier": "", "expected_date": today.isoformat(), "note": ""},
                       [dict.fromkeys(LINE_FIELDS, "") for _ in range(FIRST_LINES)])


def typed_form(form: MultiDict) -> ReceiptForm:
    """What was typed, as it was typed."""
    values = {name: form.get(name, "")[:200] for name in ("supplier", "expected_date", "note")}
    columns = {name: form.getlist(name)[:MAX_LINES] for name in LINE_FIELDS}
    count = max((len(column) for column in columns.values()), default=0)
    lines = [{name: (columns[name][i] if i < len(columns[name]) else "")[:200] for name in LINE_FIELDS}
             for i in range(count)]
    return ReceiptForm(values, lines or [dict.fromkeys(LINE_FIELDS, "")])


def with_more_lines(form: ReceiptForm) -> ReceiptForm:
    room = min(MORE_LINES, MAX_LINES - len(form.lines))
    return ReceiptForm(form.values, form.lines + [dict.fromkeys(LINE_FIELDS, "") for _ in range(room)], form.errors)


def read_draft(form: ReceiptForm) -> DraftReceipt | None:
    """The receipt the form describes, or None with `form.errors` filled in."""
    supplier = _field(form, "supplier", supplier_text, needed=_l("The supplier is empty."))
    expected = _field(form, "expected_date", cells.day, needed=_l("Choose the expected date."))
    note = _field(form, "note", lambda text: cells.text_cell(text, limit=MAX_REFERENCE, what=_l("The note")))
    lines = [line for n, typed in enumerate(form.lines, start=1) if (line := _line(form, n, typed)) is not None]
    if not lines and not any(key.startswith("line-") for key in form.errors):
        form.errors["lines"] = _l("Add at least one line: a product and its quantity.")
    if form.errors:
        return None
    return DraftReceipt(supplier, expected, tuple(lines), note or "")


def add_refusal(form: ReceiptForm, refused: ImportRefused) -> None:
    """Put the service's refusal under the fields it is about."""
    for error in refused.errors:
        key = f"line-{error.row}-{'product' if error.field == 'jan' else error.field}" if error.row else "lines"
        form.errors.setdefault(key, error.message)


def _field(form: ReceiptForm, name: str, read, needed=None):
    text = form.values.get(name, "").strip()
    if not text:
        if needed is not None:
            form.errors[name] = needed
        return None
    try:
        return read(text)
    except CellError as error:
        form.errors[name] = error.message
        return None


def _line(form: ReceiptForm, number: int, typed: dict[str, str]) -> DraftLine | None:
    if not any(value.strip() for value in typed.values()):
        return None
    readers = {"product": product_text, "quantity": quantity, "lot": lot_text, "expiry": cells.day}
    values: dict[str, object] = {}
    for name, read in readers.items():
        text = typed.get(name, "").strip()
        if not text:
            continue
        try:
            values[name] = read(text)
        except CellError as error:
            form.errors[f"line-{number}-{name}"] = error.message
    for name, message in (("product", _l("Type a SKU or JAN.")), ("quantity", _l("Type the quantity."))):
        if not typed.get(name, "").strip():
            form.errors[f"line-{number}-{name}"] = message
    if any(key.startswith(f"line-{number}-") for key in form.errors):
        return None
    return DraftLine(number, str(values["product"]), int(values["quantity"]), str(values.get("lot", "")),
                     values.get("expiry"))
