"""Helpers of the API tests: a warehouse with stock on shelves, tokens, and calls with a token."""
from __future__ import annotations

from dataclasses import dataclass, field

from app.api import tokens
from app.api.models import Scope
from app.orders.service import ensure_channels
from app.database import write_transaction
from app.stock.models import Location, Product, Tracking
from tests import factories as f

ALL_SCOPES = tuple(s.value for s in Scope)


def make_token(session, *scopes: str, warehouses=("TKY",), integration: str = "test-shop",
               channel: str | None = None) -> str:
    return tokens.create_token(session, integration, scopes or ALL_SCOPES, warehouses, channel=channel).secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@dataclass
class World:
    wh: object
    shelf: Location
    shelf2: Location
    tea: Product
    milk: Product
    token: str
    extra: dict = field(default_factory=dict)

    @property
    def auth(self) -> dict:
        return bearer(self.token)


def world(session, code: str = "TKY") -> World:
    with write_transaction(session):
        ensure_channels(session)
    wh = f.warehouse(session, code=code)
    shelf = f.location(session, wh, code="A-01-01-1", pick_sequence=10)
    shelf2 = f.location(session, wh, code="A-01-02-1", pick_sequence=20)
    tea = f.product(session, sku="TEA", name="緑茶", barcode="4901234567894")
    milk = f.product(session, sku="MILK", name="牛乳", barcode="4912345678904", tracking=Tracking.LOT_EXPIRY)
    f.receive(session, tea, shelf, 10)
    f.receive(session, tea, shelf2, 5)
    return World(wh, shelf, shelf2, tea, milk, make_token(session, warehouses=(code,)))
