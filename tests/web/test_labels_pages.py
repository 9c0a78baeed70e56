"""The label pages: who may open them, what they print, and that they stay inside our CSP."""
from __future__ import annotations

import re
from datetime import date

import pytest

from app.auth.models import Role
from app.stock.ledger import LotSpec
from app.stock.models import Tracking
from tests import factories as f
from tests.support import log_in

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle=", re.IGNORECASE)
JAN = "4901234567894"


@pytest.fixture
def wh(session):
    return f.warehouse(session, code="TKY", name="東京DC")


def logged_in(client, session, *roles: Role, login: str = "label-user"):
    f.user(session, *roles, login=login)
    assert log_in(client, login).status_code == 302
    return client


@pytest.fixture
def supervisor(client, session, wh):
    return logged_in(client, session, Role.SUPERVISOR)


@pytest.fixture
def stocked(session, wh):
    """Shelves in zone A, a tea with lot LOT42, and a picker with a badge."""
    for code in ("A-01-03-2", "A-01-03-10", "A-01-04-1"):
        f.location(session, wh, code=code, zone="A")
    tea = f.product(session, tracking=Tracking.LOT_EXPIRY, sku="TEA-500", name="緑茶 500ml", barcode=JAN)
    f.receive(session, tea, f.location(session, wh, zone="B"), 24, LotSpec("LOT42", date(2027, 12, 31)))
    f.user(session, Role.PICKER, login="hanako", badge="ZU-7F3K9Q")
    return tea


def page_of(response) -> str:
    return response.get_data(as_text=True)


def assert_inside_csp(html: str) -> None:
    assert not INLINE_SCRIPT.search(html)
    assert not STYLE_ATTR.search(html)
    assert "<style" not in html


SHEET_URLS = [
    "/labels/locations?zone=A",
    "/labels/locations?from=A-01-03-2&to=A-01-03-10&sheet=a4-2x5",
    "/labels/products?skus=TEA-500&copies=3",
    "/labels/products?q=緑茶",
    "/labels/lot?product=TEA-500&lot=LOT42&sheet=single",
    "/labels/totes?from=1&to=30",
    "/labels/badges?login=hanako",
]


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_supervisors_and_admins_open_the_label_index_with_a_form_per_kind(client, session, wh, stocked, role):
    page = page_of(logged_in(client, session, role).get("/labels"))
    for form in ("locations", "products", "lot", "totes", "badges"):
        assert f'id="labels-{form}"' in page
    assert 'action="/labels/locations"' in page
    assert page.count('name="sheet"') == 5
    for sheet in ("a4-3x8", "a4-2x5", "single"):
        assert page.count(f'<option value="{sheet}"') == 5


@pytest.mark.parametrize("role", [Role.PICKER, Role.RECEIVER])
def test_pickers_and_receivers_get_403_on_every_label_page(client, session, wh, stocked, role):
    user = logged_in(client, session, role, login=f"no-{role.value}")
    for url in ["/labels", *SHEET_URLS]:
        assert user.get(url).status_code == 403, url


def test_a_logged_out_visitor_is_sent_to_login(client, session):
    response = client.get("/labels/totes?from=1")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("url", ["/labels", *SHEET_URLS])
def test_label_pages_have_no_inline_style_or_script_and_carry_the_csrf_meta(supervisor, stocked, url):
    response = supervisor.get(url)
    assert response.status_code == 200, url
    html = page_of(response)
    assert_inside_csp(html)
    assert '<meta name="csrf-token"' in html
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("url", SHEET_URLS)
def test_sheet_pages_link_the_label_stylesheet_and_script_and_draw_svg_barcodes(supervisor, stocked, url):
    html = page_of(supervisor.get(url))
    assert re.search(r'<link rel="stylesheet" href="/static/css/labels\.css\?v=\w+">', html)
    assert re.search(r'<script src="/static/js/labels\.js\?v=\w+" defer></script>', html)
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="barcode"') >= 1
    assert 'data-print hidden' in html


def test_the_label_stylesheet_is_linked_only_from_label_pages(supervisor, stocked):
    assert "labels.css" not in page_of(supervisor.get("/"))


def test_a_zone_prints_one_location_label_each_with_the_tana_number_large(supervisor, stocked):
    html = page_of(supervisor.get("/labels/locations?zone=A"))
    assert re.findall(r'<p class="heading[^"]*">([^<]+)</p>', html) == ["A-01-03-2", "A-01-03-10", "A-01-04-1"]
    assert html.count('aria-label="ZL-') == 3


