"""Every floor and office screen on a phone (360 px), checked by axe-core and for layout.

axe-core (tests/browser/vendor/axe-core, see its VENDOR.md; re-vendor with
scripts/vendor_axe.py) is evaluated in the page through Playwright: DevTools evaluation is not
subject to the page's CSP, which stays on (`script-src 'self'`, no inline scripts). axe runs
with the rules it enables by default (WCAG 2.x A/AA and best practices).

Three checks per screen, each its own parametrized case so one failing screen hides no other:
- axe finds no violations (each reported with rule, impact, target selectors and HTML);
- no horizontal scroll at 360 px (`document.documentElement.scrollWidth <= 360`), and nothing
  sticks out past the right edge unless it sits in a scrolling region;
- every visible interactive element is at least 48 × 48 CSS px (FLOOR_UX.md). A checkbox or
  radio wrapped in its <label> is measured by the label, which is what the finger taps.

Each screen is visited once; its three results are shared by its three cases. On the office
screens (receipts, products, locations, labels), the header and footer come from base.html,
which belongs to the floor shell: what is found there is reported with the floor screens
(every floor screen has the same header and footer) and not held against the office screen.
A floor screen's known problem would be a strict xfail naming the rule (Screen.known), for the
floor's owner to fix; none is known today.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.models import Role
from app.database import write_transaction
from app.receipts.plans import PlannedLine, create_receipt
from app.stock.models import LocationKind, Product
from app.stock.warehouses import standard_location
from app.timeutil import local_today
from tests import factories as f
from tests.browser.test_receiving_browser import MILK_GTIN, SNACK_JAN, TEA_CASE, TEA_JAN, delivery, gs1

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
AXE_VERSION = re.match(r"/\*! axe v(\S+)", AXE_SOURCE).group(1)
WIDTH = 360
TAP = 48
SHELL = "body > header.bar, body > footer.foot"  # base.html's, the floor shell's

AXE_RUN = """async () => {
  const shell = [...document.querySelectorAll(%(shell)s)];
  const result = await axe.run(document, {resultTypes: ['violations']});
  const violations = result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => {
      let element = null;
      try { element = document.querySelector(n.target[0]); } catch (e) { element = null; }
      return {target: n.target, html: n.html.slice(0, 200), summary: n.failureSummary,
              shell: !!element && shell.some(s => s.contains(element))};
    }),
  }));
  return {version: result.testEngine.version, rules: result.passes.length + result.violations.length, violations};
}""" % {"shell": json.dumps(SHELL)}

LAYOUT = """() => {
  const shell = [...document.querySelectorAll(%(shell)s)];
  const inShell = e => shell.some(s => s.contains(e));
  const width = window.innerWidth;
  const describe = e => {
    const r = e.getBoundingClientRect();
    const id = e.id ? '#' + e.id : '';
    const cls = typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '';
    return {selector: e.tagName.toLowerCase() + id + cls, width: Math.round(r.width * 10) / 10,
            height: Math.round(r.height * 10) / 10, right: Math.round(r.right), html: e.outerHTML.slice(0, 160),
            shell: inShell(e)};
  };
  const scrolls = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
  const visible = e => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
    && e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0;
  const cutOff = [...document.body.querySelectorAll('*')]
    .filter(e => visible(e) && e.getBoundingClientRect().right > width + 0.5 && !scrolls(e))
    .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > width + 0.5))
    .map(describe);
  const targets = [...document.querySelectorAll('a, button, input:not([type=hidden]), select, textarea, [role=button]')]
    .filter(visible)
    .map(e => (e.matches('input[type=checkbox], input[type=radio]') && e.closest('label')) || e)
    .filter((e, i, all) => all.indexOf(e) === i)
    .filter(e => { const r = e.getBoundingClientRect(); return r.width < %(tap)d - 0.01 || r.height < %(tap)d - 0.01; })
    .map(describe);
  return {scrollWidth: document.documentElement.scrollWidth, width, cutOff, targets};
}""" % {"shell": json.dumps(SHELL), "tap": TAP}


# ---------------------------------------------------------------- the world every screen sees

@dataclass
class World:
    receipt_id: int
    other_receipt_id: int
    order_id: int = 0


def build_world(session) -> World:
    wh, receipt = delivery(session)  # TKY, receiver1, shelves A-01-0n-1, TEA / MILK / SNACK, a receipt
    f.user(session, Role.PICKER, login="picker1", warehouses=[wh], all_warehouses=False)
    f.user(session, Role.SUPERVISOR, login="super1", badge="ZU-SUP001", pin="2468")
    f.user(session, Role.ADMIN, login="admin1")
    tea, snack = (session.scalar(select(Product).where(Product.sku == sku)) for sku in ("TEA-500", "SNACK-1"))
    shelf = f.location(session, wh, code="A-01-01-2", zone="A", pick_sequence=11)
    f.receive(session, tea, shelf, 40)
    f.receive(session, snack, standard_location(session, wh.id, LocationKind.DOCK), 6)
    other = delivery_for_office(session, wh)
    return World(receipt.id, other, an_allocated_order(session, wh, tea))


def an_allocated_order(session, wh, tea) -> int:
    """A Rakuten order (the longest codes), allocated: its detail shows the reserved shelf and the override form."""
    from app.orders import service

    draft = service.DraftOrder("rakuten", "788860-20261201-0000000196", "山田 花子", [service.DraftLine(tea.id, 50)],
                               ship_by=local_today(), priority=1, gift=True, note="置き配希望")
    order = service.create_order(session, wh.id, draft, user_id=None)
    service.allocate_order(session, order.id, user_id=None)
    return order.id


def delivery_for_office(session, wh) -> int:
    """A second receipt with a lot, an expiry, a note and a supplier's reference (the widest detail table)."""
    milk = session.scalar(select(Product).where(Product.sku == "MILK-1L"))
    tea = session.scalar(select(Product).where(Product.sku == "TEA-500"))
    with write_transaction(session):
        receipt = create_receipt(
            session, wh.id, "株式会社 伊藤園 東日本物流センター", local_today() + timedelta(days=2),
            [PlannedLine(milk.id, 48, lot_number="L2611A-EXTRA-LONG", expiry=local_today() + timedelta(days=200)),
             PlannedLine(tea.id, 1200)],
            None, note="午前着、パレット2枚", reference="ASN-7781",
        )
    return receipt.id


