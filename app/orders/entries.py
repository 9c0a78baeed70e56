"""Orders as the office enters them, before any channel or product is looked up: a CSV file
(or the "new order" screen) becomes `OrderEntry`s.

The orders CSV (header in English or Japanese; more spellings in ORDER_COLUMNS):

| field | English | 日本語 | cell |
|---|---|---|---|
| channel (required) | channel | チャネル | a channel's code, short code or name: rakuten, RKT, 楽天市場, Amazon, ヤフー… |
| external_id (required) | order id | 注文番号 | the channel's order number, up to 60 characters |
| ship_to (required) | ship to | 届け先 | the addressee's name, up to 100 characters |
| ship_by | ship by | 出荷期限 | YYYY/MM/DD (also YYYY-MM-DD, YYYYMMDD) |
| priority | priority | 優先度 | 0–9, higher ships first (empty: 0) |
| gift | gift | ギフト | yes/no, 1/0, ○/×, あり/なし (empty: no) |
| note | note | 備考 | up to 500 characters |
| sku / jan (one required) | SKU, JAN | 商品コード, JANコード | the product by SKU or unit JAN (either column may hold either) |
| quantity (required) | quantity | 数量 | 1–100000 units (kits: sets) |

Rows with the same channel and order id are the lines of one order, in the order they first
appear. The order's own cells (ship to, ship by, priority, gift, note) may be repeated on
each of its rows or left empty after the first; a different value is an error.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from app.masterdata import cells
from app.masterdata.csvfile import Column, ReadFile, line_codes, read_line_file
from app.masterdata.errors import CellError, RowError

MAX_ORDER_ROWS = 20_000
MAX_EXTERNAL_ID = 60
MAX_SHIP_TO = 100
MAX_NOTE = 500
MAX_PRIORITY = 9
MAX_QUANTITY = 100_000
MAX_CHANNEL = 100

ORDER_COLUMNS = (
    Column("channel", "channel", "チャネル", ("sales channel", "shop", "store", "mall", "販売チャネル", "チャンネル",
                                            "販売先", "モール", "店舗")),
    Column("external_id", "order id", "注文番号", ("order", "order number", "order no", "external id", "受注番号",
                                                 "注文ID", "受注ID", "注文No")),
    Column("ship_to", "ship to", "届け先", ("ship to name", "recipient", "customer", "届け先名", "お届け先",
                                          "お届け先名", "送付先", "配送先", "宛名")),
    Column("ship_by", "ship by", "出荷期限", ("ship by date", "ship date", "due date", "出荷予定日", "発送期限",
                                            "出荷日", "発送予定日")),
    Column("priority", "priority", "優先度", ("優先", "優先順位")),
    Column("gift", "gift", "ギフト", ("gift wrap", "ギフト包装", "ラッピング", "のし")),
    Column("note", "note", "備考", ("notes", "comment", "memo", "メモ", "通信欄", "コメント")),
    Column("sku", "SKU", "商品コード", ("product", "SKU or JAN", "item", "品番", "商品", "商品番号")),
    Column("jan", "JAN", "JANコード", ("JAN code", "EAN", "barcode", "バーコード")),
    Column("quantity", "quantity", "数量", ("qty", "ordered", "order quantity", "個数", "注文数", "受注数")),
)
REQUIRED = (("channel",), ("external_id",), ("ship_to",), ("sku", "jan"), ("quantity",))
ORDER_FIELDS = ("ship_to", "ship_by", "priority", "gift", "note")

GIFT_WORDS = {"有": True, "あり": True, "有り": True, "ギフト": True, "gift": True, "要": True,
              "無": False, "なし": False, "無し": False, "不要": False}


@dataclass(frozen=True)
class EntryLine:
    """One ordered line: `row` is its CSV row (or its line number on the screen); `product`
    a SKU or JAN as written; `jan` a second code from a separate JAN column, if any."""

    row: int
    product: str
    quantity: int
    jan: str = ""


@dataclass(frozen=True)
class OrderEntry:
    """An order as written: `channel` is the channel as the file names it (a code, short code
    or name), `row` the first row of the order (0 on the screen)."""

    channel: str
    external_id: str
    ship_to_name: str
    lines: tuple[EntryLine, ...]
    ship_by: date | None = None
    priority: int = 0
    gift: bool = False
    note: str = ""
    row: int = 0


def read_order_file(data: bytes) -> ReadFile[OrderEntry]:
    """The orders a CSV file holds (in `rows`, problems in `errors`), grouped as the module docstring says."""
    return read_line_file(data, ORDER_COLUMNS, REQUIRED, max_rows=MAX_ORDER_ROWS, readers=READERS, needed=NEEDED,
                          grouped=_grouped)


# --- cells -----------------------------------------------------------------------------


def channel_text(text: str) -> str:
    channel = cells.text_cell(cells.normalized(text), limit=MAX_CHANNEL, what=_l("The channel"))
    if not channel:
        raise CellError(_l("The channel is empty."))
    return channel


def external_id_text(text: str) -> str:
    """The channel's order number: width-normalised, up to 60 characters."""
    external_id = cells.text_cell(cells.normalized(cells.unguarded(text)), limit=MAX_EXTERNAL_ID,
                                  what=_l("The order id"))
    if not external_id:
        raise CellError(_l("The order id is empty."))
    return external_id


