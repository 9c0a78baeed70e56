"""Expiry dates as people type them."""
from datetime import date

import pytest

from app.floor.fields import parse_expiry


@pytest.mark.parametrize("typed, expected", [
    ("2027/03/31", date(2027, 3, 31)),
    ("2027-03-31", date(2027, 3, 31)),
    ("20270331", date(2027, 3, 31)),
    ("270331", date(2027, 3, 31)),
    ("270200", date(2027, 2, 28)),
    ("２０２７／０３／３１", date(2027, 3, 31)),
    ("2027年3月31日", date(2027, 3, 31)),
    (" 2027/3/1 ", date(2027, 3, 1)),
])
def test_accepts_the_ways_the_floor_types_a_date(typed, expected):
    assert parse_expiry(typed) == expected


@pytest.mark.parametrize("typed", ["", "abc", "2027/02/30", "31/03/2027", "271332", "2027/13/01"])
def test_refuses_what_is_not_a_date(typed):
    assert parse_expiry(typed) is None
