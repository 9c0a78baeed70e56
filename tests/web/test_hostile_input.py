"""Malformed and hostile input answers a clear 4xx in the person's language and writes nothing
(issue 14, item 4), on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from tests import hostile as h

HUGE = "9" * 10240
# (role, path, form, status): RID is the planned receipt, TEA and MILK the products' ids.
REFUSED = [
    ("receiver", "/lookup", {"code": "49012\x0034567894"}, 400),
    ("receiver", "/receiving/open", {"code": "ZR-\x00"}, 400),
    ("receiver", "/putaway/scan", {"code": "\x00"}, 400),
    ("picker", "/lookup", {"code": "4901234567894", "scan_id": "a\x00bcdefghij"}, 400),
    ("receiver", "/receiving/RID/scan", {"code": h.JAN, "qty": HUGE}, 422),
    ("receiver", "/receiving/RID/scan", {"code": h.JAN, "qty": "²³"}, 422),
    ("receiver", "/receiving/RID/scan", {"code": h.JAN, "qty": "٣"}, 422),
    ("receiver", "/putaway/scan", {"code": "A-01-01-1", "stage": "location", "product_id": "TEA", "qty": HUGE}, 422),
    ("receiver", "/putaway/scan", {"code": "A-01-01-1", "stage": "location", "product_id": "TEA", "qty": "²³"}, 422),
    ("receiver", "/putaway/scan", {"code": "A-01-01-1", "stage": "location", "product_id": "T", "lot_id": ""}, 422),
    ("receiver", "/putaway/scan", {"code": "A-01-01-1", "stage": "location", "product_id": "\x00", "lot_id": "\x00"}, 400),
    ("receiver", "/putaway/scan", {"code": "A-01-01-1", "stage": "location", "product_id": "99999"}, 422),
    ("receiver", "/putaway/scan", {"code": "A-01-01-1", "stage": "location", "product_id": "TEA", "waiting": "\x00"}, 400),
    ("receiver", "/putaway/scan", {"code": "", "stage": "choose", "product_id": "99999999999999999999", "lot_id": "x"}, 422),
    ("receiver", "/putaway/scan", {"code": "", "stage": "place", "product_id": "99999", "lot_id": "-1", "confirm": "0"}, 422),
    ("receiver", "/receiving/RID/scan", {"code": "", "stage": "confirm", "confirm": "1", "product_id": "99999",
                                         "units": "1", "asked": "over"}, 422),
    ("receiver", "/receiving/RID/scan", {"code": "", "stage": "confirm", "confirm": "1", "product_id": "999999999999999999",
                                         "units": "1", "asked": "over"}, 422),
    ("receiver", "/receiving/RID/scan", {"code": "", "stage": "confirm", "confirm": "1", "product_id": "MILK",
                                         "units": "99999999999", "held_lot": "L9", "held_expiry": "2030-01-01"}, 422),
    ("receiver", "/receiving/RID/scan", {"code": "L9", "stage": "details", "product_id": "MILK", "units": "1",
                                         "expiry": "2026-02-30", "missing": "lot,expiry"}, 422),
    ("receiver", "/receiving/RID/scan", {"code": "L" * 300, "stage": "details", "product_id": "MILK", "units": "1",
                                         "expiry": "2030-01-01", "missing": "lot,expiry"}, 422),
    ("receiver", "/receiving/RID/scan", {"code": "", "stage": "confirm", "confirm": "1", "product_id": "MILK", "units": "1",
                                         "held_lot": "L" * 300, "held_expiry": "2030-01-01", "asked": "over"}, 422),
    ("admin", "/login", {"login": "ad\x00min", "password": "x"}, 400),
    ("supervisor", "/receipts/new", {"supplier": "x", "expected_date": "2026-12-01", "product": "TEA-500",
                                     "quantity": HUGE}, 422),
    ("supervisor", "/admin/locations/range", {"zones": "A", "aisle_from": HUGE, "aisle_to": "1"}, 422),
]


def filled(world: h.Warehouse, text: str) -> str:
    return (text.replace("RID", str(world.receipt_id)).replace("TEA", str(world.tea_id))
            .replace("MILK", str(world.milk_id))) if text not in ("TEA-500",) else text


@pytest.fixture
def world(client, session):
    return h.build(session)


@pytest.mark.parametrize("role,path,form,status,language",
                         [(*case, ("en", "ja")[n % 2]) for n, case in enumerate(REFUSED)])
def test_hostile_input_is_refused_in_the_persons_language_and_nothing_is_written(
        client, session, world, role, path, form, status, language):
    token = h.log_in_as(client, role, language) if role != "admin" or path != "/login" else None
    before = h.counts(session)
    if token is None:  # the login itself
        client.post("/lang", data={"lang": language, "csrf_token": h.csrf_token(client)})
        token = h.csrf_token(client)
    response = h.post(client, token, filled(world, path), {k: filled(world, v) for k, v in form.items()})
    message = h.alert_text(response.get_data(as_text=True))
    assert response.status_code == status, message
    assert message and h.speaks(message, language), message
    assert h.counts(session) == before


@pytest.mark.parametrize("scan_id", ["-1", "", "\u202e1234567890", "x" * 200, "a" * 64 + "\n", "0" * 7])
def test_an_unusable_scan_id_sent_twice_is_answered_each_time_without_a_server_error(client, session, world, scan_id):
    token = h.log_in_as(client, "receiver")
    for path in (f"/receiving/{world.receipt_id}/scan", "/putaway/scan"):
        for _ in range(2):
            code = h.JAN if "receiving" in path else "A-01-01-9"
            response = h.post(client, token, path, {"code": code, "scan_id": scan_id})
            assert response.status_code in (200, 422), response.get_data(as_text=True)[:300]
    for _ in range(2):
        response = h.post(client, token, f"/receiving/{world.receipt_id}/undo", {"confirm": "1", "scan_id": scan_id})
        assert response.status_code in (200, 422)


def test_a_ten_kilobyte_suggestion_is_ignored_not_written_into_the_posting_note(client, session, world):
    token = h.log_in_as(client, "receiver")
    form = {"code": "A-01-01-2", "stage": "location", "product_id": str(world.tea_id), "qty": "1",
            "suggested": "X" * 10240}
    response = h.post(client, token, "/putaway/scan", form)
    assert response.status_code == 200 and 'data-result="ok"' in response.get_data(as_text=True)
    session.rollback()
    notes = session.scalars(h.select(h.Posting.note).where(h.Posting.note.is_not(None))).all()
    assert all(len(note) <= 500 for note in notes)


@pytest.mark.parametrize("method,path", [("GET", "/orders/18446744073709551616"), ("GET", "/picking/9223372036854775808"),
                                         ("POST", "/counts/18446744073709551616/scan"), ("GET", "/receiving/2147483648"),
                                         ("POST", "/packing/99999999999999999999/scan")])
def test_an_id_in_the_path_past_the_databases_integers_is_not_found_in_words(client, session, world, method, path):
    """SQLite cannot even be asked about a number past 64 bits (a server error before): 404, said in words."""
    token = h.log_in_as(client, "admin", "ja")
    before = h.counts(session)
    response = client.get(path) if method == "GET" else h.post(client, token, path, {"code": h.JAN})
    message = h.alert_text(response.get_data(as_text=True))
    assert response.status_code == 404 and h.speaks(message, "ja"), message
    assert h.counts(session) == before
