"""What to print: the locations, products, lots and people the label forms name, read from the
database (reads only) and turned into labels by `app.labels.service`.

Locations and people are those of one warehouse (the user's current one); products and lots
are shared by every warehouse.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import Role, User, UserRole
from app.labels.forms import BadgeChoice, LocationChoice, LotChoice, ProductChoice
from app.labels.service import (
    Label,
    LabelRefused,
    badge_label,
    location_label,
    lot_label,
    natural_key,
    product_label,
    repeated,
)
from app.stock.models import VIRTUAL_KIND_VALUES, Location, Lot, Product, ProductBarcode, Warehouse

MAX_SEARCH_RESULTS = 200
SHOWN_IN_MESSAGE = 5


def zones(session: Session, warehouse: Warehouse) -> list[str]:
    """The zones of the warehouse's active real locations, in natural order."""
    found = session.scalars(
        select(Location.zone).distinct().where(*_printable_locations(warehouse), Location.zone.is_not(None))
    )
    return sorted(found, key=natural_key)


def location_labels(session: Session, warehouse: Warehouse, choice: LocationChoice) -> list[Label]:
    """Labels for a zone, or for the 棚番 from `choice.first` to `choice.last` in natural order
    (`A-01-03-2` comes before `A-01-03-10`); active real locations of `warehouse` only."""
    codes = _codes_in_zone(session, warehouse, choice.zone) if choice.zone else _codes_in_range(session, warehouse, choice)
    if not codes:
        raise LabelRefused(_no_locations_message(choice))
    return [location_label(code) for code in codes]


def product_labels(session: Session, choice: ProductChoice) -> list[Label]:
    """Labels for the products listed (by SKU or barcode, in the order typed), else for the active
    products whose SKU or name contains the search; each `choice.copies` times."""
    products = _products_listed(session, choice.codes) if choice.codes else _products_found(session, choice.query)
    return repeated([product_label(product) for product in products], choice.copies)


def lot_labels(session: Session, choice: LotChoice) -> list[Label]:
    """`choice.copies` GS1-128 labels of one recorded lot of one product."""
    product = _product_by_code(session, choice.product)
    if product is None:
        raise LabelRefused(_l("No product has the SKU or barcode %(code)s.", code=choice.product))
    lot = session.scalar(select(Lot).where(Lot.product_id == product.id, Lot.number == choice.lot))
    if lot is None:
        raise LabelRefused(_l("Product %(sku)s has no lot %(lot)s.", sku=product.sku, lot=choice.lot))
    return repeated([lot_label(product, lot.number, lot.expiry)], choice.copies)


def receipt_lot_labels(session: Session, warehouse: Warehouse, receipt_id: int, lot_id: int | None,
                       copies: int) -> list[Label]:
    """GS1-128 labels of the lots received on one receipt (or of one of them), `copies` of each:
    for goods that arrived without a readable label, and to reprint a receipt's labels."""
    from app.receipts.models import Receipt, ReceiptEntry

    stmt = (
        select(Product, Lot)
        .join(ReceiptEntry, ReceiptEntry.product_id == Product.id)
        .join(Lot, Lot.id == ReceiptEntry.lot_id)
        .join(Receipt, Receipt.id == ReceiptEntry.receipt_id)
        .options(selectinload(Product.barcodes))
        .where(Receipt.id == receipt_id, Receipt.warehouse_id == warehouse.id, ReceiptEntry.undone_at.is_(None))
        .distinct()
        .order_by(Product.sku, Lot.number)
    )
    if lot_id is not None:
        stmt = stmt.where(Lot.id == lot_id)
    found = session.execute(stmt).all()
    if not found:
        raise LabelRefused(_l("Nothing to print."))
    return repeated([lot_label(product, lot.number, lot.expiry) for product, lot in found], copies)


HIGHER_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def badge_holders(session: Session, warehouse: Warehouse, *, higher_roles: bool = False) -> list[User]:
    """Active people with a badge who work in `warehouse`, by name; supervisors' and admins' badges
    only with `higher_roles` (an admin prints them: a badge and a 4-digit PIN open their account)."""
    stmt = (
        select(User)
        .where(
            User.active.is_(True),
            User.badge_code.is_not(None),
            or_(User.all_warehouses.is_(True), User.warehouses.any(Warehouse.id == warehouse.id)),
        )
        .order_by(User.name, User.login)
    )
    if not higher_roles:
        stmt = stmt.where(~User.role_rows.any(UserRole.role.in_(HIGHER_ROLES)))
    return list(session.scalars(stmt))


