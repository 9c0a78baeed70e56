"""Receiving on SQLite and PostgreSQL: quantities, lots and expiries end where they should."""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.database import write_transaction
from app.floor.refusals import LotExpired
from app.receiving import errors
from app.receipts.models import Receipt, ReceiptEntry, ReceiptLine, ReceiptStatus
from app.receipts.figures import received_by_line
from app.receipts.plans import PlannedLine, create_receipt
from app.receiving.service import (
    Goods,
    Handling,
    NeedsConfirmation,
    NeedsDetails,
    Received,
    close_receipt,
    item_by_id,
    receipt_for_scan,
    receive,
    summarize,
    undo_last,
)
from app.stock import errors as stock_errors
from app.stock import ledger
from app.stock.availability import availability
from app.stock.models import Discrepancy, LocationKind, Lot, MoveReason, Quant, Tracking
from app.stock.verify import verify
from app.stock.warehouses import standard_location, warehouse_ref
from tests import concurrency
from tests import factories as f

TODAY = date(2026, 11, 24)


@pytest.fixture
def wh(session):
    return f.warehouse(session)


@pytest.fixture
def clerk(session):
    return f.user(session)


@pytest.fixture
def tea(session):
    return f.product(session, sku="TEA", barcode="4901234567894", case_gtin="14901234567891", pack_qty=24)


@pytest.fixture
def milk(session):
    return f.product(session, sku="MILK", tracking=Tracking.LOT_EXPIRY, min_shelf_life_days=30)


def plan(session, wh, clerk, *lines, blind=False):
    with write_transaction(session):
        return create_receipt(session, wh.id, "伊藤園", TODAY, list(lines), clerk.id, blind=blind)


def scan(session, receipt, clerk, goods, handling=Handling(), key=None):
    with write_transaction(session):
        outcome, _summary = receive(
            session, receipt.id, goods, handling, item_by_id(session, goods.product_id),
            warehouse=warehouse_ref(session, receipt.warehouse_id), user_id=clerk.id, key=key or f.unique("k", 12),
            today=TODAY,
        )
        return outcome


def undo(session, receipt, clerk, key):
    with write_transaction(session):
        return undo_last(session, receipt.id, warehouse=warehouse_ref(session, receipt.warehouse_id), user_id=clerk.id,
                         key=key)[0]


def close(session, receipt, clerk, seen=None):
    seen = seen or summarize(session, receipt.id).fingerprint
    return close_receipt(session, receipt.id, user_id=clerk.id, seen=seen)


def on_hand(session, product, location):
    return session.scalar(select(func.sum(Quant.on_hand)).where(Quant.product_id == product.id,
                                                                 Quant.location_id == location.id)) or 0


def test_a_jan_scan_puts_one_unit_on_the_dock_against_its_line(session, wh, clerk, tea):
    receipt = plan(session, wh, clerk, PlannedLine(tea.id, 10))
    outcome = scan(session, receipt, clerk, Goods(tea.id, 1))
    dock = standard_location(session, wh.id, LocationKind.DOCK)
    assert isinstance(outcome, Received) and outcome.location == "DOCK"
    assert on_hand(session, tea, dock) == 1
    assert received_by_line(session, receipt.id)[receipt.lines[0].id].received == 1
    session.expire_all()
    assert session.get(Receipt, receipt.id).phase == "receiving"
    assert verify(session) == []


def test_stock_on_the_dock_is_not_sellable(session, wh, clerk, tea):
    receipt = plan(session, wh, clerk, PlannedLine(tea.id, 48))
    scan(session, receipt, clerk, Goods(tea.id, 24))
    assert availability(session, wh.id, [tea.id], today=TODAY) == {tea.id: 0}


def test_a_lot_and_expiry_tracked_product_asks_for_what_the_scan_lacked(session, wh, clerk, milk):
    receipt = plan(session, wh, clerk, PlannedLine(milk.id, 10))
    asked = scan(session, receipt, clerk, Goods(milk.id, 1))
    assert isinstance(asked, NeedsDetails) and asked.missing == ("lot", "expiry")
    asked = scan(session, receipt, clerk, Goods(milk.id, 1, lot="L1"))
    assert asked.missing == ("expiry",)
    got = scan(session, receipt, clerk, Goods(milk.id, 1, lot="L1", expiry=TODAY + timedelta(days=90)))
    assert isinstance(got, Received)
    again = scan(session, receipt, clerk, Goods(milk.id, 2, lot="L1"))
    assert isinstance(again, Received) and again.expiry == TODAY + timedelta(days=90)
    assert session.scalar(select(func.count()).select_from(ReceiptEntry)) == 2


