"""Reading barcodes from photos: app.barcodes.decode."""

from __future__ import annotations

import io
import statistics
import struct
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from app.barcodes import decode as decode_module
from app.barcodes.decode import Decoded, DecodeResult, ImageRefused, decode, decoder_status
from tests import photos

GS = "\x1d"
LOT_AND_EXPIRY = "(01)04901234567894(10)LOT42(17)271231"
LOT_AND_EXPIRY_AS_SCANNED = "010490123456789410LOT42" + GS + "17271231"

CLEAN_LABELS = {
    "ean13": ("4901234567894", Decoded("4901234567894", "EAN13")),
    "ean8": ("49012347", Decoded("49012347", "EAN8")),
    "upca": ("036000291452", Decoded("0036000291452", "EAN13")),
    "upce": ("01234565", Decoded("0012345000065", "UPCE")),
    "code128": ("ZL-A-01-03-2", Decoded("ZL-A-01-03-2", "Code128")),
    "gs1_128": (LOT_AND_EXPIRY, Decoded("]C1" + LOT_AND_EXPIRY_AS_SCANNED, "Code128")),
    "code39": ("ABC-123", Decoded("ABC-123", "Code39")),
    "itf14": ("14901234567891", Decoded("14901234567891", "ITF")),
    "qr": ("棚番 ZL-A-01-03-2 入荷", Decoded("棚番 ZL-A-01-03-2 入荷", "QRCode")),
    "datamatrix": ("ZT-0042", Decoded("ZT-0042", "DataMatrix")),
    "gs1_datamatrix": (LOT_AND_EXPIRY, Decoded("]d2" + LOT_AND_EXPIRY_AS_SCANNED, "DataMatrix")),
    "nw7": ("A312345678901A", Decoded("A312345678901A", "Codabar")),  # a Yamato slip: 31234567890 mod 7 = 1
}


def page(*prints: Image.Image, gap: int = 60) -> bytes:
    """PNG of several prints stacked on one white page."""
    width = max(image.width for image in prints) + 2 * gap
    height = sum(image.height for image in prints) + gap * (len(prints) + 1)
    sheet = Image.new("L", (width, height), 255)
    top = gap
    for image in prints:
        sheet.paste(image, (gap, top))
        top += image.height + gap
    return image_bytes(sheet, "PNG")


