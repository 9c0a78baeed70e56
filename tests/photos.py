"""Synthetic phone photos of barcodes with known ground truth, for decoder tests and benchmarks.

A photo is made the way a real one is: a code is printed on a paper label (python-barcode for
the linear codes, segno for QR, zxing-cpp's writer for DataMatrix and UPC-E), the label lies on
cardboard, and a phone at 1, 3 or 12 megapixels takes it slightly rotated (sometimes a quarter
or half turn), in perspective, a little out of focus or shaken, under uneven light with the odd
shadow, with sensor noise, saved as JPEG at phone quality. Everything follows from one seed, so
any photo a test fails on can be made again with `phone_photo(kind, megapixels=..., seed=...)`.

Framing follows what people do when they photograph a code to scan it: they fill much of the
frame with it, whatever its length, so a code's size is drawn as a share of the frame's short
side (linear codes 30-80 %, matrix codes 12-40 %), not as a physical size.

`Specimen.expected_text` is what `app.barcodes.decode` must return, computed here independently:
GTIN-13 for EAN-13, UPC-A (leading 0) and UPC-E (expanded); GS1 codes prefixed with their
symbology identifier (`]C1`, `]d2`) and GS (0x1D) after every variable-length element but the last;
NW-7 (Codabar) with its start and stop letters, as printed.

NW-7 carriers' slips (kind `nw7`): python-barcode has no Codabar, so `print_codabar` draws it from
the symbology's table (4 bars and 3 spaces a character, narrow or wide, a narrow gap between
characters); the content is the whole symbol, start and stop letters included (`A312345678901A`),
with the number printed under the bars in 4-digit groups as carriers print it.
"""

from __future__ import annotations

import io
import math
import os
import random
import string
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import barcode
import segno
import zxingcpp
from barcode.writer import ImageWriter
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from app.barcodes.checkdigit import with_check_digit

KINDS = (
    "ean13",
    "ean8",
    "upca",
    "upce",
    "code128",
    "gs1_128",
    "code39",
    "itf14",
    "qr",
    "datamatrix",
    "gs1_datamatrix",
    "nw7",
)
MATRIX_KINDS = frozenset({"qr", "datamatrix", "gs1_datamatrix"})
PHOTO_SIZES = {1: (1152, 864), 3: (2048, 1536), 12: (4032, 3024)}
GS = "\x1d"
FIXED_LENGTH_AIS = {"00": 18, "01": 14, "02": 14, "11": 6, "13": 6, "15": 6, "17": 6}
FONT_PATH = Path(barcode.__file__).parent / "fonts" / "DejaVuSansMono.ttf"
OUR_LABEL_CODES = (
    "ZL-A-01-03-2",
    "ZL-B-12-04-1",
    "ZT-0042",
    "ZR-20261123-007",
    "ZO-RKT-123456",
    "ZK-000311",
    "ZC-000058",
    "ZU-7F3K9Q",
)


@dataclass(frozen=True)
class Specimen:
    """One printed code: what is printed and what a correct decoder reports for it."""

    kind: str
    content: str
    expected_text: str
    expected_symbology: str


@dataclass(frozen=True)
class Photo:
    """A JPEG phone photo of one specimen and the conditions it was taken in."""

    jpeg: bytes
    specimen: Specimen
    megapixels: int
    seed: int
    conditions: dict = field(default_factory=dict)


def upce_to_gtin13(upce: str) -> str:
    """Expand an 8-digit UPC-E (number system, six digits, check digit) to its GTIN-13."""
    system, body, check = upce[0], upce[1:7], upce[7]
    last = body[5]
    if last in "012":
        manufacturer, item = body[0:2] + last + "00", "00" + body[2:5]
    elif last == "3":
        manufacturer, item = body[0:3] + "00", "000" + body[3:5]
    elif last == "4":
        manufacturer, item = body[0:4] + "0", "0000" + body[4]
    else:
        manufacturer, item = body[0:5], "0000" + last
    return "0" + system + manufacturer + item + check


