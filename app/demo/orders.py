"""The demo's open orders: what the channels sent this morning, so allocation and picking can be
tried at once.

In the main warehouse, from several channels: plain JAN products, lot-tracked food with near
and far expiry (楽天 accepts food only in the first third of its shelf life, so those products
get a `shelf_life_days`: one of them has only lots inside that rule, which a supervisor's
shelf-life override lets ship), a kit, a case product ordered by the case, and an order that
can only be partly allocated. Two orders are allocated and put on a pick list for the demo
picker (次のピッキング shows it); the others wait for `flask --app app orders allocate`.

Products are chosen from the stock the demo just received (sorted by SKU, then by a seeded
random choice), so the same seed and date give the same orders.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.orders import service, waves
from app.orders.models import SalesChannel
from app.stock.models import BarcodeKind, KitComponent, Location, LocationKind, Lot, Product, ProductBarcode, Quant, Tracking

ORDER_WAREHOUSE = "TKY"
DEMO_PICKER = "picker1"
ONE_THIRD = (1, 3)
SHIP_TO = ("山田 花子", "佐藤 健一", "鈴木 美咲", "高橋 翔太", "田中 由美", "伊藤 大輔", "渡辺 さくら", "小林 誠")
PARTLY_SHORT_BY = 3


@dataclass(frozen=True)
class DemoOrder:
    code: str
    channel: str
    lines: int
    units: int
    note: str = ""  # what the order shows (on a pick list, needs an override, partly allocatable…)


@dataclass(frozen=True)
class DemoOrders:
    orders: tuple[DemoOrder, ...] = ()
    pick_list: str | None = None
    picker: str | None = None


@dataclass
class _Stock:
    """A product's free units on sellable shelves of the warehouse, lot by lot."""

    product: Product
    lots: list[tuple[date | None, int]] = field(default_factory=list)
    case_pack: int = 1

    def usable(self, today: date, min_days: int) -> int:
        """Units of lots that are not expired and keep at least `min_days` of life."""
        return sum(free for expiry, free in self.lots if expiry is None or expiry >= today + timedelta(days=min_days))

    def freshest_free(self) -> int:
        """Free units of the lot that expires last."""
        dated = [(expiry, free) for expiry, free in self.lots if expiry is not None]
        return max(dated)[1] if dated else 0

    def remaining_days(self, today: date) -> list[int]:
        return sorted((expiry - today).days for expiry, _free in self.lots if expiry is not None and expiry >= today)


def create_demo_orders(session: Session, warehouse_ids: dict[str, int], user_ids: dict[str, int], *, seed: int,
                       today: date) -> DemoOrders:
    """The demo's orders (inside the caller's unit of work): see the module docstring."""
    if ORDER_WAREHOUSE not in warehouse_ids:
        return DemoOrders()
    warehouse_id = warehouse_ids[ORDER_WAREHOUSE]
    rng = random.Random(seed * 11 + 3)
    _one_third_rule_for_rakuten(session)
    stock = _stock(session, warehouse_id)
    picks = _Picks(rng, stock, today)
    names = iter(rng.sample(SHIP_TO, len(SHIP_TO)))
    ids = _ExternalIds(rng, today)

    plain = picks.plain(4)
    far_food, near_food = picks.food_for_the_one_third_rule()
    kit = picks.kit(session)
    case = picks.case()
    partly = picks.plain(1)[0]

    made: list[tuple[int, DemoOrder]] = []

    def order(channel: str, lines: list[tuple[Product, int]], note: str, **fields) -> int:
        draft = service.DraftOrder(channel, ids.next(channel), next(names),
                                   [service.DraftLine(p.id, q) for p, q in lines], **fields)
        created = service.create_order(session, warehouse_id, draft, user_id=user_ids.get("supervisor1"))
        made.append((created.id, DemoOrder(created.code, channel, len(lines), sum(q for _p, q in lines), note)))
        return created.id

    first = order("amazon", [(plain[0].product, 2), (plain[1].product, 1)], "", ship_by=today)
    second = order("yahoo", [(plain[2].product, 1), (plain[3].product, 3)], "gift", ship_by=today, gift=True)
    order("rakuten", [(far_food.product, 2), (near_food.product, 2)],
          f"1/3 rule: {near_food.product.sku} has only lots inside it (shelf-life override on the order's page)",
          ship_by=today + timedelta(days=1), priority=1)
    order("amazon", [(near_food.product, 2)], "the same food, no 1/3 rule on Amazon", ship_by=today + timedelta(days=1))
    if kit is not None:
        order("own", [(kit, 1)], "a kit: its components are reserved", ship_by=today + timedelta(days=1))
    if case is not None:
        order("yahoo", [(case.product, case.case_pack)], f"one case of {case.case_pack}",
              ship_by=today + timedelta(days=2))
    usable = partly.usable(today, partly.product.min_shelf_life_days)
    order("own", [(partly.product, usable + PARTLY_SHORT_BY)],
          f"only {usable} in stock: {PARTLY_SHORT_BY} stay backordered", ship_by=today + timedelta(days=2))

    picker_id = user_ids.get(DEMO_PICKER)
    for order_id in (first, second):
        service.allocate_order(session, order_id, user_id=user_ids.get("supervisor1"), today=today)
    pick_list = waves.build_wave(session, warehouse_id, [first, second], assigned_to_id=picker_id,
                                 user_id=user_ids.get("supervisor1"))
    described = tuple(
        _on_list(o, pick_list.code) if order_id in (first, second) else o for order_id, o in made
    )
    return DemoOrders(described, pick_list.code, DEMO_PICKER if picker_id else None)


def _on_list(order: DemoOrder, code: str) -> DemoOrder:
    note = f"on {code} for {DEMO_PICKER}" + (f", {order.note}" if order.note else "")
    return DemoOrder(order.code, order.channel, order.lines, order.units, note)


