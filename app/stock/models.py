"""The shared stock store: warehouses, locations, products, lots, quants and the ledger.

Quantities are integers in the product's base unit. Moves are append-only; a quant is
the materialised sum of the moves in and out of its (product, location, lot) and is
changed only by `app.stock.ledger.post`, in the same transaction as the move that
explains it.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow

BigId = BigInteger().with_variant(Integer, "sqlite")

# Stock with no lot is keyed by lot_key = 0: both databases treat NULLs as distinct in
# unique constraints, so a nullable lot_id alone would allow two "no lot" quants.
NO_LOT = 0

DEFAULT_LOCATION_PATTERN = r"^[A-Z]{1,2}-\d{2}-\d{2}-\d{1,2}$"


def str_enum(enum_cls: type[StrEnum], length: int = 20) -> Enum:
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class LocationKind(StrEnum):
    STORAGE = "storage"
    DOCK = "dock"
    PACKING = "packing"
    SHIPPING = "shipping"
    QUARANTINE = "quarantine"
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    ADJUSTMENT = "adjustment"
    SCRAP = "scrap"
    TOTE = "tote"  # a picker's box (ZT-0001): picked goods travel in it to packing

    @property
    def is_virtual(self) -> bool:
        return self in VIRTUAL_KINDS


VIRTUAL_KINDS = frozenset(
    {LocationKind.SUPPLIER, LocationKind.CUSTOMER, LocationKind.ADJUSTMENT, LocationKind.SCRAP}
)
VIRTUAL_KIND_VALUES = tuple(sorted(k.value for k in VIRTUAL_KINDS))


class Tracking(StrEnum):
    NONE = "none"
    LOT = "lot"
    LOT_EXPIRY = "lot_expiry"
    SERIAL = "serial"

    @property
    def needs_lot(self) -> bool:
        return self is not Tracking.NONE


class BarcodeKind(StrEnum):
    EAN13 = "ean13"
    EAN8 = "ean8"
    UPCA = "upca"
    GTIN14 = "gtin14"
    INTERNAL = "internal"


class MoveReason(StrEnum):
    RECEIPT = "receipt"
    PUTAWAY = "putaway"
    PICK = "pick"
    PACK = "pack"
    SHIP = "ship"
    RETURN = "return"
    SCRAP = "scrap"
    COUNT_ADJUST = "count_adjust"
    TRANSFER = "transfer"
    CANCEL = "cancel"


class ReservationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class DiscrepancySource(StrEnum):
    RECEIVING = "receiving"
    PUTAWAY = "putaway"
    PICKING = "picking"
    PACKING = "packing"
    COUNT = "count"
    RETURN = "return"


class DiscrepancyStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class CountTaskStatus(StrEnum):
    OPEN = "open"  # to be counted
    REVIEW = "review"  # counted with a variance: a supervisor looks at it
    RECOUNT = "recount"  # beyond tolerance: someone else counts it again, blind
    DONE = "done"  # approved (adjusted where it differed) or matched
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in (CountTaskStatus.OPEN, CountTaskStatus.REVIEW, CountTaskStatus.RECOUNT)


OPEN_COUNT_STATUSES = ("open", "review", "recount")


class Warehouse(db.Model):
    __tablename__ = "warehouse"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    location_pattern: Mapped[str] = mapped_column(String(200), default=DEFAULT_LOCATION_PATTERN)
    address: Mapped[str | None] = mapped_column(String(300))  # printed on delivery notes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    locations: Mapped[list[Location]] = relationship(back_populates="warehouse", lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Warehouse {self.code}>"


class LotMixing(StrEnum):
    """Whether lots of one product may share a shelf, for products that do not say (mixed_lots None)."""

    BY_TRACKING = "by_tracking"  # expiry- and serial-tracked products keep one lot per shelf, others mix
    MIXED = "mixed"
    SEPARATE = "separate"


def lots_may_mix(mixed_lots: bool | None, tracking: Tracking, default: LotMixing = LotMixing.BY_TRACKING) -> bool:
    """The product's own rule, else the warehouse's default (LotMixing)."""
    if mixed_lots is not None:
        return mixed_lots
    if default is LotMixing.BY_TRACKING:
        return tracking not in (Tracking.LOT_EXPIRY, Tracking.SERIAL)
    return default is LotMixing.MIXED


class WarehouseSetting(db.Model):
    """What the floor of one warehouse uses that an admin may change (/admin/settings); a warehouse
    without a row uses the defaults. Read with the logged-in user's warehouses, in the same statement."""

    __tablename__ = "warehouse_setting"
    __table_args__ = (CheckConstraint("short_dated_days >= 0", name="short_dated_not_negative"),)

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), primary_key=True)
    # a lot received with fewer days left asks first, for products without their own minimum shelf life
    short_dated_days: Mapped[int] = mapped_column(Integer, default=0)
    lot_mixing: Mapped[LotMixing] = mapped_column(str_enum(LotMixing, 12), default=LotMixing.BY_TRACKING)
    label_sheet: Mapped[str] = mapped_column(String(20), default="a4-3x8")
    sound_on: Mapped[bool] = mapped_column(Boolean, default=True)  # a phone that has not chosen starts with this


