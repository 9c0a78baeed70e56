"""Refusals of orders: plain data with a message in the user's language."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.floor.refusals import FloorRefusal


@dataclass(eq=False)
class DuplicateOrder(FloorRefusal):
    channel: str
    external_id: str
    existing_code: str
    code = "duplicate_order"

    def message(self) -> str:
        return _("Order %(external)s from %(channel)s is already here as %(code)s: nothing was changed.",
                 external=self.external_id, channel=self.channel, code=self.existing_code)


@dataclass(eq=False)
class UnknownChannel(FloorRefusal):
    channel: str
    code = "unknown_channel"

    def message(self) -> str:
        return _("Unknown sales channel: %(channel)s.", channel=self.channel)


@dataclass(eq=False)
class OrderNotOpen(FloorRefusal):
    order_code: str
    status: str
    code = "order_not_open"

    def message(self) -> str:
        return _("Order %(code)s can no longer be allocated (%(status)s).", code=self.order_code, status=self.status)
