"""The demo warehouse (`flask --app app demo load`) on SQLite and PostgreSQL."""
from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.barcodes.checkdigit import has_valid_check_digit
from app.demo import LAYOUTS, DatabaseNotEmpty, database_is_empty, load_demo, plan_demo
from app.extensions import db
from app.masterdata.locations import create_location_range
from app.stock.availability import availability
from app.stock.models import (
    BarcodeKind,
    KitComponent,
    Location,
    LocationKind,
    Lot,
    MoveReason,
    Product,
    ProductBarcode,
    Quant,
    StockMove,
    Tracking,
    Warehouse,
)
from app.stock.verify import verify
from tests import factories as f

TODAY = date(2026, 11, 24)
GTIN_LENGTHS = {BarcodeKind.EAN13: 13, BarcodeKind.EAN8: 8, BarcodeKind.UPCA: 12, BarcodeKind.GTIN14: 14}


def table_counts(session) -> dict[str, int]:
    return {t.name: session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def main_warehouse(session) -> Warehouse:
    return session.execute(select(Warehouse).where(Warehouse.code == "TKY")).scalar_one()


def test_the_plan_depends_only_on_the_seed_and_the_date():
    assert plan_demo(7, TODAY) == plan_demo(7, TODAY)
    assert plan_demo(7, TODAY) != plan_demo(8, TODAY)


def test_the_demo_loads_once_through_the_ledger_and_a_second_load_changes_nothing(session):
    assert database_is_empty(session)

    summary = load_demo(session, today=TODAY)

    assert verify(session) == []
    assert_locations(session, main_warehouse(session))
    assert_catalogue(session)
    assert_lots_and_stock(session)
    assert_users(session, summary)
    assert_availability(session, main_warehouse(session))
    assert summary.counts.products == session.scalar(select(func.count()).select_from(Product))
    assert summary.counts.moves == session.scalar(select(func.count()).select_from(StockMove))
    assert [w.code for w in summary.warehouses] == ["TKY", "OSK"]
    assert summary.warehouses[0].empty_storage_locations >= 10
    assert any("admin-pass" in line for line in summary.lines())

    assert not database_is_empty(session)
    before = table_counts(session)
    with pytest.raises(DatabaseNotEmpty):
        load_demo(session, seed=2, today=TODAY)
    assert table_counts(session) == before


def test_a_database_holding_only_a_user_is_not_loaded_into(session):
    f.user(session, Role.ADMIN, login="operator")
    assert not database_is_empty(session)

    with pytest.raises(DatabaseNotEmpty):
        load_demo(session, today=TODAY)

    assert session.scalar(select(func.count()).select_from(Warehouse)) == 0
    assert session.scalar(select(func.count()).select_from(User)) == 1


def assert_locations(session, warehouse: Warehouse) -> None:
    locations = session.scalars(select(Location).where(Location.warehouse_id == warehouse.id)).all()
    storage = [loc for loc in locations if loc.kind is LocationKind.STORAGE]
    assert 280 <= len(storage) <= 320
    assert {loc.zone for loc in storage} == {"A", "B", "C"}
    pattern = re.compile(warehouse.location_pattern)
    for loc in storage:
        assert pattern.match(loc.code), loc.code
        assert loc.code == f"{loc.zone}-{loc.aisle}-{loc.rack}-{loc.level}"
        assert loc.sellable and loc.active
    assert_walking_order(storage)
    kinds = {loc.code: loc.kind for loc in locations}
    assert kinds["PACK-01"] is kinds["PACK-03"] is LocationKind.PACKING
    assert kinds["SHIP-01"] is LocationKind.SHIPPING
    assert kinds["DOCK"] is LocationKind.DOCK and kinds["QUARANTINE"] is LocationKind.QUARANTINE
    assert not any(loc.sellable for loc in locations if loc.kind is not LocationKind.STORAGE)


def assert_walking_order(storage: list[Location]) -> None:
    """Unique pick sequences; zones and aisles in order, each walked once, racks up odd aisles and down even ones."""
    walk = sorted(storage, key=lambda loc: loc.pick_sequence)
    assert len({loc.pick_sequence for loc in walk}) == len(walk)
    aisles = [(aisle, [loc.rack for loc in shelves])
              for aisle, shelves in itertools.groupby(walk, key=lambda loc: (loc.zone, loc.aisle))]
    assert [a for a, _ in aisles] == sorted({a for a, _ in aisles})
    for (_, aisle), racks in aisles:
        assert racks == sorted(racks, reverse=int(aisle) % 2 == 0)


@pytest.mark.parametrize("warehouse_code", sorted(LAYOUTS))
def test_the_demo_walks_its_shelves_as_the_locations_screen_creates_them(session, warehouse_code):
    layout = LAYOUTS[warehouse_code]
    wh = f.warehouse(session)
    for zone_range in layout.ranges():
        create_location_range(session, wh.id, zone_range)
    by_screen = session.execute(
        select(Location.code, Location.pick_sequence)
        .where(Location.warehouse_id == wh.id, Location.kind == LocationKind.STORAGE).order_by(Location.pick_sequence)
    ).all()
    planned = next(w for w in plan_demo(today=TODAY).warehouses if w.code == warehouse_code)
    by_demo = sorted((loc.pick_sequence, loc.code) for loc in planned.locations if loc.kind is LocationKind.STORAGE)

    assert [code for _, code in by_demo] == [code for code, _ in by_screen]
    assert [sequence for sequence, _ in by_demo] == [sequence for _, sequence in by_screen]


def assert_catalogue(session) -> None:
    products = session.scalars(select(Product)).all()
    assert 450 <= len(products) <= 550
    assert all(re.search(r"[ぁ-んァ-ヶ一-龯]", p.name) for p in products)
    for product in products:
        jans = [b.code for b in product.barcodes if b.kind is BarcodeKind.EAN13]
        assert jans and all(code[:2] in ("45", "49") for code in jans), product.sku
    barcodes = session.scalars(select(ProductBarcode)).all()
    for barcode in barcodes:
        assert len(barcode.code) == GTIN_LENGTHS[barcode.kind] and has_valid_check_digit(barcode.code), barcode.code
    cases = [b for b in barcodes if b.kind is BarcodeKind.GTIN14]
    assert len(cases) >= 20
    assert all(b.code[0] == "1" and b.pack_qty in (6, 12, 24) for b in cases)
    assert any(b.kind is BarcodeKind.EAN8 for b in barcodes) and any(b.kind is BarcodeKind.UPCA for b in barcodes)

    by_tracking = {t: [p for p in products if p.tracking is t] for t in Tracking}
    assert len(by_tracking[Tracking.NONE]) > len(products) / 4
    assert by_tracking[Tracking.LOT] and by_tracking[Tracking.SERIAL]
    assert all(30 <= p.min_shelf_life_days <= 180 for p in by_tracking[Tracking.LOT_EXPIRY])
    assert all(p.zone in ("A", "B", "C") for p in products if not p.is_kit)

    kits = [p for p in products if p.is_kit]
    assert len(kits) >= 5
    assert all(2 <= len(k.components) <= 3 for k in kits)
    assert session.scalar(select(func.count()).select_from(KitComponent)) == sum(len(k.components) for k in kits)


def assert_lots_and_stock(session) -> None:
    rows = session.execute(
        select(Lot.expiry, Product.min_shelf_life_days).join(Product, Product.id == Lot.product_id)
        .where(Product.tracking == Tracking.LOT_EXPIRY)
    ).all()
    past = [e for e, _ in rows if e < TODAY]
    near = [e for e, days in rows if TODAY <= e < TODAY + timedelta(days=days)]
    far = [e for e, days in rows if e >= TODAY + timedelta(days=days)]
    assert len(past) >= 3 and len(near) >= 10 and len(far) >= 100

    quants = session.execute(
        select(Quant.product_id, Quant.location_id, Quant.lot_id, Location.kind, Product.tracking)
        .join(Location, Location.id == Quant.location_id).join(Product, Product.id == Quant.product_id)
        .where(Quant.on_hand > 0)
    ).all()
    expiring = [(q.product_id, q.location_id) for q in quants
                if q.tracking is Tracking.LOT_EXPIRY and q.kind is LocationKind.STORAGE]
    assert len(expiring) == len(set(expiring)), "an expiry-tracked product keeps one lot per location"
    assert sum(q.kind is LocationKind.QUARANTINE for q in quants) >= 5
    assert sum(q.kind is LocationKind.DOCK for q in quants) >= 3

    reasons = set(session.execute(select(StockMove.reason).distinct()).scalars().all())
    # stock arrives as receipts; the outbound demo then picks, packs and ships through the ledger, and the
    # count demo adjusts approved counts (and a unit missing at packing)
    assert reasons == {MoveReason.RECEIPT, MoveReason.PICK, MoveReason.PACK, MoveReason.SHIP, MoveReason.COUNT_ADJUST}


def assert_users(session, summary) -> None:
    assert {role for u in summary.users for role in u.roles} == {r.value for r in Role}
    badges = [u.badge_code for u in summary.users]
    assert len(set(badges)) == len(badges)
    for shown in summary.users:
        user = session.execute(select(User).where(User.login == shown.login)).scalar_one()
        assert user.check_password(shown.password) and user.check_pin(shown.pin)
        assert re.fullmatch(r"ZU-[A-Z0-9]{6}", user.badge_code) and user.badge_code == shown.badge_code
        assert re.fullmatch(r"\d{4}", shown.pin)
        assert {r.value for r in user.roles} == set(shown.roles)
        assert user.all_warehouses or [w.code for w in user.warehouses] == sorted(shown.warehouses)
    admin = session.execute(select(User).where(User.login == "admin")).scalar_one()
    assert admin.all_warehouses and admin.has_role(Role.ADMIN)


def assert_availability(session, warehouse: Warehouse) -> None:
    available = availability(session, warehouse.id, today=TODAY)
    products = session.execute(select(Product.id, Product.is_kit)).all()
    stockable = [pid for pid, is_kit in products if not is_kit]
    kits = [pid for pid, is_kit in products if is_kit]
    assert sum(available.get(pid, 0) > 0 for pid in stockable) > 0.6 * len(stockable)
    assert any(available.get(pid, 0) > 0 for pid in kits)


def test_the_demo_has_open_receipts_with_jan_case_and_gs1_lot_lines_to_try(session):
    from app.barcodes import resolve
    from app.barcodes.results import Gs1Hit
    from app.receipts.models import Receipt, ReceiptStatus
    from app.stock.models import ProductBarcode, Warehouse

    summary = load_demo(session)
    receipts = session.scalars(select(Receipt).where(Receipt.status == ReceiptStatus.OPEN).order_by(Receipt.code)).all()
    assert len(receipts) == len(summary.receipts) >= 3  # (the count demo's receipt is closed with its differences)
    assert all(r.lines for r in receipts)
    lines = [line for r in receipts for line in r.lines]
    assert any(line.lot_number and line.expiry for line in lines)
    cases = {b.product_id: b.pack_qty for b in session.scalars(select(ProductBarcode).where(ProductBarcode.pack_qty > 1))}
    assert any(line.product_id in cases and line.expected_qty % cases[line.product_id] == 0 for line in lines)
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == summary.receipts[0].warehouse))
    label = summary.receipts[0].labels[0]
    hit = resolve(label, warehouse, session)
    assert isinstance(hit, Gs1Hit) and hit.product is not None and hit.lot and hit.expiry


