"""Stock figures as channels read them: per product and warehouse, on-hand, reserved and available
(optionally per lot with its expiry), found by SKU or JAN, and the per-channel figures.

* on_hand, reserved: Σ over the warehouse's sellable places (shelves), every lot.
* available: `app.stock.availability` — on-hand − reserved of the sellable lots only (not expired,
  not inside the product's minimum remaining shelf life); a kit: what its scarcest component allows
  (a kit holds no stock itself, so its on-hand and reserved are None).
* per lot: its on-hand, reserved, whether it may still be sold, and what of it is available.

Every figure of one call is read in one transaction, so they agree with each other.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.api import publishing
from app.barcodes.checkdigit import gtin_spellings, is_valid_gtin
from app.masterdata.listing import chunks
from app.stock.availability import _lot_is_sellable as lot_is_sellable  # the one rule of what may be sold
from app.stock.availability import available
from app.stock.models import BarcodeKind, Location, Lot, Product, ProductBarcode, Quant
from app.timeutil import local_today

MAX_CODES = 500
UNIT_KINDS = (BarcodeKind.EAN13, BarcodeKind.EAN8, BarcodeKind.UPCA)


@dataclass(frozen=True)
class LotFigure:
    lot: str
    expiry: date | None
    on_hand: int
    reserved: int
    available: int
    sellable: bool


@dataclass(frozen=True)
class ProductRef:
    id: int
    sku: str
    name: str
    jan: str | None
    kit: bool


@dataclass(frozen=True)
class StockFigure:
    product: ProductRef
    on_hand: int | None
    reserved: int | None
    available: int
    channels: dict[str, int]
    lots: tuple[LotFigure, ...] | None = None


@dataclass(frozen=True)
class Lookup:
    """Products found by the codes asked for (in the order asked, each once), and codes not known."""

    products: list[ProductRef]
    unknown: list[str]


# --- finding products ---------------------------------------------------------------------


def by_skus(session: Session, skus: Sequence[str]) -> Lookup:
    wanted = list(dict.fromkeys(s.strip() for s in skus if s.strip()))
    found: dict[str, ProductRef] = {}
    for part in chunks(wanted):
        found.update((ref.sku, ref) for ref in _refs(session, Product.sku.in_(part)))
    return Lookup(_unique(found[s] for s in wanted if s in found), [s for s in wanted if s not in found])


def by_jans(session: Session, jans: Sequence[str]) -> Lookup:
    """Products by a unit barcode (JAN / EAN-8 / UPC-A, any spelling); a case code is not a JAN."""
    wanted = list(dict.fromkeys(j.strip() for j in jans if j.strip()))
    spellings = {jan: gtin_spellings(jan) for jan in wanted if is_valid_gtin(jan)}
    owner: dict[str, int] = {}
    for part in chunks(sorted({s for codes in spellings.values() for s in codes})):
        owner.update(session.execute(
            select(ProductBarcode.code, ProductBarcode.product_id)
            .where(ProductBarcode.code.in_(part), ProductBarcode.pack_qty == 1)
        ).all())
    product_of = {jan: next((owner[s] for s in codes if s in owner), None) for jan, codes in spellings.items()}
    ids = sorted({pid for pid in product_of.values() if pid is not None})
    refs: dict[int, ProductRef] = {}
    for part in chunks(ids):
        refs.update((ref.id, ref) for ref in _refs(session, Product.id.in_(part)))
    found = [refs[product_of[jan]] for jan in wanted if product_of.get(jan) in refs]
    return Lookup(_unique(found), [jan for jan in wanted if product_of.get(jan) not in refs])


def page_of_products(session: Session, after_sku: str, limit: int) -> list[ProductRef]:
    """Active products by SKU after `after_sku` (keyset paging), at most `limit`."""
    return _refs(session, (Product.sku > after_sku) & Product.active.is_(True), order=True, limit=limit)


def _refs(session: Session, condition, *, order: bool = False, limit: int | None = None) -> list[ProductRef]:
    """Products with their unit barcode (JAN), in one statement."""
    jan = (select(ProductBarcode.code)
           .where(ProductBarcode.product_id == Product.id, ProductBarcode.pack_qty == 1,
                  ProductBarcode.kind.in_(UNIT_KINDS))
           .order_by(ProductBarcode.id).limit(1).scalar_subquery())
    stmt = select(Product.id, Product.sku, Product.name, Product.is_kit, jan.label("jan")).where(condition)
    if order:
        stmt = stmt.order_by(Product.sku)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [ProductRef(row.id, row.sku, row.name, row.jan, bool(row.is_kit)) for row in session.execute(stmt)]


def _unique(refs: Iterable[ProductRef]) -> list[ProductRef]:
    return list({ref.id: ref for ref in refs}.values())


# --- the figures ---------------------------------------------------------------------------


def figures(session: Session, warehouse_id: int, products: Sequence[ProductRef], *, lots: bool = False,
            today: date | None = None, channel_rules: Sequence[publishing.Rule] | None = None) -> list[StockFigure]:
    """The figures of each product in the warehouse, in the order given.

    One statement gives on-hand, reserved and available of every product that holds stock (a
    channel reads one SKU or 500 in the same few statements); a kit is asked of the ledger's
    one-statement `available`, as a scan does.
    """
    today = today or local_today()
    if not products:
        return []
    held = _held(session, warehouse_id, [ref.id for ref in products if not ref.kit], today)
    kits = {ref.id: available(session, warehouse_id, ref.id, today) for ref in products if ref.kit}
    per_lot = _lots(session, warehouse_id, [ref.id for ref in products if not ref.kit], today) if lots else {}
    channel_rules = publishing.rules(session) if channel_rules is None else channel_rules
    result = []
    for ref in products:
        if ref.kit:
            on_hand, reserved, figure = None, None, kits[ref.id]
        else:
            on_hand, reserved, figure = held.get(ref.id, (0, 0, 0))
        result.append(StockFigure(ref, on_hand, reserved, figure, publishing.published(figure, channel_rules),
                                  tuple(per_lot.get(ref.id, ())) if lots else None))
    return result


def _held(session: Session, warehouse_id: int, product_ids: Sequence[int], today: date) -> dict[int, tuple[int, int, int]]:
    """(on-hand, reserved, available) per product over the warehouse's sellable places; available counts
    the sellable lots only, by the same rule as app.stock.availability."""
    sellable = lot_is_sellable(session.get_bind().dialect.name, today)
    found: dict[int, tuple[int, int, int]] = {}
    for part in chunks(sorted(set(product_ids))):
        rows = session.execute(
            select(Quant.product_id, func.sum(Quant.on_hand), func.sum(Quant.reserved),
                   func.sum(case((sellable, Quant.on_hand - Quant.reserved), else_=0)))
            .join(Location, Location.id == Quant.location_id)
            .join(Product, Product.id == Quant.product_id)
            .outerjoin(Lot, Lot.id == Quant.lot_id)
            .where(Quant.product_id.in_(part), Location.warehouse_id == warehouse_id, Location.sellable.is_(True))
            .group_by(Quant.product_id)
        )
        found.update((pid, (int(on_hand or 0), int(reserved or 0), max(int(free or 0), 0)))
                     for pid, on_hand, reserved, free in rows)
    return found


def _lots(session: Session, warehouse_id: int, product_ids: Sequence[int], today: date) -> dict[int, list[LotFigure]]:
    found: dict[int, list[LotFigure]] = defaultdict(list)
    for part in chunks(sorted(set(product_ids))):
        rows = session.execute(
            select(Quant.product_id, Lot.number, Lot.expiry, Product.min_shelf_life_days,
                   func.sum(Quant.on_hand), func.sum(Quant.reserved))
            .join(Location, Location.id == Quant.location_id)
            .join(Lot, Lot.id == Quant.lot_id)
            .join(Product, Product.id == Quant.product_id)
            .where(Quant.product_id.in_(part), Location.warehouse_id == warehouse_id, Location.sellable.is_(True))
            .group_by(Quant.product_id, Lot.id, Lot.number, Lot.expiry, Product.min_shelf_life_days)
            .having(func.sum(Quant.on_hand) > 0)
            .order_by(Quant.product_id, Lot.expiry.is_(None), Lot.expiry, Lot.number)
        )
        for product_id, number, expiry, min_days, on_hand, reserved in rows:
            sellable = expiry is None or expiry >= today + timedelta(days=min_days or 0)
            on_hand, reserved = int(on_hand or 0), int(reserved or 0)
            found[product_id].append(LotFigure(number, expiry, on_hand, reserved,
                                               on_hand - reserved if sellable else 0, sellable))
    return found


__all__ = ["MAX_CODES", "LotFigure", "ProductRef", "StockFigure", "Lookup", "by_skus", "by_jans",
           "page_of_products", "figures"]