def test_an_expired_lot_is_refused_and_nothing_is_written(session, wh, clerk, milk):
    receipt = plan(session, wh, clerk, PlannedLine(milk.id, 10))
    with pytest.raises(LotExpired):
        scan(session, receipt, clerk, Goods(milk.id, 1, lot="OLD", expiry=TODAY - timedelta(days=1)))
    assert session.scalar(select(func.count()).select_from(Lot)) == 0
    assert session.scalar(select(func.count()).select_from(ReceiptEntry)) == 0


def test_a_short_dated_lot_asks_for_confirmation_and_is_flagged(session, wh, clerk, milk):
    receipt = plan(session, wh, clerk, PlannedLine(milk.id, 10))
    goods = Goods(milk.id, 1, lot="SHORT", expiry=TODAY + timedelta(days=10))
    asked = scan(session, receipt, clerk, goods)
    assert isinstance(asked, NeedsConfirmation) and asked.reason == "short_dated" and asked.days_left == 10
    got = scan(session, receipt, clerk, goods, Handling(confirm_short_dated=True))
    assert isinstance(got, Received) and got.short_dated
    assert session.scalar(select(ReceiptEntry.short_dated)) is True


def test_a_known_lot_with_another_expiry_is_a_clear_error(session, wh, clerk, milk):
    receipt = plan(session, wh, clerk, PlannedLine(milk.id, 10))
    scan(session, receipt, clerk, Goods(milk.id, 1, lot="L5", expiry=TODAY + timedelta(days=100)))
    with pytest.raises(stock_errors.LotExpiryMismatch):
        scan(session, receipt, clerk, Goods(milk.id, 1, lot="L5", expiry=TODAY + timedelta(days=101)))
    assert session.scalar(select(func.count()).select_from(ReceiptEntry)) == 1


def test_over_receipt_asks_first_and_is_recorded(session, wh, clerk, tea):
    receipt = plan(session, wh, clerk, PlannedLine(tea.id, 2))
    scan(session, receipt, clerk, Goods(tea.id, 2))
    asked = scan(session, receipt, clerk, Goods(tea.id, 1))
    assert isinstance(asked, NeedsConfirmation) and (asked.reason, asked.expected, asked.received) == ("over", 2, 2)
    got = scan(session, receipt, clerk, Goods(tea.id, 1), Handling(confirm_over=True))
    assert got.over_receipt


def test_a_product_not_on_the_plan_asks_first_and_gets_its_own_line(session, wh, clerk, tea):
    other = f.product(session, sku="SNACK")
    receipt = plan(session, wh, clerk, PlannedLine(tea.id, 2))
    asked = scan(session, receipt, clerk, Goods(other.id, 1))
    assert isinstance(asked, NeedsConfirmation) and asked.reason == "unexpected"
    scan(session, receipt, clerk, Goods(other.id, 1), Handling(confirm_over=True))
    session.refresh(receipt)
    assert [(line.product_id, line.unexpected) for line in receipt.lines] == [(tea.id, False), (other.id, True)]


def test_a_blind_receipt_takes_whatever_arrives_without_asking(session, wh, clerk, tea):
    receipt = plan(session, wh, clerk, blind=True)
    assert isinstance(scan(session, receipt, clerk, Goods(tea.id, 24)), Received)
    assert isinstance(scan(session, receipt, clerk, Goods(tea.id, 1)), Received)
    assert summarize(session, receipt.id).received == 25


def test_damaged_units_go_to_quarantine_with_their_reason(session, wh, clerk, tea):
    from app.receipts.models import DamageReason

    receipt = plan(session, wh, clerk, PlannedLine(tea.id, 5))
    got = scan(session, receipt, clerk, Goods(tea.id, 2), Handling(damaged=True, damage_reason=DamageReason.WET))
    quarantine = standard_location(session, wh.id, LocationKind.QUARANTINE)
    assert got.damaged and got.location == "QUARANTINE"
    assert on_hand(session, tea, quarantine) == 2
    assert session.scalar(select(ReceiptEntry.damage_reason)) == DamageReason.WET
    assert received_by_line(session, receipt.id)[receipt.lines[0].id].damaged == 2


def test_serials_are_captured_once_per_unit(session, wh, clerk):
    phone = f.product(session, sku="PHONE", tracking=Tracking.SERIAL)
    receipt = plan(session, wh, clerk, PlannedLine(phone.id, 3))
    asked = scan(session, receipt, clerk, Goods(phone.id, 1))
    assert isinstance(asked, NeedsDetails) and asked.missing == ("serial",)
    assert isinstance(scan(session, receipt, clerk, Goods(phone.id, 1, serial="SN-001")), Received)
    with pytest.raises(errors.SerialAlreadyReceived):
        scan(session, receipt, clerk, Goods(phone.id, 1, serial="SN-001"))
    with pytest.raises(errors.SerialOnePerUnit):
        scan(session, receipt, clerk, Goods(phone.id, 2, serial="SN-002"))


