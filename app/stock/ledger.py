"""The one door through which stock changes: `post()`.

A call posts any number of operations — moves between locations, reservations and
releases — atomically, under one idempotency key:

* Replaying a key returns the first result and writes nothing (a different change under
  a used key is refused with `IdempotencyConflict`).
* Quants are changed by single conditional statements: a decrease is
  ``UPDATE … WHERE on_hand + Δon_hand >= reserved + Δreserved`` checked by its returned
  row, an increase is an upsert (``INSERT … ON CONFLICT … DO UPDATE``), so a quant or lot
  seen for the first time is created race-free. Statements run in a fixed order (sorted by
  product, location, lot) so two postings never wait on each other in a cycle. On
  PostgreSQL, where every statement is a network round trip, the quant changes, the moves
  and what they take out of reservations go in one statement with the same guards
  (``statements._apply_all``): a move costs one round trip after its claim, not four.
* One statement claims the key and returns the names of the locations and products the
  operations touch (as JSON), so a posting costs a round trip less. On PostgreSQL the same
  statement first locks every product whose availability may change (transaction-scoped
  advisory locks, sorted), so the availability written into its stock event is the one that
  holds at commit, and holds the storage shelves goods go onto (FOR KEY SHARE, re-reading
  `active`: a shelf deactivated meanwhile claims nothing and the posting is refused). On
  SQLite the whole write transaction is serialised by ``BEGIN IMMEDIATE`` (see app.database).
* One statement appends the stock event of each product whose availability may have changed
  and of every kit made of it (a kit is as available as its scarcest component).
* Anything that would break the ledger invariant is refused with a `StockError` and,
  because the caller's unit of work rolls back, nothing is written.

Call it inside `app.database.write_transaction()`, once per unit of work.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, insert, literal, null, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.database import in_write_transaction, upsert_insert
from app.stock import errors, statements
from app.stock.models import (
    NO_LOT,
    LocationKind,
    Lot,
    MoveReason,
    Posting,
    Quant,
    Reservation,
    ReservationStatus,
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
    conn = session.connection()  # Core statements on the unit of work's connection: no ORM bookkeeping
    reservations = _lock_reservations(conn, ops)
    locked = _availability_locks(conn, ops, reservations)
    claimed = _claim_posting(conn, ops, reservations, key, fingerprint, user_id, reference, note, now, locked)
    if claimed is None:
        return _replay(conn, ops, key, fingerprint)

    posting_id, locations, products = claimed
    today = today or local_today()
    lots = _resolve_lots(conn, ops, products, now)

    plan = _plan(ops, locations, products, lots, reservations)
    _lock_availability(conn, plan, locked)
    if conn.dialect.name == "postgresql":
        quant_ids, move_ids = _apply_in_one_statement(conn, ops, plan, locations, products, posting_id, key, user_id, now)
    else:
        quant_ids = _apply_quant_changes(conn, plan, locations, products, now)
        move_ids = _insert_moves(conn, ops, plan, posting_id, key, user_id, now)
        _take_from_reservations(conn, plan, now)
    reservation_ids = _insert_reservations(conn, ops, quant_ids, posting_id, key, user_id, now)
    _append_events(conn, plan, locations, posting_id, today, now)
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


def _claim_posting(conn, ops, reservations, key, fingerprint, user_id, reference, note, now, locks):
    """Claim the key and read the names of what the posting touches, in one statement.

    Returns (posting id, locations, products), or None when the key was claimed before. On
    PostgreSQL the same statement takes the availability locks and holds the storage shelves
    goods go onto; it claims nothing when one of them is inactive (then `_replay` tells).
    """
    location_ids, product_ids = _named_ids(ops, reservations)
    params = {"p_key": key, "p_fingerprint": fingerprint, "p_user_id": user_id, "p_reference": reference,
              "p_note": note, "p_now": now, "p_location_ids": location_ids, "p_product_ids": product_ids}
    if conn.dialect.name == "postgresql":
        shelves = sorted({op.to_location_id for op in ops if isinstance(op, Move)})
        row = conn.execute(_sql(conn).claim_lock_and_names,
                           {**params, "p_locks": list(locks), "p_shelves": shelves}).one_or_none()
    else:
        row = conn.execute(_sql(conn).claim_and_names, params).one_or_none()
    if row is None:
        return None
    locations, products = _names(row.locations, row.products, location_ids, product_ids)
    return row.id, locations, products


def _replay(conn: Connection, ops, key: str, fingerprint: str) -> Posted:
    found = conn.execute(
        select(Posting.id, Posting.fingerprint).where(Posting.idempotency_key == key)
    ).one_or_none()
    if found is None:  # PostgreSQL claimed nothing because a shelf the goods go onto is inactive
        shelves = sorted({op.to_location_id for op in ops if isinstance(op, Move)})
        inactive = conn.execute(_sql(conn).inactive_shelves, {"p_ids": shelves}).first()
        raise errors.LocationInactive(inactive.code if inactive else "?")
    posting_id, first_fingerprint = found
    if first_fingerprint != fingerprint:
        raise errors.IdempotencyConflict(key)
    moves = conn.execute(
        select(StockMove.id, StockMove.lot_id).where(StockMove.posting_id == posting_id).order_by(StockMove.id)
    ).all()
    reservation_ids = conn.execute(
        select(Reservation.id).where(Reservation.posting_id == posting_id).order_by(Reservation.id)
    ).scalars().all()
    return Posted(
        posting_id, tuple(m.id for m in moves), tuple(reservation_ids), tuple(m.lot_id for m in moves), True
    )


# --- loading what the operations name ----------------------------------------------------


def _lock_reservations(conn: Connection, ops: Sequence[Operation]) -> dict[int, _Res]:
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
    found = {row.id: _Res(*row) for row in conn.execute(stmt)}
    for rid in ids:
        if rid not in found:
            raise errors.ReservationNotOpen(rid)
    return found


def _named_ids(ops, reservations) -> tuple[list[int], list[int]]:
    location_ids: set[int] = {r.location_id for r in reservations.values()}
    product_ids: set[int] = {r.product_id for r in reservations.values()}
    for op in ops:
        if isinstance(op, Move):
            location_ids.update((op.from_location_id, op.to_location_id))
        elif isinstance(op, Reserve):
            location_ids.add(op.location_id)
        if isinstance(op, (Move, Reserve)):
            product_ids.add(op.product_id)
    return sorted(location_ids), sorted(product_ids)


def _names(location_rows, product_rows, location_ids, product_ids) -> tuple[dict[int, _Loc], dict[int, _Prod]]:
    """The locations and products the operations name (JSON rows of the claim); unknown ids are refused."""
    locations: dict[int, _Loc] = {}
    for id_, code, kind, warehouse_id, sellable, active in _json_rows(location_rows):
        kind = LocationKind(kind)
        locations[id_] = _Loc(id_, code, kind, warehouse_id, bool(sellable), bool(active), kind.is_virtual)
    products = {id_: _Prod(id_, sku, Tracking(tracking), bool(is_kit), days)
                for id_, sku, tracking, is_kit, days in _json_rows(product_rows)}
    for lid in set(location_ids) - locations.keys():
        raise errors.UnknownLocation(lid)
    for pid in set(product_ids) - products.keys():
        raise errors.UnknownProduct(pid)
    return locations, products


def _json_rows(value) -> list:
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else value


def _resolve_lots(conn, ops, products, now) -> dict[int | LotSpec, _Lot]:
    """Lots by id, and lots named by number (created race-free on first sight)."""
    ids = {op.lot for op in ops if isinstance(op, Move) and isinstance(op.lot, int)}
    ids |= {op.lot_id for op in ops if isinstance(op, Reserve) and op.lot_id}
    lots: dict[int | LotSpec, _Lot] = {}
    if ids:
        rows = conn.execute(select(Lot.id, Lot.product_id, Lot.number, Lot.expiry).where(Lot.id.in_(ids)))
        lots.update({r.id: _Lot(*r) for r in rows})
        for lid in ids:
            if lid not in lots:
                raise errors.UnknownLot(lid)
    specs = {(op.product_id, op.lot) for op in ops if isinstance(op, Move) and isinstance(op.lot, LotSpec)}
    for product_id, spec in sorted(specs, key=lambda s: (s[0], s[1].number)):
        lots[(product_id, spec)] = _ensure_lot(conn, products[product_id], spec, now)
    return lots


def _ensure_lot(conn: Connection, product: _Prod, spec: LotSpec, now) -> _Lot:
    number = spec.number.strip()
    if not number:
        raise errors.LotRequired(product.sku)
    stmt = (
        upsert_insert(conn, Lot.__table__)
        .values(product_id=product.id, number=number, expiry=spec.expiry, first_received_at=now, created_at=now)
        .on_conflict_do_nothing(index_elements=["product_id", "number"])
    )
    conn.execute(stmt)
    row = conn.execute(
        select(Lot.id, Lot.product_id, Lot.number, Lot.expiry)
        .where(Lot.product_id == product.id, Lot.number == number)
    ).one()
    lot = _Lot(*row)
    if spec.expiry is not None and lot.expiry is not None and lot.expiry != spec.expiry:
        raise errors.LotExpiryMismatch(product.sku, number, lot.expiry, spec.expiry)
    if spec.expiry is not None and lot.expiry is None:
        conn.execute(update(Lot.__table__).where(Lot.id == lot.id, Lot.expiry.is_(None)).values(expiry=spec.expiry))
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


def _availability_locks(conn: Connection, ops: Sequence[Operation], reservations) -> tuple[int, ...]:
    """Products whose availability the operations may change, locked (PostgreSQL) in one sorted go.

    SQLite needs none: BEGIN IMMEDIATE already serialises every writer.
    """
    if conn.dialect.name != "postgresql":
        return ()
    products = {op.product_id for op in ops if isinstance(op, (Move, Reserve))}
    return tuple(sorted(products | {r.product_id for r in reservations.values()}))


def _lock_availability(conn: Connection, plan: _Plan, locked: tuple[int, ...]) -> None:
    """Lock products only known from reservations (a release), after those already locked."""
    if conn.dialect.name != "postgresql":
        return
    for product_id in sorted({p for _w, p in plan.availability} - set(locked)):
        conn.execute(_sql(conn).advisory_lock, {"p_k": product_id})


def _changes_to_write(conn, plan: _Plan) -> tuple[dict[tuple, int], list[_QuantChange]]:
    """The changes that move a quant, in key order, and the ids of the quants whose changes net to
    nothing (in and out of one place in one posting): only a reservation needs such an id, and a
    place that never held this product and lot has no quant to name."""
    quant_ids: dict[tuple, int] = {}
    changing: list[_QuantChange] = []
    for key in sorted(plan.changes):
        change = plan.changes[key]
        if change.on_hand or change.reserved:
            changing.append(change)
            continue
        quant_id = _quant_id(conn, change)
        if quant_id is not None:
            quant_ids[key] = quant_id
    return quant_ids, changing


def _apply_quant_changes(conn, plan: _Plan, locations, products, now) -> dict[tuple, int]:
    quant_ids, changing = _changes_to_write(conn, plan)
    for change in changing:
        creatable = change.on_hand >= change.reserved >= 0
        row = _upsert_quant(conn, change, now) if creatable else _update_quant(conn, change, now)
        if row is None:
            raise _refusal(conn, change, locations, products)
        quant_ids[change.key] = row
    return quant_ids


def _apply_in_one_statement(conn, ops, plan: _Plan, locations, products, posting_id, key, user_id, now):
    """PostgreSQL: the quant changes, the moves and the reservation takes in one round trip.

    Returns (quant ids by key, move ids in the order of the moves). A change that nets to nothing
    only looks its quant up, as on SQLite.
    """
    quant_ids, changing = _changes_to_write(conn, plan)
    moves = [op for op in ops if isinstance(op, Move)]
    takes = sorted(plan.reservation_takes.items())
    if not changing and not moves and not takes:
        return quant_ids, ()
    move_keys = [_move_key(key, n) for n in range(len(moves))]
    rows = conn.execute(_sql(conn).apply_all, {
        "q_product_ids": [c.product_id for c in changing], "q_location_ids": [c.location_id for c in changing],
        "q_lot_ids": [c.lot_id for c in changing], "q_lot_keys": [c.lot_id or NO_LOT for c in changing],
        "q_dhs": [c.on_hand for c in changing], "q_drs": [c.reserved for c in changing],
        "m_keys": move_keys, "m_product_ids": [op.product_id for op in moves], "m_lot_ids": list(plan.move_lots),
        "m_quantities": [op.quantity for op in moves], "m_from_ids": [op.from_location_id for op in moves],
        "m_to_ids": [op.to_location_id for op in moves], "m_reasons": [MoveReason(op.reason).value for op in moves],
        "m_references": [op.reference for op in moves],
        "r_ids": [res_id for res_id, _taken in takes], "r_taken": [taken for _res_id, taken in takes],
        "p_posting_id": posting_id, "p_user_id": user_id, "p_now": now,
    }).all()
    changed = {(r.product_id, r.location_id, r.lot_key): r.id for r in rows if r.kind == "quant"}
    for change in changing:
        if change.key not in changed:
            raise _refusal(conn, change, locations, products)
    quant_ids.update(changed)
    move_id_by_key = {r.move_key: r.id for r in rows if r.kind == "move"}
    return quant_ids, tuple(move_id_by_key[k] for k in move_keys)


def _move_key(key: str, n: int) -> str:
    """The idempotency key of the posting's n-th move."""
    return f"{key}#{n}"


