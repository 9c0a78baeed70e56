"""Refusals of picking: what was expected, what was scanned, what to do now."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.floor.refusals import FloorRefusal


@dataclass(eq=False)
class WrongShelf(FloorRefusal):
    expected: str
    scanned: str
    code = "wrong_shelf"

    def message(self) -> str:
        return _("Wrong shelf: expected %(expected)s, scanned %(scanned)s. Go to %(expected)s and scan its label.",
                 expected=self.expected, scanned=self.scanned)


@dataclass(eq=False)
class ShelfFirst(FloorRefusal):
    expected: str
    code = "shelf_first"

    def message(self) -> str:
        return _("Scan the shelf %(expected)s first, then the item.", expected=self.expected)


@dataclass(eq=False)
class WrongItem(FloorRefusal):
    expected: str
    scanned: str
    shelf: str
    code = "wrong_item"

    def message(self) -> str:
        return _("Wrong item: expected %(expected)s, scanned %(scanned)s. Scan the item of shelf %(shelf)s.",
                 expected=self.expected, scanned=self.scanned, shelf=self.shelf)


@dataclass(eq=False)
class LotMayNotShip(FloorRefusal):
    lot: str
    expected: str
    why: str  # "expired" | "short_dated" | "later" | "not_here"
    code = "lot_may_not_ship"

    def message(self) -> str:
        if self.why == "expired":
            return _("Lot %(lot)s is expired and may not ship. Take lot %(expected)s.", lot=self.lot, expected=self.expected)
        if self.why == "short_dated":
            return _("Lot %(lot)s has too little shelf life left for this order. Take lot %(expected)s.",
                     lot=self.lot, expected=self.expected)
        if self.why == "later":
            return _("Lot %(lot)s expires later than lot %(expected)s: take lot %(expected)s first (FEFO).",
                     lot=self.lot, expected=self.expected)
        return _("Lot %(lot)s is not free on this shelf. Take lot %(expected)s.", lot=self.lot, expected=self.expected)


@dataclass(eq=False)
class TooMany(FloorRefusal):
    scanned: int
    left: int
    code = "too_many"

    def message(self) -> str:
        return _("That is %(scanned)s, but only %(left)s are left to pick on this line. Put the rest back.",
                 scanned=self.scanned, left=self.left)


@dataclass(eq=False)
class NotATote(FloorRefusal):
    scanned: str
    code = "not_a_tote"

    def message(self) -> str:
        return _("%(scanned)s is not a tote. Scan a tote label (ZT-…).", scanned=self.scanned)


@dataclass(eq=False)
class ToteInUse(FloorRefusal):
    tote: str
    code = "tote_in_use"

    def message(self) -> str:
        return _("Tote %(tote)s is in use (goods in it or on another list). Take an empty tote.", tote=self.tote)


@dataclass(eq=False)
class NotYourList(FloorRefusal):
    list_code: str
    code = "not_your_list"

    def message(self) -> str:
        return _("Pick list %(code)s belongs to another picker.", code=self.list_code)


@dataclass(eq=False)
class ListFinished(FloorRefusal):
    list_code: str
    code = "list_finished"

    def message(self) -> str:
        return _("Pick list %(code)s is finished.", code=self.list_code)