# ---------------------------------------------------------------- how to reach each screen

def _go(phone, login: str, path: str):
    page = phone.log_in(login)
    page.goto(phone.base_url + path)
    return page


def login_password(phone, world):
    return phone.open("/login")


def login_badge(phone, world):
    page = phone.open("/login")
    with page.expect_navigation():
        page.tap("#tab-badge")
    expect(page.locator("#pin")).to_be_visible()
    return page


def lookup_scanned(phone, world):
    page = _go(phone, "picker1", "/lookup")
    phone.scan(TEA_JAN)
    phone.answered("ok")
    return page


def lookup_refused(phone, world):
    page = _go(phone, "picker1", "/lookup")
    phone.scan("4900000000009")
    phone.answered("error")
    return page


def receiving_task(phone, world):
    return _go(phone, "receiver1", f"/receiving/{world.receipt_id}")


def receiving_scanned(phone, world):
    page = receiving_task(phone, world)
    phone.scan(gs1(MILK_GTIN, "LOT42", local_today() + timedelta(days=180), count=12))
    phone.answered("ok")
    return page


def receiving_lot_question(phone, world):
    page = receiving_task(phone, world)
    phone.scan(MILK_GTIN[1:])
    phone.answered()
    expect(page.locator("#step")).to_have_attribute("data-stage", "details")
    return page


def receiving_over_plan(phone, world):
    page = receiving_task(phone, world)
    phone.scan(TEA_CASE)
    phone.answered("ok")
    phone.scan(TEA_CASE)
    phone.answered("confirm")
    return page


def receiving_close(phone, world):
    page = receiving_scanned(phone, world)
    page.tap("#close-receipt")
    page.wait_for_url(f"**/receiving/{world.receipt_id}/close")
    return page


def receiving_summary(phone, world):
    page = receiving_close(phone, world)
    with page.expect_navigation():
        page.tap("#close")
    page.wait_for_url(f"**/receiving/{world.receipt_id}/summary")
    return page


def putaway_shelf(phone, world):
    page = _go(phone, "receiver1", "/putaway")
    phone.scan(SNACK_JAN)
    phone.answered("ok")
    expect(page.locator("#step")).to_have_attribute("data-stage", "location")
    return page


def receipts_detail(phone, world):
    return _go(phone, "super1", f"/receipts/{world.other_receipt_id}")


def labels_sheet(phone, world):
    page = _go(phone, "super1", "/labels/locations?zone=A&sheet=a4-3x8")
    expect(page.locator("#print")).to_be_visible()
    return page


def error_404(phone, world):
    page = _go(phone, "picker1", "/no-such-screen")
    expect(page.locator("#feedback[data-status='404']")).to_be_visible()
    return page


