"""Refusals of packing: what was expected, what was scanned, what to do now."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.floor.refusals import FloorRefusal


@dataclass(eq=False)
class NoSuchOrder(FloorRefusal):
    scanned: str
    code = "no_such_order"

    def message(self) -> str:
        return _("%(scanned)s is not an order waiting for packing here. Scan the order label, its tote or its pick list.",
                 scanned=self.scanned)


@dataclass(eq=False)
class ScanTheTote(FloorRefusal):
    list_code: str
    code = "scan_the_tote"

    def message(self) -> str:
        return _("Pick list %(code)s holds several orders: scan the tote of the order you pack.", code=self.list_code)


@dataclass(eq=False)
class NotPackable(FloorRefusal):
    order_code: str
    status: str
    code = "not_packable"

    def message(self) -> str:
        return _("Order %(code)s cannot be packed now (%(status)s): only a fully picked order is packed.",
                 code=self.order_code, status=self.status)


@dataclass(eq=False)
class PackedByAnother(FloorRefusal):
    order_code: str
    packer: str
    code = "packed_by_another"

    def message(self) -> str:
        return _("%(packer)s is packing order %(code)s. Take another order.", packer=self.packer, code=self.order_code)


@dataclass(eq=False)
class NotOnOrder(FloorRefusal):
    order_code: str
    belongs_to: str | None = None
    scanned: str = ""
    code = "not_on_order"

    def message(self) -> str:
        if self.belongs_to:
            return _("%(scanned)s is not on order %(code)s: it belongs to order %(other)s. Put it aside for that order.",
                     scanned=self.scanned, code=self.order_code, other=self.belongs_to)
        return _("%(scanned)s is not on order %(code)s. Do not pack it: put it aside.",
                 scanned=self.scanned, code=self.order_code)


@dataclass(eq=False)
class AlreadyAllPacked(FloorRefusal):
    sku: str
    picked: int
    code = "already_all_packed"

    def message(self) -> str:
        return _("All %(n)s × %(sku)s of this order are already packed: this one is extra. Put it aside.",
                 n=self.picked, sku=self.sku)


@dataclass(eq=False)
class TooManyForLine(FloorRefusal):
    sku: str
    scanned: int
    left: int
    code = "too_many_for_line"

    def message(self) -> str:
        return _("That is %(scanned)s × %(sku)s, but only %(left)s are left to pack.", scanned=self.scanned,
                 sku=self.sku, left=self.left)


@dataclass(eq=False)
class NotPickedLot(FloorRefusal):
    sku: str
    lot: str
    code = "not_picked_lot"

    def message(self) -> str:
        return _("Lot %(lot)s of %(sku)s was not picked for this order. Check the item.", lot=self.lot, sku=self.sku)


@dataclass(eq=False)
class SerialAlreadyPacked(FloorRefusal):
    sku: str
    serial: str
    code = "serial_already_packed"

    def message(self) -> str:
        return _("Serial %(serial)s of %(sku)s is already packed. Scan the next unit's serial.", serial=self.serial,
                 sku=self.sku)


@dataclass(eq=False)
class NothingInTote(FloorRefusal):
    order_code: str
    code = "nothing_in_tote"

    def message(self) -> str:
        return _("Order %(code)s has no tote with goods.", code=self.order_code)


@dataclass(eq=False)
class NotPackedYet(FloorRefusal):
    order_code: str
    code = "not_packed_yet"

    def message(self) -> str:
        return _("Order %(code)s is not packed yet: scan its items first.", code=self.order_code)


@dataclass(eq=False)
class SlipUsed(FloorRefusal):
    number: str
    other: str
    code = "slip_used"

    def message(self) -> str:
        return _("Slip %(number)s is already on order %(other)s. Scan this box's own slip.", number=self.number,
                 other=self.other)


@dataclass(eq=False)
class BadSlip(FloorRefusal):
    reason: str
    shown: str
    code = "bad_slip"

    def message(self) -> str:
        if self.reason == "check_digit":
            return _("%(shown)s: the check digit does not match. Scan the slip again or type it carefully.",
                     shown=self.shown)
        if self.reason == "length":
            return _("%(shown)s: this carrier's tracking numbers have 12 digits.", shown=self.shown)
        if self.reason == "empty":
            return _("Scan the carrier's slip.")
        return _("%(shown)s is not a tracking number of this carrier.", shown=self.shown)