class Location(db.Model):
    """A real place (dock, shelf 棚, packing station, lane, quarantine) or a virtual one."""

    __tablename__ = "location"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "code"),
        CheckConstraint(
            "NOT (sellable AND kind IN ('supplier','customer','adjustment','scrap'))",
            name="virtual_not_sellable",
        ),
        Index("ix_location_walk", "warehouse_id", "zone", "pick_sequence"),
        Index("ix_location_code", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[LocationKind] = mapped_column(str_enum(LocationKind))
    zone: Mapped[str | None] = mapped_column(String(8))
    aisle: Mapped[str | None] = mapped_column(String(8))
    rack: Mapped[str | None] = mapped_column(String(8))
    level: Mapped[str | None] = mapped_column(String(8))
    pick_sequence: Mapped[int | None] = mapped_column(Integer)
    sellable: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    warehouse: Mapped[Warehouse] = relationship(back_populates="locations")

    @property
    def is_virtual(self) -> bool:
        return self.kind.is_virtual

    def __repr__(self) -> str:
        return f"<Location {self.code} {self.kind}>"


class Product(db.Model):
    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint("min_shelf_life_days >= 0", name="shelf_life_not_negative"),
        CheckConstraint("reorder_point >= 0 AND safety_stock >= 0", name="reorder_not_negative"),
        CheckConstraint("shelf_life_days > 0", name="shelf_life_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tracking: Mapped[Tracking] = mapped_column(str_enum(Tracking), default=Tracking.NONE)
    min_shelf_life_days: Mapped[int] = mapped_column(Integer, default=0)
    cost_price: Mapped[int | None] = mapped_column(Integer)  # yen per unit: what a count variance is worth
    lead_time_days: Mapped[int | None] = mapped_column(Integer)  # from order to arrival, for reorder suggestions
    # 賞味期間: the whole shelf life from making to expiry, for channels' share rules (the 1/3 rule)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    reorder_point: Mapped[int] = mapped_column(Integer, default=0)
    safety_stock: Mapped[int] = mapped_column(Integer, default=0)
    is_kit: Mapped[bool] = mapped_column(Boolean, default=False)
    zone: Mapped[str | None] = mapped_column(String(8))
    # None: the default for the tracking mode (expiry-tracked products keep one lot per shelf)
    mixed_lots: Mapped[bool | None] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    # Loaded when asked for (selectinload() where a screen lists many): a product is often
    # loaded only for its SKU and name, and eager loading here cascades through every line.
    barcodes: Mapped[list[ProductBarcode]] = relationship(back_populates="product", order_by="ProductBarcode.id")
    components: Mapped[list[KitComponent]] = relationship(foreign_keys="KitComponent.kit_id")

    @property
    def allows_mixed_lots(self) -> bool:
        return lots_may_mix(self.mixed_lots, self.tracking)

    def mixes_lots(self, default: LotMixing) -> bool:
        """Whether lots may share a shelf in a warehouse whose default is `default`."""
        return lots_may_mix(self.mixed_lots, self.tracking, default)

    @property
    def primary_barcode(self) -> str | None:
        units = [b for b in self.barcodes if b.pack_qty == 1] or self.barcodes
        return units[0].code if units else None

    def __repr__(self) -> str:
        return f"<Product {self.sku}>"


class ProductBarcode(db.Model):
    """A code that identifies a product: the unit JAN, a case GTIN-14 (pack_qty > 1), …"""

    __tablename__ = "product_barcode"
    __table_args__ = (CheckConstraint("pack_qty >= 1", name="pack_qty_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[BarcodeKind] = mapped_column(str_enum(BarcodeKind))
    pack_qty: Mapped[int] = mapped_column(Integer, default=1)

    product: Mapped[Product] = relationship(back_populates="barcodes", lazy="joined")


class KitComponent(db.Model):
    """One line of a kit (セット品): ordering the kit reserves and picks its components."""

    __tablename__ = "kit_component"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("kit_id <> component_id", name="not_itself"),
    )

    kit_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)

    component: Mapped[Product] = relationship(foreign_keys=[component_id], lazy="joined")


class Lot(db.Model):
    __tablename__ = "lot"
    __table_args__ = (UniqueConstraint("product_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    number: Mapped[str] = mapped_column(String(40))
    expiry: Mapped[date | None] = mapped_column(Date, index=True)  # expiring and expired stock start from the lots
    first_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship(lazy="joined")


class Quant(db.Model):
    """On-hand and reserved of one (product, location, lot) in a real location."""

    __tablename__ = "quant"
    __table_args__ = (
        UniqueConstraint("product_id", "location_id", "lot_key"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
        CheckConstraint("lot_key = COALESCE(lot_id, 0)", name="lot_key_matches_lot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"), index=True)
    lot_key: Mapped[int] = mapped_column(Integer, default=NO_LOT)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship(lazy="raise_on_sql")
    location: Mapped[Location] = relationship(lazy="raise_on_sql")
    lot: Mapped[Lot | None] = relationship(lazy="raise_on_sql")

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Posting(db.Model):
    """One call of the ledger: its idempotency key makes a replay return the first result."""

    __tablename__ = "posting"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reference: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StockMove(db.Model):
    """Append-only ledger row. Never updated or deleted: a mistake is corrected by another move."""

    __tablename__ = "stock_move"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("from_location_id <> to_location_id", name="moves_somewhere"),
        Index("ix_stock_move_product_created", "product_id", "created_at"),
        # The units picked per product over a window (the ABC classes, demand): read from the index alone.
        Index("ix_stock_move_reason_product", "reason", "product_id", "created_at", "quantity"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("posting.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(130), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    from_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    to_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    reason: Mapped[MoveReason] = mapped_column(str_enum(MoveReason))
    reference: Mapped[str | None] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship(lazy="raise_on_sql")
    lot: Mapped[Lot | None] = relationship(lazy="raise_on_sql")
    from_location: Mapped[Location] = relationship(foreign_keys=[from_location_id], lazy="raise_on_sql")
    to_location: Mapped[Location] = relationship(foreign_keys=[to_location_id], lazy="raise_on_sql")


class Reservation(db.Model):
    """Quantity of one quant held for one document line. Σ open quantities = quant.reserved."""

    __tablename__ = "reservation"
    __table_args__ = (
        CheckConstraint("quantity >= 0 AND quantity <= initial_quantity", name="quantity_in_range"),
        CheckConstraint(
            "(status = 'open' AND quantity > 0) OR (status = 'closed' AND quantity = 0)",
            name="open_iff_held",
        ),
        Index("ix_reservation_document_line", "document_line"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quant_id: Mapped[int] = mapped_column(ForeignKey("quant.id"), index=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("posting.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(130), unique=True)
    document_line: Mapped[str] = mapped_column(String(120))
    initial_quantity: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[ReservationStatus] = mapped_column(
        str_enum(ReservationStatus, 10), default=ReservationStatus.OPEN
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    quant: Mapped[Quant] = relationship(lazy="raise_on_sql")


class StockEvent(db.Model):
    """A change of availability of a product in a warehouse, as sales channels read it.

    `position` is the change feed's cursor, given in commit order when the event's transaction
    commits (PostgreSQL: a deferred trigger takes it from a sequence under one transaction-scoped
    advisory lock, so a reader that sees a position has seen every smaller one; SQLite: the id,
    as its writers commit one at a time). NULL only inside the writing transaction.
    """

    __tablename__ = "stock_event"
    __table_args__ = (
        Index("ix_stock_event_product_warehouse", "product_id", "warehouse_id", "id"),
        Index("ix_stock_event_position", "position", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    available: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str] = mapped_column(String(20))
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("posting.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    position: Mapped[int | None] = mapped_column(BigInteger)


class Discrepancy(db.Model):
    """A mismatch found on the floor, kept so supervisors see where differences are born."""

    __tablename__ = "discrepancy"
    __table_args__ = (
        Index("ix_discrepancy_warehouse_status", "warehouse_id", "status", "created_at"),
        # The variance value per week and source (KPIs): a range of the index read alone, no row looked up.
        Index("ix_discrepancy_warehouse_created", "warehouse_id", "created_at", "source", "product_id",
              "expected_qty", "found_qty", "quantity"),
        Index("ix_discrepancy_warehouse_open", "warehouse_id", "resolved_at"),  # the open ones: resolved_at IS NULL
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    source: Mapped[DiscrepancySource] = mapped_column(str_enum(DiscrepancySource))
    cause: Mapped[str] = mapped_column(String(40))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    expected_qty: Mapped[int | None] = mapped_column(Integer)
    found_qty: Mapped[int | None] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[DiscrepancyStatus] = mapped_column(
        str_enum(DiscrepancyStatus, 10), default=DiscrepancyStatus.OPEN
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    product: Mapped[Product | None] = relationship(lazy="joined")
    lot: Mapped[Lot | None] = relationship(lazy="joined")
    location: Mapped[Location | None] = relationship(lazy="joined")


class CountTask(db.Model):
    """A shelf (optionally one product on it) to be counted: made by hand, by schedule, or by the
    floor when a picker or packer finds less than the records say.

    At most one open task per shelf: `open_location_id` is the shelf while the task is open and
    NULL once it is done, and it is unique (both databases allow many NULLs), so two pickers
    short-picking the same shelf at once share one task.
    """

    __tablename__ = "count_task"
    __table_args__ = (
        UniqueConstraint("open_location_id"),
        CheckConstraint("(status IN ('open', 'review', 'recount')) = (open_location_id IS NOT NULL)",
                        name="open_iff_keyed"),
        Index("ix_count_task_warehouse_status", "warehouse_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    open_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    cause: Mapped[str] = mapped_column(String(40))
    status: Mapped[CountTaskStatus] = mapped_column(str_enum(CountTaskStatus, 12), default=CountTaskStatus.OPEN)
    reference: Mapped[str | None] = mapped_column(String(120))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # grows with each count and review
    variance_value: Mapped[int | None] = mapped_column(Integer)  # |yen| of the latest count's variance, for the queue
    reason_code: Mapped[str | None] = mapped_column(String(20))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("posting.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    location: Mapped[Location] = relationship(foreign_keys=[location_id], lazy="joined")

    @property
    def code(self) -> str:
        return f"ZC-{self.id:06d}"


class Count(db.Model):
    """One blind count of a task's shelf by one person (round 1; a recount is round 2, …)."""

    __tablename__ = "count"
    __table_args__ = (UniqueConstraint("task_id", "round"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("count_task.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    counted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    empty: Mapped[bool] = mapped_column(Boolean, default=False)  # 「この棚は空」


class CountLine(db.Model):
    """What one count found of one product and lot, and what the shelf held when it was counted.

    `expected_qty` is filled when the count is submitted (app.stock.counting): the shelf's
    on-hand of that product and lot at the line's last scan, so moves while people count are
    not differences.
    """

    __tablename__ = "count_line"
    __table_args__ = (
        UniqueConstraint("count_id", "product_id", "lot_key"),
        CheckConstraint("counted_qty >= 0", name="counted_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("count.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    lot_key: Mapped[int] = mapped_column(Integer, default=NO_LOT)
    counted_qty: Mapped[int] = mapped_column(Integer, default=0)
    expected_qty: Mapped[int | None] = mapped_column(Integer)
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the last scan of this product and lot


class CountTolerance(db.Model):
    """Variance a count may have and still be approved by itself, per ABC class. None set: 0."""

    __tablename__ = "count_tolerance"

    abc_class: Mapped[str] = mapped_column(String(1), primary_key=True)
    units: Mapped[int] = mapped_column(Integer, default=0)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


__all__ = [
    "BigId", "NO_LOT", "DEFAULT_LOCATION_PATTERN", "LocationKind", "VIRTUAL_KINDS", "Tracking",
    "BarcodeKind", "MoveReason", "ReservationStatus", "DiscrepancySource", "DiscrepancyStatus",
    "Warehouse", "WarehouseSetting", "LotMixing", "lots_may_mix", "Location", "Product", "ProductBarcode", "KitComponent", "Lot", "Quant",
    "Posting", "StockMove", "Reservation", "StockEvent", "Discrepancy",
    "CountTaskStatus", "CountTask", "OPEN_COUNT_STATUSES", "Count", "CountLine", "CountTolerance",
]