def _one_third_rule_for_rakuten(session: Session) -> None:
    service.ensure_channels(session)
    rakuten = session.scalar(select(SalesChannel).where(SalesChannel.code == "rakuten"))
    rakuten.accept_within_num, rakuten.accept_within_den = ONE_THIRD
    session.flush()


def _stock(session: Session, warehouse_id: int) -> dict[int, _Stock]:
    rows = session.execute(
        select(Product, Lot.expiry, (Quant.on_hand - Quant.reserved).label("free"))
        .join(Quant, Quant.product_id == Product.id)
        .join(Location, Location.id == Quant.location_id)
        .outerjoin(Lot, Lot.id == Quant.lot_id)
        .where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE,
               Location.sellable.is_(True), Location.active.is_(True), Quant.on_hand > Quant.reserved,
               Product.active.is_(True))
        .order_by(Product.sku, Lot.expiry)
    ).all()
    found: dict[int, _Stock] = {}
    for product, expiry, free in rows:
        found.setdefault(product.id, _Stock(product)).lots.append((expiry, int(free)))
    packs = session.execute(
        select(ProductBarcode.product_id, ProductBarcode.pack_qty)
        .where(ProductBarcode.kind == BarcodeKind.GTIN14, ProductBarcode.pack_qty > 1)
    )
    for product_id, pack in packs:
        if product_id in found:
            found[product_id].case_pack = max(found[product_id].case_pack, pack)
    return found


class _Picks:
    """Products for the demo orders, each used once, chosen by a seeded random from stock sorted by SKU."""

    def __init__(self, rng: random.Random, stock: dict[int, _Stock], today: date) -> None:
        self.rng = rng
        self.stock = sorted(stock.values(), key=lambda s: s.product.sku)
        self.by_id = {s.product.id: s for s in self.stock}
        self.today = today
        self.used: set[int] = set()

    def _take(self, candidates: list[_Stock], count: int = 1) -> list[_Stock]:
        free = [s for s in candidates if s.product.id not in self.used]
        if len(free) < count:
            raise RuntimeError("the demo stock has too few products for the demo orders")
        chosen = self.rng.sample(free, count)
        self.used.update(s.product.id for s in chosen)
        return chosen

    def plain(self, count: int) -> list[_Stock]:
        """Untracked products sold by the unit (no case code), with a few units on the shelves."""
        return self._take([s for s in self.stock if s.product.tracking is Tracking.NONE and not s.product.is_kit
                           and s.case_pack == 1 and s.usable(self.today, 0) >= 6], count)

    def case(self) -> _Stock | None:
        cases = [s for s in self.stock if s.product.tracking is Tracking.NONE and s.case_pack > 1
                 and s.usable(self.today, 0) >= 2 * s.case_pack and s.product.id not in self.used]
        return self._take(cases)[0] if cases else None

    def food_for_the_one_third_rule(self) -> tuple[_Stock, _Stock]:
        """Two zone-A foods with a shelf life set: one whose freshest lot keeps more than two thirds
        of it (楽天 takes it), one whose every lot is inside the last two thirds (楽天 refuses them all,
        other channels take them: they keep the product's minimum shelf life)."""
        food = [s for s in self.stock if s.product.tracking is Tracking.LOT_EXPIRY and s.product.zone == "A"]
        far_candidates = [s for s in food if len(s.remaining_days(self.today)) >= 2 and s.freshest_free() >= 4
                          and s.usable(self.today, s.product.min_shelf_life_days) >= 4]
        [far] = self._take(far_candidates)
        far.product.shelf_life_days = far.remaining_days(self.today)[-1]
        near_candidates = [s for s in food if s.usable(self.today, s.product.min_shelf_life_days) >= 6]
        [near] = self._take(near_candidates)
        life = -(-max(near.remaining_days(self.today)) * 3 // 2) + 30
        near.product.shelf_life_days = life
        return far, near

    def kit(self, session: Session) -> Product | None:
        """A kit every component of which has stock for two (without any channel's share rule)."""
        parts: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for kit_id, component_id, quantity in session.execute(
            select(KitComponent.kit_id, KitComponent.component_id, KitComponent.quantity).order_by(KitComponent.kit_id)
        ):
            parts[kit_id].append((component_id, quantity))
        kits = sorted(session.scalars(select(Product).where(Product.id.in_(list(parts)))).all(), key=lambda p: p.sku)
        ready = [k for k in kits if all(self._enough(component, 2 * per) for component, per in parts[k.id])
                 and not any(component in self.used for component, _per in parts[k.id])]
        if not ready:
            return None
        kit = self.rng.choice(ready)
        self.used.update(component for component, _per in parts[kit.id])
        return kit

    def _enough(self, product_id: int, units: int) -> bool:
        stock = self.by_id.get(product_id)
        return stock is not None and stock.usable(self.today, stock.product.min_shelf_life_days) >= units


class _ExternalIds:
    """Order numbers as each channel writes them."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.serial = rng.randrange(100, 900)

    def next(self, channel: str) -> str:
        self.serial += self.rng.randint(1, 9)
        if channel == "rakuten":
            return f"{self.rng.randrange(100000, 999999)}-{self.today:%Y%m%d}-{self.serial:010d}"
        if channel == "amazon":
            return f"250-{self.rng.randrange(1000000, 9999999)}-{self.rng.randrange(1000000, 9999999)}"
        if channel == "yahoo":
            return f"tana-store-{10000 + self.serial}"
        return f"{self.today:%y%m%d}-{self.serial:04d}"


__all__ = ["DemoOrder", "DemoOrders", "create_demo_orders", "ORDER_WAREHOUSE", "DEMO_PICKER"]