def receipts_new_refused(phone, world):
    page = _go(phone, "super1", "/receipts/new")
    with page.expect_navigation():
        page.tap("#create-receipt")
    expect(page.locator("#form-errors")).to_be_visible()
    return page


def receipts_import_refused(phone, world):
    page = _go(phone, "super1", "/receipts/import")
    page.set_input_files("#file", files=[{
        "name": "bad.csv", "mimeType": "text/csv",
        "buffer": "仕入先,入荷予定日,商品コード,数量\r\nA,2026/12/01,NOPE-WITH-A-VERY-LONG-CODE-0001,1\r\n".encode("cp932"),
    }])
    with page.expect_navigation():
        page.tap("#import-submit")
    expect(page.locator("#import-errors")).to_be_visible()
    return page


def orders_detail(phone, world):
    return _go(phone, "super1", f"/orders/{world.order_id}")


def orders_new_refused(phone, world):
    page = _go(phone, "super1", "/orders/new")
    with page.expect_navigation():
        page.tap("#create-order")
    expect(page.locator("#form-errors")).to_be_visible()
    return page


def orders_import_refused(phone, world):
    page = _go(phone, "super1", "/orders/import")
    page.set_input_files("#file", files=[{
        "name": "bad.csv", "mimeType": "text/csv",
        "buffer": "チャネル,注文番号,届け先,商品コード,数量\r\n楽天,R-1,山田,NOPE-WITH-A-VERY-LONG-CODE-0001,1\r\n".encode("cp932"),
    }])
    with page.expect_navigation():
        page.tap("#import-submit")
    expect(page.locator("#import-errors")).to_be_visible()
    return page


def path(login: str, where: str) -> Callable:
    return lambda phone, world: _go(phone, login, where)


@dataclass(frozen=True)
class Screen:
    name: str
    owner: str  # "floor" (the lead's) or "office" (ours)
    visit: Callable
    # A floor screen's known problem, for the floor's owner: check ("axe", "scroll" or "targets")
    # -> strict xfail reason naming the rule, e.g. {"axe": "color-contrast: .hint on #feedback"}.
    # Office screens get none: their problems are fixed, not listed.
    known: dict[str, str] = field(default_factory=dict)
    status: int = 200  # an error page's status, which Chromium logs as a failed resource


SCREENS = [
    Screen("login-password", "floor", login_password),
    Screen("login-badge", "floor", login_badge),
    Screen("home-picker", "floor", path("picker1", "/")),
    Screen("home-admin", "floor", path("admin1", "/")),
    Screen("profile", "floor", path("picker1", "/profile")),
    Screen("lookup", "floor", path("picker1", "/lookup")),
    Screen("lookup-scanned", "floor", lookup_scanned),
    Screen("lookup-refused", "floor", lookup_refused, status=422),
    Screen("receiving-list", "floor", path("receiver1", "/receiving")),
    Screen("receiving-task", "floor", receiving_task),
    Screen("receiving-scanned", "floor", receiving_scanned),
    Screen("receiving-lot-question", "floor", receiving_lot_question),
    Screen("receiving-over-plan", "floor", receiving_over_plan),
    Screen("receiving-close", "floor", receiving_close),
    Screen("receiving-summary", "floor", receiving_summary),
    Screen("putaway-dock", "floor", path("receiver1", "/putaway")),
    Screen("putaway-shelf", "floor", putaway_shelf),
    Screen("coming-soon", "floor", path("super1", "/picking")),
    Screen("error-404", "floor", error_404, status=404),
    Screen("receipts-list", "office", path("super1", "/receipts")),
    Screen("receipts-new", "office", path("super1", "/receipts/new")),
    Screen("receipts-new-refused", "office", receipts_new_refused),
    Screen("receipts-detail", "office", receipts_detail),
    Screen("receipts-import", "office", path("super1", "/receipts/import")),
    Screen("receipts-import-refused", "office", receipts_import_refused),
    Screen("orders-list", "office", path("super1", "/orders")),
    Screen("orders-new", "office", path("super1", "/orders/new")),
    Screen("orders-new-refused", "office", orders_new_refused),
    Screen("orders-detail", "office", orders_detail),
    Screen("orders-import", "office", path("super1", "/orders/import")),
    Screen("orders-import-refused", "office", orders_import_refused),
    Screen("orders-waves", "office", path("super1", "/orders/waves")),
    Screen("products-list", "office", path("super1", "/admin/products")),
    Screen("products-import", "office", path("super1", "/admin/products/import")),
    Screen("locations-list", "office", path("super1", "/admin/locations")),
    Screen("locations-range", "office", path("super1", "/admin/locations/range")),
    Screen("locations-import", "office", path("super1", "/admin/locations/import")),
    Screen("labels-index", "office", path("super1", "/labels")),
    Screen("labels-sheet", "office", labels_sheet),
]
CHECKS = ("axe", "scroll", "targets")