def image_bytes(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header promises width x height pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def refusal_reason(data: bytes, **limits) -> str:
    with pytest.raises(ImageRefused) as refused:
        decode(data, **limits)
    return refused.value.reason


# --- every symbology --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", photos.KINDS)
def test_reads_each_symbology_from_a_clean_label(kind):
    content, expected = CLEAN_LABELS[kind]

    result = decode(photos.clean_png(kind, content))

    assert result.codes == (expected,)
    assert result.engine == "zxing-cpp"


@pytest.mark.parametrize("kind", photos.KINDS)
@pytest.mark.parametrize("seed", range(3))
def test_reads_each_symbology_from_a_deliberate_12_megapixel_phone_photo(kind, seed):
    share = 0.25 if kind in photos.MATRIX_KINDS else 0.5
    photo = photos.phone_photo(kind, megapixels=12, seed=seed, share_of_short_side=share)

    result = decode(photo.jpeg)

    assert photos.verdict(photo, result.codes) == "read", photo.conditions


def test_reads_gs1_128_with_lot_and_expiry_with_its_symbology_identifier():
    photo = photos.phone_photo("gs1_128", megapixels=12, seed=11, content=LOT_AND_EXPIRY, share_of_short_side=0.6)

    assert decode(photo.jpeg).codes == (Decoded("]C1" + LOT_AND_EXPIRY_AS_SCANNED, "Code128"),)


def test_reads_gs1_datamatrix_with_lot_and_expiry():
    photo = photos.phone_photo(
        "gs1_datamatrix", megapixels=12, seed=11, content=LOT_AND_EXPIRY, share_of_short_side=0.2
    )

    assert decode(photo.jpeg).codes == (Decoded("]d2" + LOT_AND_EXPIRY_AS_SCANNED, "DataMatrix"),)


def test_plain_code128_and_datamatrix_carry_no_symbology_identifier():
    result = decode(
        page(photos.print_code("code128", "ZL-A-01-03-2").image, photos.print_code("datamatrix", "ZT-0042").image)
    )

    assert set(result.codes) == {Decoded("ZL-A-01-03-2", "Code128"), Decoded("ZT-0042", "DataMatrix")}


def test_keeps_the_gs1_identifier_when_only_zbar_reads_the_code(monkeypatch):
    monkeypatch.setattr(zxingcpp, "read_barcodes", lambda image, **options: [])

    result = decode(photos.clean_png("gs1_128", LOT_AND_EXPIRY))

    assert result == DecodeResult((Decoded("]C1" + LOT_AND_EXPIRY_AS_SCANNED, "Code128"),), "zbar", "half size")


def test_reports_every_code_on_a_logistics_label_with_stacked_gs1_128():
    sscc = "(00)349123451234567892"
    label = page(photos.print_code("gs1_128", sscc).image, photos.print_code("gs1_128", LOT_AND_EXPIRY).image, gap=30)

    assert set(decode(label).codes) == {
        Decoded("]C1" + "00349123451234567892", "Code128"),
        Decoded("]C1" + LOT_AND_EXPIRY_AS_SCANNED, "Code128"),
    }


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"])
def test_reads_every_accepted_image_format(image_format):
    label = Image.open(io.BytesIO(photos.clean_png("ean13", "4901234567894"))).convert("RGB")

    assert decode(image_bytes(label, image_format)).codes == (Decoded("4901234567894", "EAN13"),)


def test_reads_a_multi_picture_jpeg_as_some_phones_save_them():
    photo = Image.open(io.BytesIO(photos.phone_photo("ean13", megapixels=12, seed=3, share_of_short_side=0.5).jpeg))
    depth_map = Image.new("RGB", (640, 480), "gray")
    data = image_bytes(photo, "MPO", save_all=True, append_images=[depth_map])

    assert Image.open(io.BytesIO(data)).format == "MPO"
    assert len(decode(data).codes) == 1


def test_reads_a_code_on_a_transparent_png():
    bars = Image.open(io.BytesIO(photos.clean_png("code128", "ZT-0042"))).convert("L")
    transparent = Image.new("RGBA", bars.size, (0, 0, 0, 0))
    transparent.putalpha(bars.point(lambda value: 255 - value))

    assert decode(image_bytes(transparent, "PNG")).codes == (Decoded("ZT-0042", "Code128"),)


def test_a_12_megapixel_photo_costs_well_under_half_a_second():
    photo = photos.phone_photo("gs1_128", megapixels=12, seed=4)
    durations = []
    for _ in range(3):
        started = time.perf_counter()
        decode(photo.jpeg)
        durations.append(time.perf_counter() - started)

    assert statistics.median(durations) < 0.5


# --- believing what was read ----------------------------------------------------------------


@dataclass
class FakeBarcode:
    """What zxing-cpp reports, as far as decode() looks at it."""

    text: str
    format_name: str
    box: tuple[int, int, int, int]
    content_type: zxingcpp.ContentType = zxingcpp.ContentType.Text

    @property
    def format(self):
        return SimpleNamespace(name=self.format_name)

    @property
    def position(self):
        left, top, right, bottom = self.box
        return SimpleNamespace(
            top_left=SimpleNamespace(x=left, y=top),
            top_right=SimpleNamespace(x=right, y=top),
            bottom_right=SimpleNamespace(x=right, y=bottom),
            bottom_left=SimpleNamespace(x=left, y=bottom),
        )


BLANK_PAGE = image_bytes(Image.new("L", (800, 600), 255), "PNG")


def zxing_reports(monkeypatch, on_page: list[FakeBarcode], on_second_look: list[FakeBarcode] = ()) -> None:
    """zxing-cpp 'finds' `on_page` whenever it looks for every symbology, and `on_second_look`
    when it looks again for EAN/UPC only (around a code it read); ZBar is out of the way."""

    def read_barcodes(image, *, formats, **options):
        looks_for_everything = zxingcpp.BarcodeFormat.QRCode in formats
        return list(on_page) if looks_for_everything else list(on_second_look)

    monkeypatch.setattr(zxingcpp, "read_barcodes", read_barcodes)
    monkeypatch.setattr(decode_module, "_zbar", None)


def test_drops_an_ean13_printed_with_a_wrong_check_digit():
    assert decode(photos.clean_png("ean13", "4901234567890")).codes == ()


def test_drops_a_misread_whose_check_digit_is_wrong(monkeypatch):
    zxing_reports(monkeypatch, [FakeBarcode("4901234567890", "EAN13", (100, 100, 700, 400))])

    assert decode(BLANK_PAGE).codes == ()


def test_drops_an_ean_that_a_second_look_reads_differently(monkeypatch):
    misread = FakeBarcode("4900000000003", "EAN13", (100, 100, 700, 400))
    zxing_reports(monkeypatch, [misread], on_second_look=[FakeBarcode("4901234567894", "EAN13", (20, 20, 620, 320))])

    assert decode(BLANK_PAGE).codes == ()


def test_keeps_an_ean_that_a_second_look_confirms(monkeypatch):
    read = FakeBarcode("4901234567894", "EAN13", (100, 100, 700, 400))
    zxing_reports(monkeypatch, [read], on_second_look=[FakeBarcode("4901234567894", "EAN13", (20, 20, 620, 320))])

    assert decode(BLANK_PAGE).codes == (Decoded("4901234567894", "EAN13"),)


def test_does_not_take_the_digits_under_the_bars_for_a_second_code(monkeypatch):
    bars = FakeBarcode("4901234567894", "EAN13", (100, 100, 700, 400))
    digits_read_as_bars = FakeBarcode("0199594000074", "UPCE", (110, 430, 690, 440))
    zxing_reports(monkeypatch, [bars, digits_read_as_bars])

    assert decode(BLANK_PAGE).codes == (Decoded("4901234567894", "EAN13"),)


def test_drops_both_of_two_different_reads_of_one_code(monkeypatch):
    zxing_reports(
        monkeypatch,
        [
            FakeBarcode("ZL-A-01-03-2", "Code128", (100, 100, 700, 300)),
            FakeBarcode("ZL-A-01-08-2", "Code128", (100, 150, 700, 320)),
        ],
    )

    assert decode(BLANK_PAGE).codes == ()


@pytest.mark.parametrize(
    ("text", "believed"),
    [("14901234567891", True), ("14901234567892", False), ("1490123456", False), ("149012345678912", False)],
    ids=["valid ITF-14", "ITF-14 with a wrong check digit", "ten digits", "fifteen digits"],
)
def test_believes_itf_only_as_a_valid_itf14(monkeypatch, text, believed):
    zxing_reports(monkeypatch, [FakeBarcode(text, "ITF", (100, 100, 700, 300))])

    assert decode(BLANK_PAGE).codes == ((Decoded(text, "ITF"),) if believed else ())


def test_does_not_believe_an_itf_printed_with_ten_digits():
    assert decode(photos.clean_png("itf14", "1234567890")).codes == ()


def test_drops_empty_reads(monkeypatch):
    zxing_reports(
        monkeypatch,
        [FakeBarcode("", "QRCode", (100, 100, 300, 300)), FakeBarcode("  ", "DataMatrix", (400, 100, 600, 300))],
    )

    assert decode(BLANK_PAGE).codes == ()


def test_reports_a_code_printed_twice_once():
    qr = photos.print_code("qr", "ZT-0042").image

    assert decode(page(qr, qr)).codes == (Decoded("ZT-0042", "QRCode"),)


def test_finds_nothing_on_a_photo_without_a_code():
    empty = Image.new("RGB", (4032, 3024), (180, 150, 120))

    assert decode(image_bytes(empty, "JPEG", quality=85)) == DecodeResult()


# --- refusing uploads -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n",
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>',
        image_bytes(Image.new("L", (64, 64), 255), "PPM"),
        image_bytes(Image.new("RGB", (64, 64), "white"), "ICO"),
    ],
    ids=["empty", "text", "pdf", "svg", "ppm image", "icon"],
)
def test_refuses_what_is_not_an_accepted_image(data):
    assert refusal_reason(data) == "not_an_image"


