"""JSON API v1 (/api/v1/…): stock figures, the change feed, orders, expected receipts, products.

Views are thin: spectree has checked the request against its model, the token's scope is
checked by `token_required`, a service does the work, and the answer is built from its result.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from app.api import feed, intake, publishing, stock
from app.api.errors import ApiError
from app.api.models import Scope
from app.api.openapi import TOKEN, answers, document, spec
from app.api.schemas import (
    CancelIn,
    CancelOut,
    ChangesOut,
    ChangesQuery,
    OrderCreated,
    OrderIn,
    OrderOut,
    ProductsIn,
    ProductsOut,
    ReceiptCreated,
    ReceiptIn,
    ReceiptOut,
    ReceiptQuery,
    StockItemOut,
    StockItemQuery,
    StockListOut,
    StockListQuery,
    StockLookupIn,
    StockLookupOut,
)
from app.api.views import change_out, order_out, receipt_out, stock_item_out
from app.api.web import grant, init_blueprint, token_required, unknown_path
from app.extensions import db
from app.orders.models import Order
from app.receipts.models import Receipt

bp = Blueprint("api", __name__, url_prefix="/api/v1")
init_blueprint(bp)

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API (no token needed)."""
    return jsonify(document())


# --- stock ---------------------------------------------------------------------------------


@bp.get("/stock/items/<path:sku>")
@token_required(Scope.STOCK_READ)
@spec.validate(resp=answers({200: StockItemOut}, 404), tags=["stock"], security=TOKEN)
def stock_item(sku: str, query: StockItemQuery):
    """One product's figures in a warehouse, by SKU.

    on_hand and reserved count the sellable places; available leaves out lots that are expired or
    inside the minimum remaining shelf life; channels holds what each sales channel is shown.
    """
    return _one(stock.by_skus(db.session, [sku]), query)


@bp.get("/stock/jan/<jan>")
@token_required(Scope.STOCK_READ)
@spec.validate(resp=answers({200: StockItemOut}, 404), tags=["stock"], security=TOKEN)
def stock_by_jan(jan: str, query: StockItemQuery):
    """One product's figures in a warehouse, by its JAN (EAN-13, EAN-8 or UPC-A, any spelling)."""
    return _one(stock.by_jans(db.session, [jan]), query)


def _one(found: stock.Lookup, query: StockItemQuery):
    warehouse = intake.warehouse_of(grant(), query.warehouse)
    if not found.products:
        raise ApiError(404, "not_found", "No such product.")
    figure = stock.figures(db.session, warehouse.id, found.products[:1], lots=query.lots)[0]
    return stock_item_out(figure, warehouse.code)


@bp.post("/stock/lookup")
@token_required(Scope.STOCK_READ)
@spec.validate(resp=answers({200: StockLookupOut}), tags=["stock"], security=TOKEN)
def stock_lookup(json: StockLookupIn):
    """Up to 500 products' figures in one call, by SKU and/or JAN; codes naming no product are listed."""
    warehouse = intake.warehouse_of(grant(), json.warehouse)
    by_sku = stock.by_skus(db.session, json.skus)
    by_jan = stock.by_jans(db.session, json.jans)
    products = list({ref.id: ref for ref in by_sku.products + by_jan.products}.values())
    figures = stock.figures(db.session, warehouse.id, products, lots=json.lots)
    return {"warehouse": warehouse.code, "items": [stock_item_out(f, warehouse.code) for f in figures],
            "unknown": by_sku.unknown + by_jan.unknown}


@bp.get("/stock")
@token_required(Scope.STOCK_READ)
@spec.validate(resp=answers({200: StockListOut}), tags=["stock"], security=TOKEN)
def stock_list(query: StockListQuery):
    """Every active product's figures, by SKU, a page at a time (keyset: `after` = the last SKU).

    `feed_cursor` is the change feed's position read before the figures: follow /stock/changes
    from it and every later change is heard.
    """
    warehouse = intake.warehouse_of(grant(), query.warehouse)
    cursor = feed.horizon(db.session)
    products = stock.page_of_products(db.session, query.after, query.limit)
    figures = stock.figures(db.session, warehouse.id, products, lots=query.lots)
    last = products[-1].sku if len(products) == query.limit else None
    return {"warehouse": warehouse.code, "items": [stock_item_out(f, warehouse.code) for f in figures],
            "next": last, "feed_cursor": cursor}


