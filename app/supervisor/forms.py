"""Reading the supervisor's forms and filters: shape only (the services decide what they mean).

Anything malformed in a filter is ignored (a list is still shown); a form field that is wrong comes
back with a message under it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from app.masterdata.cells import normalized
from app.supervisor.discrepancies import SOURCE_CODES, STATES, Filters
from app.supervisor.tolerances import CLASSES, MAX_UNITS, Tolerance

KINDS = ("range", "zone", "product")
MAX_CODE = 40


@dataclass
class PlanForm:
    kind: str = "range"
    first: str = ""
    last: str = ""
    zone: str = ""
    product: str = ""
    counter: str = ""
    errors: dict = field(default_factory=dict)

    @property
    def counter_id(self) -> int | None:
        return int(self.counter) if self.counter.isdigit() else None


def plan_form(form: Mapping[str, str]) -> PlanForm:
    typed = PlanForm(kind=form.get("kind", "range"), first=_code(form.get("first")), last=_code(form.get("last")),
                     zone=_code(form.get("zone"))[:8], product=normalized(form.get("product"))[:MAX_CODE],
                     counter=(form.get("counter") or "").strip()[:12])
    if typed.kind not in KINDS:
        typed.errors["kind"] = _l("Choose a range, a zone or a product.")
    elif typed.kind == "range" and not (typed.first and typed.last):
        typed.errors["first" if not typed.first else "last"] = _l("Give the first and the last shelf of the range.")
    elif typed.kind == "zone" and not typed.zone:
        typed.errors["zone"] = _l("Choose a zone.")
    elif typed.kind == "product" and not typed.product:
        typed.errors["product"] = _l("Type or scan the product's SKU or JAN.")
    if typed.counter and typed.counter_id is None:
        typed.errors["counter"] = _l("Choose a counter, or leave it to the queue.")
    return typed


def _code(text: str | None) -> str:
    code = normalized(text).upper()
    return code[3:] if code.startswith("ZL-") else code[:MAX_CODE]


def discrepancy_filters(args: Mapping[str, str]) -> Filters:
    source = args.get("source") or None
    state = args.get("state") or "all"
    person = args.get("person", "")
    return Filters(
        source=source if source in SOURCE_CODES else None,
        cause=(args.get("cause") or "").strip()[:40] or None,
        zone=_code(args.get("zone"))[:8] or None,
        shelf=_code(args.get("shelf")) or None,
        person_id=int(person) if person.isdigit() and len(person) <= 9 else None,
        since=_day(args.get("since")),
        until=_day(args.get("until")),
        state=state if state in STATES else "all",
    )


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def tolerance_form(form: Mapping[str, str]) -> tuple[dict[str, Tolerance], dict[str, str], dict[str, str]]:
    """The tolerance per class, the errors per field, and what was typed (to show it again)."""
    wanted, errors, typed = {}, {}, {}
    for abc in CLASSES:
        values = {}
        for name, high in (("units", MAX_UNITS), ("percent", 100)):
            key = f"{name}-{abc}"
            text = normalized(form.get(key))
            typed[key] = text[:12]
            number = int(text) if text.isdigit() and len(text) <= 7 else None
            if number is None or number > high:
                errors[key] = _l("A whole number from 0 to %(high)s.", high=high)
            values[name] = number or 0
        wanted[abc] = Tolerance(abc, values["units"], values["percent"])
    return wanted, errors, typed


def seen_version(form: Mapping[str, str]) -> int:
    """The version of the task the page showed; 0 (never a task's version: refused as stale) when missing."""
    text = form.get("version", "")
    return int(text) if text.isdigit() and len(text) <= 9 else 0


__all__ = ["KINDS", "PlanForm", "plan_form", "discrepancy_filters", "tolerance_form", "seen_version"]
