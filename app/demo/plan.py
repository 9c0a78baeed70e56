"""The demo decided from a seed and a date, before the database is touched (pure).

Two warehouses with their shelves in walking order, about 500 SKUs with valid GS1 codes,
their lots (expired, inside the minimum shelf life, fresh), where each lot is stored, and
the demo users with their passwords, badges and PINs.
"""
from __future__ import annotations

import itertools
import random
import re
import string
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.auth.models import Role
from app.barcodes.checkdigit import with_check_digit
from app.demo.catalog import (
    CATEGORIES,
    COLOUR_CODES,
    FAMILIES,
    KITS,
    PACKING_STATION_NAME,
    QUARANTINE_NOTE,
    SHIPPING_LANE_NAME,
    USERS,
    WAREHOUSES,
    Category,
    Family,
)
from app.demo.summary import DemoUser
from app.masterdata.location_range import LocationRange, shelves_in_walking_order
from app.masterdata.locations import PICK_SEQUENCE_STEP
from app.stock.ledger import LotSpec
from app.stock.models import BarcodeKind, LocationKind, Tracking
from app.timeutil import local_today

DEFAULT_SEED = 20261124
BADGE_PREFIX = "ZU-"
BADGE_ALPHABET = string.ascii_uppercase + string.digits
STOCKED_SHARE = 0.85
NEAR_EXPIRY_SHARE = 0.25
EXPIRED_SHARE = 0.08
SECOND_LOT_SHARE = 0.3
EMPTY_SHELF_SHARE = 0.12
QUARANTINED_PRODUCTS = 8
DOCK_RESTOCKS = 4
DOCK_NEW_ARRIVALS = 2
RECEIPT_LINES = 60


@dataclass(frozen=True)
class Layout:
    """Storage shelves of a warehouse: zones of aisles, each aisle `racks` × `levels`."""

    aisles_per_zone: dict[str, int]
    racks: int
    levels: int
    packing_stations: int
    shipping_lanes: int
    shelf_capacity: int
    fast_movers_per_zone: dict[str, int] = field(default_factory=dict)

    def ranges(self) -> tuple[LocationRange, ...]:
        """The storage shelves as the locations screen creates them: one range per zone, in zone order."""
        return tuple(LocationRange((zone,), (1, aisles), (1, self.racks), (1, self.levels))
                     for zone, aisles in self.aisles_per_zone.items())


LAYOUTS = {
    "TKY": Layout({"A": 5, "B": 4, "C": 3}, racks=5, levels=5, packing_stations=3, shipping_lanes=1,
                  shelf_capacity=3),
    "OSK": Layout({"A": 2, "B": 1, "C": 1}, racks=4, levels=3, packing_stations=1, shipping_lanes=1,
                  shelf_capacity=2, fast_movers_per_zone={"A": 22, "B": 12, "C": 8}),
}
MAIN_WAREHOUSE = WAREHOUSES[0][0]


@dataclass(frozen=True)
class PlannedBarcode:
    code: str
    kind: BarcodeKind
    pack_qty: int = 1


@dataclass(frozen=True)
class PlannedProduct:
    sku: str
    name: str
    family: str
    category: str
    zone: str | None
    tracking: Tracking
    min_shelf_life_days: int
    reorder_point: int
    safety_stock: int
    barcodes: tuple[PlannedBarcode, ...]
    mixed_lots: bool | None = None
    components: tuple[tuple[str, int], ...] = ()

    @property
    def is_kit(self) -> bool:
        return bool(self.components)

    @property
    def case_pack(self) -> int:
        return max((b.pack_qty for b in self.barcodes), default=1)


@dataclass(frozen=True)
class PlannedLocation:
    code: str
    kind: LocationKind
    name: str | None = None
    zone: str | None = None
    aisle: str | None = None
    rack: str | None = None
    level: str | None = None
    pick_sequence: int | None = None

    @property
    def sellable(self) -> bool:
        return self.kind is LocationKind.STORAGE


@dataclass(frozen=True)
class PlannedWarehouse:
    code: str
    name: str
    locations: tuple[PlannedLocation, ...]

    def storage_codes(self, zone: str) -> list[str]:
        return [loc.code for loc in self.locations if loc.kind is LocationKind.STORAGE and loc.zone == zone]


@dataclass(frozen=True)
class PlannedLine:
    """`quantity` of a product (and lot) arriving at one location."""

    location: str
    sku: str
    quantity: int
    lot: LotSpec | None = None


@dataclass(frozen=True)
class PlannedReceipt:
    warehouse: str
    reference: str
    received_by: str
    lines: tuple[PlannedLine, ...]
    note: str | None = None