@bp.get("/stock/changes")
@token_required(Scope.STOCK_READ)
@spec.validate(resp=answers({200: ChangesOut}), tags=["stock"], security=TOKEN)
def stock_changes(query: ChangesQuery):
    """Availability changes after a cursor, in commit order; resumable, and no change is ever skipped.

    Ask again with `after` = `next`. Each change carries the warehouse's new available figure and
    what each channel is shown of it; a receiver keeps the last one per SKU and warehouse.
    """
    granted = grant()
    warehouses = [intake.warehouse_of(granted, query.warehouse)] if query.warehouse else list(granted.warehouses)
    page = feed.changes(db.session, query.after, query.limit, [w.id for w in warehouses])
    channel_rules = publishing.rules(db.session)
    return {"changes": [change_out(change, channel_rules) for change in page.changes], "next": page.next,
            "more": page.more}


# --- orders --------------------------------------------------------------------------------


@bp.post("/orders")
@token_required(Scope.ORDERS_WRITE)
@spec.validate(resp=answers({200: OrderCreated, 201: OrderCreated}, 409), tags=["orders"], security=TOKEN)
def create_order(json: OrderIn):
    """An order from a channel, reserved at once (unless `allocate` is false).

    Idempotent by channel and external_id: the same POST sent again answers 200 with the order
    made the first time (`created: false`); other contents under a used id are refused (409).
    """
    made = intake.create_order(db.session, grant(), json)
    order = _fresh(Order, made.id)
    return {"order": order_out(db.session, order), "created": made.created}, 201 if made.created else 200


@bp.get("/orders/<channel>/<path:external_id>")
@token_required(Scope.ORDERS_WRITE)
@spec.validate(resp=answers({200: OrderOut}, 404), tags=["orders"], security=TOKEN)
def get_order(channel: str, external_id: str):
    """An order by its channel and the channel's order id, with what each line holds."""
    return order_out(db.session, intake.order_for(db.session, grant(), channel, external_id))


@bp.post("/orders/<channel>/<path:external_id>/cancel")
@token_required(Scope.ORDERS_WRITE)
@spec.validate(resp=answers({200: CancelOut}, 404, 409), tags=["orders"], security=TOKEN)
def cancel_order(channel: str, external_id: str, json: CancelIn):
    """Cancel an order: its reservations are let go (availability rises); what was picked waits to be
    put back. A shipped order is refused (409); cancelling twice changes nothing (`already`)."""
    done = intake.cancel_order(db.session, grant(), channel, external_id, json.reason)
    order = _fresh(Order, done.order_id)
    return {"order": order_out(db.session, order), "released": done.released, "put_back": done.units_to_put_back,
            "already": done.already}


# --- expected receipts ---------------------------------------------------------------------


@bp.post("/receipts")
@token_required(Scope.RECEIPTS_WRITE)
@spec.validate(resp=answers({200: ReceiptCreated, 201: ReceiptCreated}), tags=["receipts"], security=TOKEN)
def create_receipt(json: ReceiptIn):
    """An expected receipt (入荷予定 / ASN). Idempotent by warehouse and reference: sent again, it
    answers 200 with the receipt made the first time (`created: false`)."""
    made = intake.create_receipt(db.session, grant(), json)
    receipt = _fresh(Receipt, made.id)
    return {"receipt": receipt_out(db.session, receipt), "created": made.created}, 201 if made.created else 200


@bp.get("/receipts/<path:reference>")
@token_required(Scope.RECEIPTS_WRITE)
@spec.validate(resp=answers({200: ReceiptOut}, 404), tags=["receipts"], security=TOKEN)
def get_receipt(reference: str, query: ReceiptQuery):
    """An expected receipt by its reference, with what was received so far."""
    return receipt_out(db.session, intake.receipt_for(db.session, grant(), reference, query.warehouse))


# --- products ------------------------------------------------------------------------------


@bp.put("/products")
@token_required(Scope.PRODUCTS_WRITE)
@spec.validate(resp=answers({200: ProductsOut}), tags=["products"], security=TOKEN)
def upsert_products(json: ProductsIn):
    """Create or update products by SKU, all or nothing (the rules of the products import).

    A field left out (or null) keeps the product's value; a new SKU needs a name.
    """
    done = intake.upsert_products(db.session, json)
    return {"created": done.created, "updated": done.updated, "unchanged": done.unchanged}


def _fresh(model, id_: int):
    """The document as committed (the session keeps objects across commits)."""
    db.session.expire_all()
    return db.session.get(model, id_)


# --- anything else -------------------------------------------------------------------------


@bp.route("/<path:rest>", methods=ALL_METHODS, endpoint="unknown")
def unknown(rest: str):
    return unknown_path(rest)