def gs1_element_string(elements: list[tuple[str, str]]) -> str:
    """Elements joined as a scanner transmits them: GS after each variable-length one but the last."""
    parts = []
    for index, (ai, value) in enumerate(elements):
        parts.append(ai + value)
        if ai not in FIXED_LENGTH_AIS and index < len(elements) - 1:
            parts.append(GS)
    return "".join(parts)


def gs1_printed_form(elements: list[tuple[str, str]]) -> str:
    return "".join(f"({ai}){value}" for ai, value in elements)


def specimen(kind: str, content: str) -> Specimen:
    """The specimen for `content` as printed; GS1 kinds take the printed `(01)…(10)…` form."""
    expected, symbology = {
        "ean13": (content, "EAN13"),
        "ean8": (content, "EAN8"),
        "upca": ("0" + content, "EAN13"),
        "upce": (upce_to_gtin13(content) if len(content) == 8 else content, "UPCE"),
        "code128": (content, "Code128"),
        "gs1_128": ("]C1" + gs1_element_string(parse_printed_gs1(content)), "Code128"),
        "code39": (content, "Code39"),
        "itf14": (content, "ITF"),
        "qr": (content, "QRCode"),
        "datamatrix": (content, "DataMatrix"),
        "gs1_datamatrix": ("]d2" + gs1_element_string(parse_printed_gs1(content)), "DataMatrix"),
        "nw7": (content, "Codabar"),
    }[kind]
    return Specimen(kind, content, expected, symbology)


def parse_printed_gs1(printed: str) -> list[tuple[str, str]]:
    chunks = printed.split("(")[1:]
    return [tuple(chunk.split(")", 1)) for chunk in chunks]  # type: ignore[misc]


def random_specimen(kind: str, rng: random.Random) -> Specimen:
    """A plausible code of `kind` as found on a warehouse floor, drawn from `rng`."""
    return specimen(kind, _RANDOM_CONTENT[kind](rng))


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _random_jan(rng: random.Random) -> str:
    return with_check_digit(rng.choice(("45", "49")) + _digits(rng, 10))


def _random_ean8(rng: random.Random) -> str:
    return with_check_digit("49" + _digits(rng, 5))


def _random_upca(rng: random.Random) -> str:
    return with_check_digit(rng.choice("0123456789") + _digits(rng, 10))


def _random_upce(rng: random.Random) -> str:
    body = _digits(rng, 6)
    while not _is_canonical_upce_body(body):
        body = _digits(rng, 6)
    gtin_without_check = upce_to_gtin13("0" + body + "0")[:-1]
    return "0" + body + with_check_digit(gtin_without_check)[-1]


def _is_canonical_upce_body(body: str) -> bool:
    """Zero suppression is unambiguous: the digit before the suppressed zeros is not itself a zero."""
    last = body[5]
    if last == "3":
        return body[2] not in "012"
    if last == "4":
        return body[3] != "0"
    if last in "56789":
        return body[4] != "0"
    return True


def _random_code128(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(OUR_LABEL_CODES)
    alphabet = string.ascii_letters + string.digits + "-./"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(6, 16)))


def _random_lot(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(rng.randint(3, 10)))


def _random_expiry(rng: random.Random) -> str:
    return f"{rng.randint(26, 31):02d}{rng.randint(1, 12):02d}{rng.choice(('00', f'{rng.randint(1, 28):02d}'))}"


def _random_gs1_elements(rng: random.Random) -> list[tuple[str, str]]:
    if rng.random() < 0.15:
        return [("00", with_check_digit(_digits(rng, 17)))]
    gtin = ("01", with_check_digit(rng.choice("0123") + "49" + _digits(rng, 10)))
    expiry = ("17", _random_expiry(rng))
    lot = ("10", _random_lot(rng))
    tail = [expiry, lot] if rng.random() < 0.5 else [lot, expiry]
    if rng.random() < 0.25:
        tail.append(("21", _random_lot(rng)))
    if rng.random() < 0.15:
        tail.append(("30", str(rng.randint(1, 480))))
    return [gtin, *tail]


