"""The supervisor's screens over HTTP on both databases: the live review queue and its fragment,
a count's review with approval (once), rejection and a stale page refused with the fresh figures;
count tasks by range, zone, product and schedule; tolerances; the discrepancy list, its filters and
CSV; KPIs as SVG; alerts. Pickers and receivers get 403 on every one of them."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.database import write_transaction
from app.masterdata.csvfile import UTF8_BOM
from app.stock.ledger import LotSpec
from app.stock.models import (
    CountTask, CountTaskStatus, CountTolerance, Discrepancy, DiscrepancySource, Product, Quant, StockMove, Tracking,
)
from app.stock.verify import verify
from app.timeutil import WAREHOUSE_TZ, local_today
from tests import factories as f
from tests import supervisor_support as sv
from tests.support import csrf_token, log_in, text_of

STYLE_ATTR = re.compile(r"<[^>]+\sstyle=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
PAGES = ("/counts/review", "/counts/review/live", "/counts/plan", "/counts/tolerances", "/discrepancies",
         "/discrepancies/export", "/kpis", "/reports")
POSTS = ("/counts/plan", "/counts/plan/schedule", "/counts/tolerances", "/counts/review/1/approve",
         "/counts/review/1/reject", "/discrepancies/1/resolve")


@pytest.fixture
def w(session):
    return sv.world(session)


def signed_in(client, login: str, lang: str = "en"):
    assert log_in(client, login).status_code == 302
    client.post("/lang", data={"lang": lang, "csrf_token": csrf_token(client, "/")})
    return client


@pytest.fixture
def boss(client, w):
    return signed_in(client, "boss1")


def html(response) -> str:
    return response.get_data(as_text=True)


def token(client) -> str:
    return csrf_token(client, "/counts/review")


@pytest.mark.parametrize("role", [Role.PICKER, Role.RECEIVER])
def test_floor_roles_get_403_on_every_supervisor_screen(client, session, w, role):
    f.user(session, role, login="floor1")
    log_in(client, "floor1")
    tok = csrf_token(client, "/")
    assert [client.get(p).status_code for p in PAGES + ("/counts/review/1",)] == [403] * (len(PAGES) + 1)
    assert [client.post(p, data={"csrf_token": tok}).status_code for p in POSTS] == [403] * len(POSTS)
    home = html(client.get("/"))
    assert not any(f'href="{p}"' in home for p in ("/counts/review", "/counts/plan", "/discrepancies", "/kpis",
                                                     "/reports"))


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_supervisors_and_admins_see_every_screen_without_inline_style_or_script(client, session, w, role):
    sv.to_review(session, w)
    f.user(session, role, login="office1")
    signed_in(client, "office1")
    home = html(client.get("/"))
    assert all(f'href="{p}"' in home for p in ("/counts/review", "/counts/plan", "/discrepancies", "/kpis", "/reports"))
    assert "Coming soon" not in html(client.get("/reports"))
    for path in PAGES + ("/counts/review/1",):
        response = client.get(path)
        assert response.status_code == 200, path
        if response.mimetype == "text/html":
            assert not STYLE_ATTR.search(html(response)) and not INLINE_SCRIPT.search(html(response)), path


def test_the_queue_puts_the_largest_value_first_and_polls_itself(boss, session, w):
    small = sv.to_review(session, w, tea_found=9)  # ¥120
    big = sv.make_task(session, w, w.other_shelf)
    sv.count(session, big, w.counter, {w.soap: 2})
    sv.count(session, big, w.recounter, {w.soap: 2})  # 4 short × ¥300
    page = html(boss.get("/counts/review"))
    assert page.index('data-task="ZC-%06d"' % big) < page.index('data-task="ZC-%06d"' % small)
    live = boss.get("/counts/review/live", headers={"HX-Request": "true"})
    fragment = html(live)
    assert fragment.lstrip().startswith('<section id="review-queue"') and "<html" not in fragment
    signature = re.search(r'data-signature="([0-9a-f]+)"', fragment).group(1)
    assert 'hx-trigger="every 4s"' in fragment and f'hx-get="/counts/review/live?seen={signature}"' in fragment
    assert text_of(fragment, "review-count") == "2"
    unchanged = boss.get(f"/counts/review/live?seen={signature}", headers={"HX-Request": "true"})
    assert unchanged.status_code == 204 and unchanged.data == b""  # nothing new: nothing sent, nothing swapped
    sv.count(session, sv.make_task(session, w, f.location(session, w.wh, code="A-01-03-1")), w.counter, {w.tea: 1})
    arrived = boss.get(f"/counts/review/live?seen={signature}", headers={"HX-Request": "true"})
    assert arrived.status_code == 200 and text_of(html(arrived), "recount-count") == "1"


def test_a_first_count_with_a_difference_shows_in_the_recount_list_and_a_match_in_the_finished_one(boss, session, w):
    task = sv.make_task(session, w)
    sv.count(session, task, w.counter, {w.tea: 9, w.soap: 4})
    other = sv.make_task(session, w, w.other_shelf)
    sv.count(session, other, w.counter, {w.soap: 6})
    fragment = html(boss.get("/counts/review/live"))
    assert re.search(r'data-task="ZC-%06d"[^>]*data-status="recount"' % task, fragment)
    assert re.search(r'data-task="ZC-%06d"[^>]*data-status="done"' % other, fragment)
    assert "Matched the records" in fragment


def test_the_review_shows_expected_first_count_recount_value_moves_and_who_counted(boss, session, w):
    task = sv.to_review(session, w)
    page = html(boss.get(f"/counts/review/{task}"))
    tea = re.search(r'<li class="sv-card" data-sku="TEA-500"[^>]*>', page).group(0)
    assert 'data-expected="10"' in tea and 'data-counted="8,8"' in tea and 'data-variance="-2"' in tea
    assert 'data-value="-240"' in tea
    assert text_of(page, "total-value") == "¥240" and text_of(page, "units-off") == "2"
    rounds = text_of(page, "count-rounds")
    assert "Count 1 by" in rounds and "Count 2 by" in rounds
    assert 'data-sku="TEA-500" data-quantity="10" data-reason="receipt"' in page
    assert 'id="approve"' in page and 'id="reject"' in page


def test_approving_adjusts_the_stock_once_and_lists_the_variance(boss, session, w):
    task = sv.to_review(session, w)
    version = session.get(CountTask, task).version
    form = {"csrf_token": token(boss), "reason": "lost", "version": str(version)}
    first = boss.post(f"/counts/review/{task}/approve", data=form)
    assert first.status_code == 302 and first.headers["Location"].endswith("/counts/review")
    assert "approved: 2 units adjusted (Lost)" in html(boss.get("/counts/review"))
    again = boss.post(f"/counts/review/{task}/approve", data=form)
    assert again.status_code == 302
    assert "was approved already" in html(boss.get("/counts/review"))
    session.rollback()
    assert session.scalar(select(Quant.on_hand).where(Quant.product_id == w.tea.id,
                                                      Quant.location_id == w.shelf.id)) == 8
    assert session.scalar(select(func.count()).select_from(StockMove)
                          .where(StockMove.reason == "count_adjust")) == 1
    listed = html(boss.get("/discrepancies?source=count"))
    assert 'data-sku="TEA-500"' in listed and 'data-difference="-2"' in listed and 'data-value="-240"' in listed
    assert verify(session) == []


def test_a_stale_review_is_refused_with_the_fresh_figures_and_nothing_changes(boss, session, w):
    task = sv.to_review(session, w)
    stale = session.get(CountTask, task).version
    with write_transaction(session):  # someone rejects it and a third person recounts
        from app.stock import counting
        counting.reject(session, task, user_id=None, seen_version=stale)
    third = f.user(session, Role.PICKER, login="counter3")
    sv.count(session, task, third, {w.tea: 7, w.soap: 4})
    answer = boss.post(f"/counts/review/{task}/approve",
                       data={"csrf_token": token(boss), "reason": "lost", "version": str(stale)})
    assert answer.status_code == 409
    page = html(answer)
    assert 'data-why="stale"' in page and "changed since you looked at it" in page
    assert 'data-counted="8,8,7"' in page and 'name="version" value="%d"' % session.get(CountTask, task).version in page
    session.rollback()
    assert session.scalar(select(func.count()).select_from(StockMove).where(StockMove.reason == "count_adjust")) == 0


def test_approval_needs_a_reason_and_rejection_sends_it_back(boss, session, w):
    task = sv.to_review(session, w)
    version = str(session.get(CountTask, task).version)
    missing = boss.post(f"/counts/review/{task}/approve", data={"csrf_token": token(boss), "version": version})
    assert missing.status_code == 422 and 'data-why="reason"' in html(missing)
    rejected = boss.post(f"/counts/review/{task}/reject", data={"csrf_token": token(boss), "version": version})
    assert rejected.status_code == 302
    session.rollback()
    assert session.get(CountTask, task).status is CountTaskStatus.RECOUNT
    assert boss.get("/counts/review/999999").status_code == 404


def test_count_tasks_by_range_zone_and_product_never_two_for_a_shelf(boss, session, w):
    extra = f.location(session, w.wh, code="B-01-01-1", zone="B", pick_sequence=3)
    tok = csrf_token(boss, "/counts/plan")
    made = boss.post("/counts/plan", data={"csrf_token": tok, "kind": "range", "first": "a-01-01-1",
                                            "last": "ZL-A-01-02-1", "counter": str(w.counter.id)})
    assert made.status_code == 302
    assert "2 count tasks made for" in html(boss.get("/counts/plan"))
    again = boss.post("/counts/plan", data={"csrf_token": tok, "kind": "product", "product": sv.SOAP_JAN})
    assert again.status_code == 302 and "2 shelves already had one open" in html(boss.get("/counts/plan"))
    boss.post("/counts/plan", data={"csrf_token": tok, "kind": "zone", "zone": "B"})
    session.rollback()
    tasks = session.scalars(select(CountTask).order_by(CountTask.id)).all()
    assert [(t.location_id, t.assigned_to_id) for t in tasks] == [
        (w.shelf.id, w.counter.id), (w.other_shelf.id, w.counter.id), (extra.id, None)]
    unknown = boss.post("/counts/plan", data={"csrf_token": tok, "kind": "product", "product": "NOPE"})
    assert unknown.status_code == 422 and 'id="error-product"' in html(unknown)
    empty = boss.post("/counts/plan", data={"csrf_token": tok, "kind": "range", "first": "X-01-01-1", "last": ""})
    assert empty.status_code == 422 and 'id="error-last"' in html(empty)


def test_the_schedule_button_makes_tasks_for_due_shelves(boss, session, w):
    tok = csrf_token(boss, "/counts/plan")
    assert 'data-due="2"' in html(boss.get("/counts/plan"))
    assert boss.post("/counts/plan/schedule", data={"csrf_token": tok}).status_code == 302
    assert "2 count tasks made (A 0, B 0, C 2)" in html(boss.get("/counts/plan"))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(CountTask).where(CountTask.cause == "schedule")) == 2
    boss.post("/counts/plan/schedule", data={"csrf_token": tok})
    assert "no shelf is due without a task" in html(boss.get("/counts/plan"))


def test_tolerances_are_saved_per_class_and_checked(boss, session, w):
    tok = csrf_token(boss, "/counts/tolerances")
    form = {"csrf_token": tok, "units-A": "1", "percent-A": "5", "units-B": "2", "percent-B": "10",
            "units-C": "0", "percent-C": "0"}
    assert boss.post("/counts/tolerances", data=form).status_code == 302
    session.rollback()
    rows = {t.abc_class: (t.units, t.percent) for t in session.scalars(select(CountTolerance))}
    assert rows == {"A": (1, 5), "B": (2, 10)}
    wrong = boss.post("/counts/tolerances", data={**form, "percent-B": "150"})
    assert wrong.status_code == 422 and 'id="error-percent-B"' in html(wrong)


@pytest.fixture
def recorded(session, w):
    """Discrepancies of several sources and days, one with a name a spreadsheet would run."""
    days_ago = lambda n: local_today() - timedelta(days=n)  # noqa: E731
    with write_transaction(session):
        rows = [
            Discrepancy(warehouse_id=w.wh.id, source=DiscrepancySource.PICKING, cause="short_pick",
                        product_id=w.tea.id, location_id=w.shelf.id, expected_qty=3, found_qty=1, quantity=2,
                        user_id=w.counter.id, reference="ZK-000001"),
            Discrepancy(warehouse_id=w.wh.id, source=DiscrepancySource.RECEIVING, cause="over",
                        product_id=w.soap.id, location_id=w.other_shelf.id, expected_qty=10, found_qty=13,
                        quantity=3, user_id=w.recounter.id, reference="=HYPERLINK(\"x\")"),
            Discrepancy(warehouse_id=w.wh.id, source=DiscrepancySource.RETURN, cause="not_on_order",
                        product_id=w.soap.id, expected_qty=0, found_qty=1, quantity=1, user_id=w.recounter.id),
        ]
        session.add_all(rows)
        session.flush()
        rows[1].created_at = datetime.combine(days_ago(10), time(10), WAREHOUSE_TZ)
        rows[2].created_at = rows[0].created_at - timedelta(days=1)
    return rows


def test_the_discrepancy_list_filters_by_source_cause_zone_shelf_person_date_and_state(boss, session, w, recorded):
    def shown(query: str) -> list[str]:
        return re.findall(r'data-cause="([a-z_]+)"', html(boss.get("/discrepancies" + query)))

    assert shown("") == ["short_pick", "not_on_order", "over"]
    assert shown("?source=picking") == ["short_pick"]
    assert shown("?cause=over") == ["over"]
    assert shown("?zone=A&shelf=A-01-02") == ["over"]
    assert shown(f"?person={w.recounter.id}") == ["not_on_order", "over"]
    assert shown(f"?since={(local_today() - timedelta(days=2)).isoformat()}") == ["short_pick", "not_on_order"]
    assert shown(f"?until={(local_today() - timedelta(days=5)).isoformat()}") == ["over"]
    assert shown("?source=bogus&person=x&since=garbage") == ["short_pick", "not_on_order", "over"]
    page = html(boss.get("/discrepancies?source=picking"))
    assert 'data-difference="-2"' in page and 'data-value="-240"' in page
    resolve = re.search(r'action="(/discrepancies/\d+/resolve)"', page).group(1)
    assert boss.post(resolve, data={"csrf_token": token(boss), "next": "/discrepancies?state=open"}).status_code == 302
    assert shown("?state=open") == ["not_on_order", "over"] and shown("?state=resolved") == ["short_pick"]


def test_the_discrepancy_csv_in_utf8_and_shift_jis_with_formulas_guarded(boss, session, w, recorded):
    utf8 = boss.get("/discrepancies/export?source=receiving")
    assert utf8.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert utf8.headers["Content-Disposition"].startswith('attachment; filename="discrepancies-TKY-')
    assert utf8.data.startswith(UTF8_BOM)
    lines = utf8.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("at,source,cause,SKU,name,lot,location,zone,expected,found,difference,value (yen)")
    assert len(lines) == 2 and "'=HYPERLINK" in lines[1] and ",10,13,3,900," in lines[1]
    boss.post("/lang", data={"lang": "ja", "csrf_token": token(boss)})
    sjis = boss.get("/discrepancies/export?encoding=sjis")
    assert sjis.headers["Content-Type"] == "text/csv; charset=shift_jis"
    text = sjis.data.decode("cp932")
    assert text.startswith("日時,発生元,原因,商品コード,商品名") and "緑茶 500ml" in text and "ピッキング" in text
    assert len(text.splitlines()) == 4


def test_kpis_are_server_drawn_svg_charts_with_their_figures_as_text(boss, session, w):
    task = sv.to_review(session, w)
    with write_transaction(session):
        from app.stock import counting
        counting.approve(session, task, user_id=w.supervisor.id, reason_code="lost",
                         seen_version=session.get(CountTask, task).version)
    matched = sv.make_task(session, w, w.other_shelf)
    sv.count(session, matched, w.counter, {w.soap: 6})
    page = html(boss.get("/kpis"))
    assert text_of(page, "accuracy-figure") == "50%"
    assert text_of(page, "coverage-figure") == "100%"
    assert text_of(page, "variance-figure") == "¥240"
    charts = re.findall(r'<svg class="chart" id="([a-z-]+)"[^>]*role="img"', page)
    assert charts == ["chart-accuracy", "chart-variance", "chart-short-picks", "chart-coverage", "chart-open"]
    assert re.search(r'<desc id="chart-variance-desc">[^<]*¥240 \(Cycle count ¥240\)</desc>', page)
    assert "<script" not in page.split("<main", 1)[1]


def test_alerts_show_reorder_expiry_expired_and_overdue_shelves(boss, session, w):
    with write_transaction(session):
        tea = session.get(Product, w.tea.id)
        tea.reorder_point, tea.safety_stock, tea.lead_time_days = 20, 5, 10
    food = f.product(session, tracking=Tracking.LOT_EXPIRY, sku="FOOD-1", name="ゼリー")
    f.receive(session, food, w.other_shelf, 3, lot=LotSpec("L-SOON", local_today() + timedelta(days=20)))
    f.receive(session, food, w.shelf, 2, lot=LotSpec("L-OLD", local_today() - timedelta(days=3)))
    page = html(boss.get("/reports"))
    row = re.search(r'<tr data-sku="TEA-500" data-available="10" data-suggested="(\d+)"', page)
    assert row and int(row.group(1)) == 20 - 10  # no demand yet: up to the reorder point
    assert re.search(r'data-sku="FOOD-1" data-lot="L-SOON" data-shelf="A-01-02-1" data-band="30"', page)
    assert text_of(page, "expired-count") == "1" and 'data-lot="L-OLD"' in page
    assert text_of(page, "overdue-count") == "2"
