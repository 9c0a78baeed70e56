"""Photos of carriers' slips and the decoder's rules against misreads: NW-7 (Codabar) read with its
start and stop letters and checked by the carrier's rule, extended Code 39, small photos retried
tilted at full size, and a spot read two ways answered as unreadable."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from app.barcodes import decode as decode_module
from app.barcodes.decode import Decoded, DecodeResult, decode
from app.barcodes.tracking import Slip, SlipRefused, read_slip
from tests import photos
from tests.unit.barcodes.test_decode import BLANK_PAGE, FakeBarcode, page, zxing_reports

YAMATO = photos.mod7_tracking_number("41234567890")  # 412345678905
SAGAWA = photos.mod7_tracking_number("60007842032")  # 600078420325
MISREAD_YAMATO = YAMATO[:5] + "9" + YAMATO[6:]  # one digit wrong: the mod-7 check fails


def nw7(number: str, start: str = "A", stop: str | None = None) -> str:
    return photos.nw7_symbol(number, start, stop)


def slip_print(number: str, start: str = "A", **options) -> Image.Image:
    return photos.print_codabar(nw7(number, start), **options).image


# --- NW-7 slips ---------------------------------------------------------------------------


@pytest.mark.parametrize("start", "ABCD")
def test_reads_an_nw7_slip_with_its_start_and_stop_letters_as_a_scanner_sends_them(start):
    result = decode(page(slip_print(YAMATO, start)))

    assert result == DecodeResult((Decoded(nw7(YAMATO, start), "Codabar"),), "zxing-cpp", "upright")
    assert read_slip(result.codes[0].text, "yamato") == Slip("yamato", YAMATO)


def test_reads_nw7_printed_with_a_narrower_wide_bar():
    assert decode(page(slip_print(SAGAWA, "D", wide=2.5, module_px=3))).codes == (Decoded(nw7(SAGAWA, "D"), "Codabar"),)


@pytest.mark.parametrize(
    ("megapixels", "seed", "conditions"),
    [
        (12, 0, {"angle": 3}),
        (12, 1, {"angle": 93, "defocus": 0.3}),
        (12, 7, {"angle": 186, "keystone": 0.06}),
        (3, 2, {"angle": 178}),
        (3, 6, {"angle": 5, "shake": 0.5}),
        (1, 4, {"angle": 2}),
        (1, 5, {"angle": 268, "defocus": 0.2}),
    ],
    ids=["12MP", "12MP quarter turn, blurred", "12MP upside down in perspective", "3MP upside down", "3MP shaken",
         "1MP", "1MP three quarters turned, blurred"],
)
def test_reads_a_yamato_slip_from_a_phone_photo_and_its_check_digit_holds(megapixels, seed, conditions):
    photo = photos.phone_photo(
        "nw7", megapixels=megapixels, seed=seed, content=nw7(YAMATO, "ABCD"[seed % 4]), share_of_short_side=0.6,
        **conditions,
    )

    result = decode(photo.jpeg)

    assert result.codes == (Decoded(photo.specimen.content, "Codabar"),), photo.conditions
    assert read_slip(result.codes[0].text, "yamato").number == YAMATO


def test_a_slip_misprinted_with_a_wrong_check_digit_is_read_but_refused_by_the_carriers_rule():
    photo = photos.phone_photo(
        "nw7", megapixels=3, seed=2, content=nw7(MISREAD_YAMATO), share_of_short_side=0.6, angle=178
    )

    [code] = decode(photo.jpeg).codes

    assert code == Decoded(nw7(MISREAD_YAMATO), "Codabar")  # the decoder does not know the carrier
    with pytest.raises(SlipRefused) as refused:
        read_slip(code.text, "yamato")
    assert refused.value.reason == "check_digit"
    assert read_slip(code.text, "seino").number == MISREAD_YAMATO  # a carrier without a check digit takes it


def test_zbar_alone_reads_nw7_with_its_start_and_stop_letters_too(monkeypatch):
    monkeypatch.setattr(zxingcpp, "read_barcodes", lambda image, **options: [])

    assert decode(page(slip_print(YAMATO, "C"))) == DecodeResult(
        (Decoded(nw7(YAMATO, "C"), "Codabar"),), "zbar", "half size"
    )


def test_a_short_nw7_is_not_believed_even_printed_clean():
    assert decode(page(photos.print_codabar("A12345B").image)).codes == ()


@pytest.mark.parametrize(
    ("text", "believed"),
    [
        (nw7(YAMATO), True),
        ("A123456B", True),
        ("A12345B", False),
        ("A1B", False),
        (YAMATO, False),
        ("A" + YAMATO, False),
        ("A12-34$56:7/8.9+0D", True),
        ("A1234X5678B", False),
    ],
    ids=["slip", "six characters", "five characters", "one character", "no start or stop", "no stop",
         "every NW-7 character", "not an NW-7 character"],
)
def test_believes_nw7_only_framed_by_start_and_stop_letters_around_six_characters_or_more(monkeypatch, text, believed):
    zxing_reports(monkeypatch, [FakeBarcode(text, "Codabar", (100, 100, 700, 300))])

    assert decode(BLANK_PAGE).codes == ((Decoded(text, "Codabar"),) if believed else ())


def test_keeps_a_slip_and_the_order_label_beside_it():
    label = page(slip_print(YAMATO), photos.print_code("code128", "ZO-RKT-123456").image)

    assert set(decode(label).codes) == {Decoded(nw7(YAMATO), "Codabar"), Decoded("ZO-RKT-123456", "Code128")}


def test_keeps_two_different_slips_on_one_photo():
    label = page(slip_print(YAMATO), slip_print(SAGAWA, "D"), gap=40)

    assert set(decode(label).codes) == {Decoded(nw7(YAMATO), "Codabar"), Decoded(nw7(SAGAWA, "D"), "Codabar")}


# --- small photos tilted at full size -------------------------------------------------------


SMALL_SLIP = photos.mod7_tracking_number("41000007919")


def small_tilted_slip() -> photos.Photo:
    return photos.phone_photo(
        "nw7", megapixels=1, seed=1, content=nw7(SMALL_SLIP), angle=13, defocus=0.1, shake=0.0,
        share_of_short_side=0.53,
    )


def test_a_small_photo_of_a_slip_at_13_degrees_is_read_tilted_at_its_full_size():
    photo = small_tilted_slip()

    result = decode(photo.jpeg)

    assert result.codes == (Decoded(nw7(SMALL_SLIP), "Codabar"),)
    assert result.attempt.startswith("tilted")


def test_the_same_photo_tilted_at_half_size_reads_nothing():
    gray = Image.open(io.BytesIO(small_tilted_slip().jpeg)).convert("L")
    assert max(gray.size) < decode_module.WORKING_LONG_SIDE  # a small photo: decoded at its own size

    for angle in (decode_module.TILT_DEGREES, -decode_module.TILT_DEGREES):
        tilted = gray.reduce(2).rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
        assert zxingcpp.read_barcodes(tilted, text_mode=zxingcpp.TextMode.Plain) == []


def test_an_ean_misprinted_with_a_wrong_check_digit_stays_unread_when_tilted_at_full_size():
    """zxing-cpp's own downscaled pass over the turned crisp print reads 4901234567290, whose check
    digit holds: a full-size tilt reads at full size only."""
    data = photos.clean_png("ean13", "4901234567890")
    assert max(Image.open(io.BytesIO(data)).size) < decode_module.WORKING_LONG_SIDE

    assert decode(data).codes == ()


# --- a spot read two ways is not a read -----------------------------------------------------


def test_two_readers_reading_one_slip_differently_is_not_a_read(monkeypatch):
    """zxing-cpp (faked here) misreads one digit of the slip; ZBar, looking at the same spot for a
    second opinion, reads it right. Nothing tells which is right: the photo is not read."""
    label = page(slip_print(YAMATO))
    [real] = zxingcpp.read_barcodes(Image.open(io.BytesIO(label)), text_mode=zxingcpp.TextMode.Plain)
    position = real.position
    box = (position.top_left.x, position.top_left.y, position.bottom_right.x, position.bottom_right.y)
    monkeypatch.setattr(
        zxingcpp, "read_barcodes", lambda image, **options: [FakeBarcode(nw7(MISREAD_YAMATO), "Codabar", box)]
    )

    assert decode(label) == DecodeResult()


def test_the_second_opinion_agreeing_keeps_the_read(monkeypatch):
    label = page(slip_print(YAMATO))
    [real] = zxingcpp.read_barcodes(Image.open(io.BytesIO(label)), text_mode=zxingcpp.TextMode.Plain)
    position = real.position
    box = (position.top_left.x, position.top_left.y, position.bottom_right.x, position.bottom_right.y)
    monkeypatch.setattr(zxingcpp, "read_barcodes", lambda image, **options: [FakeBarcode(nw7(YAMATO), "Codabar", box)])

    assert decode(label).codes == (Decoded(nw7(YAMATO), "Codabar"),)


def zxing_reading(monkeypatch, by_binarizer: dict) -> None:
    """zxing-cpp 'reads' what `by_binarizer` lists for the binarizer it is asked to use, covering the
    whole image it is given (a page or the surroundings of a code); ZBar is out of the way."""

    def read_barcodes(image, *, binarizer=zxingcpp.Binarizer.LocalAverage, **options):
        return [FakeBarcode(text, symbology, (0, 0, image.width, image.height)) for text, symbology in
                by_binarizer.get(binarizer, [])]

    monkeypatch.setattr(zxingcpp, "read_barcodes", read_barcodes)
    monkeypatch.setattr(decode_module, "_zbar", None)


def test_two_attempts_reading_one_code_differently_is_not_a_read(monkeypatch):
    """The first attempt reads one text; the second look, with zxing-cpp's other binarizer, reads
    another there: before, the first believable read won."""
    zxing_reading(monkeypatch, {
        zxingcpp.Binarizer.LocalAverage: [("ZL-A-01-03-2", "Code128")],
        zxingcpp.Binarizer.GlobalHistogram: [("ZL-A-01-08-2", "Code128")],
    })

    assert decode(BLANK_PAGE) == DecodeResult()


def test_a_spot_read_two_ways_is_not_left_to_a_later_attempt_to_pick_one(monkeypatch):
    """Upright, two equally good reads of one spot drop each other; a later attempt reading only one
    of them (the global histogram binarizer here) must not make it the answer."""
    zxing_reading(monkeypatch, {
        zxingcpp.Binarizer.LocalAverage: [("ZL-A-01-03-2", "Code128"), ("ZL-A-01-08-2", "Code128")],
        zxingcpp.Binarizer.GlobalHistogram: [("ZL-A-01-08-2", "Code128")],
    })

    assert decode(BLANK_PAGE) == DecodeResult()


def test_a_second_look_reading_the_same_code_keeps_it(monkeypatch):
    zxing_reading(monkeypatch, {
        zxingcpp.Binarizer.LocalAverage: [("ZL-A-01-03-2", "Code128")],
        zxingcpp.Binarizer.GlobalHistogram: [("ZL-A-01-03-2", "Code128")],
    })

    assert decode(BLANK_PAGE).codes == (Decoded("ZL-A-01-03-2", "Code128"),)


def test_a_jan_whose_half_zbar_reads_as_a_upc_e_on_a_half_size_copy_is_not_misread():
    """ZBar, on the half-size copy of this blurred 1 MP photo, reads the JAN's left half as UPC-E
    0018498000082 (valid check digit); nothing else reads anything there. A UPC-E only ZBar reads
    needs zxing-cpp to read it too."""
    photo = photos.phone_photo(
        "ean13", megapixels=1, seed=800309, share_of_short_side=0.375110108853402, defocus=0.246497557454238,
        noise=8.274898092253629,
    )
    assert photo.specimen.expected_text == "4584989232479"
    gray = Image.open(io.BytesIO(photo.jpeg)).convert("L")
    assert [read.code for read in decode_module._read_with_zbar(gray.reduce(2))] == [
        Decoded("0018498000082", "UPCE")
    ]

    assert photos.verdict(photo, decode(photo.jpeg).codes) != "wrong"


# --- extended Code 39 -----------------------------------------------------------------------

FULL_ASCII = "Z+L-+A-01"  # Code 39 characters for "Zl-a-01": +L is l, +A is a


def test_reads_extended_code39_as_full_ascii():
    assert decode(photos.clean_png("code39", FULL_ASCII)).codes == (Decoded("Zl-a-01", "Code39"),)


def test_reads_extended_code39_from_a_phone_photo():
    photo = photos.phone_photo("code39", megapixels=12, seed=1, content=FULL_ASCII, share_of_short_side=0.5)

    assert decode(photo.jpeg).codes == (Decoded("Zl-a-01", "Code39"),)


def test_zbar_alone_reads_extended_code39_as_zxing_cpp_does(monkeypatch):
    monkeypatch.setattr(zxingcpp, "read_barcodes", lambda image, **options: [])

    assert decode(photos.clean_png("code39", "+H+I/A%F")).codes == (Decoded("hi!;", "Code39"),)


@pytest.mark.parametrize(
    "text", ["ABC-123", "12/3A", "A+", "PRICE $5"], ids=["plain", "slash digit", "plus at the end", "dollar space"]
)
def test_code39_that_is_not_valid_full_ascii_stays_as_printed(text):
    assert decode(photos.clean_png("code39", text)).codes == (Decoded(text, "Code39"),)


def test_a_second_opinion_that_cannot_tell_the_gs1_identifier_agrees_with_the_read(monkeypatch):
    """An older libzbar reports no GS1 modifier: its GS1-128 lacks `]C1`; it is the same code."""
    monkeypatch.setattr(decode_module, "_zbar_symbol_get_modifiers", None)
    lot_and_expiry = "(01)04901234567894(10)LOT42(17)271231"

    assert decode(photos.clean_png("gs1_128", lot_and_expiry)).codes == (
        Decoded("]C1" + "010490123456789410LOT42\x1d17271231", "Code128"),
    )
