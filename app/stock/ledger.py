"""The one door through which stock changes: `post()`.

A call posts any number of operations — moves between locations, reservations and
releases — atomically, under one idempotency key:

* Replaying a key returns the first result and writes nothing (a different change under
  a used key is refused with `IdempotencyConflict`).
* Quants are changed by single conditional statements: a decrease is
  ``UPDATE … WHERE on_hand + Δon_hand >= reserved + Δreserved`` checked by its returned
  row, an increase is an upsert (``INSERT … ON CONFLICT … DO UPDATE``), so a quant or lot
  seen for the first time is created race-free. Statements run in a fixed order (sorted by
  product, location, lot) so two postings never wait on each other in a cycle.
* On PostgreSQL every (warehouse, product) whose availability may change is locked first
  (a transaction-scoped advisory lock), so the availability written into its stock event
  is the one that holds at commit. On SQLite the whole write transaction is serialised by
  ``BEGIN IMMEDIATE`` (see app.database).
* Anything that would break the ledger invariant is refused with a `StockError` and,
  because the caller's unit of work rolls back, nothing is written.

Call it inside `app.database.write_transaction()`, once per unit of work.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, insert, literal, null, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.database import in_write_transaction
from app.stock import errors
from app.stock.availability import available_for_product
from app.stock.models import (
    NO_LOT,
    Location,
    Lot,
    MoveReason,
    Posting,
    Product,
    Quant,
    Reservation,
    ReservationStatus,
    StockEvent,
    StockMove,
    Tracking,
)
from app.timeutil import local_today, utcnow


@dataclass(frozen=True)
class LotSpec:
    """A lot named by its number, created on first sight (receiving). Expiry None = unknown."""

    number: str
    expiry: date | None = None


@dataclass(frozen=True)
class Move:
    """Move `quantity` of a product (and lot) between two locations, at least one real.

    With `reservation_id`, the quantity is taken out of that reservation (a pick of
    reserved stock): the reserved quant must be the source.
    """

    product_id: int
    quantity: int
    from_location_id: int
    to_location_id: int
    reason: MoveReason
    lot: int | LotSpec | None = None
    reservation_id: int | None = None
    reference: str | None = None


@dataclass(frozen=True)
class Reserve:
    """Hold `quantity` of the stock at one place for one document line."""

    product_id: int
    location_id: int
    quantity: int
    document_line: str
    lot_id: int | None = None


@dataclass(frozen=True)
class Release:
    """Free a reservation, all of what it still holds or `quantity` of it."""

    reservation_id: int
    quantity: int | None = None


Operation = Move | Reserve | Release


@dataclass(frozen=True)
class Posted:
    posting_id: int
    move_ids: tuple[int, ...]
    reservation_ids: tuple[int, ...]
    lot_ids: tuple[int | None, ...] = ()
    replayed: bool = False


@dataclass(frozen=True)
class _Loc:
    id: int
    code: str
    kind: str
    warehouse_id: int
    sellable: bool
    active: bool
    is_virtual: bool


@dataclass(frozen=True)
class _Prod:
    id: int
    sku: str
    tracking: Tracking
    is_kit: bool
    min_shelf_life_days: int


@dataclass(frozen=True)
class _Lot:
    id: int
    product_id: int
    number: str
    expiry: date | None


@dataclass(frozen=True)
class _Res:
    id: int
    quant_id: int
    quantity: int
    status: str
    product_id: int
    location_id: int
    lot_id: int | None
    lot_key: int


@dataclass
class _QuantChange:
    product_id: int
    location_id: int
    lot_id: int | None
    on_hand: int = 0
    reserved: int = 0
    cause: str = ""

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.product_id, self.location_id, self.lot_id or NO_LOT)


@dataclass
class _Plan:
    changes: dict[tuple[int, int, int], _QuantChange] = field(default_factory=dict)
    reservation_takes: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    availability: dict[tuple[int, int], str] = field(default_factory=dict)
    move_lots: list[int | None] = field(default_factory=list)

    def change(self, product_id: int, location: _Loc, lot_id: int | None, cause: str) -> _QuantChange:
        key = (product_id, location.id, lot_id or NO_LOT)
        if key not in self.changes:
            self.changes[key] = _QuantChange(product_id, location.id, lot_id, cause=cause)
        if location.sellable:
            self.availability.setdefault((location.warehouse_id, product_id), cause)
        return self.changes[key]


def post(
    session: Session,
    operations: Iterable[Operation],
    *,
    key: str,
    user_id: int | None = None,
    reference: str | None = None,
    note: str | None = None,
    today: date | None = None,
) -> Posted:
    """Post the operations atomically under the idempotency `key`; see the module docstring.

    Raises a `StockError` subclass when any operation would break the invariant:
    on-hand ≥ 0, 0 ≤ reserved ≤ on-hand, reserved = Σ open reservations, lots belong to
    their product, stock only in real locations, no virtual-to-virtual moves.
    """
    ops = tuple(operations)
    if not ops:
        raise ValueError("post() needs at least one operation")
    if not key or len(key) > 120:
        raise ValueError("post() needs an idempotency key of 1–120 characters")
    if not in_write_transaction(session):
        raise RuntimeError("post() must run inside app.database.write_transaction()")
    for op in ops:
        _check_quantity(op)

    fingerprint = _fingerprint(ops)
    now = utcnow()
    posting_id = _claim_posting(session, key, fingerprint, user_id, reference, note, now)
    if posting_id is None:
        return _replay(session, key, fingerprint)

    today = today or local_today()
    reservations = _lock_reservations(session, ops)
    locations = _load_locations(session, ops, reservations)
    products = _load_products(session, ops, reservations)
    lots = _resolve_lots(session, ops, products, now)

    plan = _plan(ops, locations, products, lots, reservations)
    _lock_availability(session, plan)
    quant_ids = _apply_quant_changes(session, plan, locations, products, lots, now)
    move_ids = _insert_moves(session, ops, plan, posting_id, key, user_id, now)
    reservation_ids = _write_reservations(session, ops, plan, quant_ids, posting_id, key, user_id, now)
    _append_events(session, plan, products, posting_id, today, now)
    return Posted(posting_id, move_ids, reservation_ids, tuple(plan.move_lots))


# --- validation and idempotency -------------------------------------------------------


def _check_quantity(op: Operation) -> None:
    qty = op.quantity
    if isinstance(op, Release) and qty is None:
        return
    if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
        raise errors.InvalidQuantity(qty)


def _fingerprint(ops: Sequence[Operation]) -> str:
    return hashlib.sha256(repr(ops).encode()).hexdigest()


def _dialect_insert(session: Session, table):
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _claim_posting(session, key, fingerprint, user_id, reference, note, now) -> int | None:
    stmt = (
        _dialect_insert(session, Posting.__table__)
        .values(idempotency_key=key, fingerprint=fingerprint, user_id=user_id,
                reference=reference, note=note, created_at=now)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Posting.__table__.c.id)
    )
    return session.execute(stmt).scalar_one_or_none()


def _replay(session: Session, key: str, fingerprint: str) -> Posted:
    posting_id, first_fingerprint = session.execute(
        select(Posting.id, Posting.fingerprint).where(Posting.idempotency_key == key)
    ).one()
    if first_fingerprint != fingerprint:
        raise errors.IdempotencyConflict(key)
    moves = session.execute(
        select(StockMove.id, StockMove.lot_id).where(StockMove.posting_id == posting_id).order_by(StockMove.id)
    ).all()
    reservation_ids = session.scalars(
        select(Reservation.id).where(Reservation.posting_id == posting_id).order_by(Reservation.id)
    ).all()
    return Posted(
        posting_id, tuple(m.id for m in moves), tuple(reservation_ids), tuple(m.lot_id for m in moves), True
    )


# --- loading what the operations name ----------------------------------------------------


def _lock_reservations(session: Session, ops: Sequence[Operation]) -> dict[int, _Res]:
    ids = sorted(
        {op.reservation_id for op in ops if isinstance(op, Release)}
        | {op.reservation_id for op in ops if isinstance(op, Move) and op.reservation_id}
    )
    if not ids:
        return {}
    stmt = (
        select(
            Reservation.id, Reservation.quant_id, Reservation.quantity, Reservation.status,
            Quant.product_id, Quant.location_id, Quant.lot_id, Quant.lot_key,
        )
        .join(Quant, Quant.id == Reservation.quant_id)
        .where(Reservation.id.in_(ids))
        .order_by(Reservation.id)
        .with_for_update(of=Reservation)
    )
    found = {row.id: _Res(*row) for row in session.execute(stmt)}
    for rid in ids:
        if rid not in found:
            raise errors.ReservationNotOpen(rid)
    return found


def _load_locations(session, ops, reservations) -> dict[int, _Loc]:
    ids: set[int] = {r.location_id for r in reservations.values()}
    for op in ops:
        if isinstance(op, Move):
            ids.update((op.from_location_id, op.to_location_id))
        elif isinstance(op, Reserve):
            ids.add(op.location_id)
    rows = session.execute(
        select(Location.id, Location.code, Location.kind, Location.warehouse_id, Location.sellable, Location.active)
        .where(Location.id.in_(ids))
    )
    found = {r.id: _Loc(r.id, r.code, r.kind, r.warehouse_id, r.sellable, r.active, r.kind.is_virtual) for r in rows}
    for lid in ids:
        if lid not in found:
            raise errors.UnknownLocation(lid)
    return found


def _load_products(session, ops, reservations) -> dict[int, _Prod]:
    ids = {r.product_id for r in reservations.values()} | {
        op.product_id for op in ops if isinstance(op, (Move, Reserve))
    }
    rows = session.execute(
        select(Product.id, Product.sku, Product.tracking, Product.is_kit, Product.min_shelf_life_days)
        .where(Product.id.in_(ids))
    )
    found = {r.id: _Prod(*r) for r in rows}
    for pid in ids:
        if pid not in found:
            raise errors.UnknownProduct(pid)
    return found


def _resolve_lots(session, ops, products, now) -> dict[int | LotSpec, _Lot]:
    """Lots by id, and lots named by number (created race-free on first sight)."""
    ids = {op.lot for op in ops if isinstance(op, Move) and isinstance(op.lot, int)}
    ids |= {op.lot_id for op in ops if isinstance(op, Reserve) and op.lot_id}
    lots: dict[int | LotSpec, _Lot] = {}
    if ids:
        rows = session.execute(select(Lot.id, Lot.product_id, Lot.number, Lot.expiry).where(Lot.id.in_(ids)))
        lots.update({r.id: _Lot(*r) for r in rows})
        for lid in ids:
            if lid not in lots:
                raise errors.UnknownLot(lid)
    specs = {(op.product_id, op.lot) for op in ops if isinstance(op, Move) and isinstance(op.lot, LotSpec)}
    for product_id, spec in sorted(specs, key=lambda s: (s[0], s[1].number)):
        lots[(product_id, spec)] = _ensure_lot(session, products[product_id], spec, now)
    return lots


def _ensure_lot(session: Session, product: _Prod, spec: LotSpec, now) -> _Lot:
    number = spec.number.strip()
    if not number:
        raise errors.LotRequired(product.sku)
    stmt = (
        _dialect_insert(session, Lot.__table__)
        .values(product_id=product.id, number=number, expiry=spec.expiry, first_received_at=now, created_at=now)
        .on_conflict_do_nothing(index_elements=["product_id", "number"])
    )
    session.execute(stmt)
    row = session.execute(
        select(Lot.id, Lot.product_id, Lot.number, Lot.expiry)
        .where(Lot.product_id == product.id, Lot.number == number)
    ).one()
    lot = _Lot(*row)
    if spec.expiry is not None and lot.expiry is not None and lot.expiry != spec.expiry:
        raise errors.LotExpiryMismatch(product.sku, number, lot.expiry, spec.expiry)
    if spec.expiry is not None and lot.expiry is None:
        session.execute(update(Lot).where(Lot.id == lot.id, Lot.expiry.is_(None)).values(expiry=spec.expiry))
        lot = _Lot(lot.id, lot.product_id, lot.number, spec.expiry)
    return lot


# --- planning: what each operation does to which quant ------------------------------------


def _lot_for(op: Move | Reserve, lots) -> _Lot | None:
    ref = op.lot if isinstance(op, Move) else op.lot_id
    if ref is None:
        return None
    if isinstance(ref, LotSpec):
        return lots[(op.product_id, ref)]
    return lots[ref]


def _check_lot(product: _Prod, lot: _Lot | None, products) -> None:
    if product.is_kit:
        raise errors.KitHasNoStock(product.sku)
    if lot is None:
        if product.tracking.needs_lot:
            raise errors.LotRequired(product.sku)
        return
    if lot.product_id != product.id:
        raise errors.LotOfOtherProduct(lot.number, product.sku, _sku_of(lot.product_id, products))
    if not product.tracking.needs_lot:
        raise errors.LotNotTracked(product.sku)
    if product.tracking is Tracking.LOT_EXPIRY and lot.expiry is None:
        raise errors.ExpiryRequired(product.sku, lot.number)


def _sku_of(product_id: int, products) -> str:
    return products[product_id].sku if product_id in products else f"#{product_id}"


def _plan(ops, locations, products, lots, reservations) -> _Plan:
    plan = _Plan()
    for op in ops:
        if isinstance(op, Move):
            _plan_move(plan, op, locations, products, lots, reservations)
        elif isinstance(op, Reserve):
            _plan_reserve(plan, op, locations, products, lots)
        else:
            _plan_release(plan, op, locations, reservations)
    return plan


def _plan_move(plan, op: Move, locations, products, lots, reservations) -> None:
    src, dst = locations[op.from_location_id], locations[op.to_location_id]
    product = products[op.product_id]
    lot = _lot_for(op, lots)
    _check_lot(product, lot, products)
    if src.id == dst.id:
        raise errors.SameLocation(src.code)
    if src.is_virtual and dst.is_virtual:
        raise errors.VirtualToVirtual(src.code, dst.code)
    if src.warehouse_id != dst.warehouse_id:
        raise errors.CrossWarehouse(src.code, dst.code)
    if not dst.is_virtual and not dst.active:
        raise errors.LocationInactive(dst.code)
    lot_id = lot.id if lot else None
    plan.move_lots.append(lot_id)
    cause = op.reason.value
    if not src.is_virtual:
        change = plan.change(product.id, src, lot_id, cause)
        change.on_hand -= op.quantity
        if op.reservation_id is not None:
            res = _open_reservation(reservations, op.reservation_id)
            if (res.product_id, res.location_id, res.lot_key) != change.key:
                raise errors.ReservationElsewhere(res.id)
            _take_from_reservation(plan, res, op.quantity)
            change.reserved -= op.quantity
    elif op.reservation_id is not None:
        raise errors.ReservationElsewhere(op.reservation_id)
    if not dst.is_virtual:
        plan.change(product.id, dst, lot_id, cause).on_hand += op.quantity


def _plan_reserve(plan, op: Reserve, locations, products, lots) -> None:
    location = locations[op.location_id]
    product = products[op.product_id]
    lot = _lot_for(op, lots)
    _check_lot(product, lot, products)
    if location.is_virtual:
        raise errors.LotNotAtLocation(product.sku, location.code, lot.number if lot else None)
    plan.change(product.id, location, lot.id if lot else None, "reserve").reserved += op.quantity


def _plan_release(plan, op: Release, locations, reservations) -> None:
    res = _open_reservation(reservations, op.reservation_id)
    quantity = op.quantity if op.quantity is not None else res.quantity - plan.reservation_takes[res.id]
    if quantity <= 0:
        raise errors.ReservationNotOpen(res.id)
    _take_from_reservation(plan, res, quantity)
    plan.change(res.product_id, locations[res.location_id], res.lot_id, "release").reserved -= quantity


def _open_reservation(reservations, reservation_id: int) -> _Res:
    res = reservations[reservation_id]
    if res.status != ReservationStatus.OPEN:
        raise errors.ReservationNotOpen(res.id)
    return res


def _take_from_reservation(plan: _Plan, res: _Res, quantity: int) -> None:
    taken = plan.reservation_takes[res.id] + quantity
    if taken > res.quantity:
        raise errors.ReservationTooSmall(res.id, taken, res.quantity)
    plan.reservation_takes[res.id] = taken


# --- applying the plan ---------------------------------------------------------------------


def _lock_availability(session: Session, plan: _Plan) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already serialises every writer
    for warehouse_id, product_id in sorted(plan.availability):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": (warehouse_id << 32) | product_id})


def _apply_quant_changes(session, plan: _Plan, locations, products, lots, now) -> dict[tuple, int]:
    quant_ids: dict[tuple, int] = {}
    for key in sorted(plan.changes):
        change = plan.changes[key]
        if change.on_hand == 0 and change.reserved == 0:
            quant_ids[key] = _quant_id(session, change)
            continue
        creatable = change.on_hand >= change.reserved >= 0
        row = _upsert_quant(session, change, now) if creatable else _update_quant(session, change, now)
        if row is None:
            raise _refusal(session, change, locations, products)
        quant_ids[key] = row
    return quant_ids


def _quant_filter(change: _QuantChange):
    return and_(
        Quant.product_id == change.product_id,
        Quant.location_id == change.location_id,
        Quant.lot_key == (change.lot_id or NO_LOT),
    )


def _quant_id(session, change: _QuantChange) -> int:
    return session.execute(select(Quant.id).where(_quant_filter(change))).scalar_one()


def _update_quant(session, change: _QuantChange, now) -> int | None:
    stmt = (
        update(Quant)
        .where(
            _quant_filter(change),
            Quant.on_hand + change.on_hand >= Quant.reserved + change.reserved,
            Quant.reserved + change.reserved >= 0,
        )
        .values(on_hand=Quant.on_hand + change.on_hand, reserved=Quant.reserved + change.reserved, updated_at=now)
        .returning(Quant.id)
    )
    return session.execute(stmt).scalar_one_or_none()


def _upsert_quant(session, change: _QuantChange, now) -> int | None:
    table = Quant.__table__
    stmt = _dialect_insert(session, table).values(
        product_id=change.product_id, location_id=change.location_id, lot_id=change.lot_id,
        lot_key=change.lot_id or NO_LOT, on_hand=change.on_hand, reserved=change.reserved, updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["product_id", "location_id", "lot_key"],
        set_={
            "on_hand": table.c.on_hand + stmt.excluded.on_hand,
            "reserved": table.c.reserved + stmt.excluded.reserved,
            "updated_at": stmt.excluded.updated_at,
        },
        where=table.c.on_hand + stmt.excluded.on_hand >= table.c.reserved + stmt.excluded.reserved,
    ).returning(table.c.id)
    return session.execute(stmt).scalar_one_or_none()


def _refusal(session, change: _QuantChange, locations, products) -> errors.StockError:
    """Explain why a conditional update matched no row."""
    current = session.execute(select(Quant.on_hand, Quant.reserved).where(_quant_filter(change))).one_or_none()
    sku = products[change.product_id].sku
    location = locations[change.location_id].code
    lot = None
    if change.lot_id:
        lot = session.execute(select(Lot.number).where(Lot.id == change.lot_id)).scalar_one()
    if current is None:
        return errors.LotNotAtLocation(sku, location, lot)
    requested = -change.on_hand if change.on_hand < 0 else change.reserved
    return errors.NotEnoughStock(sku, location, lot, requested, current.on_hand - current.reserved)


def _insert_moves(session, ops, plan: _Plan, posting_id, key, user_id, now) -> tuple[int, ...]:
    moves = [op for op in ops if isinstance(op, Move)]
    if not moves:
        return ()
    rows = [
        {
            "posting_id": posting_id,
            "idempotency_key": f"{key}#{n}",
            "product_id": op.product_id,
            "lot_id": lot_id,
            "quantity": op.quantity,
            "from_location_id": op.from_location_id,
            "to_location_id": op.to_location_id,
            "reason": op.reason,
            "reference": op.reference,
            "user_id": user_id,
            "created_at": now,
        }
        for n, (op, lot_id) in enumerate(zip(moves, plan.move_lots, strict=True))
    ]
    stmt = insert(StockMove).returning(StockMove.id, sort_by_parameter_order=True)
    return tuple(session.scalars(stmt, rows).all())


def _write_reservations(session, ops, plan: _Plan, quant_ids, posting_id, key, user_id, now) -> tuple[int, ...]:
    for res_id in sorted(plan.reservation_takes):
        taken = plan.reservation_takes[res_id]
        remaining = Reservation.quantity - taken
        session.execute(
            update(Reservation)
            .where(Reservation.id == res_id)
            .values(
                quantity=remaining,
                status=case((remaining == 0, ReservationStatus.CLOSED.value), else_=ReservationStatus.OPEN.value),
                closed_at=case((remaining == 0, literal(now, Reservation.closed_at.type)), else_=null()),
            )
        )
    rows = [
        {
            "quant_id": quant_ids[(op.product_id, op.location_id, op.lot_id or NO_LOT)],
            "posting_id": posting_id,
            "idempotency_key": f"{key}#r{n}",
            "document_line": op.document_line,
            "initial_quantity": op.quantity,
            "quantity": op.quantity,
            "status": ReservationStatus.OPEN,
            "user_id": user_id,
            "created_at": now,
        }
        for n, op in enumerate(o for o in ops if isinstance(o, Reserve))
    ]
    if not rows:
        return ()
    stmt = insert(Reservation).returning(Reservation.id, sort_by_parameter_order=True)
    return tuple(session.scalars(stmt, rows).all())


def _append_events(session, plan: _Plan, products, posting_id, today, now) -> None:
    for (warehouse_id, product_id), cause in sorted(plan.availability.items()):
        product = products[product_id]
        available = available_for_product(product_id, warehouse_id, product.min_shelf_life_days, today)
        session.execute(
            insert(StockEvent).from_select(
                ["product_id", "warehouse_id", "available", "cause", "posting_id", "created_at"],
                select(
                    literal(product_id), literal(warehouse_id), available.scalar_subquery(),
                    literal(cause), literal(posting_id), literal(now, StockEvent.created_at.type),
                ),
            )
        )
