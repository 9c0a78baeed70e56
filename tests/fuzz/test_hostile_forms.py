"""Every scan field, hidden field and office form of every workflow, as every role, posted with
hostile text one field at a time (hypothesis): never a server error, a refusal explained in the
person's language with nothing written, and nothing sent is ever run as markup or a template.

Inbound (lookup, receiving, putaway, login, receipts, master data, labels) works on the world of
tests.hostile; outbound (orders, picking, packing, shipping, returns and put-backs, counts) on
the orders of tests.fuzz.world_outbound in the same warehouse. "Nothing written" is every watched
table's row count and the figures and states of the rows that carry stock and orders
(world_outbound.state). A role a screen refuses gets 403 (a refusal like any other). An office
action that refuses by a message on the page it goes back to (a redirect) is followed, and that
message checked the same way. A field named `{name}` is a part of the path (an id). The world is
built through the services once per database and laid down again for each test (tests.fuzz.snapshot).

`TANA_FUZZ_EXAMPLES` sets the examples per test (30 by default, for `make test`; e.g. 600 for
a long run): `TANA_FUZZ_EXAMPLES=600 .venv/bin/python -m pytest tests/fuzz`. `TANA_FUZZ_PATHS`, a
regular expression, keeps only the targets whose path it finds (`TANA_FUZZ_PATHS='^/(packing|counts)'`).
"""
from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.auth.roles import ALLOWED
from tests import hostile as h
from tests.fuzz import world_outbound as wo
from tests.fuzz.snapshot import once_per_database
from tests.fuzz.strategies import EXAMPLES, NEVER_IN_A_PAGE, csv_file, hostile_text


@dataclass(frozen=True)
class Target:
    method: str
    path: str
    form: dict[str, str] = field(default_factory=dict)
    fuzzed: tuple[str, ...] = ()
    upload: str | None = None  # the name of a file field filled with a hostile CSV
    multi: tuple[str, ...] = ()  # fields sent several times (ticked boxes): fuzzed with a list of values
    may_write: frozenset[str] = frozenset()  # tables a refusal of this target writes by design
    follow: bool = False  # an office action that answers by a redirect to a page with its message


STAGED_RECEIVING = {"stage": "details", "product_id": "{milk}", "units": "1", "held_lot": "", "held_expiry": "",
                    "held_serial": "", "missing": "lot,expiry", "asked": "", "reason": "", "confirm_over": "",
                    "confirm_short_dated": "", "lot": "L1", "expiry": "2030-01-01", "expiry_pick": "", "serial": ""}
