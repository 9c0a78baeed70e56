"""Orders from the office: entered orders checked against the channels and the catalogue, then
made by `service.create_order` (one from the screen, every order of a CSV file all or nothing).

A line names its product by SKU or by a unit barcode (JAN, EAN-8, UPC-A, internal code);
quantities are in units (kits: sets), so a case code is refused rather than guessed. An
order already here (the same channel and order id) refuses the file, naming its row.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.database import write_transaction
from app.masterdata.cells import word_key
from app.masterdata.errors import ImportRefused, RowError
from app.masterdata.line_products import product_of, products_for_codes
from app.masterdata.retry import retried_on_conflict
from app.orders import service
from app.orders.entries import EntryLine, OrderEntry, read_order_file
from app.orders.errors import DuplicateOrder
from app.orders.models import Order, SalesChannel

# Other ways the office writes the standard channels (their code, short code and name also match).
CHANNEL_ALIASES = {
    "rakuten": ("楽天", "Rakuten", "楽天市場店", "Rakuten Ichiba"),
    "amazon": ("アマゾン", "Amazon.co.jp", "Amazon Japan", "AmazonJP"),
    "yahoo": ("Yahoo!", "ヤフー", "Yahoo Shopping", "Yahoo!ショッピング", "ヤフーショッピング", "PayPayモール"),
    "own": ("自社", "自社EC", "自社サイト", "本店", "own site", "web shop", "online shop"),
    "other": ("その他", "other channel"),
}


@dataclass(frozen=True)
class OrderImport:
    orders: list[Order]
    ignored_columns: tuple[str, ...]
    encoding: str


def create_entered_order(session: Session, warehouse_id: int, entry: OrderEntry, *, user_id: int | None) -> Order:
    """One order from the screen. Raises ImportRefused (rows = the form's line numbers) for a
    wrong line or channel, DuplicateOrder when the channel's order id is already here."""
    def work() -> Order:
        with write_transaction(session):
            channel, errors = _channel_of(entry, service.channels(session))
            drafts, line_errors = draft_lines(session, entry.lines)
            if errors or line_errors:
                raise ImportRefused(errors + line_errors)
            return service.create_order(session, warehouse_id, _draft(entry, channel, drafts), user_id=user_id)

    return retried_on_conflict(work)


def import_orders(session: Session, warehouse_id: int, data: bytes, *, user_id: int | None) -> OrderImport:
    """Every order of a CSV file, all or nothing.

    Raises ImportRefused (nothing written) listing every row-numbered problem, including an
    order already here (same channel and order id), named on its first row.
    """
    parsed = read_order_file(data)

    def work() -> list[Order]:
        with write_transaction(session):
            known = service.channels(session)
            errors = list(parsed.errors)
            channels = {}
            for entry in parsed.rows:
                channel, channel_errors = _channel_of(entry, known)
                errors += channel_errors
                channels[entry.row] = channel
            drafts, line_errors = draft_lines(session, [line for entry in parsed.rows for line in entry.lines])
            errors += line_errors + _already_here(session, parsed.rows, channels) + _twice_in_file(parsed.rows, channels)
            if errors:
                raise ImportRefused(errors, parsed.headers)
            return [_create(session, warehouse_id, entry, channels[entry.row], drafts, user_id)
                    for entry in parsed.rows]

    return OrderImport(retried_on_conflict(work), parsed.ignored, parsed.encoding)


def channel_named(text: str, channels: Sequence[SalesChannel]) -> SalesChannel | None:
    """The channel a file names by its code, short code, name or a usual other spelling."""
    key = word_key(text)
    for channel in channels:
        names = (channel.code, channel.short, channel.name, *CHANNEL_ALIASES.get(channel.code, ()))
        if key in {word_key(name) for name in names}:
            return channel
    return None


def draft_lines(session: Session, lines: Sequence[EntryLine]) -> tuple[dict[int, service.DraftLine], list[RowError]]:
    """The draft line of each entered line (by its row), and the problems of those that are wrong."""
    matches = products_for_codes(session, [code for line in lines for code in (line.product, line.jan) if code])
    drafts: dict[int, service.DraftLine] = {}
    errors: list[RowError] = []
    for line in lines:
        product = product_of(line, matches, errors)
        if product is not None:
            drafts[line.row] = service.DraftLine(product.id, line.quantity)
    return drafts, errors


def _channel_of(entry: OrderEntry, channels: Sequence[SalesChannel]) -> tuple[SalesChannel | None, list[RowError]]:
    channel = channel_named(entry.channel, channels)
    if channel is None:
        names = ", ".join(c.code for c in channels)
        return None, [RowError(entry.row or None, _l("Unknown sales channel %(channel)s: use one of %(names)s.",
                                                     channel=entry.channel, names=names), "channel")]
    return channel, []


def _already_here(session: Session, entries: Sequence[OrderEntry], channels: dict[int, SalesChannel | None]) -> list[RowError]:
    by_channel: dict[str, list[OrderEntry]] = {}
    for entry in entries:
        channel = channels.get(entry.row)
        if channel is not None:
            by_channel.setdefault(channel.code, []).append(entry)
    errors = []
    for code, chosen in by_channel.items():
        earlier = service.already_imported(session, code, [entry.external_id for entry in chosen])
        errors += [RowError(entry.row, _l("Order %(external)s from %(channel)s was already imported as %(code)s.",
                                          external=entry.external_id, channel=code, code=earlier[entry.external_id]),
                            "external_id")
                   for entry in chosen if entry.external_id in earlier]
    return errors


def _twice_in_file(entries: Sequence[OrderEntry], channels: dict[int, SalesChannel | None]) -> list[RowError]:
    """The same order written under two spellings of its channel (楽天 and rakuten) is one order."""
    first: dict[tuple[str, str], int] = {}
    errors = []
    for entry in entries:
        channel = channels.get(entry.row)
        if channel is None:
            continue
        seen = first.setdefault((channel.code, entry.external_id), entry.row)
        if seen != entry.row:
            errors.append(RowError(entry.row, _l("Order %(external)s from %(channel)s is also on row %(first)s: write "
                                                 "the channel the same way on all its rows.",
                                                 external=entry.external_id, channel=channel.code, first=seen),
                                   "external_id"))
    return errors


def _create(session: Session, warehouse_id: int, entry: OrderEntry, channel: SalesChannel,
            drafts: dict[int, service.DraftLine], user_id: int | None) -> Order:
    try:
        return service.create_order(session, warehouse_id, _draft(entry, channel, drafts), user_id=user_id)
    except DuplicateOrder as duplicate:
        raise ImportRefused([RowError(entry.row, duplicate.message(), "external_id")]) from None


def _draft(entry: OrderEntry, channel: SalesChannel, drafts: dict[int, service.DraftLine]) -> service.DraftOrder:
    return service.DraftOrder(
        channel=channel.code, external_id=entry.external_id, ship_to_name=entry.ship_to_name,
        lines=[drafts[line.row] for line in entry.lines], ship_by=entry.ship_by, priority=entry.priority,
        gift=entry.gift, note=entry.note or None,
    )


__all__ = ["CHANNEL_ALIASES", "OrderImport", "create_entered_order", "import_orders", "channel_named", "draft_lines"]
