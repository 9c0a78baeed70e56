"""Refusals of returns (返品) and put-backs (戻し): what was expected, what was scanned, what to do now."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.floor.refusals import FloorRefusal


@dataclass(eq=False)
class NoSuchOrder(FloorRefusal):
    scanned: str
    code = "no_such_order"

    def message(self) -> str:
        return _("No order or tracking number %(scanned)s in this warehouse. Scan the order label (ZO-…) or the "
                 "tracking number on the slip.", scanned=self.scanned)


@dataclass(eq=False)
class NotShipped(FloorRefusal):
    order_code: str
    status: str
    code = "not_shipped"

    def message(self) -> str:
        if self.status == "cancelled":
            return _("Order %(code)s was cancelled and never shipped: nothing of it can come back as a return. "
                     "Give the goods to a supervisor.", code=self.order_code)
        return _("Order %(code)s has not shipped yet: it cannot come back as a return. A supervisor cancels it "
                 "instead.", code=self.order_code)


@dataclass(eq=False)
class ScanTheOrderFirst(FloorRefusal):
    code = "order_first"

    def message(self) -> str:
        return _("Scan the order label (ZO-…) or the tracking number first, then the items.")


@dataclass(eq=False)
class KitComesAsParts(FloorRefusal):
    sku: str
    code = "kit_as_parts"

    def message(self) -> str:
        return _("%(sku)s is a set: scan each of its parts as it comes back.", sku=self.sku)


@dataclass(eq=False)
class AlreadyReturned(FloorRefusal):
    sku: str
    code = "already_returned"

    def message(self) -> str:
        return _("%(sku)s of this order was taken back meanwhile (another device). Here is the order as it is now: "
                 "scan the next item.", sku=self.sku)


@dataclass(eq=False)
class ExpectedAShelf(FloorRefusal):
    expected: str
    scanned: str
    code = "expected_shelf"

    def message(self) -> str:
        if self.expected:
            return _("Expected a shelf, scanned %(scanned)s. Scan the shelf %(expected)s or another storage shelf.",
                     scanned=self.scanned, expected=self.expected)
        return _("Expected a shelf, scanned %(scanned)s. Scan a storage shelf label (棚番).", scanned=self.scanned)


@dataclass(eq=False)
class NothingToPutBack(FloorRefusal):
    sku: str
    code = "nothing_to_put_back"

    def message(self) -> str:
        return _("No put-back task waits for %(sku)s. Scan an item of the list.", sku=self.sku)


@dataclass(eq=False)
class PutBackChanged(FloorRefusal):
    sku: str
    code = "put_back_changed"

    def message(self) -> str:
        return _("The put-back of %(sku)s was changed meanwhile (another device). Here is the list as it is now.",
                 sku=self.sku)


@dataclass(eq=False)
class MoreThanWaits(FloorRefusal):
    sku: str
    left: int
    code = "more_than_waits"

    def message(self) -> str:
        return _("Only %(left)s of %(sku)s wait to be put back. Type %(left)s or less.", left=self.left, sku=self.sku)