TARGETS = [
    Target("POST", "/lookup", {"code": "4901234567894"}, ("code", "scan_id")),
    Target("POST", "/receiving/open", {"code": "ZR-"}, ("code",)),
    Target("POST", "/receiving/blind", {"supplier": "x"}, ("supplier",)),
    Target("POST", "/receiving/{receipt}/scan", {"code": "4901234567894", "qty": "", "reason": ""},
           ("code", "qty", "reason", "scan_id", "stage", "{receipt}")),
    Target("POST", "/receiving/{receipt}/scan", {"code": "", **STAGED_RECEIVING}, tuple(STAGED_RECEIVING) + ("code",)),
    Target("POST", "/receiving/{receipt}/scan", {"code": "", "stage": "confirm", "confirm": "1", "product_id": "{tea}",
                                                 "units": "2", "asked": "over"},
           ("confirm", "product_id", "units", "asked", "held_lot", "held_expiry")),
    Target("POST", "/receiving/{receipt}/undo", {"confirm": "1", "entry_id": ""}, ("confirm", "entry_id", "scan_id")),
    Target("POST", "/receiving/{receipt}/close", {"seen": ""}, ("seen",)),
    Target("POST", "/putaway/scan", {"code": "4901234567894"}, ("code", "scan_id")),
    Target("POST", "/putaway/scan", {"code": "A-01-01-1", "stage": "location", "product_id": "{tea}", "lot_id": "",
                                     "suggested": "A-01-01-2", "qty": "1", "back": ""},
           ("code", "stage", "product_id", "lot_id", "suggested", "qty", "back", "waiting")),
    Target("POST", "/putaway/scan", {"code": "", "stage": "place", "product_id": "{milk}", "lot_id": "{milk_lot}",
                                     "shelf": "A-01-01-1", "suggested": "", "qty": "1", "confirm": "1"},
           ("product_id", "lot_id", "shelf", "qty", "confirm")),
    Target("POST", "/putaway/scan", {"code": "", "stage": "choose", "product_id": "{milk}", "lot_id": "{milk_lot}"},
           ("product_id", "lot_id")),
    Target("POST", "/login", {"login": "nobody", "password": "x"}, ("login", "password", "next")),
    Target("POST", "/login", {"code": "ZU-NOBODY", "pin": "0000"}, ("code", "pin", "next")),
    Target("POST", "/lang", {"lang": "en", "next": "/"}, ("lang", "next")),
    Target("POST", "/warehouse", {"warehouse_id": "1", "next": "/"}, ("warehouse_id", "next")),
    Target("POST", "/receipts/new", {"supplier": "伊藤園", "expected_date": "2030-01-01", "note": "", "product": "TEA-500",
                                     "quantity": "3", "lot": "", "expiry": ""},
           ("supplier", "expected_date", "note", "product", "quantity", "lot", "expiry", "more")),
    Target("POST", "/receipts/import", {}, (), upload="file"),
    Target("POST", "/admin/products/import", {}, (), upload="file"),
    Target("POST", "/admin/locations/import", {}, (), upload="file"),
    Target("POST", "/admin/locations/range", {"zones": "Q", "aisle_from": "1", "aisle_to": "1", "rack_from": "1",
                                              "rack_to": "1", "level_from": "1", "level_to": "1"},
           ("zones", "aisle_from", "aisle_to", "rack_from", "rack_to", "level_from", "level_to")),
    Target("POST", "/admin/locations/{shelf_id}/deactivate", {"confirm": "0", "next": "/admin/locations"},
           ("confirm", "next")),
    Target("GET", "/admin/products", {"q": "", "page": "1"}, ("q", "page")),
    Target("GET", "/admin/locations", {"zone": "", "q": "", "page": "1"}, ("zone", "q", "page")),
    Target("GET", "/labels/locations", {"zone": "", "from": "A-01-01-1", "to": "", "sheet": "", "start": ""},
           ("zone", "from", "to", "sheet", "start")),
    Target("GET", "/labels/products", {"skus": "TEA-500", "q": "", "copies": "1"}, ("skus", "q", "copies", "sheet")),
    Target("GET", "/labels/lot", {"product": "MILK-1", "lot": "L1", "copies": "1"}, ("product", "lot", "copies")),
    Target("GET", "/labels/totes", {"from": "1", "to": "2"}, ("from", "to", "sheet", "start")),
    Target("GET", "/labels/badges", {"login": "picker"}, ("login", "sheet")),
    Target("GET", "/labels/receipt/{receipt}", {"lot": "", "copies": "1"}, ("lot", "copies", "sheet", "{receipt}")),
]


TEA_JAN, MILK_JAN = h.JAN, h.MILK_JAN
ORDER_FORM = {"channel": "rakuten", "external_id": "FZ-NEW-1", "ship_to": "山田 花子", "ship_by": "", "priority": "0",
              "gift": "", "note": "", "product": "TEA-500", "quantity": "1"}
