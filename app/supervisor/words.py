"""The words supervisors read for stored codes: discrepancy sources and causes, reason codes, task states."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

SOURCES = {
    "receiving": _l("Receiving"), "putaway": _l("Putaway"), "picking": _l("Picking"), "packing": _l("Packing"),
    "count": _l("Cycle count"), "return": _l("Returns"),
}
REASONS = {
    "damaged": _l("Damaged"), "lost": _l("Lost"), "receiving_error": _l("Receiving error"),
    "shipping_error": _l("Shipping error"), "return_not_put_back": _l("Return not put back"), "found": _l("Found"),
    "unknown": _l("Unknown"), "within_tolerance": _l("Within tolerance (approved by itself)"),
}
FLOOR_CAUSES = {
    "short_pick": _l("Short at picking"), "missing_at_packing": _l("Missing at packing"),
    "short": _l("Received short"), "over": _l("Received over"), "unexpected": _l("Not on the receipt"),
    "not_on_order": _l("Not on the order"), "lot_not_shipped": _l("Lot not shipped"),
    "more_than_shipped": _l("More than shipped"),
}
CAUSES = {**REASONS, **FLOOR_CAUSES}
TASK_CAUSES = {
    "manual": _l("By a supervisor"), "schedule": _l("ABC schedule"), "short_pick": _l("Short pick"),
    "packing_shortage": _l("Shortage at packing"),
}
TASK_STATES = {
    "open": _l("To count"), "review": _l("Waiting for review"), "recount": _l("Waiting for a recount"),
    "done": _l("Done"), "cancelled": _l("Cancelled"),
}
DISCREPANCY_STATES = {"open": _l("Open"), "resolved": _l("Resolved")}
MOVE_REASONS = {
    "receipt": _l("Receipt"), "putaway": _l("Putaway"), "pick": _l("Pick"), "pack": _l("Pack"), "ship": _l("Ship"),
    "return": _l("Return"), "scrap": _l("Scrap"), "count_adjust": _l("Count adjustment"),
    "transfer": _l("Transfer"), "cancel": _l("Cancel"),
}


def word(table: dict, code: str | None) -> str:
    """The label of a stored code, or the code itself when it has none (a cause added later)."""
    if code is None:
        return ""
    label = table.get(str(code))
    return str(label) if label is not None else str(code)


__all__ = ["SOURCES", "REASONS", "FLOOR_CAUSES", "CAUSES", "TASK_CAUSES", "TASK_STATES", "DISCREPANCY_STATES", "MOVE_REASONS",
           "word"]
