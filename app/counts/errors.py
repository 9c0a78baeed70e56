"""Refusals of counting."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.floor.refusals import FloorRefusal


@dataclass(eq=False)
class WrongShelf(FloorRefusal):
    expected: str
    scanned: str
    code = "count_wrong_shelf"

    def message(self) -> str:
        return _("This count is of shelf %(expected)s, not %(scanned)s. Go to %(expected)s and scan its label.",
                 expected=self.expected, scanned=self.scanned)


@dataclass(eq=False)
class ShelfFirst(FloorRefusal):
    expected: str
    code = "count_shelf_first"

    def message(self) -> str:
        return _("Scan the shelf %(expected)s first, then count its items.", expected=self.expected)


@dataclass(eq=False)
class LotNeeded(FloorRefusal):
    sku: str
    code = "count_lot_needed"

    def message(self) -> str:
        return _("%(sku)s is counted by lot: scan its lot label (GS1) or tap its lot.", sku=self.sku)
