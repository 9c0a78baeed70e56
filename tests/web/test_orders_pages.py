"""The orders office screens: list, new order, CSV import, detail with reserved shelves and the
shelf-life override, allocation buttons, and pick lists built from ticked orders or by date."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.auth.models import Role
from app.database import write_transaction
from app.orders import service
from app.orders.models import Order, OrderLine, OrderStatus, SalesChannel
from app.orders.picklists import PickList, PickListOrder
from app.stock.ledger import LotSpec
from app.stock.models import Product, Reservation, ReservationStatus, Tracking
from app.stock.verify import verify
from app.timeutil import local_today
from tests import factories as f
from tests.support import csrf_token, log_in, text_of

STYLE_ATTR = re.compile(r"<[^>]+\sstyle=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
TEA_JAN = "4901234567894"
SOAP_JAN = "4909876543213"
TODAY = local_today()
PAGES = ("/orders", "/orders/new", "/orders/import", "/orders/waves")


@pytest.fixture
def wh(session):
    wh = f.warehouse(session, code="TKY", name="東京DC")
    tea = f.product(session, tracking=Tracking.LOT_EXPIRY, sku="TEA-500", name="緑茶 500ml", barcode=TEA_JAN,
                    min_shelf_life_days=30)
    soap = f.product(session, sku="SOAP-1", name="石けん", barcode=SOAP_JAN)
    f.receive(session, tea, f.location(session, wh, code="A-01-01-1", pick_sequence=10), 20,
              lot=LotSpec("L-FAR", TODAY + timedelta(days=300)))
    f.receive(session, tea, f.location(session, wh, code="A-01-01-2", pick_sequence=20), 6,
              lot=LotSpec("L-NEAR", TODAY + timedelta(days=10)))
    f.receive(session, soap, f.location(session, wh, code="A-01-02-1", pick_sequence=30), 5)
    f.user(session, Role.PICKER, login="picker1", warehouses=[wh], all_warehouses=False)
    return wh


def sign_in(client, session, role: Role, login: str):
    f.user(session, role, login=login)
    assert log_in(client, login).status_code == 302
    client.post("/lang", data={"lang": "en", "csrf_token": csrf_token(client, "/")})
    return client


@pytest.fixture
def office(client, session, wh):
    return sign_in(client, session, Role.SUPERVISOR, "office1")


def text(response) -> str:
    return response.get_data(as_text=True)


def orders(session) -> list[Order]:
    session.rollback()  # a fresh read: on SQLite (WAL) an open read transaction keeps seeing its first snapshot
    session.expire_all()  # and objects loaded outside a transaction are not expired by the rollback
    return list(session.scalars(select(Order).order_by(Order.id)))


def product_id(session, sku: str) -> int:
    return session.scalar(select(Product.id).where(Product.sku == sku))


def make_order(session, wh, external_id: str, lines: dict[str, int], *, channel: str = "amazon", **fields) -> Order:
    draft = service.DraftOrder(channel, external_id, fields.pop("ship_to_name", "山田 花子"),
                               [service.DraftLine(product_id(session, sku), qty) for sku, qty in lines.items()],
                               **fields)
    return service.create_order(session, wh.id, draft, user_id=None)


def order_form(token: str, **overrides) -> MultiDict:
    fields = [("csrf_token", token), ("channel", "rakuten"), ("external_id", "RKT-1001"), ("ship_to", "佐藤 一郎"),
              ("ship_by", (TODAY + timedelta(days=1)).isoformat()), ("priority", "2"), ("gift", "1"),
              ("note", "のし不要"), ("product", "TEA-500"), ("quantity", "3"), ("product", ""), ("quantity", ""),
              ("product", SOAP_JAN), ("quantity", "2")]
    """Overrides replace the first field of that name (the first line's, for product and quantity)."""
    typed = []
    for name, value in fields:
        typed.append((name, overrides.pop(name, value)))
    return MultiDict(typed)


def upload(client, data: bytes, name: str = "orders.csv"):
    token = csrf_token(client, "/orders/import")
    return client.post("/orders/import", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


JA_FILE = ("チャネル,注文番号,届け先,出荷期限,優先度,ギフト,商品コード,JANコード,数量\r\n"
           f"楽天,R-500,山田 花子,{TODAY + timedelta(days=2):%Y/%m/%d},1,あり,TEA-500,,4\r\n"
           f"楽天,R-500,山田 花子,,,,,{SOAP_JAN},1\r\n"
           f"Amazon,A-77,鈴木 次郎,{TODAY:%Y/%m/%d},0,なし,SOAP-1,,2\r\n")


# --- the screens and who may use them ---------------------------------------------------


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_supervisors_and_admins_see_every_orders_screen_inside_the_csp(client, session, wh, role):
    sign_in(client, session, role, f"office-{role.value}")
    order = make_order(session, wh, "A-1", {"TEA-500": 2})
    for path in (*PAGES, f"/orders/{order.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = text(response)
        assert not STYLE_ATTR.search(page) and not INLINE_SCRIPT.search(page) and "<style" not in page, path
        assert "coming-soon" not in page and 'name="csrf-token"' in page
    home = text(client.get("/"))
    assert 'href="/orders"' in home


@pytest.mark.parametrize("role", [Role.PICKER, Role.RECEIVER])
def test_pickers_and_receivers_get_403_on_every_orders_route(client, session, wh, role):
    sign_in(client, session, role, f"floor-{role.value}")
    order = make_order(session, wh, "A-1", {"TEA-500": 2})
    line = order.lines[0]
    token = csrf_token(client, "/")
    for path in (*PAGES, f"/orders/{order.id}", "/orders/import/sample"):
        assert client.get(path).status_code == 403, path
    for path in ("/orders/new", "/orders/import", "/orders/allocate", f"/orders/{order.id}/allocate",
                 f"/orders/{order.id}/lines/{line.id}/shelf-life", "/orders/waves", "/orders/waves/due"):
        assert client.post(path, data={"csrf_token": token, "reason": "x", "order": str(order.id)}).status_code == 403
    assert 'href="/orders"' not in text(client.get("/"))
    assert orders(session)[0].status is OrderStatus.NEW


def test_every_form_of_the_orders_screens_carries_a_csrf_token(office, session, wh):
    order = make_order(session, wh, "A-1", {"TEA-500": 2})
    service.allocate_order(session, order.id, user_id=None)
    for path in (*PAGES, f"/orders/{order.id}"):
        page = text(office.get(path))
        posting = re.findall(r'<form method="post"[^>]*>(.*?)</form>', page, re.S)
        assert posting, path
        assert all('name="csrf_token"' in form for form in posting), path


# --- creating an order on the screen ---------------------------------------------------


def test_a_new_order_made_on_the_screen_redirects_to_its_page(office, session):
    token = csrf_token(office, "/orders/new")
    response = office.post("/orders/new", data=order_form(token))
    assert response.status_code == 302
    [order] = orders(session)
    assert response.headers["Location"] == f"/orders/{order.id}"
    assert (order.code, order.channel.code, order.ship_to_name, order.priority, order.gift, order.note) == (
        "ZO-RKT-RKT-1001", "rakuten", "佐藤 一郎", 2, True, "のし不要")
    assert order.ship_by == TODAY + timedelta(days=1) and order.status is OrderStatus.NEW
    assert [(line.line_no, line.product.sku, line.quantity) for line in order.lines] == [(1, "TEA-500", 3),
                                                                                         (2, "SOAP-1", 2)]
    page = text(office.get(response.headers["Location"]))
    assert f"Order {order.code} created." in page
    assert re.findall(r'data-sku="([^"]+)" data-quantity="(\d+)" data-allocated="(\d+)"', page) == [
        ("TEA-500", "3", "0"), ("SOAP-1", "2", "0")]


def test_a_duplicate_order_says_so_and_writes_nothing(office, session, wh):
    existing = make_order(session, wh, "RKT-1001", {"SOAP-1": 1}, channel="rakuten")
    token = csrf_token(office, "/orders/new")
    response = office.post("/orders/new", data=order_form(token))
    assert response.status_code == 422
    message = text_of(text(response), "form-errors")
    assert f"already here as {existing.code}" in message and "nothing was changed" in message
    assert [o.id for o in orders(session)] == [existing.id]
    assert session.scalar(select(func.count()).select_from(OrderLine)) == 1
    assert 'value="RKT-1001"' in text(response)


def test_a_wrong_form_keeps_what_was_typed_and_puts_errors_under_the_fields(office, session):
    token = csrf_token(office, "/orders/new")
    response = office.post("/orders/new", data=order_form(token, ship_to="", priority="12", product="NOPE"))
    assert response.status_code == 422
    page = text(response)
    assert text_of(page, "error-ship_to") == "Type the ship-to name."
    assert "12 is not between 0 and 9" in text_of(page, "error-priority")
    assert orders(session) == []
    token = csrf_token(office, "/orders/new")
    response = office.post("/orders/new", data=order_form(token, product="NOPE"))
    assert response.status_code == 422
    assert text_of(text(response), "error-line-1-product") == "NOPE is not a known SKU or JAN."
    assert 'value="NOPE"' in text(response) and orders(session) == []


def test_more_lines_keeps_the_typed_ones(office):
    token = csrf_token(office, "/orders/new")
    form = order_form(token)
    form.add("more", "1")
    page = text(office.post("/orders/new", data=form))
    assert page.count('name="product"') == 6 and 'value="TEA-500"' in page


# --- CSV import ------------------------------------------------------------------------


def test_a_shift_jis_file_with_japanese_headers_makes_one_order_per_channel_and_order_id(office, session):
    response = upload(office, JA_FILE.encode("cp932"))
    assert response.status_code == 302 and response.headers["Location"] == "/orders"
    made = orders(session)
    assert [(o.channel.code, o.external_id, o.ship_to_name, o.priority, o.gift) for o in made] == [
        ("rakuten", "R-500", "山田 花子", 1, True), ("amazon", "A-77", "鈴木 次郎", 0, False)]
    assert [(line.product.sku, line.quantity) for line in made[0].lines] == [("TEA-500", 4), ("SOAP-1", 1)]
    assert made[0].ship_by == TODAY + timedelta(days=2)
    page = text(office.get("/orders"))
    assert "2 orders imported (Shift_JIS (CP932)): ZO-RKT-R-500, ZO-AMZ-A-77." in page


def test_a_utf8_file_with_english_headers_imports_too(office, session):
    data = ("\ufeffchannel,order id,ship to,ship by,SKU,quantity,note\r\n"
            f"yahoo,Y-1,田中,{TODAY:%Y-%m-%d},SOAP-1,1,置き配\r\n").encode("utf-8")
    response = upload(office, data)
    assert response.status_code == 302
    [order] = orders(session)
    assert (order.code, order.note, order.ship_by) == ("ZO-YHO-Y-1", "置き配", TODAY)
    assert "UTF-8 (BOM)" in text(office.get("/orders"))


def test_one_wrong_row_refuses_the_whole_file_with_row_numbers(office, session):
    data = JA_FILE + "楽天,R-501,山田,,,,NOPE,,1\r\nどこか,R-502,山田,,,,SOAP-1,,1\r\n楽天,R-503,山田,,,,SOAP-1,,0\r\n"
    response = upload(office, data.encode("cp932"))
    assert response.status_code == 422
    page = text(response)
    rows = re.findall(r'<tr data-row="(\d*)">', page)
    assert rows == ["5", "6", "7"]
    errors = text_of(page, "import-errors")
    assert "NOPE is not a known SKU or JAN." in errors and "Unknown sales channel どこか" in errors
    assert "商品コード" in errors and "数量" in errors
    assert orders(session) == []


def test_an_order_imported_again_is_reported_with_its_row_and_nothing_changes(office, session):
    assert upload(office, JA_FILE.encode("utf-8")).status_code == 302
    before = [(o.id, o.code) for o in orders(session)]
    again = JA_FILE + "自社サイト,OWN-9,木村,,,,SOAP-1,,1\r\n"
    response = upload(office, again.encode("utf-8"))
    assert response.status_code == 422
    page = text(response)
    assert re.findall(r'<tr data-row="(\d*)">', page) == ["2", "4"]
    errors = text_of(page, "import-errors")
    assert "Order R-500 from rakuten was already imported as ZO-RKT-R-500." in errors
    assert "Order A-77 from amazon was already imported as ZO-AMZ-A-77." in errors
    assert [(o.id, o.code) for o in orders(session)] == before


def test_no_file_and_the_sample_file(office):
    token = csrf_token(office, "/orders/import")
    response = office.post("/orders/import", data={"csrf_token": token})
    assert response.status_code == 422 and "Choose a CSV file." in text(response)
    sample = office.get("/orders/import/sample")
    assert sample.status_code == 200 and sample.mimetype == "text/csv"
    assert sample.get_data().startswith(b"\xef\xbb\xbfchannel,order id,ship to")


def test_the_sample_file_imports_as_it_is(office, session):
    sample = office.get("/orders/import/sample").get_data()
    assert upload(office, sample).status_code == 302
    assert [o.code for o in orders(session)] == ["ZO-RKT-RKT-100001", "ZO-AMZ-250-1234567-7654321"]


# --- the list --------------------------------------------------------------------------


def test_the_list_shows_each_orders_figures_and_filters_by_state_and_channel(office, session, wh):
    soap = make_order(session, wh, "A-1", {"SOAP-1": 8}, ship_by=TODAY, priority=1, gift=True)
    tea = make_order(session, wh, "R-1", {"TEA-500": 2}, channel="rakuten")
    service.allocate_order(session, soap.id, user_id=None)
    page = text(office.get("/orders"))
    cards = re.findall(r'data-code="([^"]+)" data-status="(\w+)" data-ordered="(\d+)" data-allocated="(\d+)" '
                       r'data-picked="(\d+)" data-backordered="(\d+)"', page)
    assert cards == [("ZO-AMZ-A-1", "allocated", "8", "5", "0", "3"), ("ZO-RKT-R-1", "new", "2", "0", "0", "2")]
    assert "Priority 1" in page and "Gift" in page and f"Ship by {TODAY.isoformat()}" in page
    assert f'id="choose-{soap.id}"' in page and f'id="choose-{tea.id}"' not in page
    assert re.findall(r'data-code="([^"]+)"', text(office.get("/orders?channel=rakuten"))) == ["ZO-RKT-R-1"]
    assert re.findall(r'data-code="([^"]+)"', text(office.get("/orders?status=new"))) == ["ZO-RKT-R-1"]
    assert re.findall(r'data-code="([^"]+)"', text(office.get("/orders?status=backordered"))) == [
        "ZO-AMZ-A-1", "ZO-RKT-R-1"]
    assert "No orders here." in text(office.get("/orders?status=shipped"))


def test_the_list_is_paged_on_the_server(office, session, wh):
    with write_transaction(session):
        for n in range(32):
            make_order(session, wh, f"P-{n:03d}", {"SOAP-1": 1}, ship_by=TODAY + timedelta(days=n))
    first = text(office.get("/orders"))
    assert len(re.findall(r'class="order-card" data-code', first)) == 30
    assert "32 orders" in first and "Page 1 of 2" in first
    second = text(office.get("/orders?page=2"))
    assert re.findall(r'data-code="([^"]+)"', second) == ["ZO-AMZ-P-030", "ZO-AMZ-P-031"]


# --- allocation ------------------------------------------------------------------------


def test_allocate_reserves_by_fefo_and_the_detail_shows_the_shelves_and_lots(office, session, wh):
    order = make_order(session, wh, "A-1", {"TEA-500": 4, "SOAP-1": 7})
    token = csrf_token(office, f"/orders/{order.id}")
    response = office.post(f"/orders/{order.id}/allocate", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == f"/orders/{order.id}"
    page = text(office.get(f"/orders/{order.id}"))
    assert f"{order.code}: 9 units reserved now, 2 backordered." in text_of(page, "messages")
    assert re.findall(r'data-location="([^"]+)" data-lot="([^"]*)" data-quantity="(\d+)"', page) == [
        ("A-01-01-1", "L-FAR", "4"), ("A-01-02-1", "", "5")]
    assert re.findall(r'data-sku="([^"]+)" data-quantity="(\d+)" data-allocated="(\d+)" data-picked="(\d+)" '
                      r'data-backordered="(\d+)"', page) == [("TEA-500", "4", "4", "0", "0"), ("SOAP-1", "7", "5", "0", "2")]
    assert orders(session)[0].status is OrderStatus.ALLOCATED and verify(session) == []


def test_allocate_backorders_runs_over_the_warehouse_most_urgent_first(office, session, wh):
    later = make_order(session, wh, "A-2", {"SOAP-1": 4}, ship_by=TODAY + timedelta(days=3))
    sooner = make_order(session, wh, "A-1", {"SOAP-1": 4}, ship_by=TODAY)
    token = csrf_token(office, "/orders")
    response = office.post("/orders/allocate", data={"csrf_token": token, "next": "/orders?status=all"})
    assert response.headers["Location"] == "/orders?status=all"
    page = text(office.get("/orders?status=all"))
    assert "2 orders lacking stock looked at: 5 units reserved, 3 still backordered." in text_of(page, "messages")
    session.expire_all()
    assert (session.get(Order, sooner.id).lines[0].allocated_qty, session.get(Order, later.id).lines[0].allocated_qty) == (4, 1)
    response = office.post("/orders/allocate", data={"csrf_token": token})
    assert "1 order lacking stock looked at: 0 units reserved, 3 still backordered." in text(office.get("/orders"))


def test_a_closed_order_is_not_allocated_and_another_warehouses_order_is_not_found(office, session, wh):
    order = make_order(session, wh, "A-1", {"SOAP-1": 1})
    with write_transaction(session):
        session.get(Order, order.id).status = OrderStatus.SHIPPED
    token = csrf_token(office, "/orders")
    office.post(f"/orders/{order.id}/allocate", data={"csrf_token": token})
    assert "can no longer be allocated" in text(office.get(f"/orders/{order.id}"))
    other = f.warehouse(session, code="YOK")  # after TKY: TKY stays the current one
    elsewhere = make_order(session, other, "A-9", {"SOAP-1": 1})
    assert office.get(f"/orders/{elsewhere.id}").status_code == 404
    assert office.post(f"/orders/{elsewhere.id}/allocate", data={"csrf_token": token}).status_code == 404
    assert office.get("/orders/999999").status_code == 404


# --- the shelf-life override -------------------------------------------------------------


def test_a_shelf_life_override_needs_a_reason_is_recorded_and_lets_short_dated_lots_ship(office, session, wh):
    order = make_order(session, wh, "A-1", {"TEA-500": 24})
    service.allocate_order(session, order.id, user_id=None)
    line = orders(session)[0].lines[0]
    assert (line.allocated_qty, line.backordered) == (20, 4)
    url = f"/orders/{order.id}/lines/{line.id}/shelf-life"
    token = csrf_token(office, f"/orders/{order.id}")
    refused = office.post(url, data={"csrf_token": token, "reason": "  "})
    assert refused.status_code == 422
    assert text_of(text(refused), "error-reason-1") == "Say why short-dated lots may ship for this line."
    assert orders(session)[0].lines[0].shelf_life_override_at is None

    response = office.post(url, data={"csrf_token": token, "reason": "店舗催事で即日消化"})
    assert response.status_code == 302
    line = orders(session)[0].lines[0]
    assert line.shelf_life_override_reason == "店舗催事で即日消化" and line.shelf_life_override_at is not None
    page = text(office.get(f"/orders/{order.id}"))
    note = text_of(page, "override-1")
    assert note.startswith("Short-dated lots allowed by テスト 太郎 on ") and note.endswith(": 店舗催事で即日消化")
    assert 'id="override-form-1"' not in page

    office.post(f"/orders/{order.id}/allocate", data={"csrf_token": token})
    page = text(office.get(f"/orders/{order.id}"))
    assert ("A-01-01-2", "L-NEAR", "4") in re.findall(
        r'data-location="([^"]+)" data-lot="([^"]*)" data-quantity="(\d+)"', page)
    assert orders(session)[0].lines[0].backordered == 0


def test_no_override_form_for_lines_without_dates_or_closed_orders(office, session, wh):
    order = make_order(session, wh, "A-1", {"SOAP-1": 1, "TEA-500": 1})
    page = text(office.get(f"/orders/{order.id}"))
    assert 'id="override-form-2"' in page and 'id="override-form-1"' not in page


def test_a_reason_left_blank_on_a_page_older_than_the_order_is_still_refused_in_words(office, session, wh):
    """The override already given, or the order cancelled, on another tab: the form is gone from the
    page drawn with the refusal, so the reason's error is said without it."""
    order = make_order(session, wh, "A-1", {"TEA-500": 1})
    line = orders(session)[0].lines[0]
    token = csrf_token(office, f"/orders/{order.id}")
    url = f"/orders/{order.id}/lines/{line.id}/shelf-life"
    assert office.post(url, data={"csrf_token": token, "reason": "催事"}).status_code == 302
    refused = office.post(url, data={"csrf_token": token, "reason": " "})
    assert refused.status_code == 422
    assert text_of(text(refused), "error-reason-1") == "Say why short-dated lots may ship for this line."
    assert office.post(f"/orders/{order.id}/cancel", data={"csrf_token": token, "reason": "重複"}).status_code == 302
    refused = office.post(f"/orders/{order.id}/cancel", data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 422 and 'id="cancel-form"' not in text(refused)
    assert text_of(text(refused), "error-cancel") == "Say why the order is cancelled."
    assert orders(session)[0].cancel_reason == "重複"


# --- waves -----------------------------------------------------------------------------


def test_ticked_orders_become_a_pick_list_for_a_picker_of_the_warehouse(office, session, wh):
    first = make_order(session, wh, "A-1", {"SOAP-1": 2})
    second = make_order(session, wh, "A-2", {"TEA-500": 3})
    untouched = make_order(session, wh, "A-3", {"TEA-500": 1})
    for order in (first, second, untouched):
        service.allocate_order(session, order.id, user_id=None)
    page = text(office.get("/orders"))
    picker_id = re.search(r'<option value="(\d+)">テスト 太郎 \(picker1\)</option>', page).group(1)
    token = csrf_token(office, "/orders")
    response = office.post("/orders/waves", data=MultiDict([
        ("csrf_token", token), ("order", str(second.id)), ("order", str(first.id)), ("picker", picker_id)]))
    assert response.status_code == 302 and response.headers["Location"] == "/orders/waves"
    [pick_list] = session.scalars(select(PickList)).all()
    assert pick_list.assigned_to_id == int(picker_id)
    positions = session.execute(select(PickListOrder.order_id, PickListOrder.position)
                                .where(PickListOrder.pick_list_id == pick_list.id).order_by(PickListOrder.position)).all()
    assert positions == [(second.id, 1), (first.id, 2)]
    page = text(office.get("/orders/waves"))
    assert (f"Pick list {pick_list.code} built (ZO-AMZ-A-2, ZO-AMZ-A-1) and given to テスト 太郎."
            in text_of(page, "messages"))
    card = re.search(r'<li class="order-card" data-code="(ZK-\d+)" data-picker="([^"]*)" data-status="(\w+)" '
                     r'data-lines="(\d+)" data-lines-done="(\d+)"', page)
    assert card.groups() == (pick_list.code, "テスト 太郎", "open", "2", "0")
    assert "0 of 2 lines, 0 of 5 units" in page
    statuses = {o.external_id: o.status for o in orders(session)}
    assert statuses == {"A-1": OrderStatus.PICKING, "A-2": OrderStatus.PICKING, "A-3": OrderStatus.ALLOCATED}
    assert f"on {pick_list.code}" in text(office.get("/orders"))


def test_a_wave_refuses_no_ticks_a_stranger_as_picker_and_orders_without_stock(office, session, wh):
    order = make_order(session, wh, "A-1", {"SOAP-1": 2})
    stranger = f.user(session, Role.SUPERVISOR, login="boss2")
    token = csrf_token(office, "/orders")
    office.post("/orders/waves", data={"csrf_token": token, "picker": ""})
    assert "Tick the orders to put on the pick list first." in text(office.get("/orders"))
    office.post("/orders/waves", data={"csrf_token": token, "order": str(order.id), "picker": str(stranger.id)})
    assert "Choose a picker of this warehouse" in text(office.get("/orders"))
    office.post("/orders/waves", data={"csrf_token": token, "order": str(order.id), "picker": ""})
    assert "None of these orders has reserved stock" in text(office.get("/orders"))
    assert session.scalar(select(func.count()).select_from(PickList)) == 0


def test_a_wave_of_the_orders_due_is_left_for_the_next_picker(office, session, wh):
    due = make_order(session, wh, "A-1", {"SOAP-1": 1}, ship_by=TODAY)
    later = make_order(session, wh, "A-2", {"SOAP-1": 1}, ship_by=TODAY + timedelta(days=5))
    rakuten = make_order(session, wh, "R-1", {"SOAP-1": 1}, ship_by=TODAY, channel="rakuten")
    for order in (due, later, rakuten):
        service.allocate_order(session, order.id, user_id=None)
    token = csrf_token(office, "/orders/waves")
    refused = office.post("/orders/waves/due", data={"csrf_token": token, "ship_by": "someday", "channel": "nope"})
    assert refused.status_code == 422
    assert "is not a date" in text_of(text(refused), "error-ship_by")
    assert text_of(text(refused), "error-channel") == "Choose one of the channels."
    boss = f.user(session, Role.SUPERVISOR, login="boss3")
    stranger = office.post("/orders/waves/due", data={"csrf_token": token, "ship_by": TODAY.isoformat(),
                                                      "picker": str(boss.id)})
    assert stranger.status_code == 422 and "Choose a picker of this warehouse" in text_of(text(stranger), "error-picker")
    response = office.post("/orders/waves/due", data={"csrf_token": token, "ship_by": TODAY.isoformat(),
                                                      "channel": "amazon", "picker": ""})
    assert response.status_code == 302
    [pick_list] = session.scalars(select(PickList)).all()
    assert pick_list.assigned_to_id is None
    assert [o.external_id for o in orders(session) if o.status is OrderStatus.PICKING] == ["A-1"]
    page = text(office.get("/orders/waves"))
    assert "the next picker to tap 次のピッキング takes it" in page and 'data-picker=""' in page
    nothing = office.post("/orders/waves/due", data={"csrf_token": token, "ship_by": TODAY.isoformat(),
                                                     "channel": "amazon"})
    assert nothing.status_code == 422 and "None of these orders" in text_of(text(nothing), "form-errors")
    assert session.scalar(select(Reservation.status).where(Reservation.document_line.like("order-line:%"))
                          .limit(1)) is ReservationStatus.OPEN
    assert session.scalar(select(func.count()).select_from(SalesChannel)) >= 5
