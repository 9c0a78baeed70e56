"""Products and locations from the office, on SQLite and PostgreSQL: imports, exports, round
trips, location ranges in walking order, deactivation that keeps history."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.database import write_transaction
from app.masterdata.csvfile import UTF8_BOM
from app.masterdata.errors import ImportRefused, LocationHoldsStock, LocationRequired
from app.masterdata.location_range import LocationRange
from app.masterdata.locations import (
    create_location_range,
    deactivate_location,
    export_locations,
    find_locations,
    import_locations,
    reactivate_location,
)
from app.masterdata.products import export_products, find_products, import_products
from app.stock import ledger
from app.stock.models import BarcodeKind, Location, LocationKind, MoveReason, Product, StockMove, Tracking
from app.stock.warehouses import standard_location
from tests import factories as f

JAN = "4901234567894"
JAN2 = "4549131970258"
CASE = "14901234567891"
HEADER_JA = "商品コード,商品名,JANコード,ケースGTIN,入数,管理区分,最低残存日数,発注点,安全在庫,ゾーン\r\n"


@pytest.fixture(autouse=True)
def english(app):
    """Messages are compared in English (the app's default language is Japanese)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def products_csv(*rows: str, header: str = HEADER_JA, encoding: str = "utf-8") -> bytes:
    return (header + "".join(r + "\r\n" for r in rows)).encode(encoding)


def product_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Product))


def by_sku(session, sku: str) -> Product:
    session.expire_all()
    return session.scalar(select(Product).where(Product.sku == sku))


# --- products ---------------------------------------------------------------------------------


def test_a_shift_jis_import_creates_products_with_their_barcodes(session):
    result = import_products(session, products_csv(
        f"TEA-500,伊右衛門 緑茶 500ml,{JAN},{CASE},24,ロット+期限,90,10,5,A",
        "SOAP-1,石けん,,,,,,,,",
        encoding="cp932",
    ))
    assert (result.created, result.updated, result.unchanged, result.encoding) == (2, 0, 0, "cp932")
    tea = by_sku(session, "TEA-500")
    assert (tea.name, tea.tracking, tea.min_shelf_life_days, tea.reorder_point, tea.safety_stock, tea.zone) == (
        "伊右衛門 緑茶 500ml", Tracking.LOT_EXPIRY, 90, 10, 5, "A")
    assert sorted((b.code, b.kind, b.pack_qty) for b in tea.barcodes) == [
        (CASE, BarcodeKind.GTIN14, 24), (JAN, BarcodeKind.EAN13, 1)]
    soap = by_sku(session, "SOAP-1")
    assert (soap.tracking, soap.barcodes, soap.zone) == (Tracking.NONE, [], None)


def test_an_import_updates_known_skus_and_leaves_empty_cells_as_they_were(session):
    f.product(session, sku="TEA-500", name="old name", barcode=JAN, case_gtin=CASE, pack_qty=12)
    result = import_products(session, products_csv(f"TEA-500,新しい名前,{JAN2},,,,30,,,B"))
    assert (result.created, result.updated) == (0, 1)
    tea = by_sku(session, "TEA-500")
    assert (tea.name, tea.min_shelf_life_days, tea.zone, tea.tracking) == ("新しい名前", 30, "B", Tracking.NONE)
    assert sorted((b.code, b.pack_qty) for b in tea.barcodes) == [(CASE, 12), (JAN2, 1)]


