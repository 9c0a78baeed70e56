"""Every scan field, hidden field and office form of every workflow, as every role, posted with
hostile text one field at a time (hypothesis): never a server error, a refusal explained in the
person's language with nothing written, and nothing sent is ever run as markup or a template.

`TANA_FUZZ_EXAMPLES` sets the examples per test (30 by default, for `make test`; e.g. 600 for
a long run): `TANA_FUZZ_EXAMPLES=600 .venv/bin/python -m pytest tests/fuzz`.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import hostile as h
from tests.fuzz.strategies import EXAMPLES, NEVER_IN_A_PAGE, csv_file, hostile_text


@dataclass(frozen=True)
class Target:
    method: str
    path: str
    form: dict[str, str] = field(default_factory=dict)
    fuzzed: tuple[str, ...] = ()
    upload: str | None = None  # the name of a file field filled with a hostile CSV


STAGED_RECEIVING = {"stage": "details", "product_id": "{milk}", "units": "1", "held_lot": "", "held_expiry": "",
                    "held_serial": "", "missing": "lot,expiry", "asked": "", "reason": "", "confirm_over": "",
                    "confirm_short_dated": "", "lot": "L1", "expiry": "2030-01-01", "expiry_pick": "", "serial": ""}
TARGETS = [
    Target("POST", "/lookup", {"code": "4901234567894"}, ("code", "scan_id")),
    Target("POST", "/receiving/open", {"code": "ZR-"}, ("code",)),
    Target("POST", "/receiving/blind", {"supplier": "x"}, ("supplier",)),
    Target("POST", "/receiving/{receipt}/scan", {"code": "4901234567894", "qty": "", "reason": ""},
           ("code", "qty", "reason", "scan_id", "stage")),
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
    Target("GET", "/labels/receipt/{receipt}", {"lot": "", "copies": "1"}, ("lot", "copies", "sheet")),
]


def filled(text: str, world: h.Warehouse) -> str:
    return text.format(receipt=world.receipt_id, tea=world.tea_id, milk=world.milk_id, milk_lot=world.milk_lot_id,
                       shelf_id=world.shelf_id) if "{" in text and "}" in text and "{{" not in text else text


def send(client, token: str, world: h.Warehouse, target: Target, name: str | None, value, upload: bytes | None):
    form = {key: filled(text, world) for key, text in target.form.items()}
    if name is not None:
        form[name] = value
    path = filled(target.path, world)
    if target.method == "GET":
        return client.get(path, query_string=form, headers={"HX-Request": "true"})
    data = {"csrf_token": token, "scan_id": h.next_scan_id(), **form}
    if name == "scan_id":
        data["scan_id"] = value
    if target.upload:
        data[target.upload] = (io.BytesIO(upload or b""), "fuzz.csv")
    return client.post(path, data=data, headers={"HX-Request": "true", "X-CSRFToken": token},
                       content_type="multipart/form-data" if target.upload else None)


def check(response, session, before, language: str, value: str, world_counts) -> None:
    status, body = response.status_code, response.get_data(as_text=True)
    assert status < 500, body[:500]
    for marker in NEVER_IN_A_PAGE:
        assert marker not in body, "sent text was run as markup or as a template"
    if 400 <= status < 500:
        message = h.alert_text(body) if "json" not in response.content_type else response.json.get("message", "")
        assert message, f"{status} without a message: {body[:300]}"
        assert h.speaks(message, language, echo=value), f"not {language}: {message}"
        assert world_counts(session) == before, f"a refused request ({status}) wrote rows"


ROLE_LANGUAGES = [("picker", "ja"), ("receiver", "en"), ("receiver", "ja"), ("supervisor", "en"), ("supervisor", "ja"),
                  ("admin", "en")]


@pytest.mark.parametrize("role,language", ROLE_LANGUAGES)
def test_hostile_text_in_any_field_of_any_form_as_any_role(client, session, role, language):
    world = h.build(session)
    token = h.log_in_as(client, role, language)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(data=st.data())
    def one_field_at_a_time(data):
        target = data.draw(st.sampled_from(TARGETS), label="target")
        name = data.draw(st.sampled_from(target.fuzzed), label="field") if target.fuzzed else None
        value = data.draw(hostile_text(), label="value") if name else ""
        upload = data.draw(csv_file(), label="file") if target.upload else None
        before = h.counts(session)
        response = send(client, token, world, target, name, value, upload)
        echo = value or (upload or b"").decode("utf-8", "replace")
        check(response, session, before, language, echo, h.counts)
        if name in ("lang",) or target.path == "/lang":
            client.post("/lang", data={"lang": language, "csrf_token": token})

    one_field_at_a_time()
