"""Availability as a file, for channels that only take files: `SKU,quantity` per channel.

Every active product of the warehouse (kits included), the quantity being what that channel is
shown (app.api.publishing). UTF-8 (no BOM: uploaders of the malls read it as data) or Shift_JIS
(CP932), CRLF line ends.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy.orm import Session

from app.api import publishing, stock

ENCODINGS = {"utf-8": "utf-8", "shift_jis": "cp932"}
PAGE = 500


class UnknownChannel(LookupError):
    pass


def rows(session: Session, warehouse_id: int, channel: str) -> Iterator[tuple[str, int]]:
    channel_rules = publishing.rules(session)
    if channel not in publishing.channel_codes(channel_rules):
        raise UnknownChannel(channel)
    after = ""
    while True:
        products = stock.page_of_products(session, after, PAGE)
        for figure in stock.figures(session, warehouse_id, products, channel_rules=channel_rules):
            yield figure.product.sku, figure.channels[channel]
        if len(products) < PAGE:
            return
        after = products[-1].sku


def channel_csv(session: Session, warehouse_id: int, channel: str, encoding: str = "utf-8") -> bytes:
    """The file; `encoding` is utf-8 or shift_jis (a character Shift_JIS lacks becomes '?')."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["SKU", "quantity"])
    writer.writerows(rows(session, warehouse_id, channel))
    return buffer.getvalue().encode(ENCODINGS[encoding], errors="replace")


__all__ = ["ENCODINGS", "UnknownChannel", "rows", "channel_csv"]
