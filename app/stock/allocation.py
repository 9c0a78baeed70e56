"""Allocation (引当): which shelf, lot and quantity each document line reserves.

The rules, for each product asked for (a kit asks for its components):

* Only stock on active, sellable storage shelves of the warehouse; never the dock,
  quarantine, packing, totes or anything virtual.
* Never an expired lot, and never a lot inside the minimum remaining shelf life: the
  product's own (days), and the channel's share of the product's whole shelf life (the 1/3
  rule: a store accepts food only in the first third of its life, so two thirds must remain);
  the stricter one applies. A supervisor's override for one line waives both, never expiry.
* FEFO for lots with an expiry (earliest first), FIFO for lots without one (the lot first
  received first); ties by pick sequence, so the walk is short. Stock without lots carries no
  receipt date to tell one shelf's units from another's, so it goes by the walk alone.
* What cannot be reserved now is left over (backordered) and reported, never over-reserved:
  on PostgreSQL the products are locked (the ledger's transaction-scoped advisory locks) before
  their free stock is read, so two allocations of the same scarce product queue, and the
  ledger's conditional updates refuse anything beyond on-hand − reserved in any case; on
  SQLite the write transaction already serialises writers.

Everything reserved in one call is one ledger posting under one idempotency key.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, select, text
from sqlalchemy.orm import Session

from app.stock import ledger
from app.stock.models import KitComponent, Location, LocationKind, Lot, Product, Quant
from app.timeutil import local_today


@dataclass(frozen=True)
class ShelfLifeRule:
    """How much life a lot must have left to ship for one document line.

    `accept_within`: the channel's share of the whole shelf life within which it accepts goods
    (num, den), e.g. (1, 3); None when the channel has no such rule. `override`: a supervisor
    allowed short-dated lots for this line (expired ones still never ship).
    """

    accept_within: tuple[int, int] | None = None
    override: bool = False

    def min_remaining_days(self, product_min_days: int, shelf_life_days: int | None) -> int:
        if self.override:
            return 0
        return max(product_min_days or 0, channel_min_days(self.accept_within, shelf_life_days))


def channel_min_days(accept_within: tuple[int, int] | None, shelf_life_days: int | None) -> int:
    """Days that must remain under a channel's share rule: (den − num) / den of the life, rounded up."""
    if not accept_within or not shelf_life_days:
        return 0
    num, den = accept_within
    return -(-shelf_life_days * (den - num) // den)


@dataclass(frozen=True)
class Demand:
    """Bring `document_line` up to `quantity` of a product (kits: whole kits).

    `have`: units per product the line already holds (reserved or picked), so a line that got
    part of its stock earlier, or lost some to a short pick, is topped up, not reserved twice.
    A kit counts as many whole kits as its scarcest component covers.
    """

    document_line: str
    product_id: int
    quantity: int
    rule: ShelfLifeRule = ShelfLifeRule()
    have: Mapping[int, int] = field(default_factory=dict)

    def held(self, product_id: int) -> int:
        return self.have.get(product_id, 0)


@dataclass(frozen=True)
class Reserved:
    reservation_id: int
    document_line: str
    product_id: int
    location_id: int
    lot_id: int | None
    quantity: int


@dataclass(frozen=True)
class Allocated:
    """What one demand covers now (`quantity`, in its own units: kits for a kit, held before
    included), and the reservations this call made for it."""

    demand: Demand
    quantity: int
    reservations: tuple[Reserved, ...]

    @property
    def short(self) -> int:
        return self.demand.quantity - self.quantity


@dataclass
class _Candidate:
    quant_id: int
    location_id: int
    lot_id: int | None
    free: int
    expiry: date | None


@dataclass(frozen=True)
class _ProductFacts:
    id: int
    is_kit: bool
    min_shelf_life_days: int
    shelf_life_days: int | None


def allocate(
    session: Session,
    warehouse_id: int,
    demands: Sequence[Demand],
    *,
    key: str,
    user_id: int | None = None,
    today: date | None = None,
    exclude_locations: frozenset[int] = frozenset(),
) -> list[Allocated]:
    """Reserve as much of each demand as the rules allow, in the order given (module docstring).

    Call inside `write_transaction()`. `exclude_locations`: shelves not to take from (the shelf
    a picker just found short). Returns one `Allocated` per demand, in order.
    """
    today = today or local_today()
    if not demands:
        return []
    facts = _product_facts(session, {d.product_id for d in demands})
    components = _components(session, [d.product_id for d in demands if facts[d.product_id].is_kit])
    for parts in components.values():
        facts.update(_product_facts(session, {c for c, _q in parts} - set(facts)))
    wanted = sorted({p for d in demands for p in _stock_products(d, facts, components)})
    _lock_products(session, wanted)
    candidates = _candidates(session, warehouse_id, wanted, exclude_locations)

    planned: list[tuple[Demand, int, list[tuple[int, _Candidate, int]]]] = []
    for demand in demands:
        quantity, takes = _plan_demand(demand, facts, components, candidates, today)
        planned.append((demand, quantity, takes))

    operations = [
        ledger.Reserve(product_id, cand.location_id, qty, demand.document_line, lot_id=cand.lot_id)
        for demand, _q, takes in planned for product_id, cand, qty in takes
    ]
    ids: tuple[int, ...] = ()
    if operations:
        ids = ledger.post(session, operations, key=key, user_id=user_id, reference=key, today=today).reservation_ids
    return _results(planned, iter(ids))


def lock_stock(session: Session, product_ids: Iterable[int]) -> None:
    """PostgreSQL: take now the locks `allocate` takes for these products (a kit: its components),
    so what document lines hold, read next, is still what they hold when `allocate` reserves
    (every reservation is posted under the same locks). The locks are re-entrant: `allocate` and
    the ledger take them again without waiting."""
    ids = set(product_ids)
    if session.get_bind().dialect.name != "postgresql" or not ids:
        return
    facts = _product_facts(session, ids)
    components = _components(session, [p for p, fact in facts.items() if fact.is_kit])
    wanted = {p for p, fact in facts.items() if not fact.is_kit}
    wanted |= {component for parts in components.values() for component, _per in parts}
    _lock_products(session, sorted(wanted))


def _parts(demand: Demand, facts, components) -> list[tuple[int, int]]:
    """(product, units per one of the demand's units): a kit's components, else the product itself."""
    if facts[demand.product_id].is_kit:
        return list(components.get(demand.product_id, ()))
    return [(demand.product_id, 1)]


def _stock_products(demand: Demand, facts, components) -> list[int]:
    return [product_id for product_id, _per in _parts(demand, facts, components)]


def _plan_demand(demand: Demand, facts, components, candidates, today):
    """How many (units or kits) the demand covers, and what it takes from which quant."""
    parts = _parts(demand, facts, components)
    if not parts:
        return 0, []
    covered = min(
        (demand.held(p) + _usable(candidates[p], facts[p], demand.rule, today)) // per for p, per in parts
    )
    covered = min(covered, demand.quantity)
    takes = [
        take for p, per in parts
        for take in _take(p, covered * per - demand.held(p), candidates[p], facts[p], demand.rule, today)
    ]
    return covered, takes


def _lot_allowed(cand: _Candidate, product: _ProductFacts, rule: ShelfLifeRule, today: date) -> bool:
    if cand.expiry is None:
        return True
    days = rule.min_remaining_days(product.min_shelf_life_days, product.shelf_life_days)
    return cand.expiry >= today + timedelta(days=days)


def _usable(cands: list[_Candidate], product: _ProductFacts, rule: ShelfLifeRule, today: date) -> int:
    return sum(c.free for c in cands if _lot_allowed(c, product, rule, today))


def _take(product_id: int, quantity: int, cands: list[_Candidate], product, rule, today):
    takes = []
    for cand in cands:
        if quantity <= 0:
            break
        if cand.free <= 0 or not _lot_allowed(cand, product, rule, today):
            continue
        qty = min(cand.free, quantity)
        cand.free -= qty
        quantity -= qty
        takes.append((product_id, cand, qty))
    return takes


def _results(planned, ids) -> list[Allocated]:
    results = []
    for demand, quantity, takes in planned:
        reservations = tuple(
            Reserved(next(ids), demand.document_line, product_id, cand.location_id, cand.lot_id, qty)
            for product_id, cand, qty in takes
        )
        results.append(Allocated(demand, quantity, reservations))
    return results


def _product_facts(session: Session, product_ids: set[int]) -> dict[int, _ProductFacts]:
    if not product_ids:
        return {}
    rows = session.execute(
        select(Product.id, Product.is_kit, Product.min_shelf_life_days, Product.shelf_life_days)
        .where(Product.id.in_(sorted(product_ids)))
    )
    return {row.id: _ProductFacts(row.id, row.is_kit, row.min_shelf_life_days, row.shelf_life_days) for row in rows}


def _components(session: Session, kit_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    if not kit_ids:
        return {}
    parts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    rows = session.execute(
        select(KitComponent.kit_id, KitComponent.component_id, KitComponent.quantity)
        .where(KitComponent.kit_id.in_(sorted(set(kit_ids))))
        .order_by(KitComponent.kit_id, KitComponent.component_id)
    )
    for kit_id, component_id, quantity in rows:
        parts[kit_id].append((component_id, quantity))
    return parts


def _lock_products(session: Session, product_ids: list[int]) -> None:
    """PostgreSQL: the ledger's per-product advisory locks, sorted, before free stock is read."""
    if session.get_bind().dialect.name != "postgresql" or not product_ids:
        return
    session.execute(text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:p_locks AS bigint[])) AS k"),
                    {"p_locks": product_ids})


