"""Refusals of receiving, each with what a screen needs to explain it."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.floor.refusals import FloorRefusal


@dataclass(eq=False)
class ReceiptClosed(FloorRefusal):
    receipt: str
    code = "receipt_closed"

    def message(self) -> str:
        return _("Receipt %(code)s is closed: nothing more can be received on it.", code=self.receipt)


@dataclass(eq=False)
class NotAnOpenReceipt(FloorRefusal):
    scanned: str
    code = "not_an_open_receipt"

    def message(self) -> str:
        return _("%(code)s is not an open receipt of this warehouse. Scan the receipt label (ZR-…).", code=self.scanned)


@dataclass(eq=False)
class LotExpected(FloorRefusal):
    sku: str
    scanned: str
    code = "lot_expected"

    def message(self) -> str:
        return _("%(scanned)s is a product barcode, not a lot. Scan or type the lot of %(sku)s.",
                 scanned=self.scanned, sku=self.sku)


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
        return _("Receipt %(code)s changed while this page was open. Check the fresh figures, then try again.",
                 code=self.receipt)
