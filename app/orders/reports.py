"""What an allocation run did, told to a person: the shelves and lots each order reserved, and
what stays backordered (for `flask orders allocate` and the office's messages)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.orders.service import OrderAllocation
from app.stock.models import Location, Lot, Product


@dataclass(frozen=True)
class ReservedPart:
    sku: str
    location: str
    lot: str | None
    quantity: int


@dataclass(frozen=True)
class ShortLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class OrderReport:
    code: str
    reserved: int  # units (kits for a kit line) this run reserved
    backordered: int  # what is still neither reserved nor picked
    parts: list[ReservedPart] = field(default_factory=list)
    short: list[ShortLine] = field(default_factory=list)


@dataclass(frozen=True)
class RunTotals:
    orders: int
    reserved: int
    backordered: int


def allocation_reports(session: Session, results: Sequence[OrderAllocation]) -> list[OrderReport]:
    """Each order's run in words a person knows: SKUs, 棚番 and lot numbers instead of ids."""
    reservations = [r for result in results for allocated in result.lines for r in allocated.reservations]
    product_ids = {r.product_id for r in reservations} | {a.demand.product_id for res in results for a in res.lines}
    skus = _lookup(session, Product.id, Product.sku, product_ids)
    places = _lookup(session, Location.id, Location.code, {r.location_id for r in reservations})
    lots = _lookup(session, Lot.id, Lot.number, {r.lot_id for r in reservations if r.lot_id is not None})
    reports = []
    for result in results:
        parts = [ReservedPart(skus[r.product_id], places[r.location_id], lots.get(r.lot_id) if r.lot_id else None,
                              r.quantity)
                 for allocated in result.lines for r in allocated.reservations]
        short = [ShortLine(skus[a.demand.product_id], a.short) for a in result.lines if a.short > 0]
        reports.append(OrderReport(result.code, result.allocated, result.backordered, parts, short))
    return reports


def run_totals(results: Sequence[OrderAllocation]) -> RunTotals:
    return RunTotals(len(results), sum(r.allocated for r in results), sum(r.backordered for r in results))


def cli_lines(reports: Sequence[OrderReport]) -> list[str]:
    """The run as plain text lines for the operator's terminal."""
    out = []
    for report in reports:
        out.append(f"{report.code}: reserved {report.reserved}, backordered {report.backordered}")
        out.extend(f"    reserved {part.sku} x{part.quantity} on {part.location}"
                   + (f" lot {part.lot}" if part.lot else "") for part in report.parts)
        out.extend(f"    backordered {line.sku} x{line.quantity}" for line in report.short)
    reserved, backordered = sum(r.reserved for r in reports), sum(r.backordered for r in reports)
    out.append(f"orders allocate: {len(reports)} order(s) lacking stock looked at, {reserved} unit(s) reserved, "
               f"{backordered} unit(s) still backordered")
    return out


def _lookup(session: Session, key, value, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(key, value).where(key.in_(sorted(ids)))).all())


__all__ = ["ReservedPart", "ShortLine", "OrderReport", "RunTotals", "allocation_reports", "run_totals", "cli_lines"]