def _quant_params(change: _QuantChange, now=None) -> dict:
    return {
        "p_product_id": change.product_id, "p_location_id": change.location_id, "p_lot_id": change.lot_id,
        "p_lot_key": change.lot_id or NO_LOT, "p_dh": change.on_hand, "p_dr": change.reserved, "p_now": now,
    }


def _quant_id(conn, change: _QuantChange) -> int | None:
    return conn.execute(_sql(conn).quant_id, _quant_params(change)).scalar_one_or_none()


def _update_quant(conn, change: _QuantChange, now) -> int | None:
    return conn.execute(_sql(conn).decrease, _quant_params(change, now)).scalar_one_or_none()


def _upsert_quant(conn, change: _QuantChange, now) -> int | None:
    return conn.execute(_sql(conn).upsert, _quant_params(change, now)).scalar_one_or_none()


def _refusal(conn, change: _QuantChange, locations, products) -> errors.StockError:
    """Explain why a conditional update matched no row."""
    current = conn.execute(_sql(conn).quant_state, _quant_params(change)).one_or_none()
    sku = products[change.product_id].sku
    location = locations[change.location_id].code
    lot = None
    if change.lot_id:
        lot = conn.execute(select(Lot.number).where(Lot.id == change.lot_id)).scalar_one()
    if current is None:
        return errors.LotNotAtLocation(sku, location, lot)
    requested = -change.on_hand if change.on_hand < 0 else change.reserved
    return errors.NotEnoughStock(sku, location, lot, requested, current.on_hand - current.reserved)


