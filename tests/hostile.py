"""A warehouse to attack: receipts, goods on the dock, shelves, people of every role, and the
rows a refusal must not change. Shared by the hostile-input regression tests and the fuzz suite."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from html.parser import HTMLParser

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.auth.models import Role, User, UserRole
from app.database import write_transaction
from app.extensions import db
from app.receipts.models import Receipt, ReceiptEntry, ReceiptLine
from app.receipts.plans import PlannedLine, create_receipt
from app.stock.ledger import LotSpec
from app.stock.models import Discrepancy, Location, LocationKind, Lot, Posting, Product, Quant, StockMove, Tracking
from app.stock.warehouses import standard_location
from app.timeutil import local_today
from tests import factories as f
from tests.support import VOID_TAGS, csrf_token

JAN = "4901234567894"
CASE = "14901234567891"
MILK_JAN = "4912345678904"
PASSWORD = "pass-1234"
ROLES = {"picker": Role.PICKER, "receiver": Role.RECEIVER, "supervisor": Role.SUPERVISOR, "admin": Role.ADMIN}
# What a refusal must leave as it was: every row of stock, documents and master data.
WATCHED = (Posting, StockMove, Quant, Lot, Receipt, ReceiptLine, ReceiptEntry, Discrepancy, Product, Location, User)
_ids = itertools.count(1)


@dataclass
class Warehouse:
    wh: object
    receipt_id: int
    blind_id: int
    shelf: str
    shelf_id: int
    tea_id: int
    milk_id: int
    milk_lot_id: int
    logins: dict[str, str] = field(default_factory=dict)


def build(session) -> Warehouse:
    wh = f.warehouse(session, code="TKY")
    logins = {}
    password, pin = _hashes()
    with write_transaction(session):
        for name, role in ROLES.items():  # as factories.user makes them, with the hashes made once per run
            session.add(User(login=name, name="テスト 太郎", all_warehouses=False, password_hash=password, pin_hash=pin,
                             badge_code=f"ZU-{name.upper()[:6]}1", role_rows=[UserRole(role=role)], warehouses=[wh]))
            logins[name] = name
    tea = f.product(session, sku="TEA-500", name="緑茶", barcode=JAN, case_gtin=CASE, pack_qty=24)
    milk = f.product(session, sku="MILK-1", name="牛乳", barcode=MILK_JAN, tracking=Tracking.LOT_EXPIRY,
                     min_shelf_life_days=10)
    shelf = f.location(session, wh, code="A-01-01-1", pick_sequence=1)
    f.location(session, wh, code="A-01-01-2", pick_sequence=2)
    dock = standard_location(session, wh.id, LocationKind.DOCK)
    f.receive(session, tea, dock, 20)
    f.receive(session, milk, dock, 6, lot=LotSpec("L1", local_today() + timedelta(days=90)))
    with write_transaction(session):
        receipt = create_receipt(session, wh.id, "伊藤園", local_today(),
                                 [PlannedLine(tea.id, 48), PlannedLine(milk.id, 6)], None)
        blind = create_receipt(session, wh.id, "-", local_today(), [], None, blind=True)
    milk_lot = session.scalar(select(Lot.id).where(Lot.product_id == milk.id))
    return Warehouse(wh, receipt.id, blind.id, shelf.code, shelf.id, tea.id, milk.id, milk_lot, logins)


@lru_cache(maxsize=1)
def _hashes() -> tuple[str, str]:
    """The password and PIN hashes of the people (scrypt takes a tenth of a second each: made once)."""
    return generate_password_hash(PASSWORD), generate_password_hash("4321")


def counts(session) -> dict[str, int]:
    session.rollback()
    return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) for model in WATCHED}


def log_in_as(client, login: str, language: str = "en") -> str:
    """Log `login` in with the page language chosen; the CSRF token of the session."""
    token = csrf_token(client)
    response = client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    token = csrf_token(client, "/")
    client.post("/lang", data={"lang": language, "csrf_token": token})
    return token


def next_scan_id() -> str:
    return f"hostile-{next(_ids):08d}"


def post(client, token: str, path: str, form: dict, *, htmx: bool = True):
    data = {"csrf_token": token, "scan_id": next_scan_id(), **form}
    headers = {"X-CSRFToken": token, **({"HX-Request": "true"} if htmx else {})}
    return client.post(path, data=data, headers=headers)




_HIRAGANA = re.compile(r"[\u3041-\u309f]")  # every Japanese sentence has some; column names (商品コード) need none
_ENGLISH_WORD = re.compile(r"[A-Za-z]{4,}")
_LATIN = re.compile(r"[A-Za-z]")
_JAPANESE = re.compile(r"[\u3041-\u30ff\u4e00-\u9fff]")  # kana and kanji


def alert_text(html: str) -> str:
    """What the refusal says: the text of the page's alert regions (feedback, field errors, import errors)."""
    parser = _Alerts()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def speaks(text: str, language: str, echo: str = "") -> bool:
    """Whether a message reads as `language`: Japanese has hiragana; English has English words, and
    far more Latin letters than Japanese ones (an English sentence may name a Japanese button,
    「次のピッキング」). Characters the message may only be echoing back from what was sent (`echo`)
    do not count."""
    if language == "ja":
        return any(char not in echo for char in _HIRAGANA.findall(text))
    japanese = sum(1 for char in _JAPANESE.findall(text) if char not in echo)
    latin = len(_LATIN.findall(text))
    return bool(_ENGLISH_WORD.search(text)) and latin > 3 * japanese


class _Alerts(HTMLParser):
    """Text inside role="alert" elements, less the one-word result mark ("Error", 「エラー」)."""

    def __init__(self):
        super().__init__()
        self.depth, self.skip, self.parts = 0, 0, []

    def handle_starttag(self, tag, attrs):
        if tag in VOID_TAGS:
            return
        if self.depth:
            self.depth += 1
            if self.skip or "word" in (dict(attrs).get("class") or "").split():
                self.skip += 1
        elif dict(attrs).get("role") == "alert":
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag not in VOID_TAGS:
            self.depth -= 1
            self.skip = max(0, self.skip - 1)

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)
