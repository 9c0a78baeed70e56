"""One list of every difference: approved count variances and the discrepancies receiving, picking,
packing and returns recorded; filtered by source, cause, zone, shelf, person and date; as a CSV.

The difference of a row is found − expected where both were recorded (a short pick of 2 is −2, a
receipt 3 over is +3), else the quantity recorded; its value is that times the product's cost price.
A row is open until someone resolves it: a count's variance is resolved by its approval, a short
pick by the approval of the count of its shelf, any row by a supervisor on the list.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import Session, aliased

from app.auth.models import User
from app.database import write_transaction
from app.masterdata.cells import guarded
from app.masterdata.csvfile import write_csv
from app.masterdata.listing import Page, page_number
from app.stock.models import Discrepancy, DiscrepancySource, DiscrepancyStatus, Location, Lot, Product
from app.supervisor.words import CAUSES, DISCREPANCY_STATES, SOURCES, word
from app.timeutil import WAREHOUSE_TZ, utcnow

PAGE_SIZE = 50
EXPORT_MAX = 100_000
STATES = ("all", "open", "resolved")
SOURCE_CODES = tuple(s.value for s in DiscrepancySource)


@dataclass(frozen=True)
class Filters:
    source: str | None = None
    cause: str | None = None
    zone: str | None = None
    shelf: str | None = None  # a 棚番 or its beginning
    person_id: int | None = None
    since: date | None = None  # local dates, both included
    until: date | None = None
    state: str = "all"

    @property
    def any(self) -> bool:
        return self != Filters()

    def args(self) -> dict[str, str]:
        """The filters as query arguments (for the export link and the pager)."""
        values = {"source": self.source, "cause": self.cause, "zone": self.zone, "shelf": self.shelf,
                  "person": self.person_id, "since": self.since, "until": self.until,
                  "state": None if self.state == "all" else self.state}
        return {key: str(value) for key, value in values.items() if value not in (None, "")}


@dataclass(frozen=True)
class Row:
    id: int
    at: datetime
    source: str
    cause: str
    sku: str | None
    name: str | None
    lot: str | None
    shelf: str | None
    zone: str | None
    expected: int | None
    found: int | None
    difference: int
    value: int | None
    person: str | None
    reference: str | None
    note: str | None
    resolved_at: datetime | None
    resolved_by: str | None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True)
class Choices:
    causes: list[str]
    zones: list[str]
    people: list[tuple[int, str]]


def difference_of():
    return case((and_(Discrepancy.expected_qty.is_not(None), Discrepancy.found_qty.is_not(None)),
                 Discrepancy.found_qty - Discrepancy.expected_qty), else_=Discrepancy.quantity)


def is_open():
    return Discrepancy.resolved_at.is_(None)


def _where(warehouse_id: int, filters: Filters) -> list:
    where = [Discrepancy.warehouse_id == warehouse_id]
    if filters.source:
        where.append(Discrepancy.source == filters.source)
    if filters.cause:
        where.append(Discrepancy.cause == filters.cause)
    if filters.zone:
        where.append(Location.zone == filters.zone)
    if filters.shelf:
        where.append(Location.code.startswith(filters.shelf, autoescape=True))
    if filters.person_id:
        where.append(Discrepancy.user_id == filters.person_id)
    if filters.since:
        where.append(Discrepancy.created_at >= _local_start(filters.since))
    if filters.until:
        where.append(Discrepancy.created_at < _local_start(filters.until + timedelta(days=1)))
    if filters.state == "open":
        where.append(is_open())
    elif filters.state == "resolved":
        where.append(Discrepancy.resolved_at.is_not(None))
    return where


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, WAREHOUSE_TZ)


def _ids(warehouse_id: int, filters: Filters):
    """The matching rows' ids, newest first (joined to their place only when a filter needs it)."""
    ids = select(Discrepancy.id).where(*_where(warehouse_id, filters))
    if filters.zone or filters.shelf:
        ids = ids.join(Location, Location.id == Discrepancy.location_id)
    return ids.order_by(Discrepancy.created_at.desc(), Discrepancy.id.desc())


def _rows_statement(ids):
    """The rows of `ids` (a page, or all for a CSV), with what a person reads, newest first."""
    chosen = ids.subquery("chosen")
    finder, resolver = aliased(User), aliased(User)
    difference = difference_of()
    return (
        select(Discrepancy.id, Discrepancy.created_at, Discrepancy.source, Discrepancy.cause, Product.sku,
               Product.name, Lot.number, Location.code, Location.zone, Discrepancy.expected_qty,
               Discrepancy.found_qty, difference.label("difference"), (difference * Product.cost_price).label("value"),
               finder.name, Discrepancy.reference, Discrepancy.note, Discrepancy.resolved_at, resolver.name)
        .select_from(Discrepancy)
        .join(chosen, chosen.c.id == Discrepancy.id)
        .outerjoin(Product, Product.id == Discrepancy.product_id)
        .outerjoin(Lot, Lot.id == Discrepancy.lot_id)
        .outerjoin(Location, Location.id == Discrepancy.location_id)
        .outerjoin(finder, finder.id == Discrepancy.user_id)
        .outerjoin(resolver, resolver.id == Discrepancy.resolved_by_id)
        .order_by(Discrepancy.created_at.desc(), Discrepancy.id.desc())
    )


