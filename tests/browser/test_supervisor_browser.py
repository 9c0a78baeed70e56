"""棚卸し from the floor to the supervisor, on phones in Japanese: a blind count with a variance, the
recount by another counter, approval with a reason, the adjustment in 在庫照会 and in the discrepancy
list; an empty-shelf count; a count while a picker picks from the same shelf (no false variance); the
review queue showing a count sent from a second phone without a reload. `stock verify` clean after each."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from app.stock.models import CountTask, CountTaskStatus, Discrepancy, Quant
from app.stock.verify import verify
from tests import supervisor_support as sv
from tests.browser.layout import assert_phone_layout

LIVE = 15_000  # the queue polls every 4 s
SHOTS = {"/counts/review": "review-queue", "/counts/plan": "count-tasks", "/discrepancies": "discrepancies",
         "/kpis": "kpis", "/reports": "alerts"}


def at_stage(page, stage: str) -> None:
    page.wait_for_selector(f'#step[data-stage="{stage}"]')


def take_next_count(phone, login: str):
    """Log in, open 棚卸し, tap 次の棚卸し: the count page of the task the queue gives."""
    page = phone.log_in(login)
    page.goto(phone.base_url + "/counts")
    with page.expect_navigation():
        page.tap("#next-count")
    at_stage(page, "shelf")
    return page


SKUS = {sv.TEA_JAN: "TEA-500", sv.SOAP_JAN: "SOAP-1"}


def scan_items(phone, code: str, units: int) -> None:
    """Type the quantity, scan the item once, and wait until the counted figure shows it."""
    page = phone.page
    counted = page.locator(f'#counted tr[data-sku="{SKUS[code]}"] td.counted')
    before = int(counted.inner_text()) if counted.count() else 0
    page.fill("#qty", str(units))
    phone.scan(code)
    expect(counted).to_have_text(str(before + units))


def count_shelf(phone, shelf: str, items: dict[str, int], before_finishing=None) -> None:
    """Scan the shelf label, every item (a typed quantity per scan), then 数え終わり and yes
    (`before_finishing(page)` is called once every item is counted)."""
    page = phone.page
    expect(page.locator("#prompt")).to_have_attribute("data-expected", shelf)
    phone.scan(shelf)
    at_stage(page, "item")
    for code, units in items.items():
        scan_items(phone, code, units)
    if before_finishing:
        before_finishing(page)
    page.tap("#finish")
    at_stage(page, "finish")
    page.tap("#confirm")
    at_stage(page, "done")


def counted_line(page, sku: str):
    return page.locator(f'#review-lines li[data-sku="{sku}"]')


def test_a_blind_count_with_a_variance_recounted_approved_and_seen_in_stock_and_the_discrepancy_list(
        phone_factory, session, screenshot):
    w = sv.world(session)
    task = sv.make_task(session, w)
    code = f"ZC-{task:06d}"

    first = phone_factory()
    page = take_next_count(first, "counter1")
    assert_phone_layout(page)
    count_shelf(first, "A-01-01-1", {sv.TEA_JAN: 8, sv.SOAP_JAN: 4},
                before_finishing=lambda counting: screenshot(counting, "counting"))
    expect(page.locator("#step")).not_to_contain_text("10")  # blind: the records never shown

    second = phone_factory()
    page = take_next_count(second, "counter2")
    expect(page.locator("#step")).to_contain_text("A-01-01-1")
    count_shelf(second, "A-01-01-1", {sv.TEA_JAN: 8, sv.SOAP_JAN: 4})

    boss = phone_factory()
    page = boss.log_in("boss1")
    page.goto(boss.base_url + "/counts/review")
    card = page.locator(f'#review-list [data-task="{code}"]')
    expect(card).to_have_attribute("data-value", "240")
    assert_phone_layout(page)
    with page.expect_navigation():
        card.locator("a.sv-card-link").tap()
    tea = counted_line(page, "TEA-500")
    expect(tea).to_have_attribute("data-expected", "10")
    expect(tea).to_have_attribute("data-counted", "8,8")
    expect(tea.locator(".value")).to_have_text("-¥240")
    expect(page.locator("#count-rounds li")).to_have_count(2)
    expect(page.locator("#count-rounds")).to_contain_text("1 回目")
    expect(page.locator("#shelf-moves tbody tr").first).to_be_visible()
    assert_phone_layout(page)
    screenshot(page, "count-review")
    page.locator('label:has(#reason-lost)').tap()
    with page.expect_navigation():
        page.tap("#approve")
    expect(page.locator("#messages")).to_contain_text(f"{code} を承認しました")
    expect(page.locator(f'#recent-list [data-task="{code}"]')).to_be_visible()

    page.goto(boss.base_url + "/lookup")
    boss.scan(sv.TEA_JAN)
    expect(page.locator("#available")).to_have_text("8")

    page.goto(boss.base_url + "/discrepancies?source=count")
    row = page.locator('#discrepancies li[data-sku="TEA-500"]')
    expect(row).to_have_attribute("data-difference", "-2")
    expect(row).to_contain_text("紛失")
    assert_phone_layout(page)

    session.rollback()
    assert session.scalar(select(Quant.on_hand).where(Quant.product_id == w.tea.id,
                                                      Quant.location_id == w.shelf.id)) == 8
    assert session.get(CountTask, task).status is CountTaskStatus.DONE
    assert verify(session) == []


def test_an_empty_shelf_count_is_one_tap_and_a_recount_that_finds_the_records_closes_it(phone_factory, session):
    w = sv.world(session)
    task = sv.make_task(session, w, w.other_shelf)  # 6 SOAP on the records

    first = phone_factory()
    page = take_next_count(first, "counter1")
    first.scan("A-01-02-1")
    at_stage(page, "item")
    page.tap("#empty")
    at_stage(page, "empty")
    page.tap("#confirm")
    at_stage(page, "done")
    session.rollback()
    assert session.get(CountTask, task).status is CountTaskStatus.RECOUNT

    second = phone_factory()
    take_next_count(second, "counter2")
    count_shelf(second, "A-01-02-1", {sv.SOAP_JAN: 6})
    session.rollback()
    assert session.get(CountTask, task).status is CountTaskStatus.DONE
    assert session.scalar(select(func.count()).select_from(Discrepancy)) == 0
    assert verify(session) == []


def test_a_count_while_a_picker_picks_from_the_same_shelf_gives_no_false_variance(phone_factory, session):
    w = sv.world(session)
    task = sv.make_task(session, w)
    counter = phone_factory()
    page = take_next_count(counter, "counter1")
    counter.scan("A-01-01-1")
    at_stage(page, "item")
    scan_items(counter, sv.TEA_JAN, 10)  # every TEA counted …
    sv.picked(session, w, w.tea, 2, "R-WHILE-1")  # … then a picker takes two of them from this shelf
    scan_items(counter, sv.SOAP_JAN, 4)
    page.tap("#finish")
    at_stage(page, "finish")
    page.tap("#confirm")
    at_stage(page, "done")

    session.rollback()
    assert session.get(CountTask, task).status is CountTaskStatus.DONE  # matched: no recount, no review
    assert session.scalar(select(Quant.on_hand).where(Quant.product_id == w.tea.id,
                                                      Quant.location_id == w.shelf.id)) == 8
    assert session.scalar(select(func.count()).select_from(Discrepancy)) == 0
    assert verify(session) == []


def test_the_review_queue_shows_a_count_sent_from_a_second_phone_without_a_reload(phone_factory, session):
    w = sv.world(session)
    task = sv.make_task(session, w)
    sv.count(session, task, w.recounter, {w.tea: 7, w.soap: 4})  # the first count: 3 TEA short
    code = f"ZC-{task:06d}"

    boss = phone_factory()
    board = boss.log_in("boss1")
    board.goto(boss.base_url + "/counts/review")
    expect(board.locator("#no-review")).to_be_visible()
    expect(board.locator(f'#recount-list [data-task="{code}"]')).to_be_visible()
    board.evaluate("() => { window.__stayed = 'yes'; }")
    assert_phone_layout(board)

    counter = phone_factory()
    take_next_count(counter, "counter1")
    count_shelf(counter, "A-01-01-1", {sv.TEA_JAN: 7, sv.SOAP_JAN: 4})

    arrived = board.locator(f'#review-list [data-task="{code}"]')
    expect(arrived).to_be_visible(timeout=LIVE)
    expect(arrived).to_have_attribute("data-value", "360")
    expect(board.locator("#review-count")).to_have_text("1")
    assert board.evaluate("() => window.__stayed") == "yes"  # the same page: swapped in, never reloaded
    session.rollback()
    assert verify(session) == []


def test_every_supervisor_screen_fits_a_phone_with_the_demo_loaded(phone_factory, session, screenshot):
    from app.demo import load_demo

    load_demo(session)
    phone = phone_factory()
    page = phone.log_in("supervisor1", "supervisor1-pass")
    shown = {"/counts/review": "#review-list li", "/counts/plan": "#open-tasks tbody tr", "/counts/tolerances": "#class-A",
             "/discrepancies": "#discrepancies li", "/kpis": "#chart-accuracy circle", "/reports": "#overdue-table tbody tr"}
    for path, something in shown.items():  # something real on every screen, whichever warehouse opens first
        page.goto(phone.base_url + path)
        expect(page.locator(something).first).to_be_visible()
        assert_phone_layout(page)
        if path in SHOTS:
            screenshot(page, SHOTS[path])
    page.goto(phone.base_url + "/counts/review")
    with page.expect_navigation():
        page.locator("#review-list a.sv-card-link").first.tap()
    expect(page.locator("#review-lines li.sv-card").first).to_be_visible()
    assert_phone_layout(page)
    page.goto(phone.base_url + "/kpis")
    expect(page.locator("svg.chart[role=img]")).to_have_count(5)
