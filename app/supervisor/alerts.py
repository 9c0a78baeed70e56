"""Alerts: what a supervisor should act on today.

- **Reorder** (seed 004): a product the warehouse carries whose sellable stock (app.stock.availability) is at or below its
  reorder point or its safety stock. Daily demand is the units picked in the warehouse over the last
  `demand_days`, averaged; the computed reorder point is demand × lead time + safety stock, and the
  suggested order fills up to max(that, the product's reorder point) plus `cover_days` of demand.
  A product without a lead time is given the default one (and says so).
- **Expiring**: lots on storage shelves whose expiry is within 30, 60 or 90 days.
- **Expired on a sellable shelf**: lots past their expiry still where orders are picked from.
- **Counts overdue**: shelves not counted within their ABC class's interval (app.supervisor.schedule).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import Session

from app.stock.availability import availability
from app.stock.models import Location, LocationKind, Lot, MoveReason, Product, Quant, StockMove
from app.supervisor import schedule
from app.supervisor.settings import ReorderSettings
from app.timeutil import local_today, utcnow

EXPIRY_BANDS = (30, 60, 90)
LISTED = 50


@dataclass(frozen=True)
class Reorder:
    product_id: int
    sku: str
    name: str
    available: int
    reorder_point: int
    safety_stock: int
    daily_demand: float
    lead_time: int
    lead_time_set: bool
    computed_point: int
    suggested: int

    @property
    def below_safety(self) -> bool:
        return self.available <= self.safety_stock


@dataclass(frozen=True)
class ShelfLot:
    sku: str
    name: str
    lot: str
    expiry: date
    shelf: str
    on_hand: int
    days_left: int

    @property
    def band(self) -> int:
        """30, 60 or 90: the first band the lot's expiry falls in (0 when expired)."""
        return next((days for days in EXPIRY_BANDS if self.days_left <= days), 0) if self.days_left >= 0 else 0


@dataclass(frozen=True)
class Alerts:
    reorder: list[Reorder]  # the first LISTED
    reorder_total: int
    expiring: list[ShelfLot]
    expiring_total: int
    expiring_bands: Mapping[int, int]
    expired: list[ShelfLot]
    expired_total: int
    overdue: list[schedule.Shelf]
    overdue_total: int
    overdue_by_class: Mapping[str, int]

    def expiring_in(self, band: int) -> int:
        return self.expiring_bands.get(band, 0)


def alerts(session: Session, warehouse_id: int, settings: ReorderSettings, intervals: Mapping[str, int], *,
           today: date | None = None) -> Alerts:
    today = today or local_today()
    expiring, expiring_total = shelf_lots(session, warehouse_id, today, today, today + timedelta(days=EXPIRY_BANDS[-1]))
    expired, expired_total = shelf_lots(session, warehouse_id, today, None, today - timedelta(days=1),
                                        sellable_only=True)
    due = schedule.overdue(schedule.stocked_shelves(session, warehouse_id), intervals)
    reorder = reorder_alerts(session, warehouse_id, settings, today=today)
    return Alerts(reorder[:LISTED], len(reorder), expiring, expiring_total,
                  expiry_bands(session, warehouse_id, today), expired,
                  expired_total, due[:LISTED], len(due),
                  {abc: sum(1 for s in due if s.abc == abc) for abc in schedule.CLASSES})


def expiry_bands(session: Session, warehouse_id: int, today: date) -> dict[int, int]:
    """How many lots on storage shelves expire within 30, 60 and 90 days (each band without the earlier ones)."""
    band = case(*((Lot.expiry <= today + timedelta(days=days), days) for days in EXPIRY_BANDS[:-1]),
                else_=EXPIRY_BANDS[-1]).label("band")
    lots = (select(band).select_from(Quant).join(Location, Location.id == Quant.location_id).join(Lot, Lot.id == Quant.lot_id)
            .where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE, Quant.on_hand > 0,
                   Lot.expiry >= today, Lot.expiry <= today + timedelta(days=EXPIRY_BANDS[-1]))).subquery()
    found = dict(session.execute(select(lots.c.band, func.count()).group_by(lots.c.band)).all())
    return {days: int(found.get(days, 0)) for days in EXPIRY_BANDS}