@dataclass(frozen=True)
class PlannedUser:
    login: str
    name: str
    roles: tuple[Role, ...]
    password: str
    badge_code: str
    pin: str
    warehouses: tuple[str, ...] | None

    def summary(self, all_codes: Sequence[str]) -> DemoUser:
        return DemoUser(
            self.login, self.name, tuple(r.value for r in self.roles), self.password, self.badge_code, self.pin,
            tuple(all_codes) if self.warehouses is None else self.warehouses, self.warehouses is None,
        )


@dataclass(frozen=True)
class DemoPlan:
    seed: int
    today: date
    warehouses: tuple[PlannedWarehouse, ...]
    products: tuple[PlannedProduct, ...]
    receipts: tuple[PlannedReceipt, ...]
    users: tuple[PlannedUser, ...]


def plan_demo(seed: int = DEFAULT_SEED, today: date | None = None) -> DemoPlan:
    """Decide the whole demo from `seed` and `today`, without touching a database."""
    today = today or local_today()
    rng = random.Random(seed)
    warehouses = tuple(_plan_warehouse(code, name) for code, name in WAREHOUSES)
    products = _plan_products(rng)
    users = _plan_users(rng)
    receipts = _plan_receipts(rng, warehouses, products, users, today)
    return DemoPlan(seed, today, warehouses, products, receipts, users)


# --- GS1 codes -------------------------------------------------------------------------------------


def case_gtin14(jan: str) -> str:
    """The GTIN-14 of a case of the unit `jan`: indicator digit 1, the JAN's first 12 digits, a new check digit."""
    return with_check_digit("1" + jan[:12])


