"""The office forms of orders: what was typed, kept for re-rendering, and what it asks for.

The "new order" form: order fields `channel`, `external_id`, `ship_to`, `ship_by`, `priority`,
`gift`, `note`, and lines as repeated fields `product`, `quantity`, numbered 1, 2, … in the
order shown; a line left blank is skipped. Errors are keyed by the field names, `lines`,
`line-<n>-<field>` and `form` (the whole order, e.g. a duplicate).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.masterdata import cells
from app.masterdata.errors import CellError, ImportRefused
from app.orders import entries
from app.orders.entries import EntryLine, OrderEntry

ORDER_FIELDS = ("channel", "external_id", "ship_to", "ship_by", "priority", "gift", "note")
LINE_FIELDS = ("product", "quantity")
FIRST_LINES = 3
MORE_LINES = 3
MAX_LINES = 100
MAX_REASON = 200
MAX_ID = 2**31 - 1  # ids are 32-bit integers in both databases


@dataclass
class OrderForm:
    values: dict[str, str]
    lines: list[dict[str, str]]
    errors: dict[str, object] = field(default_factory=dict)


def blank_form(channel: str = "") -> OrderForm:
    values = dict.fromkeys(ORDER_FIELDS, "")
    values.update(channel=channel, priority="0")
    return OrderForm(values, [dict.fromkeys(LINE_FIELDS, "") for _ in range(FIRST_LINES)])


def typed_form(form: MultiDict) -> OrderForm:
    """What was typed, as it was typed."""
    values = {name: form.get(name, "")[:500] for name in ORDER_FIELDS}
    columns = {name: form.getlist(name)[:MAX_LINES] for name in LINE_FIELDS}
    count = max((len(column) for column in columns.values()), default=0)
    lines = [{name: (columns[name][i] if i < len(columns[name]) else "")[:200] for name in LINE_FIELDS}
             for i in range(count)]
    return OrderForm(values, lines or [dict.fromkeys(LINE_FIELDS, "")])


def with_more_lines(form: OrderForm) -> OrderForm:
    room = min(MORE_LINES, MAX_LINES - len(form.lines))
    return OrderForm(form.values, form.lines + [dict.fromkeys(LINE_FIELDS, "") for _ in range(room)], form.errors)


def read_entry(form: OrderForm) -> OrderEntry | None:
    """The order the form describes, or None with `form.errors` filled in."""
    channel = _field(form, "channel", entries.channel_text, needed=_l("Choose the channel."))
    external_id = _field(form, "external_id", entries.external_id_text, needed=_l("Type the channel's order id."))
    ship_to = _field(form, "ship_to", entries.ship_to_text, needed=_l("Type the ship-to name."))
    ship_by = _field(form, "ship_by", cells.day)
    priority = _field(form, "priority", entries.priority)
    note = _field(form, "note", entries.note_text)
    lines = [line for n, typed in enumerate(form.lines, start=1) if (line := _line(form, n, typed)) is not None]
    if not lines and not any(key.startswith("line-") for key in form.errors):
        form.errors["lines"] = _l("Add at least one line: a product and its quantity.")
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


def _field(form: OrderForm, name: str, read: Callable[[str], object], needed=None):
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


def _line(form: OrderForm, number: int, typed: dict[str, str]) -> EntryLine | None:
    if not any(value.strip() for value in typed.values()):
        return None
    readers = {"product": entries.product_text, "quantity": entries.quantity}
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