def test_undo_reverses_the_last_scan_with_a_move_never_a_delete(session, wh, clerk, tea):
    receipt = plan(session, wh, clerk, PlannedLine(tea.id, 10))
    scan(session, receipt, clerk, Goods(tea.id, 3))
    scan(session, receipt, clerk, Goods(tea.id, 5))
    undone = undo(session, receipt, clerk, "undo-1")
    assert undone.quantity == 5
    assert session.scalar(select(func.count()).select_from(ReceiptEntry).where(ReceiptEntry.undone_at.is_not(None))) == 1
    dock = standard_location(session, wh.id, LocationKind.DOCK)
    assert on_hand(session, tea, dock) == 3
    assert session.scalar(select(func.count()).select_from(ReceiptEntry)) == 2
    assert received_by_line(session, receipt.id)[receipt.lines[0].id].received == 3
    assert verify(session) == []


def test_undo_is_refused_once_the_goods_left_the_dock(session, wh, clerk, tea):
    receipt = plan(session, wh, clerk, PlannedLine(tea.id, 10))
    scan(session, receipt, clerk, Goods(tea.id, 3))
    dock = standard_location(session, wh.id, LocationKind.DOCK)
    shelf = f.location(session, wh)
    with write_transaction(session):
        ledger.post(session, [ledger.Move(tea.id, 3, dock.id, shelf.id, MoveReason.PUTAWAY)], key="pa-1")
    with pytest.raises(errors.AlreadyPutAway):
        undo(session, receipt, clerk, "undo-2")


def test_closing_records_every_difference_as_a_discrepancy(session, wh, clerk, tea, milk):
    snack = f.product(session, sku="SNACK")
    receipt = plan(session, wh, clerk, PlannedLine(tea.id, 10), PlannedLine(milk.id, 4))
    scan(session, receipt, clerk, Goods(tea.id, 8))
    scan(session, receipt, clerk, Goods(tea.id, 1), Handling(damaged=True))
    scan(session, receipt, clerk, Goods(milk.id, 5, lot="M1", expiry=TODAY + timedelta(days=200)), Handling(confirm_over=True))
    scan(session, receipt, clerk, Goods(snack.id, 2), Handling(confirm_over=True))
    summary = close(session, receipt, clerk)
    found = Counter((d.cause, d.quantity) for d in session.scalars(select(Discrepancy)))
    assert found == {("short", -1): 1, ("damaged", 1): 1, ("over", 1): 1, ("unexpected", 2): 1}
    assert summary.status == ReceiptStatus.CLOSED and summary.count("short") == 1
    session.expire_all()
    assert session.get(Receipt, receipt.id).closed_short


def test_a_closed_receipt_takes_nothing_more(session, wh, clerk, tea):
    receipt = plan(session, wh, clerk, PlannedLine(tea.id, 1))
    scan(session, receipt, clerk, Goods(tea.id, 1))
    close(session, receipt, clerk)
    with pytest.raises(errors.ReceiptClosed):
        scan(session, receipt, clerk, Goods(tea.id, 1))


def test_closing_on_figures_someone_else_has_changed_is_refused(session, wh, clerk, tea):
    receipt = plan(session, wh, clerk, PlannedLine(tea.id, 5))
    seen = summarize(session, receipt.id).fingerprint
    scan(session, receipt, clerk, Goods(tea.id, 1))
    with pytest.raises(errors.StalePage):
        close(session, receipt, clerk, seen)
    assert session.scalar(select(func.count()).select_from(Discrepancy)) == 0


def test_two_clerks_receiving_the_same_receipt_at_once_lose_nothing(app, session, instance_dir, wh, clerk, tea):
    receipt = plan(session, wh, clerk, PlannedLine(tea.id, 100))
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    outcomes = concurrency.run_workers(url, str(instance_dir), concurrency.receive_on_receipt, processes=2, threads=4,
                                       args=(receipt.id, wh.id, tea.id, clerk.id))
    session.rollback()
    assert [o.result for o in outcomes] == ["ok"] * 8
    dock = standard_location(session, wh.id, LocationKind.DOCK)
    assert on_hand(session, tea, dock) == 8 * 3
    assert received_by_line(session, receipt.id)[receipt.lines[0].id].received == 24
    assert session.scalar(select(func.count()).select_from(ReceiptEntry)) == 8
    assert_line_figures_match_the_journal(session, receipt)
    assert verify(session) == []


