"""The ledger's hot-path SQL, built once per dialect with bind parameters.

Building a SQLAlchemy statement costs more Python than sending it; a scan posts the same
few statements thousands of times a day, so they are built once and reused. Round trips
count too: the claim of a posting also returns the names of what it touches (and, on
PostgreSQL, takes the availability and shelf locks), and one statement appends the stock
events of a product and of every kit made of it.
"""
from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import Integer, String, bindparam, case, cast, func, insert, literal, or_, select, text, union_all, update
from app.database import dialect_insert

from app.stock.models import (
    KitComponent, Location, Lot, Posting, Product, Quant, ReservationStatus, StockEvent, StockMove,
)

quant = Quant.__table__


def _same_quant():
    return (
        (quant.c.product_id == bindparam("p_product_id"))
        & (quant.c.location_id == bindparam("p_location_id"))
        & (quant.c.lot_key == bindparam("p_lot_key"))
    )


@lru_cache(maxsize=None)
def for_dialect(dialect: str) -> SimpleNamespace:
    claim = (
        dialect_insert(dialect, Posting.__table__)
        .values(
            idempotency_key=bindparam("p_key"), fingerprint=bindparam("p_fingerprint"), user_id=bindparam("p_user_id"),
            reference=bindparam("p_reference"), note=bindparam("p_note"), created_at=bindparam("p_now"),
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    dh, dr = bindparam("p_dh"), bindparam("p_dr")
    decrease = (
        update(quant)
        .where(_same_quant(), quant.c.on_hand + dh >= quant.c.reserved + dr, quant.c.reserved + dr >= 0)
        .values(on_hand=quant.c.on_hand + dh, reserved=quant.c.reserved + dr, updated_at=bindparam("p_now"))
        .returning(quant.c.id)
    )
    upsert = dialect_insert(dialect, quant).values(
        product_id=bindparam("p_product_id"), location_id=bindparam("p_location_id"), lot_id=bindparam("p_lot_id"),
        lot_key=bindparam("p_lot_key"), on_hand=bindparam("p_dh"), reserved=bindparam("p_dr"), updated_at=bindparam("p_now"),
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=["product_id", "location_id", "lot_key"],
        set_={
            "on_hand": quant.c.on_hand + upsert.excluded.on_hand,
            "reserved": quant.c.reserved + upsert.excluded.reserved,
            "updated_at": upsert.excluded.updated_at,
        },
        where=quant.c.on_hand + upsert.excluded.on_hand >= quant.c.reserved + upsert.excluded.reserved,
    ).returning(quant.c.id)

    claim_and_names = claim.returning(Posting.__table__.c.id, *_names_json()) if dialect == "sqlite" else None
    # PostgreSQL: in one statement, lock the products whose availability the posting changes and
    # the storage shelves goods go onto (FOR KEY SHARE: a shelf being deactivated is locked FOR
    # UPDATE, so one waits for the other and the re-read `active` is the committed one), then claim
    # the key unless a shelf is inactive, and return the names of what the posting touches.
    claim_lock_and_names = text(
        "INSERT INTO posting (idempotency_key, fingerprint, user_id, reference, note, created_at)"
        " SELECT :p_key, :p_fingerprint, :p_user_id, :p_reference, :p_note, :p_now"
        " FROM (SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:p_locks AS bigint[])) AS k) AS locked,"
        " (SELECT count(*) FILTER (WHERE NOT s.active) AS inactive FROM"
        "   (SELECT active FROM location WHERE id = ANY(CAST(:p_shelves AS integer[])) AND kind = 'storage'"
        "    ORDER BY id FOR KEY SHARE) AS s) AS shelves"
        " WHERE shelves.inactive = 0"
        " ON CONFLICT (idempotency_key) DO NOTHING"
        " RETURNING id,"
        " (SELECT json_agg(json_build_array(l.id, l.code, l.kind, l.warehouse_id, l.sellable, l.active))"
        "   FROM location l WHERE l.id = ANY(CAST(:p_location_ids AS integer[]))) AS locations,"
        " (SELECT json_agg(json_build_array(p.id, p.sku, p.tracking, p.is_kit, p.min_shelf_life_days))"
        "   FROM product p WHERE p.id = ANY(CAST(:p_product_ids AS integer[]))) AS products"
    ).bindparams(bindparam("p_now", type_=Posting.__table__.c.created_at.type))
    inactive_shelves = select(Location.id, Location.code).where(
        Location.id.in_(bindparam("p_ids", expanding=True)), Location.kind == "storage", Location.active.is_(False))
    return SimpleNamespace(
        claim_and_names=claim_and_names,
        claim_lock_and_names=claim_lock_and_names,
        inactive_shelves=inactive_shelves,
        decrease=decrease,
        upsert=upsert,
        apply_all=_apply_all() if dialect == "postgresql" else None,
        quant_id=select(quant.c.id).where(_same_quant()),
        quant_state=select(quant.c.on_hand, quant.c.reserved).where(_same_quant()),
        insert_moves=insert(StockMove.__table__).returning(StockMove.__table__.c.id, sort_by_parameter_order=True),
        event=_events_with_kits(dialect),
        available_one=_available_one(dialect),
        advisory_lock=text("SELECT pg_advisory_xact_lock(:p_k)"),
    )


def _apply_all():
    """PostgreSQL: what a posting writes after its claim, in one round trip instead of one per row.

    The quant changes (a change that takes away updates its quant under the ledger's guards; one that
    may create its quant is upserted), the moves, and what the moves take out of reservations. A
    guard that refuses a change leaves its quant out of the result (the ledger explains the first
    one missing and the transaction is rolled back). Data-modifying CTEs never touch one row twice
    here: the changes have distinct keys, and the products are locked by the claim.
    """
    return text(
        "WITH c AS ("
        "  SELECT * FROM unnest(CAST(:q_product_ids AS integer[]), CAST(:q_location_ids AS integer[]),"
        "    CAST(:q_lot_ids AS integer[]), CAST(:q_lot_keys AS integer[]), CAST(:q_dhs AS integer[]),"
        "    CAST(:q_drs AS integer[])) WITH ORDINALITY AS c(product_id, location_id, lot_id, lot_key, dh, dr, n)"
        "), taken AS ("
        "  UPDATE quant SET on_hand = quant.on_hand + c.dh, reserved = quant.reserved + c.dr, updated_at = :p_now"
        "  FROM c WHERE NOT (c.dh >= c.dr AND c.dr >= 0)"
        "    AND quant.product_id = c.product_id AND quant.location_id = c.location_id AND quant.lot_key = c.lot_key"
        "    AND quant.on_hand + c.dh >= quant.reserved + c.dr AND quant.reserved + c.dr >= 0"
        "  RETURNING quant.id, quant.product_id, quant.location_id, quant.lot_key"
        "), added AS ("
        "  INSERT INTO quant (product_id, location_id, lot_id, lot_key, on_hand, reserved, updated_at)"
        "  SELECT c.product_id, c.location_id, c.lot_id, c.lot_key, c.dh, c.dr, :p_now FROM c"
        "  WHERE c.dh >= c.dr AND c.dr >= 0 ORDER BY c.n"
        "  ON CONFLICT (product_id, location_id, lot_key) DO UPDATE SET on_hand = quant.on_hand + excluded.on_hand,"
        "    reserved = quant.reserved + excluded.reserved, updated_at = excluded.updated_at"
        "  WHERE quant.on_hand + excluded.on_hand >= quant.reserved + excluded.reserved"
        "  RETURNING id, product_id, location_id, lot_key"
        "), moved AS ("
        "  INSERT INTO stock_move (posting_id, idempotency_key, product_id, lot_id, quantity, from_location_id,"
        "    to_location_id, reason, reference, user_id, created_at)"
        "  SELECT :p_posting_id, m.idempotency_key, m.product_id, m.lot_id, m.quantity, m.from_location_id,"
        "    m.to_location_id, m.reason, m.reference, :p_user_id, :p_now"
        "  FROM unnest(CAST(:m_keys AS text[]), CAST(:m_product_ids AS integer[]), CAST(:m_lot_ids AS integer[]),"
        "    CAST(:m_quantities AS integer[]), CAST(:m_from_ids AS integer[]), CAST(:m_to_ids AS integer[]),"
        "    CAST(:m_reasons AS text[]), CAST(:m_references AS text[])) WITH ORDINALITY"
        "    AS m(idempotency_key, product_id, lot_id, quantity, from_location_id, to_location_id, reason, reference, n)"
        "  ORDER BY m.n"
        "  RETURNING id, idempotency_key"
        "), held AS ("
        "  UPDATE reservation SET quantity = reservation.quantity - t.taken,"
        f"   status = CASE WHEN reservation.quantity = t.taken THEN '{ReservationStatus.CLOSED.value}'"
        f"     ELSE '{ReservationStatus.OPEN.value}' END,"
        "    closed_at = CASE WHEN reservation.quantity = t.taken THEN :p_now END"
        "  FROM unnest(CAST(:r_ids AS integer[]), CAST(:r_taken AS integer[])) AS t(id, taken)"
        "  WHERE reservation.id = t.id"
        ")"  # a data-modifying WITH runs to completion whether or not the query reads it
        " SELECT 'quant' AS kind, id, product_id, location_id, lot_key, NULL AS move_key FROM taken"
        " UNION ALL SELECT 'quant', id, product_id, location_id, lot_key, NULL FROM added"
        " UNION ALL SELECT 'move', id, NULL, NULL, NULL, idempotency_key FROM moved"
    ).bindparams(bindparam("p_now", type_=Quant.__table__.c.updated_at.type))


def _names_json():
    """Two scalar subqueries: the named locations and products as JSON arrays (SQLite's RETURNING)."""
    locations = select(func.json_group_array(func.json_array(
        Location.id, Location.code, Location.kind, Location.warehouse_id, Location.sellable, Location.active,
    ))).where(Location.id.in_(bindparam("p_location_ids", expanding=True))).scalar_subquery()
    products = select(func.json_group_array(func.json_array(
        Product.id, Product.sku, Product.tracking, Product.is_kit, Product.min_shelf_life_days,
    ))).where(Product.id.in_(bindparam("p_product_ids", expanding=True))).scalar_subquery()
    return locations.label("locations"), products.label("products")


def _lot_is_sellable(dialect: str):
    """The lot (if any) is outside its product's minimum remaining shelf life on :p_today."""
    today = bindparam("p_today", type_=Lot.expiry.type)
    if dialect == "sqlite":
        cutoff = func.date(today, literal("+") + cast(Product.min_shelf_life_days, String) + literal(" days"))
    else:
        cutoff = today + Product.min_shelf_life_days
    return or_(Lot.expiry.is_(None), Lot.expiry >= cutoff)


def _available(dialect: str, product_id, warehouse_id):
    """Σ (on_hand − reserved) of the product in the warehouse's sellable places, sellable lots only."""
    quant = Quant.__table__.alias("aq")
    return (
        select(func.coalesce(func.sum(quant.c.on_hand - quant.c.reserved), 0))
        .select_from(quant.join(Location, Location.id == quant.c.location_id)
                     .join(Product, Product.id == quant.c.product_id)
                     .outerjoin(Lot, Lot.id == quant.c.lot_id))
        .where(quant.c.product_id == product_id, Location.warehouse_id == warehouse_id,
               Location.sellable.is_(True), _lot_is_sellable(dialect))
        .scalar_subquery()
    )


def _events_with_kits(dialect: str):
    """The new availability of a product in a warehouse, and of every kit it is a component of.

    A kit is as available as its scarcest component allows (app.stock.availability), so when a
    component's availability changes, so may the kit's: channels selling the kit hear of it too.
    """
    product_id, warehouse_id = bindparam("p_product_id", type_=Integer), bindparam("p_warehouse_id", type_=Integer)
    now = bindparam("p_now", type_=StockEvent.__table__.c.created_at.type)
    cause, posting = bindparam("p_cause", type_=String), bindparam("p_posting_id", type_=Integer)
    component = KitComponent.__table__.alias("kc")
    member = KitComponent.__table__.alias("km")
    kit_available = (
        select(func.min(_available(dialect, component.c.component_id, warehouse_id) // component.c.quantity))
        .where(component.c.kit_id == member.c.kit_id)
        .scalar_subquery()
    )
    the_product = select(product_id, warehouse_id, _available(dialect, product_id, warehouse_id), cause, posting, now)
    its_kits = (
        select(member.c.kit_id, warehouse_id, func.max(kit_available, 0) if dialect == "sqlite"
               else func.greatest(kit_available, 0), cause, posting, now)
        .where(member.c.component_id == product_id)
    )
    return insert(StockEvent.__table__).from_select(
        ["product_id", "warehouse_id", "available", "cause", "posting_id", "created_at"],
        union_all(the_product, its_kits),
    )


def _available_one(dialect: str):
    """What one product (a kit: its scarcest component allows) is available in a warehouse: one statement."""
    product_id, warehouse_id = bindparam("p_product_id", type_=Integer), bindparam("p_warehouse_id", type_=Integer)
    component = KitComponent.__table__.alias("kc")
    as_kit = (
        select(func.min(_available(dialect, component.c.component_id, warehouse_id) // component.c.quantity))
        .where(component.c.kit_id == product_id)
        .scalar_subquery()
    )
    kit = Product.__table__.alias("kit")
    is_kit = select(kit.c.is_kit).where(kit.c.id == product_id).scalar_subquery()
    return select(case((is_kit.is_(True), func.coalesce(as_kit, 0)), else_=_available(dialect, product_id, warehouse_id)))
