"""What a scan does on the stock lookup (在庫照会): say what it is and what we hold of it."""
from __future__ import annotations

from app.barcodes.results import Unresolved
from app.extensions import db
from app.floor.step import Answer, Scan, ScanRefused
from app.lookup.service import look_up

STEP = "lookup/_step.html"


def first_step() -> Answer:
    return Answer.idle(STEP)


def lookup(scan: Scan) -> Answer:
    """A refusal clears the card of the scan before, so nobody reads the old stock under a new error."""
    found = look_up(db.session, scan.code, scan.warehouse)
    if isinstance(found, Unresolved):
        raise ScanRefused(Answer.refusal(STEP, code=found.code or scan.code.strip(), error=found.message()))
    return Answer.ok(STEP, code=scan.code.strip(), found=found)