def test_importing_the_same_file_twice_changes_nothing_the_second_time(session):
    data = products_csv(f"TEA-500,緑茶,{JAN},{CASE},24,lot,0,0,0,A")
    import_products(session, data)
    again = import_products(session, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_one_wrong_row_imports_nothing_and_every_problem_is_reported(session):
    f.product(session, sku="COFFEE", barcode=JAN2)
    data = products_csv(
        "GOOD-1,正しい商品,,,,,,,,",
        f"TEA-500,緑茶,{JAN2},,,,,,,",
        "BAD-JAN,x,4901234567895,,,,,,,",
        "GOOD-1,重複,,,,,,,,",
        "NEW,,,,,,,,,",
    )
    with pytest.raises(ImportRefused) as refused:
        import_products(session, data)
    rows = [(e.row, refused.value.column(e)) for e in refused.value.errors]
    assert rows == [(3, "JANコード"), (4, "JANコード"), (5, "商品コード"), (6, "商品名")]
    assert product_count(session) == 1


def test_a_jan_already_used_by_another_product_refuses_the_whole_file(session):
    f.product(session, sku="COFFEE", barcode="0012345678905")
    with pytest.raises(ImportRefused) as refused:
        import_products(session, products_csv("NEW-1,a,,,,,,,,", "NEW-2,b,012345678905,,,,,,,"))
    [error] = refused.value.errors
    assert (error.row, str(error.message)) == (3, "012345678905 already belongs to product COFFEE.")
    assert product_count(session) == 1


def test_tracking_does_not_change_while_the_product_has_stock(session):
    wh = f.warehouse(session)
    tea = f.product(session, sku="TEA-500", barcode=JAN)
    f.receive(session, tea, f.location(session, wh), 5)
    with pytest.raises(ImportRefused) as refused:
        import_products(session, products_csv("TEA-500,緑茶,,,,lot,,,,"))
    assert refused.value.errors[0].field == "tracking"
    assert by_sku(session, "TEA-500").tracking is Tracking.NONE


def test_export_then_import_round_trips_every_column(session):
    import_products(session, products_csv(
        f"TEA-500,伊右衛門 緑茶 500ml,{JAN},{CASE},24,lot_expiry,90,10,5,A",
        '=EVIL,"-ハイ- ""quoted"", name",,,,serial,0,0,0,',
        "UPC-1,輸入品,012345678905,,,none,0,3,1,B",
    ))
    first = export_products(session, "ja")
    assert first.startswith(UTF8_BOM)
    assert "'=EVIL" in first.decode("utf-8-sig")
    again = import_products(session, first)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert export_products(session, "ja") == first
    english = export_products(session, "en")
    assert english.decode("utf-8-sig").startswith("SKU,name,JAN,case GTIN,pack quantity,tracking")
    assert import_products(session, english).unchanged == 3
    assert by_sku(session, "=EVIL").name == '-ハイ- "quoted", name'


def test_cost_price_and_lead_time_are_imported_exported_and_kept_when_empty(session):
    header = HEADER_JA.replace("ゾーン\r\n", "ゾーン,原価,リードタイム\r\n")
    import_products(session, products_csv(f"TEA-500,緑茶,{JAN},,,none,0,30,10,A,120,14", header=header))
    tea = by_sku(session, "TEA-500")
    assert (tea.cost_price, tea.lead_time_days) == (120, 14)
    import_products(session, products_csv("TEA-500,,,,,,,,,,,", header=header))
    assert (by_sku(session, "TEA-500").cost_price, by_sku(session, "TEA-500").lead_time_days) == (120, 14)
    exported = export_products(session, "ja").decode("utf-8-sig")
    assert exported.splitlines()[0].endswith(",ゾーン,原価,リードタイム") and exported.splitlines()[1].endswith(",A,120,14")
    assert export_products(session, "en").decode("utf-8-sig").splitlines()[0].endswith(",zone,cost price,lead time days")


def test_products_are_found_by_sku_name_or_barcode(session):
    f.product(session, sku="TEA-500", name="緑茶 500ml", barcode=JAN)
    f.product(session, sku="COFFEE-1", name="コーヒー", barcode=JAN2)
    assert [p.sku for p in find_products(session, "緑茶").items] == ["TEA-500"]
    assert [p.sku for p in find_products(session, JAN2).items] == ["COFFEE-1"]
    assert [p.sku for p in find_products(session, "").items] == ["COFFEE-1", "TEA-500"]
    assert find_products(session, "100%").total == 0


# --- locations --------------------------------------------------------------------------------


def storage_codes(session, warehouse_id: int) -> list[str]:
    session.expire_all()
    return list(session.scalars(
        select(Location.code).where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.STORAGE)
        .order_by(Location.pick_sequence)
    ))


