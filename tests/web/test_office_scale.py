"""50,000 products stay fast on the office screens (issue 15): the list filters and pages on the
server in a fixed number of statements, whatever the catalogue's size, on both databases."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import insert, select

from app.auth.models import Role
from app.barcodes.checkdigit import with_check_digit
from app.stock.models import BarcodeKind, Product, ProductBarcode, Tracking
from app.timeutil import utcnow
from tests import factories as f
from tests.support import log_in
from tests.web.test_scan_costs import counted

CATALOGUE = 50_000
STATEMENTS = 8  # the user, two counts and pages, the barcodes of one page: never one per product
SECONDS = 2.0  # generous: two CPUs shared with other test runs


def jan(n: int) -> str:
    return with_check_digit(f"45{n:010d}")


@pytest.fixture
def catalogue(session):
    now = utcnow()
    products = [{"sku": f"SKU-{n:06d}", "name": f"商品 {n:06d} {'緑茶' if n % 1000 == 7 else 'その他'}",
                 "tracking": (Tracking.LOT if n % 10 == 0 else Tracking.NONE).value, "min_shelf_life_days": 0,
                 "reorder_point": 0, "safety_stock": 0, "is_kit": False, "active": n % 100 != 0, "created_at": now}
                for n in range(CATALOGUE)]
    connection = session.connection()
    connection.execute(insert(Product.__table__), products)
    ids = dict(connection.execute(select(Product.sku, Product.id)).all())
    connection.execute(insert(ProductBarcode.__table__), [
        {"product_id": ids[f"SKU-{n:06d}"], "code": jan(n), "kind": BarcodeKind.EAN13.value, "pack_qty": 1}
        for n in range(CATALOGUE)])
    session.commit()
    return ids


@pytest.mark.slow
def test_the_product_list_stays_fast_with_50000_products(app, client, session, catalogue):
    f.user(session, Role.SUPERVISOR, login="office")
    log_in(client, "office")
    for query, expected in (("", "SKU-000000"), ("?page=1000", "SKU-049950"), ("?q=緑茶", "SKU-000007"),
                            (f"?q={jan(31415)}", "SKU-031415"), ("?state=inactive&tracking=lot&page=5", "SKU-020000"),
                            ("?q=SKU-04&page=200", "SKU-049950")):
        with counted(app) as statements:
            started = time.perf_counter()
            response = client.get(f"/admin/products{query}")
            took = time.perf_counter() - started
        skus = re.findall(r'<tr data-sku="([^"]+)"', response.get_data(as_text=True))
        assert response.status_code == 200 and skus[0] == expected, query
        assert len(statements) <= STATEMENTS, f"{query}: {len(statements)} statements"
        assert took < SECONDS, f"{query}: {took:.2f} s"
    with counted(app) as statements:
        started = time.perf_counter()
        page = client.get(f"/admin/products/{catalogue['SKU-031415']}")
        took = time.perf_counter() - started
    assert page.status_code == 200 and jan(31415) in page.get_data(as_text=True)
    assert took < SECONDS and len(statements) <= 12