def test_refuses_an_upload_over_the_size_limit_before_looking_at_it():
    assert refusal_reason(b"\xff\xd8\xff" + bytes(15 * 1024 * 1024)) == "too_large"
    assert refusal_reason(photos.clean_png("ean13", "4901234567894"), max_bytes=1000) == "too_large"


@pytest.mark.parametrize(
    ("width", "height"), [(100_000, 100_000), (8_000, 8_000)], ids=["10 gigapixels", "64 megapixels"]
)
def test_refuses_a_decompression_bomb_from_its_header(width, height):
    bomb = png_header_claiming(width, height)

    assert len(bomb) < 200
    assert refusal_reason(bomb) == "too_many_pixels"


def test_refuses_images_over_a_lower_pixel_limit():
    assert refusal_reason(photos.clean_png("ean13", "4901234567894"), max_pixels=10_000) == "too_many_pixels"


def test_refuses_a_truncated_jpeg_as_not_an_image():
    photo = photos.phone_photo("ean13", megapixels=3, seed=5).jpeg

    assert refusal_reason(photo[: len(photo) * 2 // 3]) == "not_an_image"


def test_survives_a_jpeg_corrupted_in_the_middle():
    photo = bytearray(photos.phone_photo("ean13", megapixels=3, seed=5).jpeg)
    middle = len(photo) // 2
    photo[middle : middle + 4000] = bytes(range(256)) * 15 + bytes(160)

    try:
        result = decode(bytes(photo))
    except ImageRefused as refused:
        assert refused.reason == "not_an_image"
    else:
        assert isinstance(result, DecodeResult)


SMALL_IMAGES = [
    photos.clean_png("qr", "ZT-0042", module_px=2),
    image_bytes(Image.open(io.BytesIO(photos.clean_png("ean8", "49012347", module_px=2))).convert("RGB"), "JPEG"),
    image_bytes(Image.new("P", (40, 30)), "GIF"),
]
HEADERS = [
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff\xe0",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"RIFF\x00\x00\x00\x00WEBP",
]


def assert_decodes_or_refuses(data: bytes) -> None:
    try:
        result = decode(data)
    except ImageRefused as refused:
        assert refused.reason in {"not_an_image", "too_large", "too_many_pixels"}
    else:
        assert isinstance(result, DecodeResult)


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::PIL.Image.DecompressionBombWarning")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise_anything_but_image_refused(data):
    assert_decodes_or_refuses(data)


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::PIL.Image.DecompressionBombWarning")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(HEADERS), st.binary(max_size=4096))
def test_random_bytes_behind_an_image_signature_never_raise_anything_but_image_refused(header, tail):
    assert_decodes_or_refuses(header + tail)


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::PIL.Image.DecompressionBombWarning")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SMALL_IMAGES), st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=12))
def test_damaged_images_never_raise_anything_but_image_refused(image, damage):
    damaged = bytearray(image)
    for position, value in damage:
        damaged[position % len(damaged)] = value

    assert_decodes_or_refuses(bytes(damaged))


# --- health ---------------------------------------------------------------------------------


def test_health_check_reports_both_engines():
    status = decoder_status()

    assert status["zbar"] is True
    assert status["zxing"].startswith("3.")


def test_serves_on_zxing_alone_when_libzbar_is_missing(monkeypatch):
    monkeypatch.setattr(decode_module, "_zbar", None)

    assert decoder_status()["zbar"] is False
    assert decode(photos.clean_png("ean13", "4901234567894")) == DecodeResult(
        (Decoded("4901234567894", "EAN13"),), "zxing-cpp", "upright"
    )


# --- accuracy -------------------------------------------------------------------------------


@pytest.mark.slow
def test_reads_at_least_85_percent_of_realistic_phone_photos_with_at_most_1_percent_wrong(accuracy_photos):
    verdicts = [(photo, photos.verdict(photo, decode(photo.jpeg).codes)) for photo in accuracy_photos]
    overall = Counter(verdict for _, verdict in verdicts)
    per_kind: dict[str, Counter] = defaultdict(Counter)
    for photo, verdict in verdicts:
        per_kind[photo.specimen.kind][verdict] += 1
    table = "\n".join(f"{kind:15} {dict(counts)}" for kind, counts in sorted(per_kind.items()))
    wrong = [(photo.specimen.kind, photo.megapixels, photo.seed) for photo, verdict in verdicts if verdict == "wrong"]

    assert overall["read"] >= 0.85 * len(verdicts), table
    assert overall["wrong"] <= 0.01 * len(verdicts), f"wrong reads: {wrong}\n{table}"