@pytest.mark.parametrize("sheet,per_sheet", [("a4-3x8", 24), ("a4-2x5", 10), ("single", 1)])
def test_the_sheet_format_chosen_sets_the_layout_and_the_labels_per_page(supervisor, stocked, sheet, per_sheet):
    html = page_of(supervisor.get(f"/labels/totes?from=1&to=30&sheet={sheet}"))
    sections = html.count(f'<section class="sheet sheet-{sheet}"')
    assert sections == -(-30 // per_sheet)
    assert f'data-sheet="{sheet}"' in html
    assert html.count('class="label label-tote"') == 30


def test_an_unknown_sheet_format_falls_back_to_a4_3_by_8(supervisor, stocked):
    assert 'data-sheet="a4-3x8"' in page_of(supervisor.get("/labels/totes?from=1&sheet=a3-huge"))


def test_starting_at_a_later_position_leaves_the_used_labels_blank(supervisor, stocked):
    html = page_of(supervisor.get("/labels/totes?from=1&to=3&start=5"))
    assert html.count('class="label label-blank"') == 4
    assert html.count('class="label label-tote"') == 3


def test_the_lot_label_prints_the_gs1_line_exactly(supervisor, stocked):
    html = page_of(supervisor.get("/labels/lot?product=TEA-500&lot=LOT42"))
    assert '<p class="caption hri">(01)04901234567894(17)271231(10)LOT42</p>' in html
    assert 'data-symbology="gs1_128"' in html


def test_the_lot_label_shows_the_expiry_in_the_users_language(supervisor, stocked):
    assert "2027/12/31" in page_of(supervisor.get("/labels/lot?product=TEA-500&lot=LOT42"))


def test_a_product_label_shows_jan_sku_and_name_as_many_times_as_asked(supervisor, stocked):
    html = page_of(supervisor.get("/labels/products?skus=TEA-500&copies=3"))
    assert html.count('class="label label-product"') == 3
    assert html.count(f'<p class="caption">{JAN}</p>') == 3
    assert "緑茶 500ml" in html and 'data-symbology="ean13"' in html


def test_a_badge_shows_the_name_and_code_never_the_user_id(supervisor, stocked):
    html = page_of(supervisor.get("/labels/badges?login=hanako"))
    assert '<p class="caption">ZU-7F3K9Q</p>' in html and "テスト 太郎" in html


def test_the_index_offers_the_zones_and_badge_holders_of_the_warehouse(supervisor, stocked):
    html = page_of(supervisor.get("/labels"))
    assert '<option value="A"' in html and '<option value="B"' in html
    assert 'name="login" value="hanako"' in html


@pytest.mark.parametrize("url,form", [
    ("/labels/locations", "locations"),
    ("/labels/locations?zone=Q", "locations"),
    ("/labels/products?skus=NOPE-1", "products"),
    ("/labels/lot?product=TEA-500&lot=NOPE", "lot"),
    ("/labels/totes?from=5&to=2", "totes"),
    ("/labels/totes?from=abc", "totes"),
    ("/labels/totes?from=1&to=5000", "totes"),
    ("/labels/products?skus=TEA-500&copies=0", "products"),
    ("/labels/badges", "badges"),
])
def test_a_request_with_nothing_printable_shows_the_reason_under_its_form(supervisor, stocked, url, form):
    response = supervisor.get(url)
    assert response.status_code == 422
    html = page_of(response)
    assert f'id="error-{form}"' in html and 'data-result="error"' in html
    assert html.count('role="alert"') == 1
    assert_inside_csp(html)


def test_a_refused_form_keeps_what_was_typed(supervisor, stocked):
    html = page_of(supervisor.get("/labels/products?skus=NOPE-1&copies=2"))
    assert ">NOPE-1</textarea>" in html and 'id="products-copies" name="copies" min="1" value="2"' in html
    assert "NOPE-1" in html.split('id="error-products"')[1].split("</p>")[0]


def test_pages_are_in_english_for_an_english_user(client, session, wh, stocked):
    logged_in(client, session, Role.SUPERVISOR)
    client.post("/lang", data={"lang": "en", "csrf_token": re.search(
        r'name="csrf-token" content="([^"]+)"', page_of(client.get("/labels"))).group(1)})
    html = page_of(client.get("/labels/lot?product=TEA-500&lot=LOT42"))
    assert "Expiry 2027-12-31" in html and "Print" in html


def test_what_was_typed_is_escaped_when_shown_again(supervisor, stocked):
    html = page_of(supervisor.get('/labels/products?skus="><script>alert(1)</script>'))
    assert "<script>alert(1)" not in html
    assert_inside_csp(html)