class _CodeBook:
    """Unique GS1 codes: each brand has its own JAN company prefix (45/49 + 5 digits)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._prefixes: dict[str, str] = {}
        self._next_item: dict[str, int] = {}
        self._used: set[str] = set()

    def jan(self, brand: str) -> str:
        prefix = self._prefixes.get(brand) or self._new_prefix(brand)
        item = self._next_item[brand]
        self._next_item[brand] = item + self._rng.choice((1, 1, 1, 2, 3))
        return self._claim(prefix + f"{item:05d}")

    def ean8(self) -> str:
        return self._unique(lambda: "49" + self._digits(5))

    def upca(self) -> str:
        return self._unique(lambda: "0" + self._digits(10))

    def _new_prefix(self, brand: str) -> str:
        taken = set(self._prefixes.values())
        prefix = self._rng.choice(("45", "49")) + self._digits(5)
        while prefix in taken:
            prefix = self._rng.choice(("45", "49")) + self._digits(5)
        self._prefixes[brand] = prefix
        self._next_item[brand] = self._rng.randrange(10, 2000)
        return prefix

    def _digits(self, n: int) -> str:
        return "".join(self._rng.choice(string.digits) for _ in range(n))

    def _unique(self, make_body) -> str:
        body = make_body()
        while with_check_digit(body) in self._used:
            body = make_body()
        return self._claim(body)

    def _claim(self, body: str) -> str:
        code = with_check_digit(body)
        if code in self._used:
            raise ValueError(f"GS1 code {code} handed out twice")
        self._used.add(code)
        return code


# --- warehouses and locations ----------------------------------------------------------------------


def _plan_warehouse(code: str, name: str) -> PlannedWarehouse:
    layout = LAYOUTS[code]
    work_areas = [
        PlannedLocation(f"PACK-{n:02d}", LocationKind.PACKING, PACKING_STATION_NAME.format(n=n))
        for n in range(1, layout.packing_stations + 1)
    ] + [
        PlannedLocation(f"SHIP-{n:02d}", LocationKind.SHIPPING, SHIPPING_LANE_NAME.format(n=n))
        for n in range(1, layout.shipping_lanes + 1)
    ]
    return PlannedWarehouse(code, name, tuple(storage_locations(layout)) + tuple(work_areas))


def storage_locations(layout: Layout) -> Iterator[PlannedLocation]:
    """The layout's shelves in the locations screen's walking order (`shelves_in_walking_order`),
    numbered one `PICK_SEQUENCE_STEP` apart as a picker walks them, as the screen numbers a new range."""
    sequence = itertools.count(PICK_SEQUENCE_STEP, PICK_SEQUENCE_STEP)
    for zone_range in layout.ranges():
        for shelf in shelves_in_walking_order(zone_range):
            yield PlannedLocation(shelf.code, LocationKind.STORAGE, zone=shelf.zone, aisle=shelf.aisle, rack=shelf.rack,
                                  level=shelf.level, pick_sequence=next(sequence))


# --- the catalogue ---------------------------------------------------------------------------------


def _plan_products(rng: random.Random) -> tuple[PlannedProduct, ...]:
    codes = _CodeBook(rng)
    products: list[PlannedProduct] = []
    numbers: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1))
    for family in FAMILIES:
        category = CATEGORIES[family.category]
        style = next(numbers[f"{category.sku_prefix}-style"]) + 100
        for options in itertools.product(*family.options):
            sku = _sku(category, options, style, next(numbers[category.sku_prefix]))
            products.append(_plan_product(rng, codes, family, category, sku, options))
    return tuple(products) + _plan_kits(rng, codes, products)


def _sku(category: Category, options: tuple[str, ...], style: int, number: int) -> str:
    if category.key == "apparel":
        colour, size = options
        return f"{category.sku_prefix}-{style}-{COLOUR_CODES[colour]}-{re.sub(r'[^0-9A-Z]', '', size.upper())}"
    return f"{category.sku_prefix}-{number:04d}"


def _plan_product(rng, codes: _CodeBook, family: Family, category: Category, sku: str, options) -> PlannedProduct:
    jan = codes.jan(family.brand)
    barcodes = [PlannedBarcode(jan, BarcodeKind.EAN13)]
    if family.case_packs and rng.random() < category.case_share:
        pack = rng.choice(family.case_packs)
        barcodes.append(PlannedBarcode(case_gtin14(jan), BarcodeKind.GTIN14, pack))
    if family.short_code and rng.random() < 0.5:
        barcodes.append(PlannedBarcode(codes.ean8(), BarcodeKind.EAN8))
    if family.upc:
        barcodes.append(PlannedBarcode(codes.upca(), BarcodeKind.UPCA))
    safety = rng.randint(*category.safety_range)
    tracking = category.tracking
    return PlannedProduct(
        sku=sku,
        name=f"{family.brand} {family.template.format(*options)}",
        family=family.key,
        category=category.key,
        zone=category.zone,
        tracking=tracking,
        min_shelf_life_days=rng.choice(category.min_shelf_life_days) if tracking is Tracking.LOT_EXPIRY else 0,
        reorder_point=safety + rng.randint(*category.reorder_gap_range),
        safety_stock=safety,
        barcodes=tuple(barcodes),
        mixed_lots=True if tracking is Tracking.SERIAL else None,
    )


def _plan_kits(rng, codes: _CodeBook, products: list[PlannedProduct]) -> tuple[PlannedProduct, ...]:
    by_family: dict[str, list[str]] = defaultdict(list)
    for product in products:
        by_family[product.family].append(product.sku)
    category = CATEGORIES["set"]
    kits = []
    for number, kit in enumerate(KITS, 1):
        wanted = defaultdict(list)
        for family_key, quantity in kit.components:
            wanted[family_key].append(quantity)
        components = tuple(
            (sku, quantity)
            for family_key, quantities in wanted.items()
            for sku, quantity in zip(rng.sample(by_family[family_key], len(quantities)), quantities, strict=True)
        )
        kits.append(PlannedProduct(
            sku=f"{category.sku_prefix}-{number:04d}", name=f"{kit.brand} {kit.name}", family="set", category="set",
            zone=None, tracking=Tracking.NONE, min_shelf_life_days=0, reorder_point=0, safety_stock=0,
            barcodes=(PlannedBarcode(codes.jan(kit.brand), BarcodeKind.EAN13),), components=components,
        ))
    return tuple(kits)


# --- users -----------------------------------------------------------------------------------------


def _plan_users(rng: random.Random) -> tuple[PlannedUser, ...]:
    badges: set[str] = set()
    users = []
    for login, name, roles, warehouses in USERS:
        badge = _new_badge(rng)
        while badge in badges:
            badge = _new_badge(rng)
        badges.add(badge)
        users.append(PlannedUser(
            login, name, tuple(Role(r) for r in roles), f"{login}-pass", badge, f"{rng.randrange(10_000):04d}",
            warehouses,
        ))
    return tuple(users)


def _new_badge(rng: random.Random) -> str:
    return BADGE_PREFIX + "".join(rng.choice(BADGE_ALPHABET) for _ in range(6))


def _receiver_of(users: Sequence[PlannedUser], warehouse: str) -> str:
    return next(
        u.login for u in users
        if Role.RECEIVER in u.roles and (u.warehouses is None or warehouse in u.warehouses)
    )


# --- lots and where the stock lies ----------------------------------------------------------------


@dataclass
class _LotNumbers:
    """Lot and serial numbers of one product, never handed out twice."""

    rng: random.Random
    today: date
    used: set[str] = field(default_factory=set)

    def expiring(self, expiry: date) -> LotSpec:
        return LotSpec(self._unique(lambda: f"{expiry:%y%m%d}{self.rng.choice('ABCDEFGHK')}"), expiry)

    def batch(self) -> LotSpec:
        made = self.today - timedelta(days=self.rng.randint(14, 400))
        return LotSpec(self._unique(lambda: f"{made:%y%m}{self.rng.choice('ABCDEFGH')}{self.rng.randint(1, 9)}"))

    def serials(self, count: int) -> list[LotSpec]:
        start = self.rng.randrange(1_000, 90_000)
        return [LotSpec(self._unique(lambda n=n: f"PG{self.today:%y}{start + n:06d}")) for n in range(count)]

    def fresh(self, product: PlannedProduct) -> LotSpec | None:
        """A new lot far from expiry (None for products without lots)."""
        if product.tracking is Tracking.LOT_EXPIRY:
            return self.expiring(_fresh_expiry(self.rng, self.today, product.min_shelf_life_days))
        if product.tracking is Tracking.LOT:
            return self.batch()
        return None

    def _unique(self, make) -> str:
        number = make()
        while number in self.used:
            number = make()
        self.used.add(number)
        return number


@dataclass(frozen=True)
class _ProductStock:
    """The lots of a product, with quantities, in the main warehouse's storage; the first is the freshest."""

    product: PlannedProduct
    lots: tuple[tuple[LotSpec | None, int], ...]
    lot_numbers: _LotNumbers

    @property
    def main_lot(self) -> LotSpec | None:
        return self.lots[0][0]

    @property
    def by_serial(self) -> bool:
        return self.product.tracking is Tracking.SERIAL


