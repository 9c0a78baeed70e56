"""An in-memory `Catalog` for the pure tests of resolve: what a small warehouse knows, and
which lookups resolve asked for."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.barcodes.results import BadgeHit, LocationHit, LotHit, ProductHit
from app.stock.models import LocationKind, Tracking

WAREHOUSE_ID = 1
OTHER_WAREHOUSE_ID = 2

JAN = "4901234567894"
CASE_GTIN = "14901234567891"
UPC_A = "036000291452"
EAN8 = "49123456"
NUMERIC_INTERNAL_CODE = "20000001"  # an 8-digit internal code with a wrong EAN-8 check digit


def _product(product_id: int, sku: str, barcode: str, pack_qty: int = 1, gtin: str | None = None,
             tracking: Tracking = Tracking.NONE) -> ProductHit:
    return ProductHit(product_id, sku, f"商品 {sku}", pack_qty, tracking, gtin, barcode)


@dataclass
class FakeCatalog:
    locations: dict[str, LocationHit] = field(default_factory=dict)
    elsewhere: set[str] = field(default_factory=set)
    barcodes: dict[str, ProductHit] = field(default_factory=dict)
    internal_codes: dict[str, ProductHit] = field(default_factory=dict)
    lots: dict[tuple[int, str], LotHit] = field(default_factory=dict)
    badges: dict[str, tuple[BadgeHit, bool]] = field(default_factory=dict)
    calls: list[tuple[str, object]] = field(default_factory=list)

    def location(self, code):
        self.calls.append(("location", code))
        return self.locations.get(code)

    def location_elsewhere(self, code):
        self.calls.append(("location_elsewhere", code))
        return code in self.elsewhere

    def product_by_gtin(self, spellings, lot=None):
        self.calls.append(("product_by_gtin", spellings))
        for spelling in spellings:
            if spelling in self.barcodes:
                product = self.barcodes[spelling]
                gtin = spellings[0].zfill(14)
                hit = ProductHit(product.product_id, product.sku, product.name, product.pack_qty,
                                 product.tracking, gtin, spelling, product.active)
                return hit, self.lots.get((product.product_id, lot)) if lot else None
        return None

    def product_by_internal_code(self, code):
        self.calls.append(("product_by_internal_code", code))
        return self.internal_codes.get(code)

    def badge(self, code):
        self.calls.append(("badge", code))
        return self.badges.get(code)

    def asked(self, what: str) -> bool:
        return any(name == what for name, _ in self.calls)


def small_warehouse() -> FakeCatalog:
    """One product with a JAN, its case and a lot; a UPC-A and an EAN-8 product; a numeric
    internal code; two locations; a badge and a former colleague's."""
    unit = _product(10, "SKU-TEA", JAN, tracking=Tracking.LOT_EXPIRY)
    case = _product(10, "SKU-TEA", CASE_GTIN, pack_qty=12, tracking=Tracking.LOT_EXPIRY)
    return FakeCatalog(
        locations={
            "A-01-03-2": LocationHit(100, "A-01-03-2", LocationKind.STORAGE, WAREHOUSE_ID),
            "12345670": LocationHit(101, "12345670", LocationKind.STORAGE, WAREHOUSE_ID),
        },
        elsewhere={"B-09-09-9"},
        barcodes={
            JAN: unit,
            CASE_GTIN: case,
            UPC_A: _product(11, "SKU-US", UPC_A),
            "12345670": _product(12, "SKU-8", "12345670"),
            EAN8: _product(13, "SKU-E8", EAN8),
        },
        internal_codes={
            NUMERIC_INTERNAL_CODE: _product(14, "SKU-INT", NUMERIC_INTERNAL_CODE),
            "SKU-TEA": _product(10, "SKU-TEA", "SKU-TEA", tracking=Tracking.LOT_EXPIRY),
        },
        lots={(10, "LOT42"): LotHit(500, 10, "LOT42", date(2027, 12, 31))},
        badges={
            "ZU-7F3K9Q": (BadgeHit(7, "山田 花子"), True),
            "ZU-OLD001": (BadgeHit(8, "佐藤 一郎"), False),
        },
    )
