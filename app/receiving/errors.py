"""Refusals of the receiving and putaway rules, each with what a screen needs to explain it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from app.web import format_day


class FloorRefusal(Exception):
    """A scan the floor rules refuse; nothing is written."""

    code = "refused"

    def message(self) -> str:
        return _("Refused.")


@dataclass(eq=False)
class ReceiptClosed(FloorRefusal):
    receipt: str
    code = "receipt_closed"

    def message(self) -> str:
        return _("Receipt %(code)s is closed: nothing more can be received on it.", code=self.receipt)


@dataclass(eq=False)
class ReceiptNotHere(FloorRefusal):
    """No such receipt in this warehouse (answered as 404: do not tell whether it exists)."""

    receipt_id: int
    code = "receipt_not_here"


@dataclass(eq=False)
class NotAProduct(FloorRefusal):
    scanned: str
    code = "not_a_product"

    def message(self) -> str:
        return _("%(code)s is not a product. Scan the product's barcode (JAN, case or GS1 label).", code=self.scanned)


@dataclass(eq=False)
class ProductInactive(FloorRefusal):
    sku: str
    code = "product_inactive"

    def message(self) -> str:
        return _("%(sku)s is no longer active: ask a supervisor before receiving it.", sku=self.sku)


@dataclass(eq=False)
class LotMissing(FloorRefusal):
    sku: str
    code = "lot_missing"

    def message(self) -> str:
        return _("%(sku)s is lot-tracked: enter or scan the lot.", sku=self.sku)


@dataclass(eq=False)
class ExpiryMissing(FloorRefusal):
    sku: str
    code = "expiry_missing"

    def message(self) -> str:
        return _("%(sku)s needs its expiry date (YYYY/MM/DD or YYMMDD).", sku=self.sku)


@dataclass(eq=False)
class BadExpiry(FloorRefusal):
    typed: str
    code = "bad_expiry"

    def message(self) -> str:
        return _("%(typed)s is not a date: type YYYY/MM/DD or YYMMDD.", typed=self.typed)


@dataclass(eq=False)
class LotExpired(FloorRefusal):
    sku: str
    lot: str
    expiry: date
    code = "lot_expired"

    def message(self) -> str:
        return _(
            "Lot %(lot)s of %(sku)s expired on %(expiry)s: do not receive it. Set it aside for the supervisor.",
            lot=self.lot, sku=self.sku, expiry=format_day(self.expiry),
        )


@dataclass(eq=False)
class SerialRequired(FloorRefusal):
    sku: str
    code = "serial_required"

    def message(self) -> str:
        return _("%(sku)s is serial-tracked: scan or type each unit's serial number.", sku=self.sku)


@dataclass(eq=False)
class SerialOnePerUnit(FloorRefusal):
    sku: str
    code = "serial_one_per_unit"

    def message(self) -> str:
        return _("%(sku)s is serial-tracked: receive one unit per serial number.", sku=self.sku)


@dataclass(eq=False)
class SerialAlreadyReceived(FloorRefusal):
    sku: str
    serial: str
    code = "serial_already_received"

    def message(self) -> str:
        return _("Serial %(serial)s of %(sku)s was already received. Check the unit.", serial=self.serial, sku=self.sku)


@dataclass(eq=False)
class BadQuantity(FloorRefusal):
    typed: str
    code = "bad_quantity"

    def message(self) -> str:
        return _("Quantity %(typed)s is not a whole number from 1 to 99999.", typed=self.typed)


@dataclass(eq=False)
class NothingToUndo(FloorRefusal):
    code = "nothing_to_undo"

    def message(self) -> str:
        return _("You have no scan on this receipt to undo.")


@dataclass(eq=False)
class AlreadyPutAway(FloorRefusal):
    sku: str
    code = "already_put_away"

    def message(self) -> str:
        return _("%(sku)s has already left the dock: the scan cannot be undone here. Ask a supervisor.", sku=self.sku)


@dataclass(eq=False)
class StalePage(FloorRefusal):
    receipt: str
    code = "stale_page"

    def message(self) -> str:
        return _("Receipt %(code)s changed while this page was open. Check the fresh figures, then close again.",
                 code=self.receipt)


@dataclass(eq=False)
class NotOnDock(FloorRefusal):
    sku: str
    code = "not_on_dock"

    def message(self) -> str:
        return _("%(sku)s is not waiting on the dock.", sku=self.sku)


@dataclass(eq=False)
class NotAStorageLocation(FloorRefusal):
    location: str
    code = "not_storage"

    def message(self) -> str:
        return _("%(location)s is not a storage shelf. Scan a shelf label (棚番).", location=self.location)


@dataclass(eq=False)
class LocationNotActive(FloorRefusal):
    location: str
    code = "location_inactive"

    def message(self) -> str:
        return _("%(location)s is inactive: choose another shelf.", location=self.location)


@dataclass(eq=False)
class MixedLotsRefused(FloorRefusal):
    location: str
    sku: str
    other_lot: str
    code = "mixed_lots"

    def message(self) -> str:
        return _(
            "%(location)s already holds lot %(other)s of %(sku)s: lots of this product are not mixed on one shelf.",
            location=self.location, other=self.other_lot, sku=self.sku,
        )


@dataclass(eq=False)
class ExpectedLocation(FloorRefusal):
    expected: str
    scanned: str
    code = "expected_location"

    def message(self) -> str:
        return _("Expected a shelf, scanned %(scanned)s. Scan the shelf %(expected)s or another shelf.",
                 scanned=self.scanned, expected=self.expected)