def assert_line_figures_match_the_journal(session, receipt):
    session.rollback()
    journal = received_by_line(session, receipt.id)
    for line in session.scalars(select(ReceiptLine).where(ReceiptLine.receipt_id == receipt.id)):
        counted = journal.get(line.id)
        assert (line.received_qty, line.damaged_qty) == ((counted.received, counted.damaged) if counted else (0, 0))


def test_line_figures_follow_every_entry_and_undo(session, wh, clerk, tea):
    from app.receipts.models import DamageReason

    receipt = plan(session, wh, clerk, PlannedLine(tea.id, 10))
    scan(session, receipt, clerk, Goods(tea.id, 3))
    scan(session, receipt, clerk, Goods(tea.id, 2), Handling(damaged=True, damage_reason=DamageReason.WET))
    undo(session, receipt, clerk, "undo-figures")
    scan(session, receipt, clerk, Goods(tea.id, 4))
    assert_line_figures_match_the_journal(session, receipt)
    assert summarize(session, receipt.id).received == 7


@pytest.mark.postgres_only
def test_eight_clerks_at_a_lines_last_five_units_never_go_beyond_the_plan_unasked(app, session, instance_dir, wh, clerk, tea):
    receipt = plan(session, wh, clerk, PlannedLine(tea.id, 5))
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    outcomes = concurrency.run_workers(url, str(instance_dir), concurrency.receive_one_within_the_plan, processes=2,
                                       threads=4, args=(receipt.id, wh.id, tea.id, clerk.id))
    assert Counter(o.result for o in outcomes) == {"received": 5, "asked": 3}
    assert summarize(session, receipt.id).received == 5
    assert_line_figures_match_the_journal(session, receipt)
    assert verify(session) == []


@pytest.mark.postgres_only
def test_a_close_racing_scans_takes_either_all_of_a_scan_or_none_of_it(app, session, instance_dir, wh, clerk, tea):
    receipt = plan(session, wh, clerk, PlannedLine(tea.id, 100))
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        scans = pool.submit(concurrency.run_workers, url, str(instance_dir), concurrency.receive_on_receipt,
                            processes=2, threads=3, args=(receipt.id, wh.id, tea.id, clerk.id))
        closing = pool.submit(concurrency.run_workers, url, str(instance_dir), concurrency.close_the_receipt,
                              processes=1, threads=1, args=(receipt.id, clerk.id))
        outcomes, closing = scans.result(), closing.result()
    assert [o.result for o in closing] == ["closed"]
    assert len(outcomes) == 6 and all(o.result in ("ok", "receipt_closed") for o in outcomes), outcomes
    session.rollback()
    closed = session.execute(select(Receipt).where(Receipt.id == receipt.id).execution_options(populate_existing=True)).scalar_one()
    assert closed.closed_at is not None, (closed.status, outcomes, closing)
    entries_after_close = session.scalar(select(func.count()).select_from(ReceiptEntry).where(
        ReceiptEntry.receipt_id == receipt.id, ReceiptEntry.created_at > closed.closed_at))
    assert entries_after_close == 0
    recorded = session.scalar(select(func.sum(Discrepancy.found_qty)).where(Discrepancy.reference == closed.code))
    assert recorded == summarize(session, receipt.id).received
    assert_line_figures_match_the_journal(session, receipt)


def test_a_scan_on_a_long_receipt_reads_its_own_lines_and_the_totals_of_all(session, wh, clerk, tea):
    others = [f.product(session) for _ in range(24)]
    receipt = plan(session, wh, clerk, *[PlannedLine(p.id, 2) for p in others], PlannedLine(tea.id, 10))
    for product in others[:20]:
        scan(session, receipt, clerk, Goods(product.id, 2))
    with write_transaction(session):
        summary, _hit = receipt_for_scan(session, receipt.id, wh.id, product_id=tea.id)
        outcome, after = receive(session, receipt.id, Goods(tea.id, 3), Handling(), item_by_id(session, tea.id),
                                 warehouse=warehouse_ref(session, wh.id), user_id=clerk.id, key="long-1", today=TODAY,
                                 summary=summary)
    assert isinstance(outcome, Received)
    assert after.lines[0].sku == "TEA" and after.lines[0].received == 3
    assert [line.state for line in after.lines[1:5]] == ["waiting"] * 4, "then what still waits"
    assert len(after.lines) <= 16 and after.line_count == 25
    full = summarize(session, receipt.id)
    assert (after.expected, after.received, after.damaged) == (full.expected, full.received, full.damaged) == (58, 43, 0)
