"""What a scan resolves to: exactly one of these frozen values.

Every hit carries what a floor screen needs without another query; `Unresolved` carries a
reason word for code and `message()` for people (translated when shown). `scan_kind` names
the type for templates and JSON (`product`, `location`, `gs1`, `badge`, `document`,
`unresolved`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar

from flask_babel import gettext as _

from app.barcodes.normalize import GS, MAX_SCAN_LENGTH
from app.barcodes.reasons import Reason
from app.stock.models import LocationKind, Tracking

SHOWN_CODE_LENGTH = 60


class DocumentKind(StrEnum):
    TOTE = "tote"
    RECEIPT = "receipt"
    ORDER = "order"
    PICK_LIST = "pick_list"
    COUNT_TASK = "count_task"


@dataclass(frozen=True, slots=True)
class ProductHit:
    """A product barcode. `pack_qty` units per scan (1 for a unit, 12 for a case of 12);
    `gtin` is the 14-digit GTIN for GTIN-family codes, None for internal codes and SKUs;
    `barcode` is the code as registered. Screens refuse `active=False`."""

    scan_kind: ClassVar[str] = "product"
    product_id: int
    sku: str
    name: str
    pack_qty: int
    tracking: Tracking
    gtin: str | None
    barcode: str
    active: bool = True
    min_shelf_life_days: int = 0


@dataclass(frozen=True, slots=True)
class LocationHit:
    """A location of the scanning warehouse. Inactive ones resolve (a supervisor may look at
    what is left on them) with `active=False`; floor workflows refuse them."""

    scan_kind: ClassVar[str] = "location"
    location_id: int
    code: str
    kind: LocationKind
    warehouse_id: int
    active: bool = True


@dataclass(frozen=True, slots=True)
class LotHit:
    """A lot we already know, named by a GS1 scan (product + AI 10)."""

    lot_id: int
    product_id: int
    number: str
    expiry: date | None


@dataclass(frozen=True, slots=True)
class Gs1Hit:
    """A GS1 element string. `product` is None when the GTIN is not registered (or absent, as on
    an SSCC pallet label); `known_lot` is set when product and lot name a lot we know.

    Dates and counts are what the scan says, None when absent: an absent expiry means "not on
    this label", never "no expiry"; use `expiry_or(known)` to decide what to record.
    `quantity` (AI 30/37) counts trade items of `gtin`, each of `product.pack_qty` units."""

    scan_kind: ClassVar[str] = "gs1"
    product: ProductHit | None
    gtin: str | None
    lot: str | None
    expiry: date | None
    best_before: date | None
    serial: str | None
    quantity: int | None
    sscc: str | None
    known_lot: LotHit | None = None
    production_date: date | None = None
    packaging_date: date | None = None
    gtin_is_content: bool = False
    symbology: str | None = None
    elements: tuple[tuple[str, str], ...] = ()

    def expiry_or(self, known: date | None) -> date | None:
        """The expiry to keep: the scanned one if the label has one, else `known` (never blanked)."""
        return self.expiry if self.expiry is not None else known

    @property
    def expiry_disagrees(self) -> bool:
        """The label's expiry differs from the one recorded for this lot."""
        return (
            self.known_lot is not None
            and self.known_lot.expiry is not None
            and self.expiry is not None
            and self.expiry != self.known_lot.expiry
        )

    def hri(self) -> str:
        """The printed form, e.g. `(01)04901234567894(17)271231(10)LOT42`."""
        return "".join(f"({ai}){value}" for ai, value in self.elements)


@dataclass(frozen=True, slots=True)
class BadgeHit:
    """An active user's badge. Nothing more than who: login asks for the PIN."""

    scan_kind: ClassVar[str] = "badge"
    user_id: int
    name: str


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """One of our document labels (`ZT-0042`): `code` as printed, `number` without the prefix.
    Not looked up: the workflow that owns the document does that."""

    scan_kind: ClassVar[str] = "document"
    kind: DocumentKind
    code: str
    number: str


@dataclass(frozen=True, slots=True)
class Unresolved:
    """Why a scan means nothing here. `code` is the cleaned scan (empty when it was refused
    before cleaning finished); `detail` is the technical cause, for logs and tests."""

    scan_kind: ClassVar[str] = "unresolved"
    reason: Reason
    detail: str = ""
    code: str = ""

    def message(self) -> str:
        """The reason in the user's language, naming the code."""
        return _MESSAGES[self.reason](_shown(self.code), self.detail)


Resolved = ProductHit | LocationHit | Gs1Hit | BadgeHit | DocumentRef | Unresolved
RESULT_TYPES: tuple[type, ...] = (ProductHit, LocationHit, Gs1Hit, BadgeHit, DocumentRef, Unresolved)


def _shown(code: str) -> str:
    visible = code.replace(GS, "␝")
    return visible if len(visible) <= SHOWN_CODE_LENGTH else visible[: SHOWN_CODE_LENGTH - 1] + "…"


_MESSAGES = {
    Reason.EMPTY: lambda code, detail: _("Nothing was scanned."),
    Reason.TOO_LONG: lambda code, detail: _(
        "The scan is too long to be a barcode (%(length)s characters, at most %(limit)s).",
        length=detail, limit=MAX_SCAN_LENGTH,
    ),
    Reason.CONTROL_CHARS: lambda code, detail: _(
        "The scan contains control characters: check the scanner's settings."
    ),
    Reason.BAD_CHECK_DIGIT: lambda code, detail: _("Check digit wrong in %(code)s: scan it again.", code=code),
    Reason.MALFORMED_GS1: lambda code, detail: _("Cannot read the GS1 code %(code)s.", code=code),
    Reason.AMBIGUOUS_GS1: lambda code, detail: _(
        "The GS1 code %(code)s is ambiguous (a separator is missing): type it as printed, with the (AI) brackets.",
        code=code,
    ),
    Reason.MALFORMED_LABEL: lambda code, detail: _("Malformed label: %(code)s", code=code),
    Reason.UNKNOWN_LOCATION: lambda code, detail: _("No location %(code)s in this warehouse.", code=code),
    Reason.OTHER_WAREHOUSE: lambda code, detail: _("Location %(code)s belongs to another warehouse.", code=code),
    Reason.UNKNOWN_BADGE: lambda code, detail: _("Unknown badge: %(code)s", code=code),
    Reason.INACTIVE_BADGE: lambda code, detail: _("Badge %(code)s is no longer active.", code=code),
    Reason.UNKNOWN_PRODUCT: lambda code, detail: _("No product has the barcode %(code)s.", code=code),
    Reason.UNKNOWN: lambda code, detail: _("Unknown barcode: %(code)s", code=code),
}

__all__ = [
    "DocumentKind", "ProductHit", "LocationHit", "LotHit", "Gs1Hit", "BadgeHit", "DocumentRef",
    "Unresolved", "Resolved", "RESULT_TYPES",
]
