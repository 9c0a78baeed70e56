"""Typed refusals of the ledger. Each carries what a floor screen needs to explain it.

`message()` is translated at the moment it is shown (in the user's language), so the
error itself stays plain data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _


class StockError(Exception):
    """Base of every refusal: nothing was written."""

    code = "stock_error"

    def message(self) -> str:
        return _("The stock change was refused.")

    def __str__(self) -> str:
        return f"{self.code}: {self.__dict__}"


@dataclass(eq=False)
class InvalidQuantity(StockError):
    quantity: object
    code = "invalid_quantity"

    def message(self) -> str:
        return _("Quantity must be a whole number greater than zero (got %(qty)s).", qty=self.quantity)


@dataclass(eq=False)
class NotEnoughStock(StockError):
    """Taking or reserving more than is free: on-hand − reserved at that place."""

    sku: str
    location: str
    lot: str | None
    requested: int
    available: int
    code = "not_enough_stock"

    def message(self) -> str:
        return _(
            "Not enough stock of %(sku)s at %(location)s: %(requested)s asked, %(available)s free.",
            sku=self.sku, location=self.location, requested=self.requested, available=self.available,
        )


@dataclass(eq=False)
class LotNotAtLocation(StockError):
    sku: str
    location: str
    lot: str | None
    code = "lot_not_at_location"

    def message(self) -> str:
        if self.lot:
            return _("Lot %(lot)s of %(sku)s is not at %(location)s.", lot=self.lot, sku=self.sku, location=self.location)
        return _("%(sku)s is not at %(location)s.", sku=self.sku, location=self.location)


@dataclass(eq=False)
class LotOfOtherProduct(StockError):
    lot: str
    sku: str
    lot_sku: str
    code = "lot_of_other_product"

    def message(self) -> str:
        return _("Lot %(lot)s belongs to %(lot_sku)s, not to %(sku)s.", lot=self.lot, lot_sku=self.lot_sku, sku=self.sku)


@dataclass(eq=False)
class LotRequired(StockError):
    sku: str
    code = "lot_required"

    def message(self) -> str:
        return _("%(sku)s is lot-tracked: scan or enter its lot.", sku=self.sku)


@dataclass(eq=False)
class LotNotTracked(StockError):
    sku: str
    code = "lot_not_tracked"

    def message(self) -> str:
        return _("%(sku)s is not lot-tracked: it takes no lot.", sku=self.sku)


@dataclass(eq=False)
class ExpiryRequired(StockError):
    sku: str
    lot: str
    code = "expiry_required"

    def message(self) -> str:
        return _("Lot %(lot)s of %(sku)s needs an expiry date.", lot=self.lot, sku=self.sku)


@dataclass(eq=False)
class LotExpiryMismatch(StockError):
    """An existing lot number arrived with another expiry: never overwrite silently."""

    sku: str
    lot: str
    known: date
    given: date
    code = "lot_expiry_mismatch"

    def message(self) -> str:
        return _(
            "Lot %(lot)s of %(sku)s is known with expiry %(known)s, not %(given)s. Check the label.",
            lot=self.lot, sku=self.sku, known=self.known.isoformat(), given=self.given.isoformat(),
        )


@dataclass(eq=False)
class VirtualToVirtual(StockError):
    from_location: str
    to_location: str
    code = "virtual_to_virtual"

    def message(self) -> str:
        return _(
            "Stock cannot move from %(src)s to %(dst)s: neither is a real place.",
            src=self.from_location, dst=self.to_location,
        )


@dataclass(eq=False)
class SameLocation(StockError):
    location: str
    code = "same_location"

    def message(self) -> str:
        return _("Source and destination are both %(location)s.", location=self.location)


@dataclass(eq=False)
class CrossWarehouse(StockError):
    from_location: str
    to_location: str
    code = "cross_warehouse"

    def message(self) -> str:
        return _(
            "%(src)s and %(dst)s are in different warehouses.", src=self.from_location, dst=self.to_location
        )


@dataclass(eq=False)
class LocationInactive(StockError):
    location: str
    code = "location_inactive"

    def message(self) -> str:
        return _("Location %(location)s is inactive: it takes no stock.", location=self.location)


@dataclass(eq=False)
class UnknownLocation(StockError):
    location_id: int
    code = "unknown_location"

    def message(self) -> str:
        return _("Unknown location.")


@dataclass(eq=False)
class UnknownProduct(StockError):
    product_id: int
    code = "unknown_product"

    def message(self) -> str:
        return _("Unknown product.")


@dataclass(eq=False)
class UnknownLot(StockError):
    lot_id: int
    code = "unknown_lot"

    def message(self) -> str:
        return _("Unknown lot.")


@dataclass(eq=False)
class KitHasNoStock(StockError):
    sku: str
    code = "kit_has_no_stock"

    def message(self) -> str:
        return _("%(sku)s is a kit: move or reserve its components instead.", sku=self.sku)


@dataclass(eq=False)
class ReservationNotOpen(StockError):
    reservation_id: int
    code = "reservation_not_open"

    def message(self) -> str:
        return _("That reservation is already released or used.")


@dataclass(eq=False)
class ReservationTooSmall(StockError):
    reservation_id: int
    requested: int
    held: int
    code = "reservation_too_small"

    def message(self) -> str:
        return _(
            "Only %(held)s are reserved for this line; %(requested)s asked.", held=self.held, requested=self.requested
        )


@dataclass(eq=False)
class ReservationElsewhere(StockError):
    """A move that consumes a reservation must take from the reserved quant."""

    reservation_id: int
    code = "reservation_elsewhere"

    def message(self) -> str:
        return _("This stock is reserved at another location or lot.")


@dataclass(eq=False)
class IdempotencyConflict(StockError):
    """The key was used before for a different change."""

    key: str
    code = "idempotency_conflict"

    def message(self) -> str:
        return _("This request was already used for a different change. Reload and scan again.")
