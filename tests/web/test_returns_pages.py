"""Returns (返品), put-backs (戻し) and the cancel button over HTTP on both databases: stages carried
by the page, refusals that write nothing, a discrepancy kept with its red answer, replays that
write once, a stale put-back refused with the list as it is."""
from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.orders.models import Order, OrderStatus
from app.orders.shipments import PutBackStatus, ReturnCondition, ReturnLine
from app.stock.models import Discrepancy, StockMove
from app.stock.verify import verify
from tests import factories as f
from tests import returns_support as rs
from tests.support import csrf_token, log_in, text_of

_ids = itertools.count(1)


@pytest.fixture
def w(client, session):
    return rs.world(session)


class Screen:
    """One phone's view of a scan screen: posts carry the hidden fields of the last step shown."""

    def __init__(self, client, path: str):
        self.client, self.path = client, path
        self.step = client.get(path).get_data(as_text=True)
        self.token = csrf_token(client, path)

    def scan(self, code: str = "", scan_id: str | None = None, **form):
        data = {**dict(_hidden(self.step)), "csrf_token": self.token,
                "scan_id": scan_id or f"scan-{next(_ids):08d}-x", "code": code, **form}
        response = self.client.post(f"{self.path}/scan", data=data,
                                    headers={"HX-Request": "true", "X-CSRFToken": self.token})
        html = response.get_data(as_text=True)
        if 'id="step"' in html:
            self.step = html
        return response

    def choose(self, form_id: str, index: int = 0, scan_id: str | None = None):
        """Tap one of the buttons answering a choice (each its own little form)."""
        block = self.step[self.step.index(f'id="{form_id}"'):]
        form = re.findall(r"<form .*?</form>", block, re.S)[index]
        data = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form))
        data.update(csrf_token=self.token, scan_id=scan_id or f"scan-{next(_ids):08d}-c")
        response = self.client.post(f"{self.path}/scan", data=data,
                                    headers={"HX-Request": "true", "X-CSRFToken": self.token})
        if 'id="step"' in response.get_data(as_text=True):
            self.step = response.get_data(as_text=True)
        return response


def _hidden(page: str):
    form = page[page.index('<form class="scan"'):]
    form = form[:form.index("</form>")]
    for name, value in re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form):
        if name not in ("csrf_token", "scan_id", "code"):
            yield name, value


def stage(html: str) -> str:
    return re.search(r'id="step" class="[^"]*" data-stage="([a-z]+)"', html).group(1)


def result(html: str) -> str:
    return re.search(r'id="feedback"[^>]*data-result="([a-z]*)"', html).group(1)


def fresh(session):
    session.rollback()
    session.expire_all()


def test_returns_and_put_backs_are_for_pickers_supervisors_and_admins(client, session, w):
    receiver = f.user(session, Role.RECEIVER, login="recv")
    for login, allowed in (("picker1", True), ("boss", True), (receiver.login, False)):
        log_in(client, login)
        for path in ("/returns", "/returns/put-back"):
            assert (client.get(path).status_code == 200) == allowed, (login, path)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_a_return_by_slip_one_unit_back_on_the_suggested_shelf_one_scrapped(client, session, w):
    shipped = rs.shipped_order(session, w, (w.tea, 3), (w.milk, 2), tracking_number="987654321098")
    log_in(client, "picker1")
    screen = Screen(client, "/returns")
    assert stage(screen.step) == "order" and 'name="code"' in screen.step

    html = screen.scan("9876-5432-1098").get_data(as_text=True)
    assert stage(html) == "item" and shipped.code in text_of(html, "return-order")
    assert 'data-sku="TEA-500" data-lot="" data-shipped="3" data-returned="0"' in html

    html = screen.scan(rs.TEA).get_data(as_text=True)
    assert stage(html) == "condition" and result(html) == "question"
    assert 'name="choice" value="resaleable"' in html and 'value="damaged:broken"' in html

    html = screen.scan(choice="resaleable").get_data(as_text=True)
    assert stage(html) == "shelf" and 'data-expected="A-01-01-1"' in html
    assert text_of(html, "suggested") == "A-01-01-1"

    wrong = screen.scan(rs.SOAP)
    assert wrong.status_code == 422 and "A-01-01-1" in text_of(wrong.get_data(as_text=True), "feedback")
    html = screen.scan("A-01-01-1").get_data(as_text=True)
    assert stage(html) == "item" and result(html) == "ok" and "A-01-01-1" in text_of(html, "feedback")
    assert 'data-sku="TEA-500" data-lot="" data-shipped="3" data-returned="1"' in html

    html = screen.scan(rs.MILK).get_data(as_text=True)  # one lot shipped: no question which
    assert stage(html) == "condition" and "L-1" in text_of(html, "goods")
    html = screen.scan(choice="damaged:broken").get_data(as_text=True)
    assert stage(html) == "item" and result(html) == "ok"
    assert "破損" in text_of(html, "feedback") or "Broken" in text_of(html, "feedback")

    fresh(session)
    lines = session.scalars(select(ReturnLine).order_by(ReturnLine.id)).all()
    assert [(r.condition, r.quantity, r.reason) for r in lines] == [(ReturnCondition.RESALEABLE, 1, None),
                                                                    (ReturnCondition.DAMAGED, 1, "broken")]
    assert [line.returned_qty for line in session.get(Order, shipped.id).lines] == [1, 1]
    assert verify(session) == []