# ---------------------------------------------------------------- one visit per screen

_audits: dict[str, dict] = {}


def audit_screen(screen: Screen, session, phone_factory) -> dict:
    if screen.name not in _audits:
        phone = phone_factory()
        world = build_world(session)
        page = screen.visit(phone, world)
        page.wait_for_load_state("load")
        page.evaluate(AXE_SOURCE)
        axe = page.evaluate(AXE_RUN)
        assert axe["version"] == AXE_VERSION and axe["rules"] > 10, f"axe did not run: {axe['version']}, {axe['rules']} rules"
        _audits[screen.name] = {"axe": axe["violations"], "layout": page.evaluate(LAYOUT), "url": page.url}
        if screen.status != 200:
            logged = f"console error: Failed to load resource: the server responded with a status of {screen.status} "
            phone.problems[:] = [p for p in phone.problems if not p.startswith(logged)]
    return _audits[screen.name]


def ours(screen: Screen, items: list[dict]) -> list[dict]:
    """What this screen answers for: everything on a floor screen; not the shell on an office one."""
    return items if screen.owner == "floor" else [i for i in items if not i["shell"]]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"]:
            lines.append(f"    {' '.join(node['target'])}: {node['html']}")
    return "\n".join(lines)


def format_elements(elements: list[dict]) -> str:
    return "\n".join(f"    {e['selector']} {e['width']}×{e['height']} (right {e['right']}): {e['html']}" for e in elements)


def cases():
    for check in CHECKS:
        for screen in SCREENS:
            marks = []
            if check in screen.known:
                marks.append(pytest.mark.xfail(strict=True, reason=screen.known[check]))
            yield pytest.param(screen, check, id=f"{check}-{screen.name}", marks=marks)


@pytest.mark.parametrize(("screen", "check"), list(cases()))
def test_screen(screen: Screen, check: str, session, phone_factory):
    result = audit_screen(screen, session, phone_factory)
    if check == "axe":
        violations = []
        for v in result["axe"]:
            nodes = ours(screen, v["nodes"])
            if nodes:
                violations.append(dict(v, nodes=nodes))
        assert violations == [], f"axe on {result['url']}:\n{format_violations(violations)}"
    elif check == "scroll":
        layout = result["layout"]
        assert layout["width"] == WIDTH
        assert layout["scrollWidth"] <= WIDTH, f"horizontal scroll on {result['url']}: {layout['scrollWidth']} px"
        cut_off = ours(screen, layout["cutOff"])
        assert cut_off == [], f"cut off at the right edge on {result['url']}:\n{format_elements(cut_off)}"
    else:
        small = ours(screen, result["layout"]["targets"])
        assert small == [], f"touch targets under {TAP}×{TAP} px on {result['url']}:\n{format_elements(small)}"


def test_the_receipt_lines_scroll_inside_their_named_region_by_keyboard(phone, session):
    """At 360 px the receipt's lines are wider than the phone: they scroll in their own region,
    which a keyboard reaches and scrolls, and which screen readers announce by its heading."""
    world = build_world(session)
    page = receipts_detail(phone, world)
    region = page.locator("#receipt-lines").locator("xpath=..")
    expect(region).to_have_attribute("role", "region")
    expect(region).to_have_attribute("tabindex", "0")
    expect(region).to_have_accessible_name(page.locator("#lines-title").inner_text())
    box = region.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    table = page.locator("#receipt-lines").bounding_box()
    assert table["width"] > box["width"], "the test data should make the lines wider than the phone"
    last = page.locator('#receipt-lines tbody tr[data-sku="TEA-500"] td:last-child')
    assert last.bounding_box()["x"] + last.bounding_box()["width"] > box["x"] + box["width"]  # hidden at first
    region.focus()
    at_the_end = """() => { const r = document.querySelector('#receipt-lines').parentElement;
                          return r.scrollLeft + r.clientWidth >= r.scrollWidth - 1; }"""
    for _ in range(40):  # each arrow press scrolls a step (smoothly): keep pressing until the end
        if page.evaluate(at_the_end):
            break
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(50)
    page.wait_for_function(at_the_end)
    cell = last.bounding_box()
    assert cell["x"] + cell["width"] <= box["x"] + box["width"] + 1, "the last column is reachable"
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
