"""Writing the demo plan into an empty database, in one unit of work, through the ledger."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import User, UserRole
from app.database import write_transaction
from app.demo.counts import create_count_demo
from app.demo.outbound import create_outbound_demo
from app.demo.orders import create_demo_orders
from app.demo.plan import DEFAULT_SEED, DemoPlan, PlannedProduct, PlannedUser, PlannedWarehouse, plan_demo
from app.demo.receipts import create_open_receipts
from app.demo.summary import DemoCounts, DemoSummary, DemoWarehouse
from app.stock import ledger
from app.stock.models import (
    VIRTUAL_KIND_VALUES,
    KitComponent,
    Location,
    LocationKind,
    Lot,
    MoveReason,
    Product,
    ProductBarcode,
    Quant,
    StockMove,
    Warehouse,
)
from app.stock.warehouses import create_warehouse


class DatabaseNotEmpty(RuntimeError):
    """The demo loads only into a database with no warehouse, no product and no user."""

    def __init__(self) -> None:
        super().__init__("the database already holds warehouses, products or users; the demo was not loaded")


def database_is_empty(session: Session) -> bool:
    """True when there is no warehouse, no product and no user: the only state the demo loads into."""
    return all(session.scalar(select(model.id).limit(1)) is None for model in (Warehouse, Product, User))


def load_demo(session: Session, *, seed: int = DEFAULT_SEED, today: date | None = None) -> DemoSummary:
    """Load the demo warehouse into an empty database, in one unit of work, and say what it holds.

    Raises `DatabaseNotEmpty` (writing nothing) when any warehouse, product or user exists.
    All stock arrives through `ledger.post` as receipts from the warehouse's SUPPLIER, so the
    ledger invariant holds afterwards. A failure part-way leaves the database as it was.
    """
    plan = plan_demo(seed, today)
    with write_transaction(session):
        if not database_is_empty(session):
            raise DatabaseNotEmpty()
        warehouse_ids = _create_warehouses(session, plan.warehouses)
        location_ids = _location_ids(session)
        product_ids = _create_products(session, plan.products)
        user_ids = _create_users(session, plan.users, warehouse_ids)
        _post_receipts(session, plan, warehouse_ids, location_ids, product_ids, user_ids)
        receipts = create_open_receipts(session, warehouse_ids, user_ids.get("supervisor1"), seed=plan.seed,
                                        today=plan.today)
        orders = create_demo_orders(session, warehouse_ids, user_ids, seed=plan.seed, today=plan.today)
        outbound = create_outbound_demo(session, warehouse_ids, user_ids, today=plan.today)
        counts = create_count_demo(session, warehouse_ids, user_ids, seed=plan.seed, today=plan.today)
        return replace(_summarise(session, plan, warehouse_ids), receipts=receipts, orders=orders, outbound=outbound,
                       cycle_counts=counts)


def _create_warehouses(session: Session, warehouses: Sequence[PlannedWarehouse]) -> dict[str, int]:
    ids = {}
    for planned in warehouses:
        warehouse = create_warehouse(session, planned.code, planned.name)
        ids[planned.code] = warehouse.id
        session.add_all(
            Location(
                warehouse_id=warehouse.id, code=loc.code, name=loc.name, kind=loc.kind, zone=loc.zone,
                aisle=loc.aisle, rack=loc.rack, level=loc.level, pick_sequence=loc.pick_sequence,
                sellable=loc.sellable, active=True,
            )
            for loc in planned.locations
        )
    session.flush()
    return ids


def _location_ids(session: Session) -> dict[tuple[int, str], int]:
    rows = session.execute(select(Location.warehouse_id, Location.code, Location.id))
    return {(warehouse_id, code): location_id for warehouse_id, code, location_id in rows}


def _create_products(session: Session, planned: Sequence[PlannedProduct]) -> dict[str, int]:
    products = {
        p.sku: Product(
            sku=p.sku, name=p.name, tracking=p.tracking, min_shelf_life_days=p.min_shelf_life_days,
            reorder_point=p.reorder_point, safety_stock=p.safety_stock, is_kit=p.is_kit, zone=p.zone,
            mixed_lots=p.mixed_lots, active=True,
            barcodes=[ProductBarcode(code=b.code, kind=b.kind, pack_qty=b.pack_qty) for b in p.barcodes],
        )
        for p in planned
    }
    for p in planned:
        products[p.sku].components = [
            KitComponent(component=products[sku], quantity=quantity) for sku, quantity in p.components
        ]
    session.add_all(products.values())
    session.flush()
    return {sku: product.id for sku, product in products.items()}


def _create_users(session: Session, planned: Sequence[PlannedUser], warehouse_ids: dict[str, int]) -> dict[str, int]:
    warehouses = {code: session.get(Warehouse, wid) for code, wid in warehouse_ids.items()}
    users = {}
    for p in planned:
        user = User(login=p.login, name=p.name, badge_code=p.badge_code, all_warehouses=p.warehouses is None,
                    active=True)
        user.set_password(p.password)
        user.set_pin(p.pin)
        user.role_rows = [UserRole(role=role) for role in p.roles]
        user.warehouses = [warehouses[code] for code in p.warehouses or ()]
        users[p.login] = user
    session.add_all(users.values())
    session.flush()
    return {login: user.id for login, user in users.items()}


def _post_receipts(session, plan: DemoPlan, warehouse_ids, location_ids, product_ids, user_ids) -> None:
    for number, receipt in enumerate(plan.receipts, 1):
        warehouse_id = warehouse_ids[receipt.warehouse]
        supplier = location_ids[(warehouse_id, "SUPPLIER")]
        moves = [
            ledger.Move(product_ids[line.sku], line.quantity, supplier, location_ids[(warehouse_id, line.location)],
                        MoveReason.RECEIPT, lot=line.lot)
            for line in receipt.lines
        ]
        ledger.post(
            session, moves, key=f"demo-receipt-{number}", user_id=user_ids[receipt.received_by],
            reference=receipt.reference, note=receipt.note, today=plan.today,
        )


def _summarise(session: Session, plan: DemoPlan, warehouse_ids: dict[str, int]) -> DemoSummary:
    codes = [w.code for w in plan.warehouses]
    return DemoSummary(
        seed=plan.seed,
        today=plan.today,
        warehouses=tuple(_warehouse_summary(session, w, warehouse_ids[w.code]) for w in plan.warehouses),
        counts=_counts(session),
        users=tuple(u.summary(codes) for u in plan.users),
    )


def _warehouse_summary(session: Session, planned: PlannedWarehouse, warehouse_id: int) -> DemoWarehouse:
    in_warehouse = Location.warehouse_id == warehouse_id
    storage = session.scalar(
        select(func.count()).select_from(Location).where(in_warehouse, Location.kind == LocationKind.STORAGE)
    )
    stocked = session.scalar(
        select(func.count(func.distinct(Quant.location_id)))
        .join(Location, Location.id == Quant.location_id)
        .where(in_warehouse, Location.kind == LocationKind.STORAGE, Quant.on_hand > 0)
    )
    others = session.scalars(
        select(Location.code)
        .where(in_warehouse, Location.kind != LocationKind.STORAGE, Location.kind.not_in(VIRTUAL_KIND_VALUES))
        .order_by(Location.kind, Location.code)
    ).all()
    units = session.scalar(
        select(func.coalesce(func.sum(Quant.on_hand), 0)).join(Location, Location.id == Quant.location_id)
        .where(in_warehouse)
    )
    return DemoWarehouse(planned.code, planned.name, storage, storage - stocked, tuple(others), int(units))


def _counts(session: Session) -> DemoCounts:
    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where))

    return DemoCounts(
        locations=count(Location, Location.kind.not_in(VIRTUAL_KIND_VALUES)),
        storage_locations=count(Location, Location.kind == LocationKind.STORAGE),
        products=count(Product),
        kits=count(Product, Product.is_kit.is_(True)),
        lots=count(Lot),
        quants=count(Quant, Quant.on_hand > 0),
        moves=count(StockMove),
    )
