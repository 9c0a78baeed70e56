"""Factories with unique random codes, so no test depends on another's data."""
from __future__ import annotations

import itertools
import random
import uuid

from app.auth.models import Role, User, UserRole
from app.barcodes.checkdigit import with_check_digit
from app.database import write_transaction
from app.stock import ledger
from app.stock.models import BarcodeKind, Location, LocationKind, MoveReason, Product, ProductBarcode, Tracking
from app.stock.warehouses import create_warehouse, standard_location


_location_numbers = itertools.count(random.randint(0, 50_000))


def unique(prefix: str = "", n: int = 8) -> str:
    return prefix + uuid.uuid4().hex[:n].upper()


def ean13(body12: str | None = None) -> str:
    body = body12 or ("49" + "".join(random.choice("0123456789") for _ in range(10)))
    return with_check_digit(body)


def warehouse(session, code: str | None = None, name: str = "テスト倉庫"):
    with write_transaction(session):
        return create_warehouse(session, code or unique("W", 6), name)


def location(session, wh, code: str | None = None, kind: LocationKind = LocationKind.STORAGE,
             sellable: bool | None = None, zone: str = "A", pick_sequence: int | None = None, active: bool = True):
    if code is None:
        n = next(_location_numbers) % 89_100
        code = f"{zone}-{n // 900 + 1:02d}-{n // 9 % 100:02d}-{n % 9 + 1}"
    with write_transaction(session):
        loc = Location(
            warehouse_id=wh.id, code=code, kind=kind, zone=zone,
            sellable=(kind is LocationKind.STORAGE) if sellable is None else sellable,
            pick_sequence=pick_sequence if pick_sequence is not None else random.randint(1, 10_000),
            active=active,
        )
        session.add(loc)
        session.flush()
    return loc


def product(session, tracking: Tracking = Tracking.NONE, sku: str | None = None, name: str = "テスト商品",
            min_shelf_life_days: int = 0, barcode: str | None = None, case_gtin: str | None = None,
            pack_qty: int = 12, is_kit: bool = False):
    with write_transaction(session):
        prod = Product(sku=sku or unique("SKU-"), name=name, tracking=tracking,
                       min_shelf_life_days=min_shelf_life_days, is_kit=is_kit)
        session.add(prod)
        session.flush()
        session.add(ProductBarcode(product_id=prod.id, code=barcode or ean13(), kind=BarcodeKind.EAN13, pack_qty=1))
        if case_gtin:
            session.add(ProductBarcode(product_id=prod.id, code=case_gtin, kind=BarcodeKind.GTIN14, pack_qty=pack_qty))
        session.flush()
    return prod


def user(session, *roles: Role, login: str | None = None, password: str = "pass-1234",
         badge: str | None = None, pin: str | None = None, warehouses=(), all_warehouses: bool = True):
    with write_transaction(session):
        u = User(login=login or unique("u").lower(), name="テスト 太郎", all_warehouses=all_warehouses)
        u.set_password(password)
        if badge:
            u.badge_code = badge
        if pin:
            u.set_pin(pin)
        u.role_rows = [UserRole(role=r) for r in (roles or (Role.PICKER,))]
        u.warehouses = list(warehouses)
        session.add(u)
        session.flush()
    return u


def receive(session, prod, loc, quantity: int, lot: ledger.LotSpec | int | None = None, key: str | None = None):
    """Stock `quantity` into `loc` from its warehouse's SUPPLIER, through the ledger."""
    with write_transaction(session):
        supplier = standard_location(session, loc.warehouse_id, LocationKind.SUPPLIER)
        return ledger.post(
            session,
            [ledger.Move(prod.id, quantity, supplier.id, loc.id, MoveReason.RECEIPT, lot=lot)],
            key=key or unique("rcv-", 16),
        )