def _stock_range(product: PlannedProduct) -> tuple[int, int]:
    return CATEGORIES[product.category].stock_range


def _quantity(rng: random.Random, product: PlannedProduct, low: int, high: int) -> int:
    """A quantity in [low, high], in whole cases when the product has a case code."""
    quantity = rng.randint(low, max(low, high))
    pack = product.case_pack
    return max(pack, round(quantity / pack) * pack) if pack > 1 else quantity


def _stock_of(rng: random.Random, product: PlannedProduct, today: date) -> _ProductStock:
    low, high = _stock_range(product)
    numbers = _LotNumbers(rng, today)
    if product.tracking is Tracking.SERIAL:
        lots = tuple((serial, 1) for serial in numbers.serials(rng.randint(low, high)))
    elif product.tracking is Tracking.NONE:
        lots = ((None, _quantity(rng, product, low, high)),)
    elif product.tracking is Tracking.LOT:
        lots = ((numbers.batch(), _quantity(rng, product, low, high)),)
        if rng.random() < SECOND_LOT_SHARE:
            lots += ((numbers.batch(), _quantity(rng, product, low, high // 3)),)
    else:
        lots = tuple(_expiring_lots(rng, product, today, numbers, low, high))
    return _ProductStock(product, lots, numbers)


def _expiring_lots(rng, product: PlannedProduct, today: date, numbers: _LotNumbers, low: int, high: int):
    """A fresh lot; sometimes one inside the minimum shelf life; rarely one already expired."""
    shelf_life = product.min_shelf_life_days
    yield numbers.expiring(_fresh_expiry(rng, today, shelf_life)), _quantity(rng, product, low, high)
    if rng.random() < NEAR_EXPIRY_SHARE:
        near = today + timedelta(days=rng.randint(1, shelf_life - 1))
        yield numbers.expiring(near), _quantity(rng, product, max(2, low // 4), high // 5)
    if rng.random() < EXPIRED_SHARE:
        past = today - timedelta(days=rng.randint(1, 60))
        yield numbers.expiring(past), _quantity(rng, product, 2, max(2, high // 10))


def _fresh_expiry(rng: random.Random, today: date, shelf_life: int) -> date:
    return today + timedelta(days=shelf_life + rng.randint(30, 540))


class _Shelves:
    """The storage locations of one zone, filled round-robin, a few left empty for putaway.

    A shelf holds at most `capacity` products and never two lots of the same product, so
    expiry-tracked products keep one lot per location.
    """

    def __init__(self, rng: random.Random, codes: Sequence[str], capacity: int) -> None:
        shuffled = list(codes)
        rng.shuffle(shuffled)
        self._usable = shuffled[round(len(shuffled) * EMPTY_SHELF_SHARE):]
        self._capacity = capacity
        self._held: dict[str, set[str]] = defaultdict(set)
        self._turn = itertools.cycle(self._usable)

    def place(self, sku: str) -> str:
        for _ in range(len(self._usable)):
            code = next(self._turn)
            held = self._held[code]
            if sku not in held and len(held) < self._capacity:
                held.add(sku)
                return code
        raise RuntimeError(f"no free shelf left for {sku}")


def _plan_receipts(rng, warehouses, products, users, today: date) -> tuple[PlannedReceipt, ...]:
    stockable = [p for p in products if not p.is_kit]
    stocked = [p for p in stockable if rng.random() < STOCKED_SHARE]
    stocked_skus = {p.sku for p in stocked}
    unstocked = [p for p in stockable if p.sku not in stocked_skus and p.tracking is not Tracking.SERIAL]
    stock = [_stock_of(rng, p, today) for p in stocked]
    main = next(w for w in warehouses if w.code == MAIN_WAREHOUSE)
    second = next(w for w in warehouses if w.code != MAIN_WAREHOUSE)
    references = (f"ZR-{today:%Y%m%d}-{n:03d}" for n in itertools.count(1))

    def receipts(warehouse: PlannedWarehouse, lines: list[PlannedLine], note: str | None = None):
        receiver = _receiver_of(users, warehouse.code)
        for start in range(0, len(lines), RECEIPT_LINES):
            chunk = tuple(lines[start:start + RECEIPT_LINES])
            yield PlannedReceipt(warehouse.code, next(references), receiver, chunk, note)

    return (
        *receipts(main, _shelved_lines(rng, main, stock)),
        *receipts(main, _dock_lines(rng, stock, unstocked, today)),
        *receipts(main, _quarantine_lines(rng, stock), QUARANTINE_NOTE),
        *receipts(second, _fast_mover_lines(rng, second, stock)),
    )


def _shelved_lines(rng, warehouse: PlannedWarehouse, stock: list[_ProductStock]) -> list[PlannedLine]:
    """Every lot on its own shelf of the product's zone; the units of a serial-tracked product share one."""
    layout = LAYOUTS[warehouse.code]
    shelves = {z: _Shelves(rng, warehouse.storage_codes(z), layout.shelf_capacity) for z in layout.aisles_per_zone}
    lines = []
    for item in stock:
        sku, zone_shelves = item.product.sku, shelves[item.product.zone]
        if item.by_serial:
            places = [zone_shelves.place(sku)] * len(item.lots)
        else:
            places = [zone_shelves.place(sku) for _ in item.lots]
        lines.extend(PlannedLine(place, sku, qty, lot) for place, (lot, qty) in zip(places, item.lots, strict=True))
    return lines


def _dock_lines(rng, stock: list[_ProductStock], unstocked: list[PlannedProduct], today: date) -> list[PlannedLine]:
    """Today's deliveries still on the dock, waiting for putaway: restocks and new arrivals."""
    restocks = rng.sample([s for s in stock if not s.by_serial], DOCK_RESTOCKS)
    lines = [
        PlannedLine("DOCK", s.product.sku, _quantity(rng, s.product, *_stock_range(s.product)), s.main_lot)
        for s in restocks
    ]
    for product in rng.sample(unstocked, min(DOCK_NEW_ARRIVALS, len(unstocked))):
        lot = _LotNumbers(rng, today).fresh(product)
        lines.append(PlannedLine("DOCK", product.sku, _quantity(rng, product, *_stock_range(product)), lot))
    return lines


def _quarantine_lines(rng, stock: list[_ProductStock]) -> list[PlannedLine]:
    """Deliveries held at receiving inspection (damaged cartons): one new lot per product."""
    held = rng.sample([s for s in stock if not s.by_serial], QUARANTINED_PRODUCTS)
    return [
        PlannedLine("QUARANTINE", s.product.sku, _quantity(rng, s.product, 2, 24), s.lot_numbers.fresh(s.product))
        for s in held
    ]


def _fast_mover_lines(rng, warehouse: PlannedWarehouse, stock: list[_ProductStock]) -> list[PlannedLine]:
    """Some products of each zone, also kept in the second warehouse (from the same fresh lot)."""
    layout = LAYOUTS[warehouse.code]
    lines = []
    for zone, count in layout.fast_movers_per_zone.items():
        shelves = _Shelves(rng, warehouse.storage_codes(zone), layout.shelf_capacity)
        candidates = [s for s in stock if s.product.zone == zone and not s.by_serial]
        for item in rng.sample(candidates, min(count, len(candidates))):
            low, high = _stock_range(item.product)
            quantity = _quantity(rng, item.product, low, high // 2)
            lines.append(PlannedLine(shelves.place(item.product.sku), item.product.sku, quantity, item.main_lot))
    return lines