def test_the_demo_has_open_orders_from_several_channels_and_a_pick_list_for_the_demo_picker(session):
    from app.auth.models import User
    from app.orders.models import Order, OrderStatus, SalesChannel
    from app.orders.picklists import PickList, PickListOrder, PickListStatus
    from app.orders.service import allocate_backorders
    from app.orders.waves import take_next

    summary = load_demo(session, today=TODAY)

    assert verify(session) == []
    morning = [o.code for o in summary.orders.orders]  # the outbound demo's orders are checked on their own
    orders = session.scalars(select(Order).where(Order.code.in_(morning)).order_by(Order.id)).all()
    assert [o.code for o in orders] == morning and len(orders) >= 7
    assert {o.channel.code for o in orders} == {"rakuten", "amazon", "yahoo", "own"}
    assert all(o.warehouse_id == main_warehouse(session).id and o.ship_by >= TODAY for o in orders)
    assert session.scalar(select(SalesChannel).where(SalesChannel.code == "rakuten")).accept_within == (1, 3)
    lines = [line for o in orders for line in o.lines]
    assert any(line.product.is_kit for line in lines)
    cases = {b.product_id: b.pack_qty for b in session.scalars(select(ProductBarcode).where(ProductBarcode.pack_qty > 1))}
    assert any(line.product_id in cases and line.quantity == cases[line.product_id] for line in lines)
    with_life = {line.product_id for line in lines if line.product.shelf_life_days}
    assert len(with_life) == 2 and all(line.product.tracking is Tracking.LOT_EXPIRY for line in lines
                                       if line.product_id in with_life)

    picker = session.scalar(select(User).where(User.login == "picker1"))
    [pick_list] = session.scalars(select(PickList).where(PickList.code == summary.orders.pick_list)).all()
    assert (pick_list.assigned_to_id, pick_list.status) == (picker.id, PickListStatus.OPEN)
    assert summary.orders.pick_list == pick_list.code and summary.orders.picker == "picker1"
    on_list = set(session.scalars(select(PickListOrder.order_id).where(PickListOrder.pick_list_id == pick_list.id)))
    assert len(on_list) == 2
    assert {o.id: o.status for o in orders} == {
        o.id: OrderStatus.PICKING if o.id in on_list else OrderStatus.NEW for o in orders}
    assert all(line.backordered == 0 for o in orders if o.id in on_list for line in o.lines)
    assert any(line.startswith(f"Pick list {pick_list.code} waits for picker1") for line in summary.lines())

    results = allocate_backorders(session, user_id=None, today=TODAY)

    # (the count demo's short-picked order waits for stock too)
    assert {r.order_id for r in results if r.order_id in {o.id for o in orders}} == {
        o.id for o in orders if o.id not in on_list}
    assert verify(session) == []
    session.expire_all()
    orders = session.scalars(select(Order).where(Order.code.in_(morning)).order_by(Order.id)).all()
    assert all(o.status is (OrderStatus.PICKING if o.id in on_list else OrderStatus.ALLOCATED) for o in orders)
    [rakuten] = [o for o in orders if o.channel.code == "rakuten"]
    far, near = rakuten.lines
    assert (far.allocated_qty, far.backordered) == (far.quantity, 0)
    assert (near.allocated_qty, near.backordered) == (0, near.quantity)
    [same_food] = [o for o in orders if o.id not in on_list and o.channel.code == "amazon"]
    assert same_food.lines[0].product_id == near.product_id and same_food.lines[0].backordered == 0
    short = [o for o in orders if o.backordered and o.channel.code != "rakuten"]
    assert len(short) == 1 and short[0].lines[0].allocated_qty > 0 and short[0].backordered == 3
    assert take_next(session, main_warehouse(session).id, picker.id).id == pick_list.id


