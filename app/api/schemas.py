"""The JSON API's request and response bodies, as typed pydantic models.

The OpenAPI document is generated from these and from the routes that use them
(app.api.openapi); requests are checked against them before a view runs, responses after.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.api.feed import MAX_PAGE
from app.api.stock import MAX_CODES

Sku = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^\S+$", examples=["TEA-500"])]
Jan = Annotated[str, Field(pattern=r"^[0-9]{8,14}$", examples=["4901234567894"])]
WarehouseCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$", examples=["TKY"])]
ChannelCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,19}$", examples=["rakuten"])]
ExternalId = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$",
                                  examples=["RKT-20261201-0001"])]
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors -------------------------------------------------------------------------------


class FieldProblem(BaseModel):
    path: str = Field(description="Where in the request: `lines[0].quantity`, `query.limit`, …")
    message: str
    type: str | None = None


class ErrorBody(BaseModel):
    code: str = Field(description="Stable, for programs: invalid_request, unauthorized, forbidden, not_found, …")
    message: str = Field(description="For people (English)")
    fields: list[FieldProblem] = Field(default_factory=list)


class ErrorResponse(BaseModel):
    error: ErrorBody


# --- stock --------------------------------------------------------------------------------


class LotOut(BaseModel):
    lot: str
    expiry: date | None
    on_hand: int
    reserved: int
    available: int
    sellable: bool = Field(description="false: expired or inside the minimum remaining shelf life")


class StockItemOut(BaseModel):
    sku: str
    jan: str | None
    name: str
    kit: bool
    warehouse: str
    on_hand: int | None = Field(description="In sellable places, every lot; null for a kit (it holds no stock)")
    reserved: int | None
    available: int = Field(description="What may be sold: on-hand − reserved of the sellable lots")
    channels: dict[str, int] = Field(description="Channel code → what that channel is shown (buffer and priority)")
    lots: list[LotOut] | None = Field(None, description="Present when asked for with lots=true")


class StockItemQuery(Strict):
    warehouse: WarehouseCode | None = Field(None, description="Needed when the token has several warehouses")
    lots: bool = False


class StockListQuery(StockItemQuery):
    after: Annotated[str, Field(max_length=40, pattern=r"^[^\x00]*$")] = Field(
        "", description="The last SKU of the page before")
    limit: int = Field(100, ge=1, le=MAX_CODES)


class StockListOut(BaseModel):
    warehouse: str
    items: list[StockItemOut]
    next: str | None = Field(description="Give as `after` for the next page; null on the last page")
    feed_cursor: int = Field(description="The change feed's position before these figures were read: follow "
                                         "/stock/changes from here and nothing is missed")


class StockLookupIn(Strict):
    warehouse: WarehouseCode | None = None
    skus: list[Sku] = Field(default_factory=list, max_length=MAX_CODES)
    jans: list[Jan] = Field(default_factory=list, max_length=MAX_CODES)
    lots: bool = False

    @model_validator(mode="after")
    def _some_codes(self):
        if not self.skus and not self.jans:
            raise ValueError("give skus or jans")
        if len(self.skus) + len(self.jans) > MAX_CODES:
            raise ValueError(f"at most {MAX_CODES} codes in one call")
        return self


class StockLookupOut(BaseModel):
    warehouse: str
    items: list[StockItemOut]
    unknown: list[str] = Field(description="Codes asked for that name no product")


class ChangesQuery(Strict):
    after: int = Field(0, ge=0, le=2**62, description="The `next` of the page before; 0 from the beginning")
    limit: int = Field(100, ge=1, le=MAX_PAGE)
    warehouse: WarehouseCode | None = Field(None, description="One of the token's warehouses; default all of them")


class ChangeOut(BaseModel):
    cursor: int = Field(description="This change's position in the feed")
    event_id: int
    sku: str
    warehouse: str
    available: int
    channels: dict[str, int]
    cause: str
    at: datetime


class ChangesOut(BaseModel):
    changes: list[ChangeOut]
    next: int = Field(description="Give as `after` next time")
    more: bool = Field(description="true: more changes wait already; ask again at once")


# --- orders -------------------------------------------------------------------------------


class OrderLineIn(Strict):
    sku: Sku | None = None
    jan: Jan | None = None
    quantity: int = Field(ge=1, le=100_000)
    unit_price: int | None = Field(None, ge=0, le=100_000_000, description="Yen, tax included")

    @model_validator(mode="after")
    def _named(self):
        if not self.sku and not self.jan:
            raise ValueError("give the product's sku or jan")
        return self


class OrderIn(Strict):
    channel: ChannelCode
    external_id: ExternalId
    warehouse: WarehouseCode | None = None
    ship_to_name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00]*\S[^\x00]*$")]
    ship_by: date | None = None
    priority: int = Field(0, ge=0, le=9)
    gift: bool = False
    note: Annotated[str, Field(max_length=500, pattern=r"^[^\x00]*$")] | None = None
    lines: list[OrderLineIn] = Field(min_length=1, max_length=200)
    allocate: bool = Field(True, description="Reserve the stock now (availability drops at once)")


class OrderLineOut(BaseModel):
    line_no: int
    sku: str
    quantity: int
    allocated: int
    picked: int
    backordered: int


class OrderOut(BaseModel):
    code: str
    channel: str
    external_id: str
    warehouse: str
    status: str
    lines: list[OrderLineOut]
    created_at: datetime


class OrderCreated(BaseModel):
    order: OrderOut
    created: bool = Field(description="false: this channel's order id was here already; nothing was changed")


class CancelIn(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")]


class CancelOut(BaseModel):
    order: OrderOut
    released: int = Field(description="Reserved units let go")
    put_back: int = Field(description="Picked units that wait to be put back on a shelf")
    already: bool = Field(description="true: it was cancelled before; nothing changed")


# --- receipts -----------------------------------------------------------------------------


class ReceiptLineIn(Strict):
    sku: Sku | None = None
    jan: Jan | None = None
    quantity: int = Field(ge=1, le=1_000_000)
    lot: Annotated[str, Field(max_length=40, pattern=r"^[^\x00-\x1f\x7f]*$")] = ""
    expiry: date | None = None

    @model_validator(mode="after")
    def _named(self):
        if not self.sku and not self.jan:
            raise ValueError("give the product's sku or jan")
        return self


class ReceiptIn(Strict):
    warehouse: WarehouseCode | None = None
    reference: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$")] \
        = Field(description="The ASN number: one receipt per warehouse and reference, so a retried POST makes one")
    supplier: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00]*\S[^\x00]*$")]
    expected_date: date | None = None
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=500)


class ReceiptLineOut(BaseModel):
    line_no: int
    sku: str
    lot: str
    expiry: date | None
    expected: int
    received: int


class ReceiptOut(BaseModel):
    code: str
    reference: str | None
    warehouse: str
    supplier: str
    expected_date: date | None
    status: str
    lines: list[ReceiptLineOut]


class ReceiptCreated(BaseModel):
    receipt: ReceiptOut
    created: bool


class ReceiptQuery(Strict):
    warehouse: WarehouseCode | None = None


# --- products -----------------------------------------------------------------------------


class ProductIn(Strict):
    sku: Sku
    name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")] | None = Field(
        None, description="Needed for a new SKU")
    jan: Jan | None = None
    case_gtin: Annotated[str, Field(pattern=r"^[0-9]{14}$")] | None = None
    pack_qty: int | None = Field(None, ge=2, le=100_000, description="Units in the case; with case_gtin")
    tracking: Annotated[str, Field(pattern=r"^(none|lot|lot_expiry|serial)$")] | None = None
    min_shelf_life_days: int | None = Field(None, ge=0, le=3650)
    reorder_point: int | None = Field(None, ge=0, le=10_000_000)
    safety_stock: int | None = Field(None, ge=0, le=10_000_000)
    zone: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,8}$")] | None = None


class ProductsIn(Strict):
    products: list[ProductIn] = Field(min_length=1, max_length=1000)


class ProductsOut(BaseModel):
    created: int
    updated: int
    unchanged: int


__all__ = [name for name in dir() if name[0].isupper()]
