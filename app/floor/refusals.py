"""Refusals of the floor: a scan the rules refuse, with what the screen needs to explain it.

Every workflow raises these (or its own subclasses of `FloorRefusal`); the scan step turns
them into a red answer and nothing the scan wrote is kept. Messages are translated when
shown, so a refusal stays plain data. Nothing here knows about HTTP or templates.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from app.barcodes.results import Unresolved
from app.i18n import format_day


class FloorRefusal(Exception):
    """A scan the floor rules refuse; nothing is written."""

    code = "refused"

    def message(self) -> str:
        return _("Refused.")


@dataclass(eq=False)
class NotHere(FloorRefusal):
    """The document is not one of this warehouse's (answered as 404: do not tell whether it exists)."""

    what: str
    code = "not_here"


@dataclass(eq=False)
class UnreadableScan(FloorRefusal):
    """The scan resolved to nothing usable; carries the resolver's own message."""

    unresolved: Unresolved
    code = "unreadable"

    def message(self) -> str:
        return self.unresolved.message()


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
class BadQuantity(FloorRefusal):
    typed: str
    code = "bad_quantity"

    def message(self) -> str:
        return _("Quantity %(typed)s is not a whole number from 1 to 99999.", typed=self.typed)


@dataclass(eq=False)
class BadLot(FloorRefusal):
    typed: str
    code = "bad_lot"

    def message(self) -> str:
        return _("Lot or serial %(typed)s cannot be used: at most 40 characters, no spaces. Scan the lot label or "
                 "type the lot again.", typed=self.typed)


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
class ExpectedLocation(FloorRefusal):
    expected: str
    scanned: str
    code = "expected_location"

    def message(self) -> str:
        return _("Expected a shelf, scanned %(scanned)s. Scan the shelf %(expected)s or another shelf.",
                 scanned=self.scanned, expected=self.expected)


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