def test_the_demo_has_goods_waiting_at_packing_one_to_ship_and_one_shipped(session):
    from app.demo import load_demo
    from app.orders.models import Order, OrderStatus

    summary = load_demo(session, seed=7, today=TODAY)
    by_code = {o.code: o.status for o in session.scalars(select(Order))}
    assert [by_code[c] for c in summary.outbound.waiting_for_packing] == [OrderStatus.PICKED, OrderStatus.PICKED]
    assert [by_code[c] for c in summary.outbound.waiting_to_ship] == [OrderStatus.PACKED]
    assert [by_code[c] for c in summary.outbound.shipped] == [OrderStatus.SHIPPED]
    gift = session.scalar(select(Order).where(Order.code == summary.outbound.waiting_for_packing[1]))
    assert gift.gift
    assert verify(session) == []


def test_the_demo_gives_every_supervisor_screen_something_real(session):
    from app.stock.models import CountTask, Discrepancy
    from app.supervisor import alerts, kpis, review
    from app.supervisor.settings import ReorderSettings

    summary = load_demo(session, today=TODAY)
    wh = main_warehouse(session)
    counts = summary.cycle_counts
    assert len(counts.open_tasks) >= 8 and len(counts.approved) >= 6
    assert {"short_pick", "packing_shortage", "manual"} <= set(
        session.scalars(select(CountTask.cause).where(CountTask.status == "open")))
    for warehouse in session.scalars(select(Warehouse)):  # whichever warehouse a supervisor opens
        queue = review.review_queue(session, warehouse.id)
        assert len(queue.review) == 1 and queue.review[0].value > 0 and len(queue.recount) == 1
        assert queue.review[0].code in counts.waiting_for_review
        assert kpis.kpis(session, warehouse.id, {"A": 30, "B": 90, "C": 180}).accuracy_total.of >= 5
    rows = session.scalars(select(Discrepancy).where(Discrepancy.warehouse_id == wh.id)).all()
    assert {r.source.value for r in rows} == {"receiving", "picking", "packing", "count", "return"}
    assert len({r.created_at.date() for r in rows if r.source.value == "count"}) >= 3
    figures = kpis.kpis(session, wh.id, {"A": 30, "B": 90, "C": 180})
    assert 0 < figures.accuracy_total.hits < figures.accuracy_total.of
    assert sum(1 for week in range(kpis.WEEKS) if any(v[week] for v in figures.variance_value.values())) >= 3
    assert figures.open_total >= 4 and figures.short_total.hits == 1
    assert 0 < figures.coverage.total_covered < figures.coverage.total
    products = session.scalars(select(Product).where(Product.is_kit.is_(False))).all()
    assert all(p.cost_price and p.lead_time_days for p in products)
    found = alerts.alerts(session, wh.id, ReorderSettings(), {"A": 30, "B": 90, "C": 180}, today=TODAY)
    assert found.reorder and found.expiring_total and found.overdue_total
    assert any(line.startswith("Counts waiting for review with a variance") for line in summary.lines())
    assert verify(session) == []