PICK = {"line": "{walking_line}", "at": "{walking_at}"}
MILK_PICK = {"line": "{milk_line}", "at": "{milk_at}"}
RETURN = {"order_id": "{shipped}"}
OUTBOUND = [
    # 受注 (the office): the list's filters, the new order form, the CSV import, one order, waves
    Target("GET", "/orders", {"status": "open", "channel": "", "page": "1"}, ("status", "channel", "page")),
    Target("GET", "/orders/{fresh}", {}, ("{fresh}",)),
    Target("GET", "/orders/waves", {}, ()),
    Target("GET", "/orders/import/sample", {}, ()),
    Target("POST", "/orders/new", ORDER_FORM, (*ORDER_FORM, "more"), follow=True),
    Target("POST", "/orders/import", {}, (), upload="file", follow=True),
    Target("POST", "/orders/allocate", {"next": "/orders"}, ("next",), follow=True),
    Target("POST", "/orders/{fresh}/allocate", {"next": ""}, ("next", "{fresh}"), follow=True),
    Target("POST", "/orders/{fresh}/lines/{fresh_milk_line}/shelf-life", {"reason": "賞味期限の短いもので可（お客様了承済み）"},
           ("reason", "{fresh}", "{fresh_milk_line}"), follow=True),
    Target("POST", "/orders/{cancellable}/cancel", {"reason": "お客様都合"}, ("reason", "{cancellable}"), follow=True),
    Target("POST", "/orders/waves", {"order": "{ready}", "picker": "", "next": "/orders"}, ("order", "picker", "next"),
           multi=("order",), follow=True),
    Target("POST", "/orders/waves/due", {"ship_by": "2000-01-01", "channel": "", "picker": ""},
           ("ship_by", "channel", "picker"), follow=True),
    # ピッキング: the next list, the tote, the shelf, the item (quantity, 「ここに足りない」), the lot, a short pick
    Target("GET", "/picking", {}, ()),
    Target("GET", "/picking/{walking_list}", {}, ("{walking_list}",)),
    Target("POST", "/picking/next", {}, ()),
    Target("POST", "/picking/{unbound_list}/scan", {"code": "ZT-0199"}, ("code", "stage", "version", "{unbound_list}")),
    Target("POST", "/picking/{walking_list}/scan", {"code": wo.TEA_SHELF, "stage": "shelf"},
           ("code", "stage", "version", "line", "at", "scan_id", "{walking_list}")),
    Target("POST", "/picking/{walking_list}/scan", {"code": TEA_JAN, "stage": "item", **PICK, "qty": "1", "short": ""},
           ("code", "stage", "version", "line", "at", "qty", "short")),
    Target("POST", "/picking/{walking_list}/scan", {"code": "", "stage": "short", **PICK, "confirm": ""},
           ("stage", "version", "line", "at", "confirm")),
    Target("POST", "/picking/{milk_list}/scan", {"code": MILK_JAN, "stage": "item", **MILK_PICK, "qty": ""},
           ("code", "qty", "line", "at")),
    Target("POST", "/picking/{milk_list}/scan", {"code": "", "stage": "lot", **MILK_PICK, "units": "1", "confirm": "1"},
           ("code", "stage", "version", "line", "at", "units", "confirm")),
    # 検品・梱包: the station, opening an order, units, the lot of several, a serial, missing units, the slip, the note
    Target("GET", "/packing", {}, ()),
    Target("GET", "/packing/{picked}", {}, ("{picked}",)),
    Target("POST", "/packing/station", {"station": ""}, ("station",)),
    Target("POST", "/packing/open", {"code": "ZT-0102"}, ("code", "scan_id")),
    Target("POST", "/packing/{picked}/scan", {"code": TEA_JAN, "stage": "item", "qty": ""},
           ("code", "stage", "qty", "part", "units", "lot_id", "missing", "{picked}")),
    Target("POST", "/packing/{picked}/scan", {"code": "M1", "stage": "lot", "part": "{picked_milk_part}",
                                               "lot_id": "{m1}", "units": "1"},
           ("code", "stage", "part", "lot_id", "units")),
    Target("POST", "/packing/{picked}/scan", {"code": "SN-1", "stage": "serial", "part": "{picked_tea_part}"},
           ("code", "part")),
    Target("POST", "/packing/{picked}/scan", {"code": "", "stage": "item", "missing": "{picked_tea_part}"},
           ("missing", "stage")),
    Target("POST", "/packing/{picked}/scan", {"code": "", "stage": "missing", "part": "{picked_tea_part}",
                                               "confirm": ""}, ("part", "confirm", "stage")),
    Target("POST", "/packing/{unslipped}/scan", {"code": wo.SLIP_FREE, "stage": "slip", "carrier": "yamato"},
           ("code", "carrier", "stage")),
    Target("GET", "/packing/{packed}/note", {"prices": "1", "lang": "en"}, ("prices", "lang", "{packed}")),
    # 出荷: a slip scanned, ticked boxes shipped, the shipment CSV
    Target("GET", "/shipping", {}, ()),
    Target("POST", "/shipping/scan", {"code": wo.SLIP_PACKED}, ("code", "scan_id")),
    Target("POST", "/shipping/confirm", {"order": "{packed}"}, ("order",), multi=("order",)),
    Target("GET", "/shipping/export", {"day": "", "encoding": "sjis"}, ("day", "encoding")),
    # 返品 and 戻し: the order, an item (a mismatch is recorded as a discrepancy, by design), the lot, the
    # condition, the shelf; a put-back's item, choice and shelf
    Target("GET", "/returns", {}, ()),
    Target("POST", "/returns/scan", {"code": "{shipped_code}", "stage": "order"}, ("code", "stage")),
    Target("POST", "/returns/scan", {"code": TEA_JAN, "stage": "item", **RETURN, "qty": ""},
           ("code", "stage", "order_id", "qty", "back"), may_write=frozenset({"discrepancy"})),
    Target("POST", "/returns/scan", {"code": "", "stage": "lot", **RETURN, "product_id": "{milk}", "units": "1",
                                     "lot_id": "{m2}"}, ("code", "order_id", "product_id", "units", "lot_id")),
    Target("POST", "/returns/scan", {"code": "", "stage": "condition", **RETURN, "product_id": "{tea}",
                                     "lot_id": "", "units": "1", "choice": "back"},
           ("order_id", "product_id", "lot_id", "units", "choice")),
    Target("POST", "/returns/scan", {"code": wo.TEA_SHELF, "stage": "shelf", **RETURN, "product_id": "{tea}",
                                     "lot_id": "", "units": "1", "suggested": wo.TEA_SHELF},
           ("code", "order_id", "product_id", "lot_id", "units", "suggested", "back")),
    Target("GET", "/returns/put-back", {}, ()),
    Target("POST", "/returns/put-back/scan", {"code": TEA_JAN, "stage": "item"}, ("code", "stage", "scan_id")),
    Target("POST", "/returns/put-back/scan", {"code": "", "stage": "choose", "task": "{task}"}, ("code", "task")),
    Target("POST", "/returns/put-back/scan", {"code": wo.TEA_SHELF, "stage": "shelf", "task": "{task}",
                                              "sku": "TEA-500", "suggested": "", "qty": ""},
           ("code", "task", "sku", "suggested", "qty", "back")),
    # 棚卸し: the next count, the shelf, units (blind), a lot, この棚は空 and 数え終わり with their confirmation
    Target("GET", "/counts", {}, ()),
    Target("GET", "/counts/{count_task}", {}, ("{count_task}",)),
    Target("POST", "/counts/next", {}, ()),
    Target("POST", "/counts/{count_task}/scan", {"code": wo.MILK_SHELF, "stage": "shelf"},
           ("code", "stage", "{count_task}")),
    Target("POST", "/counts/{count_task}/scan", {"code": TEA_JAN, "stage": "item", "qty": ""},
           ("code", "stage", "qty", "empty", "finish")),
    Target("POST", "/counts/{count_task}/scan", {"code": "M1", "stage": "lot", "product_id": "{milk}",
                                                 "lot_id": "{m1}", "units": "1"},
           ("code", "product_id", "lot_id", "units")),
    Target("POST", "/counts/{count_task}/scan", {"code": "", "stage": "finish", "confirm": ""},
           ("stage", "confirm")),
]
ALL_TARGETS = [target for target in TARGETS + OUTBOUND
               if re.search(os.environ.get("TANA_FUZZ_PATHS", ""), target.path)]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass
