"""Whatever is typed, scanned or pasted, resolve answers exactly one frozen thing and never raises."""
import dataclasses

from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.barcodes.normalize import MAX_SCAN_LENGTH
from app.barcodes.reasons import Reason
from app.barcodes.resolve import resolve_with
from app.barcodes.results import RESULT_TYPES, Gs1Hit, Unresolved
from app.stock.models import DEFAULT_LOCATION_PATTERN
from tests.unit.barcodes.fake_catalog import CASE_GTIN, JAN, small_warehouse

GS = "\x1d"

# Pieces scanners, cameras and people produce, so random text often looks almost right.
PIECES = [
    "ZL-", "ZU-", "ZT-", "ZR-", "ZO-", "ZK-", "ZC-", "zl-", "ＺＬ－", "A-01-03-2", "B-09-09-9",
    "]C1", "]d2", "]Q3", "]e0", "]C0", "]E0", "]E3", "]", GS, "<GS>", "␝",
    "(01)", "(17)", "(10)", "(00)", "01", "02", "00", "10", "17", "21", "30", "37", "11", "15",
    JAN, CASE_GTIN, "0" + JAN, "04901234567893", "271231", "270200", "LOT42", "D9T",
    "349012345000000014", "\r", "\n", "\t", " ", "\u3000", "ー", "－", "１", "Ａ", "（", "）",
    "\x00", "\x07", "\x7f", "\u200b", "\ufeff", "\ud800", "SKU-TEA", "20000001",
]
any_character = st.one_of(st.characters(), st.characters(categories=["Cc", "Cf", "Cs", "Co", "Zs"]))
scan_like = st.lists(st.one_of(st.sampled_from(PIECES), st.text(any_character, max_size=4)), max_size=12).map("".join)
any_text = st.one_of(
    st.text(any_character, max_size=60),
    scan_like,
    st.text(any_character, min_size=MAX_SCAN_LENGTH - 5, max_size=MAX_SCAN_LENGTH * 5),
)
any_pattern = st.one_of(st.just(DEFAULT_LOCATION_PATTERN), st.just(r"^\d{8}$"), st.text(max_size=10))


def assert_one_frozen_result(result) -> None:
    assert sum(isinstance(result, kind) for kind in RESULT_TYPES) == 1
    assert dataclasses.is_dataclass(result) and type(result).__dataclass_params__.frozen
    hash(result)
    if isinstance(result, Unresolved):
        assert result.reason in set(Reason)
        assert isinstance(result.message(), str) and result.message()


@settings(max_examples=1500, deadline=None)
@given(text=any_text, pattern=any_pattern)
@example(text="ＺＬ－Ａ－０１－０３－２\r\n", pattern=DEFAULT_LOCATION_PATTERN)
@example(text="]C1" + GS * 3, pattern=DEFAULT_LOCATION_PATTERN)
@example(text="(01)" * 60, pattern=DEFAULT_LOCATION_PATTERN)
@example(text="]C110" + "(" * 30, pattern=DEFAULT_LOCATION_PATTERN)
@example(text="ﷺ" * 30, pattern=DEFAULT_LOCATION_PATTERN)
@example(text="]", pattern=DEFAULT_LOCATION_PATTERN)
def test_resolve_never_raises_and_answers_exactly_one_frozen_thing(text, pattern):
    assert_one_frozen_result(resolve_with(text, small_warehouse(), pattern))


@settings(max_examples=300, deadline=None)
@given(text=any_text)
def test_resolve_answers_the_same_thing_twice(text):
    first = resolve_with(text, small_warehouse(), DEFAULT_LOCATION_PATTERN)
    assert resolve_with(text, small_warehouse(), DEFAULT_LOCATION_PATTERN) == first


@settings(max_examples=300, deadline=None)
@given(lot=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7A), min_size=1, max_size=20))
def test_a_gs1_label_either_gives_its_lot_back_or_refuses_it(lot):
    result = resolve_with(f"]C101{CASE_GTIN}17271231" + "10" + lot, small_warehouse(), DEFAULT_LOCATION_PATTERN)
    if isinstance(result, Gs1Hit):
        assert result.lot == lot
        assert result.product is not None
    else:
        assert result.reason in {Reason.MALFORMED_GS1, Reason.AMBIGUOUS_GS1}


@settings(max_examples=200, deadline=None)
@given(padding=st.sampled_from(["", "\r", "\n", "\r\n", "\t", " ", "\u3000"]), full_width=st.booleans())
def test_a_jan_reads_the_same_whatever_the_keyboard_adds(padding, full_width):
    jan = JAN.translate(str.maketrans("0123456789", "０１２３４５６７８９")) if full_width else JAN
    assert resolve_with(padding + jan + padding, small_warehouse(), DEFAULT_LOCATION_PATTERN).product_id == 10
