"""One product at a time (supervisor, admin): create, edit, deactivate and reactivate.

Rules against the store, each refused with nothing written:
- a barcode belongs to one product (a GTIN in any of its spellings);
- the tracking mode changes only where the stock can be held by the new mode: lots (lot),
  lots with expiry dates (lot + expiry), at most one unit per serial (serial), no lots (none);
- a kit holds no stock of its own, its components are active products that are not kits, and
  they do not change while an order of the kit is open;
- deactivation waits until nothing is in stock and no open document (order, receipt, put-back,
  count) names the product;
- a save from a page drawn before someone else's save is refused with the fresh figures.
The SKU is fixed once the product is made (channels and files name products by it).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.barcodes.checkdigit import gtin_spellings
from app.database import write_transaction
from app.masterdata.errors import FormRefused, NotFound
from app.masterdata.product_form import BarcodeLine, ProductDraft
from app.orders.models import Order, OrderLine, OrderStatus
from app.orders.shipments import PutBackStatus, PutBackTask
from app.receipts.models import Receipt, ReceiptLine, ReceiptStatus
from app.stock.models import (
    OPEN_COUNT_STATUSES,
    VIRTUAL_KIND_VALUES,
    BarcodeKind,
    CountTask,
    KitComponent,
    Location,
    Lot,
    Product,
    ProductBarcode,
    Quant,
    Tracking,
)

OPEN_ORDER_STATUSES = tuple(s.value for s in OrderStatus if s not in (OrderStatus.SHIPPED, OrderStatus.CANCELLED))
SETTABLE = ("name", "tracking", "min_shelf_life_days", "shelf_life_days", "reorder_point", "safety_stock",
            "cost_price", "lead_time_days", "zone", "mixed_lots", "is_kit")


@dataclass(frozen=True)
class StockShape:
    """What a product's stock looks like, for a tracking change: units without a lot, units of lots
    without an expiry date, and the most units any one lot (serial) has."""

    units: int = 0
    without_lot: int = 0
    lots_without_expiry: int = 0
    most_in_one_lot: int = 0


def get_product(session: Session, product_id: int) -> Product:
    product = session.scalar(select(Product).where(Product.id == product_id)
                             .options(selectinload(Product.barcodes), selectinload(Product.components)))
    if product is None:
        raise NotFound(product_id)
    return product


def seen_mark(product: Product) -> str:
    """What the form carries to tell a stale page: when the product was last saved."""
    return product.updated_at.isoformat() if product.updated_at else ""


def create_product(session: Session, draft: ProductDraft) -> Product:
    """A new product with its barcodes (and components for a kit). Raises FormRefused."""
    with write_transaction(session):
        problems = {}
        if session.scalar(select(Product.id).where(Product.sku == draft.sku)):
            problems["sku"] = _l("The SKU %(sku)s is taken.", sku=draft.sku)
        problems.update(_barcode_owners(session, draft.barcodes, None))
        components, component_problems = _components(session, draft, None)
        problems.update(component_problems)
        if problems:
            raise FormRefused(problems)
        product = Product(sku=draft.sku, active=True, **{name: getattr(draft, name) for name in SETTABLE})
        product.barcodes = [ProductBarcode(code=b.code, kind=b.kind, pack_qty=b.pack_qty) for b in draft.barcodes]
        session.add(product)
        session.flush()
        _set_components(session, product, components)
        session.flush()
        return product


def update_product(session: Session, product_id: int, draft: ProductDraft) -> Product:
    """Everything but the SKU. Raises FormRefused (nothing written)."""
    with write_transaction(session):
        product = _locked(session, product_id)
        if draft.seen != seen_mark(product):
            raise FormRefused({"seen": _l("Someone else saved this product meanwhile: here it is as it is now. "
                                          "Make your change again.")})
        problems = _barcode_owners(session, draft.barcodes, product.id)
        problems.update(_tracking_problems(session, product, draft))
        components, component_problems = _components(session, draft, product)
        problems.update(component_problems)
        if problems:
            raise FormRefused(problems)
        for name in SETTABLE:
            if getattr(product, name) != getattr(draft, name):
                setattr(product, name, getattr(draft, name))
        _set_barcodes(session, product, draft.barcodes)
        _set_components(session, product, components)
        session.flush()
        return product


def deactivate_product(session: Session, product_id: int) -> Product:
    """No longer used: refused while it is in stock or an open document names it."""
    with write_transaction(session):
        product = _locked(session, product_id)
        reasons = open_uses(session, product.id)
        if reasons:
            raise FormRefused({"active": _l("%(sku)s cannot be deactivated: %(reasons)s.", sku=product.sku,
                                            reasons=", ".join(str(r) for r in reasons))})
        product.active = False
        session.flush()
        return product


def reactivate_product(session: Session, product_id: int) -> Product:
    with write_transaction(session):
        product = _locked(session, product_id)
        product.active = True
        session.flush()
        return product


def open_uses(session: Session, product_id: int) -> list:
    """Why the product is still in use: stock and the kinds of open documents that name it."""
    checks = [
        (exists().where(Quant.product_id == product_id, Quant.on_hand > 0), _l("it is in stock")),
        (exists().where(OrderLine.product_id.in_(_self_and_kits(product_id)), OrderLine.order_id == Order.id,
                        Order.status.in_(OPEN_ORDER_STATUSES)), _l("open orders name it")),
        (exists().where(ReceiptLine.product_id == product_id, ReceiptLine.receipt_id == Receipt.id,
                        Receipt.status == ReceiptStatus.OPEN), _l("open receipts expect it")),
        (exists().where(PutBackTask.product_id == product_id, PutBackTask.status == PutBackStatus.OPEN),
         _l("goods wait to be put back")),
        (exists().where(CountTask.product_id == product_id, CountTask.status.in_(OPEN_COUNT_STATUSES)),
         _l("a count of it is open")),
    ]
    found = session.execute(select(*[check.label(f"c{i}") for i, (check, _m) in enumerate(checks)])).one()
    return [message for (_check, message), hit in zip(checks, found) if hit]


def stock_shape(session: Session, product_id: int) -> StockShape:
    real = select(Location.id).where(Location.kind.not_in(VIRTUAL_KIND_VALUES))
    held = (Quant.product_id == product_id, Quant.on_hand > 0, Quant.location_id.in_(real))
    units, without_lot = session.execute(select(
        func.coalesce(func.sum(Quant.on_hand), 0),
        func.coalesce(func.sum(Quant.on_hand).filter(Quant.lot_id.is_(None)), 0),
    ).where(*held)).one()
    no_expiry = session.scalar(select(func.coalesce(func.sum(Quant.on_hand), 0)).join(Lot, Lot.id == Quant.lot_id)
                               .where(*held, Lot.expiry.is_(None)))
    per_lot = select(func.sum(Quant.on_hand).label("units")).where(*held, Quant.lot_id.is_not(None)) \
        .group_by(Quant.lot_id).subquery()
    most = session.scalar(select(func.coalesce(func.max(per_lot.c.units), 0)))
    return StockShape(int(units), int(without_lot), int(no_expiry), int(most))


def tracking_refusal(shape: StockShape, new: Tracking):
    """Why stock of this shape cannot be held under the tracking mode `new`, or None."""
    if not shape.units:
        return None
    with_lots = shape.units - shape.without_lot
    if new is Tracking.NONE and with_lots:
        return _l("%(n)s units in stock carry lots: tracking none cannot hold them.", n=with_lots)
    if new is not Tracking.NONE and shape.without_lot:
        return _l("%(n)s units in stock have no lot: the new mode needs one on each.", n=shape.without_lot)
    if new is Tracking.LOT_EXPIRY and shape.lots_without_expiry:
        return _l("%(n)s units in stock are of lots without an expiry date.", n=shape.lots_without_expiry)
    if new is Tracking.SERIAL and shape.most_in_one_lot > 1:
        return _l("A lot in stock has %(n)s units: a serial number is one unit.", n=shape.most_in_one_lot)
    return None


def _tracking_problems(session: Session, product: Product, draft: ProductDraft) -> dict[str, object]:
    problems: dict[str, object] = {}
    if draft.tracking is not product.tracking:
        refusal = tracking_refusal(stock_shape(session, product.id), draft.tracking)
        if refusal:
            problems["tracking"] = refusal
    if draft.is_kit and not product.is_kit and stock_shape(session, product.id).units:
        problems["is_kit"] = _l("A kit holds no stock of its own, and this product is in stock.")
    return problems


def _components(session: Session, draft: ProductDraft, product: Product | None) -> tuple[dict[int, int], dict]:
    """The kit's components by product id, and the problems with them."""
    problems: dict[str, object] = {}
    found = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_([c.sku for c in draft.components])))}
    wanted: dict[int, int] = {}
    for index, line in enumerate(draft.components):
        component = found.get(line.sku)
        if component is None:
            problems[f"component-{index}"] = _l("No product %(sku)s.", sku=line.sku)
        elif product is not None and component.id == product.id or component.sku == draft.sku:
            problems[f"component-{index}"] = _l("A kit cannot contain itself.")
        elif component.is_kit or not component.active:
            problems[f"component-{index}"] = _l("%(sku)s is a kit or inactive: it cannot be a component.", sku=line.sku)
        else:
            wanted[component.id] = line.quantity
    current = {c.component_id: c.quantity for c in product.components} if product is not None else {}
    if product is not None and wanted != current and not problems and _on_open_orders(session, product.id):
        problems["components"] = _l("Orders of this kit are open: its components change once they are shipped or "
                                    "cancelled.")
    return wanted, problems