def _random_gs1(rng: random.Random) -> str:
    return gs1_printed_form(_random_gs1_elements(rng))


def _random_code39(rng: random.Random) -> str:
    alphabet = string.ascii_uppercase + string.digits + "-"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 12)))


def _random_itf14(rng: random.Random) -> str:
    return with_check_digit(rng.choice("12345678") + "49" + _digits(rng, 10))


def _random_qr(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        return rng.choice(OUR_LABEL_CODES)
    if roll < 0.7:
        return f"https://tana.example/p/{_random_lot(rng).lower()}?lot={_random_lot(rng)}"
    if roll < 0.85:
        return f"棚番 {rng.choice(OUR_LABEL_CODES)} 入荷"
    return _random_code128(rng)


def _random_datamatrix(rng: random.Random) -> str:
    return rng.choice((_random_code128, _random_lot, lambda r: rng.choice(OUR_LABEL_CODES)))(rng)


def mod7_tracking_number(first_eleven: str) -> str:
    """A 12-digit tracking number as ヤマト, 佐川 and ゆうパック print them: 11 digits + (those 11 as a number) mod 7."""
    return first_eleven + str(int(first_eleven) % 7)


def random_tracking_number(rng: random.Random) -> str:
    """A carrier's tracking number: mostly 12 digits with a mod-7 check digit, else 10-14 digits without one."""
    if rng.random() < 0.75:
        return mod7_tracking_number(rng.choice("2345678") + _digits(rng, 10))
    return _digits(rng, rng.choice((10, 11, 13, 14)))


def nw7_symbol(number: str, start: str = "A", stop: str | None = None) -> str:
    """The whole NW-7 symbol for `number`: start letter, digits, stop letter (the start's again by default)."""
    return start + number + (stop or start)


def _random_nw7(rng: random.Random) -> str:
    start = rng.choice("ABCD")
    return nw7_symbol(random_tracking_number(rng), start, start if rng.random() < 0.7 else rng.choice("ABCD"))


_RANDOM_CONTENT = {
    "ean13": _random_jan,
    "ean8": _random_ean8,
    "upca": _random_upca,
    "upce": _random_upce,
    "code128": _random_code128,
    "gs1_128": _random_gs1,
    "code39": _random_code39,
    "itf14": _random_itf14,
    "qr": _random_qr,
    "datamatrix": _random_datamatrix,
    "gs1_datamatrix": _random_gs1,
    "nw7": _random_nw7,
}


# --- printing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Print:
    """A crisp grayscale print of a code: `image` includes quiet zones and any human-readable line."""

    image: Image.Image
    code_width_px: int
    module_px: int


def print_code(kind: str, content: str, module_px: int = 4, *, bar_height_modules: int = 60) -> Print:
    """Render `content` exactly as given (check digits are not recomputed) at `module_px` per module."""
    if kind in ("ean13", "ean8"):
        return _print_python_barcode(kind, content, module_px, bar_height_modules, no_checksum=True)
    if kind == "upca":
        return _print_python_barcode(
            "ean13", "0" + content, module_px, bar_height_modules, no_checksum=True, caption=content
        )
    if kind == "itf14":
        return _print_itf14(content, module_px, bar_height_modules)
    if kind == "code39":
        return _print_python_barcode("code39", content, module_px, bar_height_modules, add_checksum=False)
    if kind == "code128":
        return _print_python_barcode("code128", content, module_px, bar_height_modules)
    if kind == "gs1_128":
        return _print_gs1_128(content, module_px, bar_height_modules)
    if kind == "qr":
        return _print_qr(content, module_px)
    if kind == "upce":
        return _print_zxing(content, zxingcpp.BarcodeFormat.UPCE, module_px, add_hrt=True)
    if kind == "datamatrix":
        return _print_zxing(content, zxingcpp.BarcodeFormat.DataMatrix, module_px)
    if kind == "gs1_datamatrix":
        return _print_zxing(content, zxingcpp.BarcodeFormat.DataMatrix, module_px, gs1=True)
    if kind == "nw7":
        return print_codabar(content, module_px, bar_height_modules=bar_height_modules)
    raise ValueError(f"unknown kind {kind!r}")


def clean_png(kind: str, content: str, module_px: int = 4) -> bytes:
    """PNG bytes of a crisp print on a white margin, as a label printer's preview would be."""
    printed = print_code(kind, content, module_px)
    page = Image.new("L", (printed.image.width + 80, printed.image.height + 80), 255)
    page.paste(printed.image, (40, 40))
    return _png_bytes(page)


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _writer_options(module_px: int, bar_height_modules: int) -> dict:
    millimetres_per_module = module_px / 10  # at 254 dpi one pixel is 0.1 mm
    return {
        "module_width": millimetres_per_module,
        "module_height": bar_height_modules * millimetres_per_module,
        "quiet_zone": 10 * millimetres_per_module,
        "margin_top": 0,
        "margin_bottom": millimetres_per_module,
        "dpi": 254,
        "write_text": False,
    }


def _print_python_barcode(
    name: str, content: str, module_px: int, bar_height_modules: int, *, caption: str | None = None, **kwargs
) -> Print:
    code = barcode.get_barcode_class(name)(content, writer=ImageWriter(mode="L"), **kwargs)
    modules = len(code.build()[0])
    bars = code.render(_writer_options(module_px, bar_height_modules)).convert("L")
    return Print(_with_caption(bars, caption or code.get_fullcode(), module_px), modules * module_px, module_px)


def _print_itf14(content: str, module_px: int, bar_height_modules: int) -> Print:
    code = barcode.get_barcode_class("itf")(content, writer=ImageWriter(mode="L"))
    modules = len(code.build()[0])
    options = _writer_options(module_px, bar_height_modules)
    options["quiet_zone"] *= 2  # ten narrow bars: a narrow bar is two units here
    bars = code.render(options).convert("L")
    bearer = 8 * module_px
    framed = Image.new("L", (bars.width + 2 * bearer, bars.height + 2 * bearer), 0)
    framed.paste(bars, (bearer, bearer))
    return Print(_with_caption(framed, content, module_px), modules * module_px, module_px)


def _with_caption(bars: Image.Image, caption: str, module_px: int) -> Image.Image:
    font = ImageFont.truetype(str(FONT_PATH), max(8, round(7 * module_px)))
    text_box = font.getbbox(caption)
    image = Image.new("L", (max(bars.width, text_box[2] + 4), bars.height + text_box[3] + 2 * module_px), 255)
    image.paste(bars, ((image.width - bars.width) // 2, 0))
    ImageDraw.Draw(image).text(((image.width - text_box[2]) // 2, bars.height + module_px), caption, font=font, fill=0)
    return image


# NW-7 (Codabar): each character is bar, space, bar, space, bar, space, bar; 1 = wide, 0 = narrow.
CODABAR_PATTERNS = {
    "0": "0000011", "1": "0000110", "2": "0001001", "3": "1100000", "4": "0010010",
    "5": "1000010", "6": "0100001", "7": "0100100", "8": "0110000", "9": "1001000",
    "-": "0001100", "$": "0011000", ":": "1000101", "/": "1010001", ".": "1010100",
    "+": "0010101", "A": "0011010", "B": "0101001", "C": "0001011", "D": "0001110",
}  # fmt: skip
CODABAR_START_STOP = "ABCD"


def codabar_widths(symbol: str, wide: float = 3.0) -> list[float]:
    """Element widths in modules (bar first, bars and spaces alternating), narrow gaps between characters."""
    if len(symbol) < 3 or symbol[0] not in CODABAR_START_STOP or symbol[-1] not in CODABAR_START_STOP:
        raise ValueError(f"an NW-7 symbol starts and ends with one of A-D: {symbol!r}")
    widths: list[float] = []
    for index, character in enumerate(symbol):
        if index:
            widths.append(1)  # the gap between characters
        widths.extend(wide if element == "1" else 1 for element in CODABAR_PATTERNS[character])
    return widths


def print_codabar(
    symbol: str, module_px: int = 4, *, wide: float = 3.0, bar_height_modules: int = 60, caption: str | None = None
) -> Print:
    """An NW-7 symbol (start and stop letters included) with quiet zones of 10 narrow elements and the
    number printed under it in 4-digit groups; a wide element is `wide` narrow ones, rounded to pixels."""
    wide_px = max(module_px + 1, round(wide * module_px))
    widths = [wide_px if width != 1 else module_px for width in codabar_widths(symbol, wide)]
    quiet = 10 * module_px
    code_width = sum(widths)
    bars = Image.new("L", (code_width + 2 * quiet, bar_height_modules * module_px + module_px), 255)
    draw = ImageDraw.Draw(bars)
    x = quiet
    for index, width in enumerate(widths):
        if index % 2 == 0:
            draw.rectangle((x, 0, x + width - 1, bar_height_modules * module_px - 1), fill=0)
        x += width
    number = symbol[1:-1]
    text = caption if caption is not None else "-".join(number[i : i + 4] for i in range(0, len(number), 4))
    return Print(_with_caption(bars, text, module_px), code_width, module_px)


def _print_gs1_128(printed_form: str, module_px: int, bar_height_modules: int) -> Print:
    elements = parse_printed_gs1(printed_form)
    fnc1 = barcode.get_barcode_class("gs1_128").FNC1_CHAR
    data = gs1_element_string(elements).replace(GS, fnc1)
    code = barcode.get_barcode_class("gs1_128")(data, writer=ImageWriter(mode="L"))
    modules = len(code.build()[0])
    bars = code.render(_writer_options(module_px, bar_height_modules)).convert("L")
    return Print(_with_caption(bars, printed_form, module_px), modules * module_px, module_px)


def _print_qr(content: str, module_px: int) -> Print:
    qr = segno.make_qr(content, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=module_px, border=4)
    buffer.seek(0)
    image = Image.open(buffer).convert("L")
    return Print(image, qr.symbol_size(scale=module_px, border=0)[0], module_px)


def _print_zxing(content: str, symbol_format, module_px: int, *, add_hrt: bool = False, **options) -> Print:
    symbol = zxingcpp.create_barcode(content, symbol_format, **options)
    unscaled = memoryview(zxingcpp.write_barcode_to_image(symbol, scale=1, add_quiet_zones=False))
    pixels = memoryview(zxingcpp.write_barcode_to_image(symbol, scale=module_px, add_hrt=add_hrt))
    height, width = pixels.shape[:2]
    image = Image.frombytes("L", (width, height), pixels.tobytes())
    return Print(image, unscaled.shape[1] * module_px, module_px)


# --- photographing --------------------------------------------------------------------------


def phone_photo(
    kind: str,
    *,
    megapixels: int = 3,
    seed: int = 0,
    content: str | None = None,
    **conditions_override,
) -> Photo:
    """A realistic JPEG phone photo of one random code of `kind` (or of `content`), from `seed`.

    Any condition drawn in `_draw_conditions` (e.g. `share_of_short_side=0.5`, `angle=0`) can be
    fixed by name; the others are still drawn from the seed.
    """
    rng = random.Random(f"{kind}/{megapixels}/{seed}")
    chosen = specimen(kind, content) if content is not None else random_specimen(kind, rng)
    width, height = PHOTO_SIZES[megapixels]
    if rng.random() < 0.5:
        width, height = height, width
    conditions = _draw_conditions(kind, rng)
    unknown = set(conditions_override) - set(conditions)
    if unknown:
        raise TypeError(f"unknown conditions {sorted(unknown)}")
    conditions.update(conditions_override)
    scene, module_px_in_photo, label_region = _scene(chosen, (width, height), conditions, rng)
    conditions["module_px"] = round(module_px_in_photo, 2)
    photo = _camera(scene, module_px_in_photo, label_region, conditions, rng)
    return Photo(_jpeg_bytes(photo, conditions["jpeg_quality"]), chosen, megapixels, seed, conditions)


def photo_without_a_code(*, megapixels: int = 3, seed: int = 0) -> bytes:
    """A JPEG of bare cardboard taken like the others: what a decoder spends most on."""
    rng = random.Random(f"nothing/{megapixels}/{seed}")
    size = PHOTO_SIZES[megapixels]
    conditions = _draw_conditions("ean13", rng)
    photo = _camera(_cardboard(size, rng), 3.0, (0, 0, *size), conditions, rng)
    return _jpeg_bytes(photo, conditions["jpeg_quality"])


def photo_set(
    count: int, *, seed: int = 0, megapixels: tuple[int, ...] = (1, 3, 12), workers: int | None = None
) -> list[Photo]:
    """`count` photos cycling through every kind, then every resolution, reproducible from `seed`.

    Photos are made on `workers` threads (default: one per CPU; Pillow releases the GIL while it
    works), and come back in order.
    """
    jobs = [
        (KINDS[index % len(KINDS)], megapixels[(index // len(KINDS)) % len(megapixels)], seed * 100_000 + index)
        for index in range(count)
    ]
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        return list(pool.map(lambda job: phone_photo(job[0], megapixels=job[1], seed=job[2]), jobs))


def _draw_conditions(kind: str, rng: random.Random) -> dict:
    share = rng.uniform(0.12, 0.40) if kind in MATRIX_KINDS else rng.uniform(0.30, 0.80)
    quarter_turns = rng.choices((0, 1, 2, 3), weights=(60, 15, 10, 15))[0]
    return {
        "share_of_short_side": share,
        "angle": quarter_turns * 90 + rng.uniform(-12, 12),
        "keystone": rng.uniform(0.0, 0.08),
        "defocus": rng.uniform(0.0, 0.35),
        "shake": rng.uniform(0.2, 0.8) if rng.random() < 0.2 else 0.0,
        "light_floor": rng.uniform(0.45, 0.95),
        "shadow": rng.uniform(0.6, 0.85) if rng.random() < 0.2 else 1.0,
        "black": rng.randint(15, 60),
        "white": rng.randint(185, 245),
        "noise": rng.uniform(2.0, 8.0),
        "jpeg_quality": rng.randint(72, 93),
    }


def _scene(
    chosen: Specimen, size: tuple[int, int], conditions: dict, rng: random.Random
) -> tuple[Image.Image, float, tuple]:
    """The label lying on cardboard, the size of a module in photo pixels, and where the label is."""
    short_side = min(size)
    code_px = conditions["share_of_short_side"] * short_side
    probe = print_code(chosen.kind, chosen.content, 2)
    module_px_in_photo = code_px / (probe.code_width_px / probe.module_px)
    printed = print_code(
        chosen.kind, chosen.content, max(2, math.ceil(module_px_in_photo)), bar_height_modules=rng.randint(35, 70)
    )
    label = _label(printed, rng)
    scale = module_px_in_photo / printed.module_px
    label = label.resize(
        (max(1, round(label.width * scale)), max(1, round(label.height * scale))), Image.Resampling.BILINEAR
    )
    background = _cardboard(size, rng)
    warped, corner = _warp_into_frame(label, size, conditions, rng)
    background.paste(warped, corner, warped)
    region = (corner[0], corner[1], corner[0] + warped.width, corner[1] + warped.height)
    return background, module_px_in_photo, region


def _label(printed: Print, rng: random.Random) -> Image.Image:
    margin = 6 * printed.module_px
    paper = rng.randint(236, 252)
    width, height = printed.image.width + 2 * margin, printed.image.height + 2 * margin
    extra_text_height = 0 if rng.random() < 0.5 else 12 * printed.module_px
    label = Image.new("L", (width, height + extra_text_height), paper)
    label.paste(
        ImageChops.darker(printed.image, Image.new("L", printed.image.size, paper)),
        (margin, margin + extra_text_height),
    )
    if extra_text_height:
        font = ImageFont.truetype(str(FONT_PATH), max(6, 5 * printed.module_px))
        caption = rng.choice(("LOT", "EXP", "QTY", "SKU")) + " " + _random_lot(rng)
        ImageDraw.Draw(label).text((margin, margin // 2), caption, font=font, fill=rng.randint(20, 70))
    return label


def _cardboard(size: tuple[int, int], rng: random.Random) -> Image.Image:
    tone = rng.randint(110, 190)
    texture = _noise((max(2, size[0] // 48), max(2, size[1] // 48)), rng.uniform(6, 18), rng)
    texture = texture.resize(size, Image.Resampling.BICUBIC)
    return ImageChops.add(Image.new("L", size, tone), texture, scale=1.0, offset=-128)


def _warp_into_frame(label: Image.Image, frame: tuple[int, int], conditions: dict, rng: random.Random):
    corners = _photographed_corners(label.size, conditions, rng)
    min_x, min_y = min(x for x, _ in corners), min(y for _, y in corners)
    max_x, max_y = max(x for x, _ in corners), max(y for _, y in corners)
    box = (math.ceil(max_x - min_x) + 1, math.ceil(max_y - min_y) + 1)
    shifted = [(x - min_x, y - min_y) for x, y in corners]
    source = [(0, 0), (label.width, 0), (label.width, label.height), (0, label.height)]
    coefficients = _homography(shifted, source)
    opaque_label = label.convert("LA")
    warped = opaque_label.transform(box, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR)
    corner = (_position(box[0], frame[0], rng), _position(box[1], frame[1], rng))
    return warped, corner


def _position(extent: int, frame_extent: int, rng: random.Random) -> int:
    if extent >= frame_extent:
        return (frame_extent - extent) // 2
    return rng.randint(0, frame_extent - extent)


def _photographed_corners(size: tuple[int, int], conditions: dict, rng: random.Random) -> list[tuple[float, float]]:
    width, height = size
    angle = math.radians(conditions["angle"])
    jitter = conditions["keystone"] * min(width, height) * 2
    corners = []
    for x, y in ((0, 0), (width, 0), (width, height), (0, height)):
        dx, dy = x - width / 2 + rng.uniform(-jitter, jitter), y - height / 2 + rng.uniform(-jitter, jitter)
        corners.append((dx * math.cos(angle) - dy * math.sin(angle), dx * math.sin(angle) + dy * math.cos(angle)))
    return corners


def _homography(destination: list[tuple[float, float]], source: list[tuple[float, float]]) -> tuple[float, ...]:
    """Coefficients for Image.transform PERSPECTIVE mapping each destination corner to its source."""
    rows, values = [], []
    for (x, y), (u, v) in zip(destination, source):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        values.append(u)
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values.append(v)
    return tuple(_solve(rows, values))


def _solve(matrix: list[list[float]], values: list[float]) -> list[float]:
    size = len(values)
    augmented = [row[:] + [value] for row, value in zip(matrix, values)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(augmented[r][column]))
        augmented[column], augmented[pivot] = augmented[pivot], augmented[column]
        for row in range(size):
            if row != column:
                factor = augmented[row][column] / augmented[column][column]
                augmented[row] = [a - factor * b for a, b in zip(augmented[row], augmented[column])]
    return [augmented[i][size] / augmented[i][i] for i in range(size)]


def _camera(
    scene: Image.Image, module_px: float, label_region: tuple, conditions: dict, rng: random.Random
) -> Image.Image:
    image = _uneven_light(scene, conditions, rng)
    image = image.point(_exposure_curve(conditions["black"], conditions["white"]))
    image = _out_of_focus(image, label_region, 0.5 + conditions["defocus"] * module_px)
    if conditions["shake"]:
        image = _motion_blur(image, conditions["shake"] * module_px, rng.uniform(0, math.pi))
    image = ImageChops.add(image, _noise(image.size, conditions["noise"], rng), scale=1.0, offset=-128)
    return _tint(image, rng)


def _out_of_focus(image: Image.Image, label_region: tuple, radius: float) -> Image.Image:
    """Gaussian defocus; only around the label, since the cardboard is already soft and blurring
    twelve megapixels of it would triple the time to make a photo."""
    margin = math.ceil(4 * radius) + 2
    left, top = max(0, label_region[0] - margin), max(0, label_region[1] - margin)
    right, bottom = min(image.width, label_region[2] + margin), min(image.height, label_region[3] + margin)
    if right <= left or bottom <= top:
        return image
    blurred = image.crop((left, top, right, bottom)).filter(ImageFilter.GaussianBlur(radius))
    image.paste(blurred, (left, top))
    return image


def _uneven_light(image: Image.Image, conditions: dict, rng: random.Random) -> Image.Image:
    floor = conditions["light_floor"]
    corners = [round(255 * rng.uniform(floor, 1.0)) for _ in range(4)]
    light = Image.new("L", (2, 2))
    light.putdata(corners)
    light = light.resize(image.size, Image.Resampling.BILINEAR)
    if conditions["shadow"] < 1.0:
        light = ImageChops.multiply(light, _soft_shadow(image.size, conditions["shadow"], rng))
    return ImageChops.multiply(image, light)


def _soft_shadow(size: tuple[int, int], darkness: float, rng: random.Random) -> Image.Image:
    small = (64, 64)
    shadow = Image.new("L", small, 255)
    edge = [(rng.uniform(0, 64), 0), (rng.uniform(0, 64), 64), (64, 64), (64, 0)]
    ImageDraw.Draw(shadow).polygon(edge, fill=round(255 * darkness))
    return shadow.filter(ImageFilter.GaussianBlur(3)).resize(size, Image.Resampling.BILINEAR)


def _noise(size: tuple[int, int], sigma: float, rng: random.Random) -> Image.Image:
    """Roughly Gaussian noise around 128 with standard deviation `sigma`, reproducible from `rng`."""
    first, second = (Image.frombytes("L", size, rng.randbytes(size[0] * size[1])) for _ in range(2))
    triangular = ImageChops.add(first, second, scale=2.0)
    spread = sigma / 52.2
    return triangular.point([max(0, min(255, round(128 + (v - 127.5) * spread))) for v in range(256)])


def _exposure_curve(black: int, white: int) -> list[int]:
    return [round(black + (white - black) * value / 255) for value in range(256)]


def _motion_blur(image: Image.Image, length: float, direction: float) -> Image.Image:
    steps = max(2, math.ceil(length) + 1)
    blurred = image
    for step in range(1, steps):
        offset = step * length / (steps - 1) - length / 2
        shifted = ImageChops.offset(image, round(offset * math.cos(direction)), round(offset * math.sin(direction)))
        blurred = Image.blend(blurred, shifted, 1 / (step + 1))
    return blurred


def _tint(image: Image.Image, rng: random.Random) -> Image.Image:
    gains = [rng.uniform(0.92, 1.05) for _ in range(3)]
    channels = [image.point([min(255, round(v * gain)) for v in range(256)]) for gain in gains]
    return Image.merge("RGB", channels)


def _jpeg_bytes(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


# --- judging --------------------------------------------------------------------------------


def verdict(photo: Photo, codes) -> str:
    """`read` if the decoder reported exactly the photo's code, `wrong` if it reported anything
    else (alone or beside the right code), `missed` if it reported nothing."""
    expected = (photo.specimen.expected_text, photo.specimen.expected_symbology)
    reported = {(code.text, code.symbology) for code in codes}
    if not reported:
        return "missed"
    return "read" if reported == {expected} else "wrong"