def picked_units(session: Session, warehouse_id: int, days: int) -> dict[int, int]:
    """Units picked from the warehouse's shelves over the last `days`, per product."""
    shelves = select(Location.id).where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE)
    since = utcnow() - timedelta(days=days)
    return {product_id: int(units) for product_id, units in session.execute(
        select(StockMove.product_id, func.sum(StockMove.quantity))
        .where(StockMove.reason == MoveReason.PICK, StockMove.created_at >= since,
               StockMove.from_location_id.in_(shelves))
        .group_by(StockMove.product_id))}


def _demand_over(units: int, window: int, days: int) -> int:
    """⌈units / window × days⌉ in whole numbers (no float rounding)."""
    return -(-units * days // window)


def reorder_alerts(session: Session, warehouse_id: int, settings: ReorderSettings, *,
                   today: date | None = None) -> list[Reorder]:
    """Products the warehouse carries (it holds or held them) at or below their reorder point or safety
    stock, the emptiest (against demand) first."""
    # Per product, one stock line in the warehouse is enough (not every stock line of the warehouse read first).
    carried = exists().where(Quant.product_id == Product.id, Location.id == Quant.location_id,
                             Location.warehouse_id == warehouse_id)
    products = session.execute(
        select(Product.id, Product.sku, Product.name, Product.reorder_point, Product.safety_stock,
               Product.lead_time_days)
        .where(Product.active.is_(True), Product.is_kit.is_(False), carried,
               or_(Product.reorder_point > 0, Product.safety_stock > 0, Product.lead_time_days.is_not(None)))
    ).all()
    if not products:
        return []
    stock = availability(session, warehouse_id, today=today)
    picked = picked_units(session, warehouse_id, settings.demand_days)
    window = settings.demand_days
    found = []
    for p in products:
        units = picked.get(p.id, 0)
        lead = p.lead_time_days if p.lead_time_days is not None else settings.default_lead_time
        point = _demand_over(units, window, lead) + p.safety_stock
        available = stock.get(p.id, 0)
        trigger = max(p.reorder_point, point if units else 0)
        if available > trigger and available > p.safety_stock:
            continue
        if not (p.reorder_point or p.safety_stock or units):
            continue
        fill_to = max(point, p.reorder_point) + _demand_over(units, window, settings.cover_days)
        found.append(Reorder(p.id, p.sku, p.name, available, p.reorder_point, p.safety_stock, units / window, lead,
                             p.lead_time_days is not None, point, max(0, fill_to - available)))
    return sorted(found, key=lambda r: (r.available - r.safety_stock, -r.daily_demand, r.sku))


def shelf_lots(session: Session, warehouse_id: int, today: date, first: date | None, last: date, *,
               sellable_only: bool = False) -> tuple[list[ShelfLot], int]:
    """Lots on storage shelves whose expiry is from `first` to `last` (both included): the soonest `LISTED`
    and how many there are."""
    where = [Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE, Quant.on_hand > 0,
             Lot.expiry.is_not(None), Lot.expiry <= last]
    if first is not None:
        where.append(Lot.expiry >= first)
    if sellable_only:
        where.append(Location.sellable.is_(True))
    base = (select(Quant.id).join(Location, Location.id == Quant.location_id).join(Lot, Lot.id == Quant.lot_id)
            .where(*where))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(
        select(Product.sku, Product.name, Lot.number, Lot.expiry, Location.code, Quant.on_hand)
        .join(Location, Location.id == Quant.location_id).join(Lot, Lot.id == Quant.lot_id)
        .join(Product, Product.id == Quant.product_id)
        .where(*where).order_by(Lot.expiry, Location.pick_sequence, Location.code).limit(LISTED)
    )
    return [ShelfLot(sku, name, lot, expiry, shelf, on_hand, (expiry - today).days)
            for sku, name, lot, expiry, shelf, on_hand in rows], total


__all__ = ["EXPIRY_BANDS", "Reorder", "ShelfLot", "Alerts", "alerts", "picked_units", "reorder_alerts", "shelf_lots",
           "expiry_bands"]