def _barcode_owners(session: Session, barcodes: tuple[BarcodeLine, ...], product_id: int | None) -> dict:
    """A row's code already belongs to another product (in any of its spellings)."""
    problems: dict[str, object] = {}
    for index, line in enumerate(barcodes):
        spellings = gtin_spellings(line.code) if line.kind is not BarcodeKind.INTERNAL else (line.code,)
        owner = session.execute(
            select(Product.sku).join(ProductBarcode, ProductBarcode.product_id == Product.id)
            .where(ProductBarcode.code.in_(spellings), Product.id != (product_id or 0))
        ).scalar()
        if owner is not None:
            problems[f"barcode-{index}"] = _l("%(code)s already belongs to product %(owner)s.", code=line.code,
                                              owner=owner)
    return problems


def _set_barcodes(session: Session, product: Product, wanted: tuple[BarcodeLine, ...]) -> None:
    """Keep the rows that stay, change the rest in place (a changed JAN keeps its row), add, remove."""
    current = list(product.barcodes)
    by_key = {_key(b): b for b in current}
    keep = {line.key for line in wanted if line.key in by_key}
    spare = [b for b in current if _key(b) not in keep]
    for line in wanted:
        row = by_key.get(line.key)
        if row is None and spare:
            row = spare.pop(0)
        if row is None:
            product.barcodes.append(ProductBarcode(code=line.code, kind=line.kind, pack_qty=line.pack_qty))
            continue
        if (row.code, row.kind, row.pack_qty) != (line.code, line.kind, line.pack_qty):
            row.code, row.kind, row.pack_qty = line.code, line.kind, line.pack_qty
    for row in spare:
        product.barcodes.remove(row)
        session.delete(row)
    session.flush()