def test_a_range_creates_every_code_in_walking_order(session):
    wh = f.warehouse(session)
    created = create_location_range(session, wh.id, LocationRange(("A", "B"), (1, 2), (1, 3), (1, 2)))
    assert (created.created, created.existing, created.first, created.last) == (24, 0, "A-01-01-1", "B-02-01-2")
    codes = storage_codes(session, wh.id)
    assert codes[:8] == ["A-01-01-1", "A-01-01-2", "A-01-02-1", "A-01-02-2", "A-01-03-1", "A-01-03-2",
                         "A-02-03-1", "A-02-03-2"]
    shelf = session.scalar(select(Location).where(Location.code == "A-02-03-1", Location.warehouse_id == wh.id))
    assert (shelf.zone, shelf.aisle, shelf.rack, shelf.level, shelf.sellable, shelf.active) == (
        "A", "02", "03", "1", True, True)


def test_running_a_range_again_creates_nothing_and_leaves_existing_locations_alone(session):
    wh = f.warehouse(session)
    first = create_location_range(session, wh.id, LocationRange(("A",), (1, 1), (1, 4), (1, 1)))
    walk = select(Location.code, Location.pick_sequence).where(Location.warehouse_id == wh.id)
    before = dict(session.execute(walk).all())
    again = create_location_range(session, wh.id, LocationRange(("A",), (1, 2), (1, 4), (1, 1)))
    assert (first.created, again.created, again.existing) == (4, 4, 4)
    after = dict(session.execute(walk).all())
    assert {code: after[code] for code in before} == before
    assert storage_codes(session, wh.id) == ["A-01-01-1", "A-01-02-1", "A-01-03-1", "A-01-04-1",
                                             "A-02-04-1", "A-02-03-1", "A-02-02-1", "A-02-01-1"]


def test_a_range_continues_after_the_warehouses_last_pick_sequence(session):
    wh = f.warehouse(session)
    f.location(session, wh, code="A-09-01-1", pick_sequence=500)
    create_location_range(session, wh.id, LocationRange(("B",), (1, 1), (1, 1), (1, 2)))
    sequences = session.scalars(select(Location.pick_sequence).where(Location.zone == "B", Location.warehouse_id == wh.id)
                                .order_by(Location.code)).all()
    assert sequences == [510, 520]


def test_ranges_in_two_warehouses_do_not_collide(session):
    tokyo, osaka = f.warehouse(session), f.warehouse(session)
    location_range = LocationRange(("A",), (1, 1), (1, 2), (1, 1))
    assert create_location_range(session, tokyo.id, location_range).created == 2
    assert create_location_range(session, osaka.id, location_range).created == 2


def test_deactivating_a_location_with_stock_is_refused_saying_how_much(session):
    wh = f.warehouse(session)
    shelf = f.location(session, wh, code="A-01-01-1")
    f.receive(session, f.product(session), shelf, 7)
    f.receive(session, f.product(session), shelf, 5)
    with pytest.raises(LocationHoldsStock) as refused:
        deactivate_location(session, wh.id, shelf.id)
    assert (refused.value.units, refused.value.products) == (12, 2)
    assert "A-01-01-1 still holds 12 units of 2 products" in str(refused.value.message())
    session.expire_all()
    assert session.get(Location, shelf.id).active is True