def badge_labels(session: Session, warehouse: Warehouse, choice: BadgeChoice, *,
                 higher_roles: bool = False) -> list[Label]:
    """Badges of the people chosen by login, among the badge holders of `warehouse` the printer may print."""
    holders = {user.login: user for user in badge_holders(session, warehouse, higher_roles=higher_roles)}
    missing = [login for login in choice.logins if login not in holders]
    if missing:
        raise LabelRefused(_l("No badge to print for %(logins)s.", logins=_shortened(missing)))
    return [badge_label(holders[login].name, holders[login].badge_code) for login in choice.logins]


# --- locations -----------------------------------------------------------------------------------


def _printable_locations(warehouse: Warehouse) -> tuple:
    return (
        Location.warehouse_id == warehouse.id,
        Location.active.is_(True),
        Location.kind.not_in(VIRTUAL_KIND_VALUES),
    )


def _codes_in_zone(session: Session, warehouse: Warehouse, zone: str) -> list[str]:
    codes = session.scalars(select(Location.code).where(*_printable_locations(warehouse), Location.zone == zone))
    return sorted(codes, key=natural_key)


def _codes_in_range(session: Session, warehouse: Warehouse, choice: LocationChoice) -> list[str]:
    first, last = natural_key(choice.first), natural_key(choice.last or choice.first)
    if first > last:
        raise LabelRefused(_l("The range runs backwards: %(first)s comes after %(last)s.", first=choice.first, last=choice.last))
    prefix = _shared_prefix(choice.first, choice.last or choice.first)
    candidates = session.scalars(
        select(Location.code).where(*_printable_locations(warehouse), Location.code.startswith(prefix, autoescape=True))
    )
    return sorted((code for code in candidates if first <= natural_key(code) <= last), key=natural_key)


def _shared_prefix(first: str, last: str) -> str:
    """The common start of both codes, cut before a number they share only in part (so that
    `A-09` … `A-10` looks under `A-`, not `A-`+`0`)."""
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    while length > 0 and first[length - 1].isdigit():
        length -= 1
    return first[:length]


def _no_locations_message(choice: LocationChoice):
    if choice.zone:
        return _l("Zone %(zone)s has no active locations in this warehouse.", zone=choice.zone)
    if choice.last and choice.last != choice.first:
        return _l("No active locations from %(first)s to %(last)s in this warehouse.", first=choice.first, last=choice.last)
    return _l("No active location %(code)s in this warehouse.", code=choice.first)


# --- products ------------------------------------------------------------------------------------


def _products_listed(session: Session, codes: tuple[str, ...]) -> list[Product]:
    by_code = _products_by_codes(session, codes)
    missing = [code for code in codes if code not in by_code]
    if missing:
        raise LabelRefused(_l("No product has the SKU or barcode %(code)s.", code=_shortened(missing)))
    return list({by_code[code].id: by_code[code] for code in codes}.values())


def _products_by_codes(session: Session, codes: tuple[str, ...]) -> dict[str, Product]:
    by_sku = {
        p.sku: p
        for p in session.scalars(select(Product).options(selectinload(Product.barcodes)).where(Product.sku.in_(codes)))
    }
    by_barcode = {
        b.code: b.product
        for b in session.scalars(select(ProductBarcode).where(ProductBarcode.code.in_(codes)))
    }
    return {**by_barcode, **by_sku}


def _product_by_code(session: Session, code: str) -> Product | None:
    return _products_by_codes(session, (code,)).get(code)


def _products_found(session: Session, query: str) -> list[Product]:
    products = list(session.scalars(
        select(Product)
        .options(selectinload(Product.barcodes))
        .where(
            Product.active.is_(True),
            or_(Product.sku.icontains(query, autoescape=True), Product.name.icontains(query, autoescape=True)),
        )
        .order_by(Product.sku)
        .limit(MAX_SEARCH_RESULTS + 1)
    ))
    if not products:
        raise LabelRefused(_l("No active product matches %(query)s.", query=query))
    if len(products) > MAX_SEARCH_RESULTS:
        raise LabelRefused(_l(
            "More than %(limit)s products match %(query)s: search for something narrower.",
            limit=MAX_SEARCH_RESULTS, query=query,
        ))
    return products


def _shortened(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN_IN_MESSAGE])
    return shown + (" …" if len(items) > SHOWN_IN_MESSAGE else "")


__all__ = ["zones", "location_labels", "product_labels", "lot_labels", "badge_holders", "badge_labels"]