def _key(barcode: ProductBarcode) -> str:
    return BarcodeLine(barcode.code, barcode.pack_qty, barcode.kind).key


def _set_components(session: Session, product: Product, wanted: dict[int, int]) -> None:
    current = {c.component_id: c for c in product.components}
    for component_id, row in current.items():
        if component_id not in wanted:
            session.delete(row)
        elif row.quantity != wanted[component_id]:
            row.quantity = wanted[component_id]
    for component_id, quantity in wanted.items():
        if component_id not in current:
            session.add(KitComponent(kit_id=product.id, component_id=component_id, quantity=quantity))


def _locked(session: Session, product_id: int) -> Product:
    product = session.execute(
        select(Product).where(Product.id == product_id).with_for_update(of=Product)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if product is None:
        raise NotFound(product_id)
    return product


def _self_and_kits(product_id: int):
    return select(Product.id).where(or_(
        Product.id == product_id,
        Product.id.in_(select(KitComponent.kit_id).where(KitComponent.component_id == product_id))))


def _on_open_orders(session: Session, product_id: int) -> bool:
    return bool(session.scalar(select(exists().where(
        OrderLine.product_id == product_id, OrderLine.order_id == Order.id, Order.status.in_(OPEN_ORDER_STATUSES)))))


__all__ = ["get_product", "seen_mark", "create_product", "update_product", "deactivate_product", "reactivate_product",
           "open_uses", "stock_shape", "tracking_refusal", "StockShape"]
