"""A document typed on an office screen (a new order, a new expected receipt): its own fields,
and lines as repeated fields numbered 1, 2, … in the order shown, a line left blank skipped.

What was typed is kept as typed, for re-rendering; errors are keyed by the field's name,
`lines` and `line-<n>-<field>`. Each line names a product (SKU or JAN) and a quantity.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.masterdata.errors import CellError

FIRST_LINES = 3
MORE_LINES = 3
MAX_LINES = 100
MAX_LINE_TYPED = 200
LINE_NEEDED = {"product": _l("Type a SKU or JAN."), "quantity": _l("Type the quantity.")}

LineT = TypeVar("LineT")


@dataclass
class LineForm:
    values: dict[str, str]
    lines: list[dict[str, str]]
    errors: dict[str, object] = field(default_factory=dict)


def blank_form(values: dict[str, str], line_fields: Sequence[str]) -> LineForm:
    return LineForm(values, [dict.fromkeys(line_fields, "") for _ in range(FIRST_LINES)])


def typed_form(form: MultiDict, fields: Sequence[str], line_fields: Sequence[str], *, limit: int) -> LineForm:
    """What was typed, as it was typed (each field cut at `limit` characters)."""
    values = {name: form.get(name, "")[:limit] for name in fields}
    columns = {name: form.getlist(name)[:MAX_LINES] for name in line_fields}
    count = max((len(column) for column in columns.values()), default=0)
    lines = [{name: (columns[name][i] if i < len(columns[name]) else "")[:MAX_LINE_TYPED] for name in line_fields}
             for i in range(count)]
    return LineForm(values, lines or [dict.fromkeys(line_fields, "")])


def with_more_lines(form: LineForm, line_fields: Sequence[str]) -> LineForm:
    room = min(MORE_LINES, MAX_LINES - len(form.lines))
    return LineForm(form.values, form.lines + [dict.fromkeys(line_fields, "") for _ in range(room)], form.errors)


def read_field(form: LineForm, name: str, read: Callable[[str], object], needed=None):
    """The value of field `name` read by `read`, or None with its error (or `needed`, if empty) in `form.errors`."""
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


def read_lines(form: LineForm, readers: Mapping[str, Callable[[str], object]],
               make: Callable[[int, dict[str, object]], LineT]) -> list[LineT]:
    """The lines typed, each made by `make` from its number and the values `readers` read; a
    wrong line is left out with its errors, and a form without any line asks for one."""
    lines = [line for n, typed in enumerate(form.lines, start=1)
             if (line := _line(form, n, typed, readers, make)) is not None]
    if not lines and not any(key.startswith("line-") for key in form.errors):
        form.errors["lines"] = _l("Add at least one line: a product and its quantity.")
    return lines


def _line(form: LineForm, number: int, typed: dict[str, str], readers: Mapping[str, Callable[[str], object]],
          make: Callable[[int, dict[str, object]], LineT]) -> LineT | None:
    if not any(value.strip() for value in typed.values()):
        return None
    values: dict[str, object] = {}
    for name, read in readers.items():
        text = typed.get(name, "").strip()
        if not text:
            continue
        try:
            values[name] = read(text)
        except CellError as error:
            form.errors[f"line-{number}-{name}"] = error.message
    for name, message in LINE_NEEDED.items():
        if not typed.get(name, "").strip():
            form.errors[f"line-{number}-{name}"] = message
    if any(key.startswith(f"line-{number}-") for key in form.errors):
        return None
    return make(number, values)
