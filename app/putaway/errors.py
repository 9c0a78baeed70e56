"""Refusals of putaway."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.floor.refusals import FloorRefusal


@dataclass(eq=False)
class NotOnDock(FloorRefusal):
    sku: str
    code = "not_on_dock"

    def message(self) -> str:
        if not self.sku:
            return _("These goods are no longer waiting on the dock. Scan the next item.")
        return _("%(sku)s is not waiting on the dock.", sku=self.sku)
