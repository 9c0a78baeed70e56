"""The new-order form and the small forms of the orders screens, without a database."""
from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from app.masterdata.errors import ImportRefused, RowError
from app.orders.entries import EntryLine, OrderEntry
from app.orders.forms import (
    add_refusal,
    blank_form,
    chosen_orders,
    override_reason,
    picker_choice,
    read_entry,
    typed_form,
    wave_by_date,
    with_more_lines,
)


def posted(**fields) -> MultiDict:
    form = MultiDict({"channel": "rakuten", "external_id": "R-1", "ship_to": "山田", "ship_by": "2026-12-01",
                      "priority": "1", "note": ""})
    for name, values in fields.items():
        if isinstance(values, list):
            for value in values:
                form.add(name, value)
        else:
            form[name] = values
    return form


def test_a_filled_form_is_an_entry_and_blank_lines_are_skipped():
    form = typed_form(posted(product=["TEA-500", "", "4901234567894"], quantity=["2", "", "1"], gift="1"))
    entry = read_entry(form)
    assert form.errors == {}
    assert entry == OrderEntry("rakuten", "R-1", "山田", (EntryLine(1, "TEA-500", 2), EntryLine(3, "4901234567894", 1)),
                               date(2026, 12, 1), 1, True, "")


def test_errors_are_keyed_by_field_and_line():
    form = typed_form(posted(external_id="", ship_to="", priority="x", product=["TEA", ""], quantity=["0", "3"]))
    assert read_entry(form) is None
    assert set(form.errors) == {"external_id", "ship_to", "priority", "line-1-quantity", "line-2-product"}


def test_no_line_asks_for_one_and_more_lines_keeps_the_typed():
    form = typed_form(posted(product=["", ""], quantity=["", ""]))
    assert read_entry(form) is None and set(form.errors) == {"lines"}
    more = with_more_lines(typed_form(posted(product=["TEA"], quantity=["1"])))
    assert [line["product"] for line in more.lines] == ["TEA", "", "", ""]
    assert blank_form("rakuten").values["channel"] == "rakuten" and len(blank_form().lines) == 3


def test_refusals_land_under_their_line_or_field_or_on_the_form():
    form = typed_form(posted(product=["TEA"], quantity=["1"]))
    add_refusal(form, ImportRefused([RowError(1, "unknown", "jan"), RowError(None, "no such channel", "channel"),
                                     RowError(None, "whole order")]))
    assert form.errors == {"line-1-product": "unknown", "channel": "no such channel", "form": "whole order"}


def test_an_override_reason_is_needed_and_kept_short():
    assert override_reason("  催事で  即日販売 ") == ("催事で 即日販売", None)
    assert override_reason("   ")[0] is None and override_reason(None)[1] is not None
    assert override_reason("x" * 201)[0] is None


def test_ticked_orders_and_the_picker():
    assert chosen_orders(MultiDict([("order", "5"), ("order", "3"), ("order", "5"), ("order", "x"),
                                    ("order", "99999999999999999999"), ("order", "2147483648")])) == (5, 3)
    assert picker_choice("") == (None, None)
    assert picker_choice("2") == (2, None)
    assert picker_choice("x")[1] is not None and picker_choice("١")[1] is not None
    assert picker_choice("2147483648")[1] is not None


def test_a_wave_by_date_reads_the_date_and_a_known_channel():
    assert wave_by_date(MultiDict({"ship_by": "2026/12/01", "channel": "amazon"}), ["amazon"]) == (
        date(2026, 12, 1), "amazon", {})
    assert wave_by_date(MultiDict({}), ["amazon"]) == (None, None, {})
    until, channel, errors = wave_by_date(MultiDict({"ship_by": "soon", "channel": "nope"}), ["amazon"])
    assert set(errors) == {"ship_by", "channel"}
