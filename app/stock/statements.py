"""The ledger's hot-path SQL, built once per dialect with bind parameters.

Building a SQLAlchemy statement costs more Python than sending it; a scan posts the same
few statements thousands of times a day, so they are built once and reused.
"""
from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import String, bindparam, cast, func, insert, literal, null, or_, select, text, union_all, update
from app.database import dialect_insert

from app.stock.models import Location, Lot, Posting, Product, Quant, StockEvent, StockMove

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
        .returning(Posting.__table__.c.id)
    )
    # Locations and products named by a posting, in one round trip: (what, id, name, kind, warehouse, flag, active, days)
    names = union_all(
        select(
            literal("L").label("what"), Location.id, Location.code.label("name"), cast(Location.kind, String).label("kind"),
            Location.warehouse_id, Location.sellable.label("flag"), Location.active, null().label("days"),
        ).where(Location.id.in_(bindparam("p_location_ids", expanding=True))),
        select(
            literal("P"), Product.id, Product.sku, cast(Product.tracking, String), null(), Product.is_kit, null(),
            Product.min_shelf_life_days,
        ).where(Product.id.in_(bindparam("p_product_ids", expanding=True))),
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

    available = (
        select(func.coalesce(func.sum(quant.c.on_hand - quant.c.reserved), 0))
        .select_from(quant.join(Location, Location.id == quant.c.location_id).outerjoin(Lot, Lot.id == quant.c.lot_id))
        .where(
            quant.c.product_id == bindparam("p_product_id"),
            Location.warehouse_id == bindparam("p_warehouse_id"),
            Location.sellable.is_(True),
            or_(Lot.expiry.is_(None), Lot.expiry >= bindparam("p_cutoff")),
        )
        .scalar_subquery()
    )
    event = insert(StockEvent.__table__).from_select(
        ["product_id", "warehouse_id", "available", "cause", "posting_id", "created_at"],
        select(
            bindparam("p_product_id"), bindparam("p_warehouse_id"), available, bindparam("p_cause"),
            bindparam("p_posting_id"), bindparam("p_now", type_=StockEvent.__table__.c.created_at.type),
        ),
    )
    # PostgreSQL: lock the products whose availability the posting changes, then claim its key, in one statement
    claim_and_lock = text(
        "INSERT INTO posting (idempotency_key, fingerprint, user_id, reference, note, created_at)"
        " SELECT :p_key, :p_fingerprint, :p_user_id, :p_reference, :p_note, :p_now"
        " FROM (SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:p_locks AS bigint[])) AS k) AS locked"
        " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
    ).bindparams(bindparam("p_now", type_=Posting.__table__.c.created_at.type))
    # A shelf being deactivated is locked FOR UPDATE; goods going onto it hold it FOR KEY SHARE,
    # so one waits for the other and neither sees a half-done state.
    shelves = (
        select(Location.id, Location.active)
        .where(Location.id.in_(bindparam("p_ids", expanding=True)))
        .with_for_update(key_share=True)
    )
    return SimpleNamespace(
        shelves=shelves,
        claim=claim,
        claim_and_lock=claim_and_lock,
        names=names,
        decrease=decrease,
        upsert=upsert,
        quant_id=select(quant.c.id).where(_same_quant()),
        quant_state=select(quant.c.on_hand, quant.c.reserved).where(_same_quant()),
        insert_moves=insert(StockMove.__table__).returning(StockMove.__table__.c.id, sort_by_parameter_order=True),
        event=event,
        advisory_lock=text("SELECT pg_advisory_xact_lock(:p_k)"),
    )
