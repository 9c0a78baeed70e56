"""`flask stock verify`: check the ledger invariant over the whole database, in SQL.

For every real location, product and lot:
  quant on-hand = Σ moves in − Σ moves out;  on-hand ≥ 0;  0 ≤ reserved ≤ on-hand;
  reserved = Σ open reservations;  a quant's lot belongs to its product.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from app.stock.models import (
    NO_LOT,
    VIRTUAL_KIND_VALUES,
    Location,
    Lot,
    Product,
    Quant,
    Reservation,
    ReservationStatus,
    StockMove,
)


@dataclass(frozen=True)
class Violation:
    product: str
    location: str
    lot: str | None
    problem: str

    def __str__(self) -> str:
        lot = self.lot or "-"
        return f"{self.product} @ {self.location} lot {lot}: {self.problem}"


def verify(session: Session) -> list[Violation]:
    """Every broken (product, location, lot), named; an empty list when the ledger holds."""
    return sorted(
        _moves_disagree_with_quants(session) + _bad_quants(session) + _bad_reservations(session),
        key=lambda v: (v.product, v.location, v.lot or "", v.problem),
    )


def _net_moves(session: Session):
    real = select(Location.id).where(Location.kind.not_in(VIRTUAL_KIND_VALUES))
    lot_key = func.coalesce(StockMove.lot_id, NO_LOT)
    flows = union_all(
        select(StockMove.product_id, StockMove.to_location_id.label("location_id"),
               lot_key.label("lot_key"), StockMove.quantity.label("qty"))
        .where(StockMove.to_location_id.in_(real)),
        select(StockMove.product_id, StockMove.from_location_id, lot_key, -StockMove.quantity)
        .where(StockMove.from_location_id.in_(real)),
    ).subquery()
    return (
        select(flows.c.product_id, flows.c.location_id, flows.c.lot_key, func.sum(flows.c.qty).label("net"))
        .group_by(flows.c.product_id, flows.c.location_id, flows.c.lot_key)
        .subquery()
    )


def _moves_disagree_with_quants(session: Session) -> list[Violation]:
    net = _net_moves(session)
    quant_side = (
        select(Quant.product_id, Quant.location_id, Quant.lot_key, Quant.on_hand,
               func.coalesce(net.c.net, 0).label("net"))
        .outerjoin(net, (net.c.product_id == Quant.product_id) & (net.c.location_id == Quant.location_id)
                   & (net.c.lot_key == Quant.lot_key))
        .where(Quant.on_hand != func.coalesce(net.c.net, 0))
    )
    moves_side = (
        select(net.c.product_id, net.c.location_id, net.c.lot_key, literal(None).label("on_hand"), net.c.net)
        .outerjoin(Quant, (net.c.product_id == Quant.product_id) & (net.c.location_id == Quant.location_id)
                   & (net.c.lot_key == Quant.lot_key))
        .where(Quant.id.is_(None), net.c.net != 0)
    )
    out = []
    for row in session.execute(union_all(quant_side, moves_side)):
        sku, code, lot = _lookup(session, row.product_id, row.location_id, row.lot_key or None)
        on_hand = "no quant" if row.on_hand is None else f"on-hand {row.on_hand}"
        out.append(Violation(sku, code, lot, f"{on_hand} but moves net {row.net}"))
    return out


def _bad_quants(session: Session) -> list[Violation]:
    open_reserved = (
        select(func.coalesce(func.sum(Reservation.quantity), 0))
        .where(Reservation.quant_id == Quant.id, Reservation.status == ReservationStatus.OPEN)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Quant.product_id, Quant.location_id, Quant.lot_id, Quant.lot_key, Quant.on_hand, Quant.reserved,
               open_reserved.label("held"), Location.kind, Lot.product_id.label("lot_product_id"))
        .join(Location, Location.id == Quant.location_id)
        .outerjoin(Lot, Lot.id == Quant.lot_id)
        .where(or_(
            Quant.on_hand < 0, Quant.reserved < 0, Quant.reserved > Quant.on_hand, Quant.reserved != open_reserved,
            Location.kind.in_(VIRTUAL_KIND_VALUES) & (Quant.on_hand != 0),
            Quant.lot_key != func.coalesce(Quant.lot_id, NO_LOT),
            Lot.product_id != Quant.product_id,
        ))
    ).all()
    out = []
    for r in rows:
        sku, code, lot = _lookup(session, r.product_id, r.location_id, r.lot_id)
        for problem in _quant_problems(r):
            out.append(Violation(sku, code, lot, problem))
    return out


def _quant_problems(r) -> list[str]:
    problems = []
    if r.on_hand < 0:
        problems.append(f"negative on-hand {r.on_hand}")
    if r.reserved < 0 or r.reserved > r.on_hand:
        problems.append(f"reserved {r.reserved} outside 0..{r.on_hand}")
    if r.reserved != r.held:
        problems.append(f"reserved {r.reserved} but open reservations hold {r.held}")
    if r.kind.is_virtual and r.on_hand != 0:
        problems.append("stock held in a virtual location")
    if r.lot_key != (r.lot_id or NO_LOT):
        problems.append("lot key does not match lot")
    if r.lot_product_id is not None and r.lot_product_id != r.product_id:
        problems.append("lot belongs to another product")
    return problems


def _bad_reservations(session: Session) -> list[Violation]:
    rows = session.execute(
        select(Quant.product_id, Quant.location_id, Quant.lot_id, Reservation.id, Reservation.quantity,
               Reservation.status)
        .join(Quant, Quant.id == Reservation.quant_id)
        .where(or_(
            (Reservation.status == ReservationStatus.OPEN) & (Reservation.quantity <= 0),
            (Reservation.status == ReservationStatus.CLOSED) & (Reservation.quantity != 0),
            Reservation.quantity < 0,
        ))
    ).all()
    out = []
    for r in rows:
        sku, code, lot = _lookup(session, r.product_id, r.location_id, r.lot_id)
        out.append(Violation(sku, code, lot, f"reservation {r.id} is {r.status} holding {r.quantity}"))
    return out


def _lookup(session: Session, product_id: int, location_id: int, lot_id: int | None):
    sku = session.execute(select(Product.sku).where(Product.id == product_id)).scalar()
    code = session.execute(select(Location.code).where(Location.id == location_id)).scalar()
    lot = session.execute(select(Lot.number).where(Lot.id == lot_id)).scalar() if lot_id else None
    return sku or f"#{product_id}", code or f"#{location_id}", lot