def _candidates(session: Session, warehouse_id: int, product_ids: list[int], exclude: frozenset[int]):
    """Free stock per product on sellable shelves, in allocation order (FEFO, FIFO, walk)."""
    # FIFO only between lots without an expiry: lots of the same expiry are a FEFO tie, walked.
    received = case((Lot.expiry.is_(None), Lot.first_received_at))
    stmt = (
        select(Quant.id, Quant.product_id, Quant.location_id, Quant.lot_id,
               (Quant.on_hand - Quant.reserved).label("free"), Lot.expiry)
        .join(Location, Location.id == Quant.location_id)
        .outerjoin(Lot, Lot.id == Quant.lot_id)
        .where(
            Quant.product_id.in_(product_ids),
            Location.warehouse_id == warehouse_id,
            Location.kind == LocationKind.STORAGE,
            Location.sellable.is_(True),
            Location.active.is_(True),
            Quant.on_hand > Quant.reserved,
        )
        .order_by(
            Quant.product_id,
            Lot.expiry.is_(None), Lot.expiry,
            received.is_(None), received,
            Location.pick_sequence.is_(None), Location.pick_sequence, Location.code,
            Quant.id,
        )
    )
    if exclude:
        stmt = stmt.where(Location.id.not_in(sorted(exclude)))
    found: dict[int, list[_Candidate]] = {p: [] for p in product_ids}
    for row in session.execute(stmt):
        found[row.product_id].append(_Candidate(row.id, row.location_id, row.lot_id, int(row.free), row.expiry))
    return found


__all__ = ["ShelfLifeRule", "Demand", "Reserved", "Allocated", "allocate", "lock_stock", "channel_min_days"]