class World:
    inbound: h.Warehouse
    outbound: wo.Outbound

    def names(self) -> dict[str, object]:
        return {"receipt": self.inbound.receipt_id, "tea": self.inbound.tea_id, "milk": self.inbound.milk_id,
                "milk_lot": self.inbound.milk_lot_id, "shelf_id": self.inbound.shelf_id, **self.outbound.names()}


def build(session) -> World:
    """The world, built through the services once per database and laid down again for each test."""
    return once_per_database(session, "hostile-forms", _build)


def _build(session) -> World:
    inbound = h.build(session)
    return World(inbound, wo.build(session, inbound))


def filled(text: str, names: dict[str, object], path_values: dict[str, str] | None = None) -> str:
    """A target's own value with the world's ids put in (`{name}`); in a path, a fuzzed part as sent."""
    def one(match: re.Match) -> str:
        name = match.group(1)
        if path_values and name in path_values:
            return quote(path_values[name], safe="")
        return str(names[name]) if name in names else match.group(0)
    return PLACEHOLDER.sub(one, text)


def send(client, token: str, names: dict, target: Target, name: str | None, value, upload: bytes | None):
    form = {key: filled(text, names) for key, text in target.form.items()}
    path_values = {}
    if name is not None and name.startswith("{"):
        path_values[name.strip("{}")] = value
    elif name is not None:
        form[name] = value
    path = filled(target.path, names, path_values)
    if target.method == "GET":
        return client.get(path, query_string=form, headers={"HX-Request": "true"})
    data = {"csrf_token": token, "scan_id": h.next_scan_id(), **form}
    if name == "scan_id":
        data["scan_id"] = value
    if target.upload:
        data[target.upload] = (io.BytesIO(upload or b""), "fuzz.csv")
    return client.post(path, data=data, headers={"HX-Request": "true", "X-CSRFToken": token},
                       content_type="multipart/form-data" if target.upload else None)


