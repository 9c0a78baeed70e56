"""Availability: what a sales channel may sell, computed in SQL.

available(product, warehouse) = Σ (on_hand − reserved) over quants in sellable locations
of the warehouse, leaving out lots that are expired or inside the product's minimum
remaining shelf life (those are never allocated to orders). Dock, packing, shipping and
quarantine locations are not sellable. A kit is as available as its scarcest component
allows.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Select, String, cast, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from app.stock.models import KitComponent, Location, Lot, Product, Quant
from app.timeutil import local_today


def _lot_is_sellable(dialect: str, today: date) -> ColumnElement[bool]:
    if dialect == "sqlite":
        shift = literal("+") + cast(Product.min_shelf_life_days, String) + literal(" days")
        cutoff = func.date(literal(today.isoformat()), shift)
    else:
        cutoff = literal(today) + Product.min_shelf_life_days
    return or_(Lot.expiry.is_(None), Lot.expiry >= cutoff)


def sellable_stock(dialect: str, warehouse_id: int, today: date) -> Select:
    """(product_id, available) for every stocked, non-kit product of the warehouse."""
    return (
        select(Quant.product_id, func.sum(Quant.on_hand - Quant.reserved).label("available"))
        .join(Location, Location.id == Quant.location_id)
        .join(Product, Product.id == Quant.product_id)
        .outerjoin(Lot, Lot.id == Quant.lot_id)
        .where(
            Location.warehouse_id == warehouse_id,
            Location.sellable.is_(True),
            _lot_is_sellable(dialect, today),
        )
        .group_by(Quant.product_id)
    )


def availability(
    session: Session,
    warehouse_id: int,
    product_ids: Iterable[int] | None = None,
    today: date | None = None,
) -> dict[int, int]:
    """Availability per product in one warehouse (kits included), from two aggregate queries.

    Products with no sellable stock are absent unless asked for by id (then 0).
    """
    today = today or local_today()
    dialect = session.get_bind().dialect.name
    wanted = None if product_ids is None else sorted(set(product_ids))
    stock = sellable_stock(dialect, warehouse_id, today)
    if wanted is not None:
        stock = stock.where(Quant.product_id.in_(wanted))
    result = {pid: int(avail) for pid, avail in session.execute(stock)}

    per_component = sellable_stock(dialect, warehouse_id, today).subquery()
    kits = (
        select(KitComponent.kit_id, func.min(func.coalesce(per_component.c.available, 0) / KitComponent.quantity))
        .outerjoin(per_component, per_component.c.product_id == KitComponent.component_id)
        .group_by(KitComponent.kit_id)
    )
    if wanted is not None:
        kits = kits.where(KitComponent.kit_id.in_(wanted))
    for kit_id, avail in session.execute(kits):
        result[kit_id] = max(int(avail or 0), 0)

    if wanted is not None:
        return {pid: result.get(pid, 0) for pid in wanted}
    return result


def available(session: Session, warehouse_id: int, product_id: int, today: date | None = None) -> int:
    """`availability` of one product (kits included), in one prebuilt statement: what a scan asks."""
    from app.stock import statements

    stmt = statements.for_dialect(session.get_bind().dialect.name).available_one
    value = session.execute(stmt, {"p_product_id": product_id, "p_warehouse_id": warehouse_id,
                                   "p_today": today or local_today()}).scalar_one()
    return max(int(value or 0), 0)


__all__ = ["availability", "available", "sellable_stock"]
