"""Hostile text for the fuzz suite: what attackers, clumsy people and broken scanners send."""
from __future__ import annotations

import os

from hypothesis import strategies as st

from app.barcodes.checkdigit import with_check_digit

EXAMPLES = int(os.environ.get("TANA_FUZZ_EXAMPLES", "30"))

MARKUP = '"><svg id=fuzz onload=alert(1)>'
TEMPLATE = "{{ 'fu' ~ 'zzy' * 3 }}"
RENDERED_TEMPLATE = "fuzzyzzyzzy"
NEVER_IN_A_PAGE = (MARKUP, RENDERED_TEMPLATE)

SAMPLES = [
    "", " ", "\x00", "a\x00b", "\x00" * 3, "9" * 10240, "X" * 10240, "L" * 41, "²³", "٣", "１２", "０", "-1", "0",
    "18446744073709551616", "9223372036854775808", "99999999999999999999999", "1e309", "NaN", "0x10", "1_000",
    "\u202e4901234567894", "\u200f\u200e", "\ufeff", "\u2028", "\ud7ff", "\U0010fffd", "ＡＢＣ－１２３", "　",
    "\x1d", "]C1", "]d2", "(01)", "\x1b[31m", "\r\n", "\t", MARKUP, TEMPLATE, "%(code)s", "%s%s%s", "' OR 1=1 --",
    "../../etc/passwd", "//evil.example/", "ZR-20261201-1000", "ZU-", "ZL-", "ZL-A-01-01-1", "A-01-01-1",
    "4901234567894", "14901234567891", "4912345678904", "4901234567890", "2026-02-30", "99999-01-01", "000000",
    "991399", "260230", "2026/13/01", "ロット１", "緑茶", "ｶﾀｶﾅ", "9999-12-31", "0001-01-01", "0000-00-00",
    "2026-W53-7", "20261231", "1", "00000000001", "2147483648", "4294967296", "ZO-", "ZT-", "ZP-", "ZC-",
]
# What the pages themselves send in hidden fields and buttons, so a hostile value often is a real one
# in the wrong place: every stage of every workflow, the answers of choices, carriers, filters.
PAGE_WORDS = [
    "order", "item", "lot", "serial", "condition", "shelf", "choose", "tote", "short", "missing", "slip", "done",
    "closed", "empty", "finish", "details", "confirm", "location", "place", "back", "resaleable", "damaged:broken",
    "damaged:", "damaged:expired", "yamato", "sagawa", "japanpost", "seino", "other", "sjis", "utf-8", "en", "ja",
    "open", "backordered", "all", "new", "allocated", "picking", "picked", "packed", "shipped", "cancelled",
    "rakuten", "amazon", "own", "1:1", "0:0", "2:2", "1:2",
]


@st.composite
def gs1(draw) -> str:
    """GS1 element strings on the edge: framed or not, right or wrong check digits, odd dates and counts."""
    body = draw(st.text("0123456789", min_size=12, max_size=13))
    gtin = with_check_digit(body.zfill(13)) if draw(st.booleans()) else body.zfill(14)
    parts = ["01" + gtin[-14:]]
    if draw(st.booleans()):
        parts.append("17" + draw(st.sampled_from(["000000", "991399", "260230", "261231", "2612", "ABCDEF"])))
    if draw(st.booleans()):
        parts.append("10" + draw(st.text(st.characters(codec="ascii"), max_size=30)) + "\x1d")
    if draw(st.booleans()):
        parts.append("30" + draw(st.text("0123456789", min_size=1, max_size=25)) + "\x1d")
    if draw(st.booleans()):
        parts.append("21" + draw(st.text(min_size=0, max_size=25)) + "\x1d")
    prefix = draw(st.sampled_from(["", "]C1", "]d2", "]Q3", "]e0", "\x1d"]))
    if draw(st.booleans()):
        return "".join(f"({part[:2]}){part[2:].rstrip(chr(29))}" for part in parts)
    return prefix + "".join(parts)


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SAMPLES),
        st.sampled_from(PAGE_WORDS),
        st.integers(min_value=0, max_value=40).map(str),  # ids of rows that exist, of other kinds than asked
        st.text(max_size=60),
        st.text(st.characters(codec="utf-8", categories=("Cc", "Cf", "Zs", "Zl", "Zp", "Nd", "No", "Mn")), max_size=20),
        st.integers(min_value=-(2 ** 70), max_value=2 ** 70).map(str),
        st.text(st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), min_size=1, max_size=15),
        gs1(),
        st.text(max_size=8).map(lambda tail: "X" * 600 + tail),
    )


def csv_file() -> st.SearchStrategy[bytes]:
    """An uploaded CSV: a known header with hostile cells, or hostile bytes."""
    headers = ["sku,name,jan,tracking", "入荷番号,仕入先,入荷予定日,商品コード,JANコード,数量,ロット,賞味期限",
               "code,kind,zone,aisle,rack,level,pick_sequence",
               "channel,order id,ship to,ship by,priority,gift,note,SKU,JAN,quantity", "チャネル,注文番号,届け先,出荷期限,商品コード,数量",
               ""]
    row = st.lists(hostile_text().map(lambda t: t.replace("\x00", "")), min_size=1, max_size=8).map(",".join)
    text_file = st.builds(lambda h, rows: (h + "\r\n" + "\r\n".join(rows)), st.sampled_from(headers),
                          st.lists(row, max_size=4))
    return st.one_of(
        text_file.map(lambda t: t.encode("utf-8", "surrogatepass")),
        text_file.map(lambda t: t.encode("cp932", "replace")),
        st.binary(max_size=300),
        st.just(b"\xef\xbb\xbf" + b"sku,name\r\n" + b"=CMD(),\x00\r\n"),
    )