def check(response, session, before, language: str, value: str, target: Target, client, *, allowed: bool = True,
          path_fuzzed: bool = False) -> dict:
    """Check the answer; what the watched tables hold now. A role the screen does not allow gets 403
    (400 for a NUL, refused before anything else; 404 for a path no screen has)."""
    status, body = response.status_code, response.get_data(as_text=True)
    assert status < 500, body[:500]
    if not allowed:
        assert status == 403 or (status == 400 and "\x00" in value) or (status == 404 and path_fuzzed), \
            f"a role this screen does not allow got {status}"
    for marker in NEVER_IN_A_PAGE:
        assert marker not in body, "sent text was run as markup or as a template"
    refused = 400 <= status < 500
    if refused:
        message = h.alert_text(body) if "json" not in response.content_type else response.json.get("message", "")
        assert message, f"{status} without a message: {body[:300]}"
        assert h.speaks(message, language, echo=value), f"not {language}: {message}"
    elif target.follow and status in (302, 303) and _local(response.headers.get("Location", "")):
        page = client.get(response.headers["Location"])
        shown = page.get_data(as_text=True)
        assert page.status_code < 500, shown[:500]
        for marker in NEVER_IN_A_PAGE:
            assert marker not in shown, "sent text was run as markup or as a template"
        message = h.alert_text(shown)
        refused = bool(message)
        assert not refused or h.speaks(message, language, echo=value), f"not {language}: {message}"
    after = wo.state(session)
    if refused:
        assert not wo.changed(before, after, target.may_write), \
            f"a refused request ({status}) wrote rows: {wo.changed(before, after, target.may_write)}"
    return after


def screen_allows(app, target: Target, names: dict, role: str) -> bool:
    """Whether `role` may use the screen of the target's view (a view without a screen is for anyone)."""
    endpoint, _args = app.url_map.bind("localhost").match(filled(target.path, names), method=target.method)
    screen = getattr(app.view_functions[endpoint], "screen", None)
    return screen is None or h.ROLES[role] in ALLOWED[screen]


def _local(location: str) -> bool:
    parts = urlsplit(location)
    return not parts.netloc and location.startswith("/") and not location.startswith("//")


ROLE_LANGUAGES = [("picker", "ja"), ("receiver", "en"), ("receiver", "ja"), ("supervisor", "en"), ("supervisor", "ja"),
                  ("admin", "en")]


def field_value(target: Target, name: str) -> st.SearchStrategy:
    if name in target.multi:
        return st.lists(hostile_text(), min_size=1, max_size=3)
    return hostile_text()


@pytest.mark.parametrize("role,language", ROLE_LANGUAGES)
def test_hostile_text_in_any_field_of_any_form_as_any_role(client, session, role, language):
    world = build(session)
    names = world.names()
    allowed = {id(target): screen_allows(client.application, target, names, role) for target in ALL_TARGETS}
    token = h.log_in_as(client, role, language)
    last = [wo.state(session)]  # what the previous example left (nothing else writes in between)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(data=st.data())
    def one_field_at_a_time(data):
        target = data.draw(st.sampled_from(ALL_TARGETS), label="target")
        name = data.draw(st.sampled_from(target.fuzzed), label="field") if target.fuzzed else None
        value = data.draw(field_value(target, name), label="value") if name else ""
        upload = data.draw(csv_file(), label="file") if target.upload else None
        response = send(client, token, names, target, name, value, upload)
        echo = (" ".join(value) if isinstance(value, list) else value) or (upload or b"").decode("utf-8", "replace")
        last[0] = check(response, session, last[0], language, echo, target, client, allowed=allowed[id(target)],
                        path_fuzzed=bool(name and name.startswith("{")))
        if name in ("lang",) or target.path == "/lang":
            client.post("/lang", data={"lang": language, "csrf_token": token})

    one_field_at_a_time()
