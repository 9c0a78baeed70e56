"""Locations by range: codes, walking order, zones, the warehouse's format."""
from __future__ import annotations

import pytest

from app.masterdata.errors import CellError, RangeRefused
from app.masterdata.location_range import LocationRange, read_range, read_zones, shelves_in_walking_order
from app.stock.models import DEFAULT_LOCATION_PATTERN


def form(**overrides) -> dict[str, str]:
    values = {"zones": "A", "aisle_from": "1", "aisle_to": "2", "rack_from": "1", "rack_to": "3",
              "level_from": "1", "level_to": "2"}
    return {**values, **overrides}


def test_codes_are_zone_two_digit_aisle_and_rack_and_level():
    shelves = list(shelves_in_walking_order(LocationRange(("A",), (1, 1), (3, 3), (2, 2))))
    assert [(s.code, s.zone, s.aisle, s.rack, s.level) for s in shelves] == [("A-01-03-2", "A", "01", "03", "2")]


def test_walking_order_is_a_serpentine_racks_up_odd_aisles_and_down_even_ones():
    codes = [s.code for s in shelves_in_walking_order(LocationRange(("A",), (1, 2), (1, 3), (1, 2)))]
    assert codes == [
        "A-01-01-1", "A-01-01-2", "A-01-02-1", "A-01-02-2", "A-01-03-1", "A-01-03-2",
        "A-02-03-1", "A-02-03-2", "A-02-02-1", "A-02-02-2", "A-02-01-1", "A-02-01-2",
    ]


def test_a_range_split_in_two_is_walked_as_the_whole_range():
    whole = [s.code for s in shelves_in_walking_order(LocationRange(("A",), (1, 4), (1, 3), (1, 1)))]
    first = [s.code for s in shelves_in_walking_order(LocationRange(("A",), (1, 1), (1, 3), (1, 1)))]
    rest = [s.code for s in shelves_in_walking_order(LocationRange(("A",), (2, 4), (1, 3), (1, 1)))]
    assert first + rest == whole


def test_zones_a_to_c_times_12_aisles_10_racks_4_levels_are_1440_locations():
    location_range = read_range(form(zones="A-C", aisle_to="12", rack_to="10", level_to="4"), DEFAULT_LOCATION_PATTERN)
    shelves = list(shelves_in_walking_order(location_range))
    assert location_range.size == len(shelves) == 1440
    assert (shelves[0].code, shelves[-1].code) == ("A-01-01-1", "C-12-01-4")


@pytest.mark.parametrize("text, zones", [
    ("A", ("A",)), ("A-C", ("A", "B", "C")), ("a〜c", ("A", "B", "C")), ("A, B, F", ("A", "B", "F")),
    ("A-B F", ("A", "B", "F")), ("ＡＢ", ("AB",)),
])
def test_zones_are_typed_as_one_a_span_or_a_list(text, zones):
    assert read_zones(text) == zones


@pytest.mark.parametrize("zone", ["ZL", "ZT", "ZR", "ZO", "ZK", "ZC", "ZU"])
def test_zones_that_would_make_codes_look_like_our_labels_are_refused(zone):
    with pytest.raises(CellError) as refused:
        read_zones(zone)
    assert f"{zone}-" in str(refused.value.message)


def test_a_zone_z_alone_or_za_is_fine():
    assert read_zones("Z, ZA") == ("Z", "ZA")


def test_wrong_fields_are_all_reported():
    with pytest.raises(RangeRefused) as refused:
        read_range(form(zones="", aisle_from="x", rack_from="5", rack_to="2", level_to="0"), DEFAULT_LOCATION_PATTERN)
    assert set(refused.value.errors) == {"zones", "aisle_from", "rack_to", "level_to"}


def test_a_code_outside_the_warehouse_format_is_refused():
    with pytest.raises(RangeRefused) as refused:
        read_range(form(zones="ABC"), DEFAULT_LOCATION_PATTERN)
    assert "ABC-01-01-1" in str(refused.value.errors["zones"])


def test_a_huge_range_is_refused():
    with pytest.raises(RangeRefused) as refused:
        read_range(form(zones="A-Z", aisle_to="99", rack_to="99", level_to="9"), DEFAULT_LOCATION_PATTERN)
    assert "too many" in str(refused.value.errors["zones"])