def test_an_item_not_shipped_is_a_discrepancy_kept_with_its_red_answer_and_a_replay_records_it_once(client, session, w):
    shipped = rs.shipped_order(session, w, (w.tea, 1))
    log_in(client, "picker1")
    screen = Screen(client, "/returns")
    screen.scan(shipped.code)
    moves_before = session.scalar(select(func.count()).select_from(StockMove))
    first = screen.scan(rs.SOAP, scan_id="replayed-scan-01")
    again = screen.scan(rs.SOAP, scan_id="replayed-scan-01")
    assert first.status_code == again.status_code == 422 and first.get_data() == again.get_data()
    assert "SOAP-1" in text_of(first.get_data(as_text=True), "feedback")
    too_many = screen.scan("14901234567891")  # a case of 24, one was shipped
    assert too_many.status_code == 422
    fresh(session)
    assert [(d.cause, d.quantity) for d in session.scalars(select(Discrepancy).order_by(Discrepancy.id))] == [
        ("not_on_order", 1), ("more_than_shipped", 23)]
    assert session.scalar(select(func.count()).select_from(StockMove)) == moves_before
    assert verify(session) == []


def test_an_order_not_shipped_or_unknown_is_refused_and_a_replayed_shelf_scan_returns_once(client, session, w):
    waiting = rs.order(session, w, (w.tea, 1))
    shipped = rs.shipped_order(session, w, (w.tea, 2))
    log_in(client, "picker1")
    screen = Screen(client, "/returns")
    refused = screen.scan(waiting.code)
    assert refused.status_code == 422 and waiting.code in refused.get_data(as_text=True)
    assert screen.scan("ZO-NOPE-1").status_code == 422
    screen.scan(shipped.code)
    screen.scan(rs.TEA)
    screen.scan(choice="resaleable")
    first = screen.scan("C-01-01-1", scan_id="shelf-scan-0001")
    again = screen.scan("C-01-01-1", scan_id="shelf-scan-0001")
    assert first.get_data() == again.get_data() and first.status_code == 200
    fresh(session)
    assert session.scalar(select(func.sum(ReturnLine.quantity))) == 1
    assert verify(session) == []


def test_cancel_on_the_order_page_then_the_put_back_from_the_tote(client, session, w):
    placed = rs.order(session, w, (w.tea, 2), (w.soap, 1))
    rs.pick(session, w, rs.wave(session, w, placed), lines=1)  # the tea is in the tote
    log_in(client, "boss")
    token = csrf_token(client, f"/orders/{placed.id}")
    page = client.get(f"/orders/{placed.id}").get_data(as_text=True)
    assert 'id="cancel-form"' in page
    missing = client.post(f"/orders/{placed.id}/cancel", data={"csrf_token": token, "reason": " "})
    assert missing.status_code == 422 and 'id="error-cancel"' in missing.get_data(as_text=True)
    done = client.post(f"/orders/{placed.id}/cancel", data={"csrf_token": token, "reason": "お客様都合"})
    assert done.status_code == 302
    page = client.get(f"/orders/{placed.id}").get_data(as_text=True)
    assert 'data-status="cancelled"' in page and "お客様都合" in text_of(page, "cancelled")
    assert 'data-sku="TEA-500" data-from="ZT-' in page and 'id="cancel-form"' not in page

    client.post("/logout", data={"csrf_token": token})
    log_in(client, "picker1")
    screen = Screen(client, "/returns/put-back")
    assert "TEA-500" in text_of(screen.step, "tasks")
    html = screen.scan(rs.TEA).get_data(as_text=True)
    assert stage(html) == "shelf" and 'data-expected="A-01-01-1"' in html and "ZT-" in text_of(html, "from")
    html = screen.scan("ZL-A-01-01-1").get_data(as_text=True)
    assert stage(html) == "item" and result(html) == "ok" and 'id="tasks-empty"' in html
    fresh(session)
    assert rs.tasks_of(session, placed)[0].status is PutBackStatus.DONE
    assert rs.on_hand(session, rs.tote_of(session, placed)) == 0
    assert session.get(Order, placed.id).status is OrderStatus.CANCELLED
    assert verify(session) == []


