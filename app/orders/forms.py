"""The office forms of orders: what was typed, kept for re-rendering, and what it asks for.

The "new order" form: order fields `channel`, `external_id`, `ship_to`, `ship_by`, `priority`,
`gift`, `note`, and lines as repeated fields `product`, `quantity`, numbered 1, 2, … in the
order shown; a line left blank is skipped. Errors are keyed by the field names, `lines`,
`line-<n>-<field>` and `form` (the whole order, e.g. a duplicate).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.masterdata import cells
from app.masterdata.errors import CellError, ImportRefused
from app.orders import entries
from app.orders.entries import EntryLine, OrderEntry
from app.shell import line_form
from app.shell.line_form import MAX_LINES, LineForm, read_field

ORDER_FIELDS = ("channel", "external_id", "ship_to", "ship_by", "priority", "gift", "note")
LINE_FIELDS = ("product", "quantity")
LINE_READERS = {"product": cells.product_code, "quantity": entries.quantity}
MAX_REASON = 200
MAX_ID = 2**31 - 1  # ids are 32-bit integers in both databases
OrderForm = LineForm


def blank_form(channel: str = "") -> OrderForm:
    values = dict.fromkeys(ORDER_FIELDS, "")
    values.update(channel=channel, priority="0")
    return line_form.blank_form(values, LINE_FIELDS)


def typed_form(form: MultiDict) -> OrderForm:
    """What was typed, as it was typed."""
    return line_form.typed_form(form, ORDER_FIELDS, LINE_FIELDS, limit=500)


def with_more_lines(form: OrderForm) -> OrderForm:
    return line_form.with_more_lines(form, LINE_FIELDS)


def read_entry(form: OrderForm) -> OrderEntry | None:
    """The order the form describes, or None with `form.errors` filled in."""
    channel = read_field(form, "channel", entries.channel_text, needed=_l("Choose the channel."))
    external_id = read_field(form, "external_id", entries.external_id_text, needed=_l("Type the channel's order id."))
    ship_to = read_field(form, "ship_to", entries.ship_to_text, needed=_l("Type the ship-to name."))
    ship_by = read_field(form, "ship_by", cells.day)
    priority = read_field(form, "priority", entries.priority)
    note = read_field(form, "note", entries.note_text)
    lines = line_form.read_lines(form, LINE_READERS, _line)
    if form.errors:
        return None
    return OrderEntry(str(channel), str(external_id), str(ship_to), tuple(lines), ship_by, priority or 0,
                      bool(form.values.get("gift")), note or "")


def add_refusal(form: OrderForm, refused: ImportRefused) -> None:
    """Put the service's refusal under the fields it is about."""
    for error in refused.errors:
        if error.row:
            key = f"line-{error.row}-{'product' if error.field == 'jan' else error.field}"
        else:
            key = error.field if error.field in ORDER_FIELDS else "form"
        form.errors.setdefault(key, error.message)


def _line(number: int, values: dict[str, object]) -> EntryLine:
    return EntryLine(number, str(values["product"]), int(values["quantity"]))


# --- the shelf-life override and the wave forms ----------------------------------------


def override_reason(text: str | None) -> tuple[str | None, object | None]:
    """The reason typed for a shelf-life override, or None and what is wrong with it."""
    reason = " ".join((text or "").split())
    if not reason:
        return None, _l("Say why short-dated lots may ship for this line.")
    if len(reason) > MAX_REASON:
        return None, _l("The reason is longer than %(limit)s characters.", limit=MAX_REASON)
    return reason, None


def chosen_orders(form: MultiDict) -> tuple[int, ...]:
    """The order ids ticked on the list, in the order shown, each once."""
    ids = [int(value) for value in form.getlist("order") if value.isascii() and value.isdigit() and len(value) <= 10]
    return tuple(dict.fromkeys(i for i in ids if i <= MAX_ID))


def picker_choice(text: str | None) -> tuple[int | None, object | None]:
    """The picker chosen by id (None: anyone, by 次のピッキング), or what is wrong with the choice.
    Whether that person picks in the warehouse is the service's check (office.NotAPicker)."""
    if not text:
        return None, None
    if text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_ID:
        return int(text), None
    return None, _l("Choose a picker of this warehouse, or leave the list for 次のピッキング.")


def wave_by_date(form: MultiDict, channel_codes: Sequence[str]) -> tuple[date | None, str | None, dict[str, object]]:
    """The ship-by date and channel of a wave built by date, and the errors of the form."""
    errors: dict[str, object] = {}
    until = None
    text = form.get("ship_by", "").strip()
    if text:
        try:
            until = cells.day(text)
        except CellError as error:
            errors["ship_by"] = error.message
    channel = form.get("channel", "").strip() or None
    if channel is not None and channel not in channel_codes:
        errors["channel"] = _l("Choose one of the channels.")
    return until, channel, errors


__all__ = ["OrderForm", "blank_form", "typed_form", "with_more_lines", "read_entry", "add_refusal", "MAX_LINES",
           "override_reason", "chosen_orders", "picker_choice", "wave_by_date"]