def test_an_empty_location_is_deactivated_and_keeps_its_history(session):
    wh = f.warehouse(session)
    shelf = f.location(session, wh, code="A-01-01-2")
    other = f.location(session, wh, code="A-01-01-3")
    tea = f.product(session)
    f.receive(session, tea, shelf, 3)
    with write_transaction(session):
        ledger.post(session, [ledger.Move(tea.id, 3, shelf.id, other.id, MoveReason.TRANSFER)], key=f.unique("mv-"))
    deactivate_location(session, wh.id, shelf.id)
    session.expire_all()
    assert session.get(Location, shelf.id).active is False
    assert session.scalar(select(func.count()).select_from(StockMove).where(StockMove.to_location_id == shelf.id)) == 1
    reactivate_location(session, wh.id, shelf.id)
    session.expire_all()
    assert session.get(Location, shelf.id).active is True


def test_the_dock_and_virtual_locations_cannot_be_deactivated(session):
    wh = f.warehouse(session)
    for kind in (LocationKind.DOCK, LocationKind.SUPPLIER):
        with pytest.raises(LocationRequired):
            deactivate_location(session, wh.id, standard_location(session, wh.id, kind).id)


def test_locations_export_and_import_round_trip_and_keep_virtual_ones_out(session):
    wh = f.warehouse(session)
    create_location_range(session, wh.id, LocationRange(("A",), (1, 1), (1, 2), (1, 2)))
    exported = export_locations(session, wh.id, "ja")
    text = exported.decode("utf-8-sig")
    assert text.startswith("棚番,種別,ゾーン,通路,棚,段,ピッキング順,有効\r\n")
    assert "SUPPLIER" not in text and "DOCK,dock" in text
    again = import_locations(session, wh, exported)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 8)  # 4 shelves, dock, quarantine, packing, outbound
    assert export_locations(session, wh.id, "ja") == exported


def test_a_locations_import_creates_updates_and_deactivates_all_or_nothing(session):
    wh = f.warehouse(session)
    full = f.location(session, wh, code="A-01-01-1", pick_sequence=10)
    empty = f.location(session, wh, code="A-01-01-2", pick_sequence=20)
    f.receive(session, f.product(session), full, 4)
    header = "code,kind,aisle,pick sequence,active\r\n"
    refused_file = (header + "A-01-01-1,,,,false\r\nB-01-01-1,storage,1,,\r\n").encode("cp932")
    with pytest.raises(ImportRefused) as refused:
        import_locations(session, wh, refused_file)
    assert [(e.row, e.field) for e in refused.value.errors] == [(2, "active")]
    assert session.scalar(select(func.count()).select_from(Location).where(Location.code == "B-01-01-1")) == 0
    result = import_locations(session, wh, (header + "A-01-01-2,,,15,無効\r\nB-01-01-1,storage,1,,\r\n"
                                            "PACK-09,梱包,,,\r\n").encode("cp932"))
    assert (result.created, result.updated) == (2, 1)
    session.expire_all()
    assert (session.get(Location, empty.id).active, session.get(Location, empty.id).pick_sequence) == (False, 15)
    new = session.scalar(select(Location).where(Location.code == "B-01-01-1", Location.warehouse_id == wh.id))
    packing = session.scalar(select(Location).where(Location.code == "PACK-09", Location.warehouse_id == wh.id))
    assert (new.zone, new.aisle, new.sellable, new.pick_sequence) == ("B", "01", True, 30)
    assert (packing.kind, packing.sellable, packing.pick_sequence) == (LocationKind.PACKING, False, 40)


def test_the_location_list_shows_what_each_location_holds_in_walking_order(session):
    wh = f.warehouse(session)
    create_location_range(session, wh.id, LocationRange(("A",), (1, 1), (1, 2), (1, 1)))
    shelf = session.scalar(select(Location).where(Location.code == "A-01-02-1", Location.warehouse_id == wh.id))
    f.receive(session, f.product(session), shelf, 9)
    page = find_locations(session, wh.id, zone="A")
    assert [(line.location.code, line.held.units) for line in page.items] == [("A-01-01-1", 0), ("A-01-02-1", 9)]
    assert [line.location.code for line in find_locations(session, wh.id, query="02").items] == ["A-01-02-1"]