def _row(values) -> Row:
    values = list(values)
    values[2], values[11] = str(values[2]), int(values[11] or 0)
    values[12] = None if values[12] is None else int(values[12])
    return Row(*values)


def find(session: Session, warehouse_id: int, filters: Filters, page: int | None = 1) -> Page[Row]:
    """One page of the rows matching the filters, newest first: the page's ids first, then their details."""
    total = session.scalar(select(func.count()).select_from(_ids(warehouse_id, filters).order_by(None).subquery())) or 0
    number = page_number(page, total, PAGE_SIZE)
    ids = _ids(warehouse_id, filters).limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
    return Page([_row(r) for r in session.execute(_rows_statement(ids))], total, number, PAGE_SIZE)


def rows_for_export(session: Session, warehouse_id: int, filters: Filters) -> Iterator[Row]:
    for values in session.execute(_rows_statement(_ids(warehouse_id, filters).limit(EXPORT_MAX))):
        yield _row(values)


EXPORT_COLUMNS = (
    ("at", "日時"), ("source", "発生元"), ("cause", "原因"), ("SKU", "商品コード"), ("name", "商品名"),
    ("lot", "ロット"), ("location", "棚番"), ("zone", "ゾーン"), ("expected", "予定数"), ("found", "実数"),
    ("difference", "差異"), ("value (yen)", "金額(円)"), ("found by", "担当者"), ("reference", "参照"),
    ("state", "状態"), ("resolved by", "解決者"), ("resolved at", "解決日時"), ("note", "メモ"),
)


def export_csv(session: Session, warehouse_id: int, filters: Filters, language: str, *, shift_jis: bool) -> bytes:
    """The matching rows as a CSV (UTF-8 with BOM, or Shift_JIS as Excel in Japan writes it), headers in
    the person's language, text cells guarded against spreadsheet formulas."""
    header = [ja if language == "ja" else en for en, ja in EXPORT_COLUMNS]
    data = write_csv(header, (_export_row(row) for row in rows_for_export(session, warehouse_id, filters)))
    return data.decode("utf-8-sig").encode("cp932", errors="replace") if shift_jis else data


def _export_row(row: Row) -> list[object]:
    return [
        _local(row.at), word(SOURCES, row.source), guarded(word(CAUSES, row.cause)), guarded(row.sku or ""),
        guarded(row.name or ""), guarded(row.lot or ""), guarded(row.shelf or ""), row.zone or "",
        row.expected, row.found, row.difference, row.value, guarded(row.person or ""), guarded(row.reference or ""),
        word(DISCREPANCY_STATES, "open" if row.is_open else "resolved"), guarded(row.resolved_by or ""),
        _local(row.resolved_at) if row.resolved_at else "", guarded(row.note or ""),
    ]


def _local(moment: datetime) -> str:
    return moment.astimezone(WAREHOUSE_TZ).strftime("%Y-%m-%d %H:%M")


def choices(session: Session, warehouse_id: int) -> Choices:
    """What the filters offer: the causes and people of the warehouse's rows, and its zones."""
    in_warehouse = Discrepancy.warehouse_id == warehouse_id
    causes = sorted(session.scalars(select(Discrepancy.cause).where(in_warehouse).distinct()),
                    key=lambda c: word(CAUSES, c))
    people = [tuple(r) for r in session.execute(
        select(User.id, User.name).where(User.id.in_(select(Discrepancy.user_id).where(in_warehouse).distinct()))
        .order_by(User.name))]
    zones = [z for z in session.scalars(
        select(Location.zone).where(Location.warehouse_id == warehouse_id, Location.zone.is_not(None)).distinct()
        .order_by(Location.zone)) if z]
    return Choices(causes, zones, people)


def resolve(session: Session, warehouse_id: int, discrepancy_id: int, *, user_id: int) -> bool:
    """Mark a row resolved (False when it was already, or is not of this warehouse)."""
    with write_transaction(session):
        return bool(session.execute(
            update(Discrepancy).where(Discrepancy.id == discrepancy_id, Discrepancy.warehouse_id == warehouse_id,
                                      is_open())
            .values(status=DiscrepancyStatus.RESOLVED, resolved_by_id=user_id, resolved_at=utcnow())
            .execution_options(synchronize_session=False)).rowcount)


def with_state(filters: Filters, state: str) -> Filters:
    return replace(filters, state=state)


__all__ = ["PAGE_SIZE", "EXPORT_MAX", "STATES", "SOURCE_CODES", "Filters", "Row", "Choices", "difference_of", "is_open",
           "find", "rows_for_export", "export_csv", "choices", "resolve", "with_state"]