def test_a_put_back_done_meanwhile_on_another_phone_is_refused_with_the_list_as_it_is(client, session, w):
    placed = rs.order(session, w, (w.tea, 2))
    rs.pick(session, w, rs.wave(session, w, placed))
    from app.orders.cancel import cancel_order
    cancel_order(session, placed.id, user_id=w.office.id, reason="欠品")
    log_in(client, "picker1")
    one, other = Screen(client, "/returns/put-back"), Screen(client, "/returns/put-back")
    one.scan(rs.TEA)
    other.scan(rs.TEA)
    assert one.scan("A-01-01-1", qty="2").status_code == 200
    stale = other.scan("C-01-01-1")
    html = stale.get_data(as_text=True)
    assert stale.status_code == 422 and stage(html) == "item" and 'id="tasks-empty"' in html
    fresh(session)
    assert rs.on_hand(session, w.shelves["C-01-01-1"].id) == 0
    assert verify(session) == []


def test_several_put_backs_of_one_product_are_chosen_by_tapping(client, session, w):
    first, second = rs.order(session, w, (w.tea, 1)), rs.order(session, w, (w.tea, 2))
    rs.pick(session, w, rs.wave(session, w, first))
    rs.pick(session, w, rs.wave(session, w, second))
    from app.orders.cancel import cancel_order
    for placed in (first, second):
        cancel_order(session, placed.id, user_id=w.office.id, reason="重複")
    log_in(client, "picker1")
    screen = Screen(client, "/returns/put-back")
    html = screen.scan(rs.TEA).get_data(as_text=True)
    assert stage(html) == "choose" and result(html) == "question" and html.count('name="task"') == 2
    html = screen.choose("task-choices", 1).get_data(as_text=True)
    assert stage(html) == "shelf" and second.code in text_of(html, "from")
    assert screen.scan("B-01-01-1", qty="1").status_code == 200
    fresh(session)
    assert [(t.put_qty, t.status) for t in rs.tasks_of(session, second)] == [(1, PutBackStatus.OPEN)]
    assert verify(session) == []


def test_a_picker_whose_order_is_cancelled_meanwhile_gets_the_list_as_it_is_now(client, session, w):
    from app.orders.cancel import cancel_order

    placed = rs.order(session, w, (w.tea, 2))  # A-01-01-1
    other = rs.order(session, w, (w.soap, 1))  # B-01-01-1
    pick_list = rs.wave(session, w, placed, other)
    rs.bind_totes(session, w, pick_list)
    log_in(client, "picker1")
    screen = Screen(client, f"/picking/{pick_list.id}")
    assert 'data-expected="A-01-01-1"' in screen.step

    cancel_order(session, placed.id, user_id=w.office.id, reason="お客様都合")

    stale = screen.scan("A-01-01-1")
    html = stale.get_data(as_text=True)
    assert stale.status_code == 422 and 'data-expected="B-01-01-1"' in html
    assert screen.scan("B-01-01-1").status_code == 200
    html = screen.scan(rs.SOAP).get_data(as_text=True)
    assert stage(html) == "done" and placed.code not in text_of(html, "totes")
    fresh(session)
    assert session.get(Order, placed.id).status is OrderStatus.CANCELLED
    assert session.get(Order, other.id).status is OrderStatus.PICKED
    assert verify(session) == []


def test_a_return_or_put_back_refused_as_stale_says_why(client, session, w):
    """The refusals that send the whole step back (taken back or put back meanwhile on another
    phone) show their message, not an empty red answer."""
    shipped = rs.shipped_order(session, w, (w.tea, 1))
    placed = rs.order(session, w, (w.tea, 2))
    rs.pick(session, w, rs.wave(session, w, placed))
    from app.orders.cancel import cancel_order
    cancel_order(session, placed.id, user_id=w.office.id, reason="欠品")
    log_in(client, "picker1")
    one, other = Screen(client, "/returns"), Screen(client, "/returns")
    for screen in (one, other):
        screen.scan(shipped.code)
        screen.scan(rs.TEA)
    one.scan(choice="resaleable")
    assert one.scan("A-01-01-1").status_code == 200
    stale = other.scan(choice="resaleable")
    assert stale.status_code == 422 and result(stale.get_data(as_text=True)) == "error"
    assert "TEA-500" in text_of(stale.get_data(as_text=True), "feedback")

    one, other = Screen(client, "/returns/put-back"), Screen(client, "/returns/put-back")
    one.scan(rs.TEA)
    other.scan(rs.TEA)
    assert one.scan("A-01-01-1", qty="2").status_code == 200
    stale = other.scan("C-01-01-1")
    assert stale.status_code == 422 and "TEA-500" in text_of(stale.get_data(as_text=True), "feedback")
    gone = one.scan(stage="choose", task="999999")
    said = text_of(gone.get_data(as_text=True), "feedback")
    assert gone.status_code == 422 and ("別の端末" in said or "another device" in said), said