def ship_to_text(text: str) -> str:
    ship_to = cells.text_cell(text, limit=MAX_SHIP_TO, what=_l("The ship-to name"))
    if not ship_to:
        raise CellError(_l("The ship-to name is empty."))
    return ship_to


def note_text(text: str) -> str:
    return cells.text_cell(text, limit=MAX_NOTE, what=_l("The note"))


def priority(text: str) -> int:
    return cells.whole_number(text, low=0, high=MAX_PRIORITY)


def gift_flag(text: str) -> bool:
    """yes/no as cells.yes_no reads it, and the words order exports use (あり/なし, 有/無, 要/不要)."""
    key = cells.word_key(text)
    for word, value in GIFT_WORDS.items():
        if cells.word_key(word) == key:
            return value
    try:
        return cells.yes_no(text)
    except CellError:
        raise CellError(_l("%(value)s is not yes or no: write 1 for a gift, 0 or nothing otherwise.",
                           value=text)) from None


def quantity(text: str) -> int:
    return cells.whole_number(text, low=1, high=MAX_QUANTITY)


READERS: dict[str, Callable[[str], object]] = {
    "channel": channel_text,
    "external_id": external_id_text,
    "ship_to": ship_to_text,
    "ship_by": cells.day,
    "priority": priority,
    "gift": gift_flag,
    "note": note_text,
    "sku": cells.product_code,
    "jan": cells.product_code,
    "quantity": quantity,
}
NEEDED = {
    "channel": _l("The channel is empty."),
    "external_id": _l("The order id is empty."),
    "quantity": _l("The quantity is empty."),
}
FIELD_NAMES = {
    "ship_to": _l("ship-to name"),
    "ship_by": _l("ship-by date"),
    "priority": _l("priority"),
    "gift": _l("gift"),
    "note": _l("note"),
}


# --- rows into orders ------------------------------------------------------------------


def order_key(channel: str, external_id: str) -> tuple[str, str]:
    """Rows of one order: the same channel (however spelled in case and width) and order id."""
    return cells.word_key(channel), external_id


def _grouped(parsed: list[tuple[int, dict[str, object]]], errors: list[RowError]) -> list[OrderEntry]:
    groups: dict[tuple[str, str], list[tuple[int, dict[str, object]]]] = {}
    for number, values in parsed:
        key = order_key(str(values["channel"]), str(values["external_id"]))
        group = groups.setdefault(key, [])
        conflict = _conflict(group, values) if group else None
        if conflict is not None:
            field, first_row = conflict
            errors.append(RowError(number, _l("Order %(order)s has another %(what)s on row %(first)s: the rows of one "
                                              "order share it.", order=values["external_id"], what=FIELD_NAMES[field],
                                              first=first_row), field))
            continue
        group.append((number, values))
    orders = []
    for rows in groups.values():
        if "ship_to" not in _merged(rows):
            first_row, first = rows[0]
            errors.append(RowError(first_row, _l("The ship-to name is empty."), "ship_to"))
            continue
        orders.append(_entry(rows))
    return orders


def _conflict(group: list[tuple[int, dict[str, object]]], values: dict[str, object]) -> tuple[str, int] | None:
    """The first order cell this row gives differently from an earlier row of the order, with that row."""
    for field in ORDER_FIELDS:
        if field not in values:
            continue
        earlier = next(((number, v[field]) for number, v in group if field in v), None)
        if earlier is not None and earlier[1] != values[field]:
            return field, earlier[0]
    return None


def _merged(rows: list[tuple[int, dict[str, object]]]) -> dict[str, object]:
    merged: dict[str, object] = {}
    for _number, values in rows:
        for field in ORDER_FIELDS:
            if field in values:
                merged.setdefault(field, values[field])
    return merged


def _entry(rows: list[tuple[int, dict[str, object]]]) -> OrderEntry:
    first_row, first = rows[0]
    merged = _merged(rows)
    lines = tuple(_line(number, values) for number, values in rows)
    return OrderEntry(
        channel=str(first["channel"]), external_id=str(first["external_id"]), ship_to_name=str(merged["ship_to"]),
        lines=lines, ship_by=merged.get("ship_by"), priority=int(merged.get("priority", 0)),
        gift=bool(merged.get("gift", False)), note=str(merged.get("note", "")), row=first_row,
    )


def _line(number: int, values: dict[str, object]) -> EntryLine:
    product, jan = line_codes(values)
    return EntryLine(number, product, int(values["quantity"]), jan)


__all__ = ["ORDER_COLUMNS", "REQUIRED", "EntryLine", "OrderEntry", "read_order_file", "order_key",
           "channel_text", "external_id_text", "ship_to_text", "note_text", "priority", "gift_flag", "quantity",
           "MAX_PRIORITY"]
