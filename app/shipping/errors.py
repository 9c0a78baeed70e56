"""Refusals of shipping."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.floor.refusals import FloorRefusal


@dataclass(eq=False)
class NoPackedOrderWithSlip(FloorRefusal):
    scanned: str
    code = "no_packed_order_with_slip"

    def message(self) -> str:
        return _("No packed order here has slip %(scanned)s. Scan the slip on the box.", scanned=self.scanned)


@dataclass(eq=False)
class NotReadyToShip(FloorRefusal):
    order_code: str
    code = "not_ready_to_ship"

    def message(self) -> str:
        return _("Order %(code)s is not packed with a slip yet: it cannot ship.", code=self.order_code)
