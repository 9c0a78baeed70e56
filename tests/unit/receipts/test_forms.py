"""The new-receipt form: what was typed is kept, errors sit under their fields."""
from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from app.masterdata.errors import ImportRefused, RowError
from app.receipts.drafts import DraftLine
from app.receipts.forms import add_refusal, read_draft, typed_form, with_more_lines


def posted(**lines) -> MultiDict:
    form = MultiDict({"supplier": "伊藤園", "expected_date": "2026-12-01", "note": ""})
    for name, values in lines.items():
        for value in values:
            form.add(name, value)
    return form


def test_filled_lines_become_a_draft_and_blank_ones_are_skipped():
    form = typed_form(posted(product=["TEA-500", "", "4901234567894"], quantity=["24", "", "3"],
                             lot=["", "", "L1"], expiry=["", "", "2027-06-30"]))
    draft = read_draft(form)
    assert form.errors == {}
    assert draft.supplier == "伊藤園" and draft.expected_date == date(2026, 12, 1)
    assert draft.lines == (DraftLine(1, "TEA-500", 24), DraftLine(3, "4901234567894", 3, "L1", date(2027, 6, 30)))


def test_errors_are_keyed_by_field_and_line_number():
    form = typed_form(MultiDict([("supplier", ""), ("expected_date", ""), ("product", "TEA"), ("quantity", "x"),
                                 ("product", ""), ("quantity", "4")]))
    assert read_draft(form) is None
    assert set(form.errors) == {"supplier", "expected_date", "line-1-quantity", "line-2-product"}


def test_a_form_without_lines_asks_for_one():
    form = typed_form(posted(product=["", ""], quantity=["", ""]))
    assert read_draft(form) is None
    assert set(form.errors) == {"lines"}


def test_more_lines_keeps_what_was_typed():
    form = with_more_lines(typed_form(posted(product=["TEA"], quantity=["1"])))
    assert [line["product"] for line in form.lines] == ["TEA", "", "", ""]


def test_a_refusal_from_the_service_lands_under_the_line_and_field():
    form = typed_form(posted(product=["TEA"], quantity=["1"]))
    add_refusal(form, ImportRefused([RowError(1, "unknown", "product"), RowError(1, "bad lot", "lot")]))
    assert form.errors == {"line-1-product": "unknown", "line-1-lot": "bad lot"}
