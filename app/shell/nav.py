"""The workflows a home screen offers, in the order a warehouse uses them."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.auth.roles import Screen, may_use


@dataclass(frozen=True)
class Entry:
    screen: Screen
    path: str
    label: object
    hint: object
    group: str


ENTRIES: tuple[Entry, ...] = (
    Entry(Screen.LOOKUP, "/lookup", _l("Stock lookup"), _l("Scan anything to see what it is and where"), "floor"),
    Entry(Screen.RECEIVING, "/receiving", _l("Receiving"), _l("Scan goods in with lot and expiry"), "floor"),
    Entry(Screen.PUTAWAY, "/putaway", _l("Putaway"), _l("Move received goods to a shelf"), "floor"),
    Entry(Screen.PICKING, "/picking", _l("Picking"), _l("Scan shelf, item and quantity"), "floor"),
    Entry(Screen.PACKING, "/packing", _l("Packing check"), _l("Scan every item into the box"), "floor"),
    Entry(Screen.SHIPPING, "/shipping", _l("Shipping"), _l("Hand packed orders to the carrier"), "floor"),
    Entry(Screen.RETURNS, "/returns", _l("Returns"), _l("Restock or scrap returned items"), "floor"),
    Entry(Screen.COUNTING, "/counts", _l("Cycle count"), _l("Count a shelf without seeing the book figure"), "floor"),
    Entry(Screen.RECEIPTS, "/receipts", _l("Expected receipts"), _l("Create and import inbound plans"), "office"),
    Entry(Screen.ORDERS, "/orders", _l("Orders"), _l("Create and import outbound orders"), "office"),
    Entry(Screen.COUNT_REVIEW, "/counts/review", _l("Count review"), _l("Approve or reject count results"), "office"),
    Entry(Screen.COUNT_REVIEW, "/counts/plan", _l("Count tasks"), _l("Shelves to count: by range, zone, product or ABC"),
          "office"),
    Entry(Screen.DISCREPANCIES, "/discrepancies", _l("Discrepancies"), _l("Where the differences are born"), "office"),
    Entry(Screen.KPIS, "/kpis", _l("KPIs"), _l("Accuracy, speed and stock health"), "office"),
    Entry(Screen.REPORTS, "/reports", _l("Alerts"), _l("Reorder, expiry and shelves due for a count"), "office"),
    Entry(Screen.REPORTS, "/channels", _l("Channel stock"), _l("What each sales channel is shown, and its file"),
          "office"),
    Entry(Screen.TEAM, "/team", _l("Floor team"), _l("Reset a picker's or receiver's PIN"), "office"),
    Entry(Screen.LABELS, "/labels", _l("Labels"), _l("Print shelf, product, lot and tote labels"), "office"),
    Entry(Screen.PRODUCTS, "/admin/products", _l("Products"), _l("SKUs, barcodes, tracking"), "admin"),
    Entry(Screen.LOCATIONS, "/admin/locations", _l("Locations"), _l("Shelves (棚番) and walking order"), "admin"),
    Entry(Screen.WAREHOUSES, "/admin/warehouses", _l("Warehouses"), _l("Sites and their areas"), "admin"),
    Entry(Screen.USERS, "/admin/users", _l("Users"), _l("People, roles, badges"), "admin"),
    Entry(Screen.API_TOKENS, "/admin/api-tokens", _l("API tokens"), _l("Access for sales channels"), "admin"),
    Entry(Screen.WEBHOOKS, "/admin/webhooks", _l("Webhooks"), _l("Stock change notifications"), "admin"),
    Entry(Screen.SETTINGS, "/admin/settings", _l("Settings"), _l("Warehouse-wide settings"), "admin"),
)


def entries_for(user) -> list[Entry]:
    return [e for e in ENTRIES if may_use(user, e.screen)]
