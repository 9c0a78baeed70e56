"""What the API writes: orders, their cancellation, expected receipts (ASNs) and products, each
through the service every other way in uses (app.orders, app.receipts, app.masterdata.products).

Retries are safe: an order is one per channel and external id (a POST sent again answers the
order made the first time, `created: false`), an expected receipt one per warehouse and reference
(PostgreSQL: the reference is locked for the unit of work, so two at once make one), products are
an upsert.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.api.errors import ApiError, from_refusal, line_path
from app.api.schemas import OrderIn, ProductsIn, ReceiptIn
from app.api.tokens import Grant, WarehouseGrant
from app.database import write_transaction
from app.masterdata.csvfile import write_csv
from app.masterdata.errors import ImportRefused
from app.masterdata.product_rows import PRODUCT_COLUMNS
from app.masterdata.products import ProductImport, import_products
from app.masterdata.retry import retried_on_conflict
from app.orders import cancel, intake, service
from app.orders.entries import EntryLine
from app.orders.errors import DuplicateOrder, OrderNotOpen, UnknownChannel
from app.orders.models import Order, SalesChannel
from app.receipts.drafts import DraftLine as ReceiptDraftLine
from app.receipts.models import Receipt
from app.receipts.plans import PlanError, create_receipt as plan_receipt
from app.receipts.service import plan_lines
from app.timeutil import local_today


@dataclass(frozen=True)
class Made:
    """What a write answered: the document, and whether this call made it (False: it was there)."""

    id: int
    created: bool


# --- where -------------------------------------------------------------------------------------


def warehouse_of(grant: Grant, code: str | None) -> WarehouseGrant:
    """The warehouse a call names (or the token's only one); 403 if the token is not bound to it."""
    found = grant.warehouse(code)
    if found is not None:
        return found
    if code is None:
        raise ApiError(422, "warehouse_required", "This token has several warehouses: name one.",
                       ())
    raise ApiError(403, "warehouse_not_allowed", f"This token may not use warehouse {code}.")


def _channel_allowed(grant: Grant, channel: str) -> None:
    if grant.channel is not None and grant.channel != channel:
        raise ApiError(403, "channel_not_allowed", f"This token writes orders of {grant.channel} only.")


# --- orders ------------------------------------------------------------------------------------


def create_order(session: Session, grant: Grant, body: OrderIn) -> Made:
    """The order, made and (unless told not to) allocated; the one made before if the channel's
    order id is here already with the same lines (409 if it differs)."""
    warehouse = warehouse_of(grant, body.warehouse)
    _channel_allowed(grant, body.channel)
    lines = [EntryLine(n, line.sku or line.jan, line.quantity, line.jan if line.sku and line.jan else "")
             for n, line in enumerate(body.lines)]

    def work() -> int:
        with write_transaction(session):
            drafts, problems = intake.draft_lines(session, lines)
            if problems:
                raise from_refusal(ImportRefused(problems), _order_line_path)
            draft = service.DraftOrder(
                channel=body.channel, external_id=body.external_id.strip(), ship_to_name=body.ship_to_name.strip(),
                lines=[service.DraftLine(drafts[n].product_id, drafts[n].quantity, body.lines[n].unit_price)
                       for n in range(len(body.lines))],
                ship_by=body.ship_by, priority=body.priority, gift=body.gift, note=(body.note or "").strip() or None,
            )
            return service.create_order(session, warehouse.id, draft, user_id=None).id

    try:
        order_id = retried_on_conflict(work)
    except UnknownChannel:
        raise ApiError(422, "invalid_request", "Unknown sales channel.",
                       (_problem("channel", f"unknown sales channel {body.channel}"),)) from None
    except DuplicateOrder:
        existing = order_by_external(session, body.channel, body.external_id.strip())
        if existing is None or not _same_order(session, existing, warehouse, body):
            raise ApiError(409, "order_exists", f"Order {body.external_id} of {body.channel} is here already with "
                           "other contents: nothing was changed.") from None
        return Made(existing.id, False)
    if body.allocate:
        try:
            service.allocate_order(session, order_id, user_id=None)
        except OrderNotOpen:  # cancelled at once by another call: it stays as it is
            pass
    return Made(order_id, True)


def _order_line_path(error) -> str:
    name = line_path("lines", first_row=0)(error)
    return name.replace(".product", ".sku")


def _problem(path: str, message: str):
    from app.api.errors import Problem

    return Problem(path, message)


def _same_order(session: Session, order: Order, warehouse: WarehouseGrant, body: OrderIn) -> bool:
    """A retried POST: same warehouse and the same products and quantities line by line."""
    if order.warehouse_id != warehouse.id or len(order.lines) != len(body.lines):
        return False
    lines = [EntryLine(n, line.sku or line.jan, line.quantity) for n, line in enumerate(body.lines)]
    drafts, problems = intake.draft_lines(session, lines)
    if problems:
        return False
    return all((line.product_id, line.quantity) == (drafts[n].product_id, drafts[n].quantity)
               for n, line in enumerate(order.lines))


def order_by_external(session: Session, channel: str, external_id: str) -> Order | None:
    return session.scalar(
        select(Order).join(SalesChannel, SalesChannel.id == Order.channel_id)
        .where(SalesChannel.code == channel, Order.external_id == external_id)
        .execution_options(populate_existing=True)
    )


def order_for(session: Session, grant: Grant, channel: str, external_id: str) -> Order:
    """An order of one of the token's warehouses (and its channel, if it has one); 404 otherwise."""
    order = order_by_external(session, channel, external_id)
    allowed = {w.id for w in grant.warehouses}
    if order is None or order.warehouse_id not in allowed or (grant.channel and grant.channel != channel):
        raise ApiError(404, "not_found", f"No order {external_id} of {channel} here.")
    return order


def cancel_order(session: Session, grant: Grant, channel: str, external_id: str, reason: str) -> cancel.Cancelled:
    order = order_for(session, grant, channel, external_id)
    session.rollback()  # the cancellation is its own unit of work
    try:
        return cancel.cancel_order(session, order.id, user_id=None, reason=reason)
    except cancel.OrderShipped as shipped:
        raise ApiError(409, "order_shipped", shipped.message()) from None
    except cancel.OrderChangedMeanwhile as changed:  # a pick took reserved goods meanwhile: send the cancel again
        raise ApiError(409, "order_changed", changed.message()) from None
    except (cancel.CancelReasonMissing, cancel.CancelReasonTooLong) as refused:
        raise ApiError(422, "invalid_request", refused.message(), (_problem("reason", refused.message()),)) from None


# --- expected receipts -------------------------------------------------------------------------


def create_receipt(session: Session, grant: Grant, body: ReceiptIn) -> Made:
    """The expected receipt; the one made before if the warehouse has that reference already."""
    warehouse = warehouse_of(grant, body.warehouse)
    reference = body.reference.strip()
    drafts = [ReceiptDraftLine(n, line.sku or line.jan, line.quantity, line.lot.strip(), line.expiry,
                               line.jan if line.sku and line.jan else "")
              for n, line in enumerate(body.lines)]

    def work() -> Made:
        with write_transaction(session):
            _lock_reference(session, warehouse.id, reference)
            existing = receipt_by_reference(session, warehouse.id, reference)
            if existing is not None:
                return Made(existing.id, False)
            planned, problems = plan_lines(session, drafts, local_today())
            if problems:
                raise from_refusal(ImportRefused(problems), _receipt_line_path)
            try:
                receipt = plan_receipt(session, warehouse.id, body.supplier.strip(), body.expected_date,
                                       [planned[n] for n in range(len(drafts))], None, reference=reference)
            except PlanError as error:
                raise ApiError(422, "invalid_request", str(error), (_problem("lines", str(error)),)) from None
            return Made(receipt.id, True)

    return retried_on_conflict(work)


def _receipt_line_path(error) -> str:
    return line_path("lines", first_row=0)(error).replace(".product", ".sku")


def _lock_reference(session: Session, warehouse_id: int, reference: str) -> None:
    """PostgreSQL: one writer at a time per (warehouse, reference); SQLite's writers are one at a time anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(f"receipt:{warehouse_id}:{reference}".encode()).digest()[:4], "big") - 2**31
    session.execute(text("SELECT pg_advisory_xact_lock(1952542305, :k)"), {"k": key})


def receipt_by_reference(session: Session, warehouse_id: int, reference: str) -> Receipt | None:
    return session.scalar(select(Receipt).where(Receipt.warehouse_id == warehouse_id, Receipt.reference == reference)
                          .order_by(Receipt.id).limit(1))


def receipt_for(session: Session, grant: Grant, reference: str, warehouse_code: str | None) -> Receipt:
    warehouse = warehouse_of(grant, warehouse_code)
    receipt = receipt_by_reference(session, warehouse.id, reference)
    if receipt is None:
        raise ApiError(404, "not_found", f"No expected receipt {reference} in {warehouse.code}.")
    return receipt


# --- products ----------------------------------------------------------------------------------


def upsert_products(session: Session, body: ProductsIn) -> ProductImport:
    """Create new SKUs and update known ones, all or nothing, by the products import's own rules."""
    header = [column.field for column in PRODUCT_COLUMNS]
    rows = [[p.sku, p.name, p.jan, p.case_gtin, p.pack_qty, p.tracking, p.min_shelf_life_days, p.reorder_point,
             p.safety_stock, p.zone] for p in body.products]
    try:
        return import_products(session, write_csv(header, rows))
    except ImportRefused as refused:
        raise from_refusal(refused, line_path("products", first_row=2)) from None


__all__ = ["Made", "warehouse_of", "create_order", "order_by_external", "order_for", "cancel_order",
           "create_receipt", "receipt_by_reference", "receipt_for", "upsert_products"]