def _insert_moves(conn, ops, plan: _Plan, posting_id, key, user_id, now) -> tuple[int, ...]:
    moves = [op for op in ops if isinstance(op, Move)]
    if not moves:
        return ()
    rows = [
        {
            "posting_id": posting_id,
            "idempotency_key": _move_key(key, n),
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
    return tuple(conn.execute(_sql(conn).insert_moves, rows[0] if len(rows) == 1 else rows).scalars().all())


def _take_from_reservations(conn, plan: _Plan, now) -> None:
    for res_id in sorted(plan.reservation_takes):
        taken = plan.reservation_takes[res_id]
        remaining = Reservation.quantity - taken
        conn.execute(
            update(Reservation.__table__)
            .where(Reservation.id == res_id)
            .values(
                quantity=remaining,
                status=case((remaining == 0, ReservationStatus.CLOSED.value), else_=ReservationStatus.OPEN.value),
                closed_at=case((remaining == 0, literal(now, Reservation.closed_at.type)), else_=null()),
            )
        )


def _insert_reservations(conn, ops, quant_ids, posting_id, key, user_id, now) -> tuple[int, ...]:
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
    stmt = insert(Reservation.__table__).returning(Reservation.__table__.c.id, sort_by_parameter_order=True)
    return tuple(conn.execute(stmt, rows).scalars().all())


def _append_events(conn, plan: _Plan, locations, posting_id, today, now) -> None:
    """One event per product whose availability may have changed, and one per kit made of it.

    A change that moves on-hand and reserved of a sellable quant by the same amount (a pick of
    reserved stock) leaves on-hand − reserved, and so availability, as it was: no event.
    """
    moved = _availability_moved(plan, locations)
    for (warehouse_id, product_id), cause in sorted(plan.availability.items()):
        if (warehouse_id, product_id) not in moved:
            continue
        conn.execute(_sql(conn).event, {
            "p_product_id": product_id, "p_warehouse_id": warehouse_id, "p_today": today,
            "p_cause": cause, "p_posting_id": posting_id, "p_now": now,
        })


def _availability_moved(plan: _Plan, locations) -> set[tuple[int, int]]:
    return {
        (locations[change.location_id].warehouse_id, change.product_id)
        for change in plan.changes.values()
        if locations[change.location_id].sellable and change.on_hand != change.reserved
    }


def _sql(conn: Connection):
    return statements.for_dialect(conn.dialect.name)
