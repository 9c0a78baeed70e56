"""Read barcodes from an uploaded photo: the camera fallback of the scan step.

Rules, in the order they apply:

1. Refuse before decoding any pixel: more than `max_bytes` (`too_large`); anything Pillow does
   not recognise from its content as a JPEG, PNG, WebP, GIF, BMP, TIFF, MPO, AVIF or HEIF image
   (`not_an_image`; file names and Content-Type are never consulted); a header promising more
   than `max_pixels` (`too_many_pixels`), or more than `MAX_DECODED_PIXELS` still to decode after
   the JPEG draft (a PNG or TIFF is decoded whole, a 16-bit one at twice the cost:
   `too_many_pixels` too, so a small file cannot cost seconds of decoding). Pixel data found
   corrupt or truncated while decoding is `not_an_image` too.
2. Shrink: a JPEG is decoded in grayscale at 1/2, 1/4 or 1/8 scale inside the JPEG decoder
   (Pillow's draft mode), keeping the long side at or above `WORKING_LONG_SIDE`; other formats
   are decoded, then reduced by an integer factor towards that size. Nothing is enlarged.
3. Read, in the order of `_ATTEMPTS`, until an attempt yields a believable code: zxing-cpp
   upright, then turned a quarter; ZBar on a half-size copy, only because zxing-cpp found nothing;
   zxing-cpp tilted by ±`TILT_DEGREES` (a small working copy, under `WORKING_LONG_SIDE`, at its
   full size, a larger one on a half-size copy), with its other binarizer, and looking for
   light-on-dark codes; last, ZBar at full working size. The first attempt always runs; a later
   one starts only if its estimated cost still fits in `time_budget` (CPU seconds of the calling
   thread).
4. Ask a second opinion before answering (linear codes only: matrix codes carry error
   correction): the other engine reads the surroundings of the codes believed, once, ZBar on a
   half-size copy of them, or zxing-cpp with its other binarizer if ZBar read first or is missing.
   The second opinion only contradicts or agrees: it never adds a code.
5. Believe a read only if it checks out:
   - EAN-13, UPC-A, UPC-E and EAN-8 check digits hold, and zxing-cpp reading the code's
     surroundings a second time does not find a different EAN/UPC there (the check digit alone
     lets one misread in ten through); a UPC-E only ZBar read needs the second opinion to read it
     too (ZBar reads part of a blurred EAN-13, or a blurred UPC-E, as another valid UPC-E);
   - ITF only as ITF-14 (14 digits, valid GS1 check digit), whichever engine read it: we use no
     other ITF, and partial ITF reads look valid;
   - NW-7 (Codabar) only framed by start and stop letters (A–D) around at least
     `CODABAR_MIN_DATA` characters: it has no check character, and short reads come from noise
     and print that is not a barcode (carriers' numbers are 10 to 14 digits; their check digits
     are checked by app.barcodes.tracking, which knows the carrier);
   - empty reads are dropped, identical reads reported once;
   - every read of every attempt that ran, and of the second opinion, is weighed together: two
     different codes of one symbology on one spot, read by two attempts (engines, turns, tilts,
     sizes or binarizers), drop each other whatever their weight: one of them is a misread and
     nothing tells which, so the photo is answered as unreadable rather than risk it (the first
     believable read no longer wins). A spot once read two ways stays unread: a later attempt
     reading it one way does not settle it;
   - within one attempt, or between two symbologies, two different linear reads on one spot
     contradict each other: the one read across at least three times as wide a band of bars, or
     along at least 1.3 times as long a stretch (a partial read is shorter), is kept, unless the
     other outweighs it the other way; otherwise, if they overlap, both are dropped.
     For EAN/UPC "one spot" reaches three quarters of the code's length around it, because a
     slanted partial pass over an EAN-13's bars, or over the digits printed under any code,
     can decode as a valid UPC-E or EAN-8 a little above or below the band read properly.
   Different codes on different spots (a slip's NW-7 beside its Code 128, stacked GS1-128 labels)
   are all reported. Spots are compared as read, turned however the code is (mapped back from
   the turned, tilted or shrunk copy an attempt read), a read along a single row widened across
   to `_SPOT_THICKNESS` of its length.

Text is what a hardware scanner would type: GS1 codes (GS1-128, GS1 DataMatrix, GS1 QR, GS1
DataBar) start with their symbology identifier `]C1`, `]d2`, `]Q3` or `]e0`, followed by the
element string with GS (0x1D) after variable-length fields, so the GS1 parser can tell them from
plain Code 128 or DataMatrix; EAN-13, UPC-A and UPC-E come back as their GTIN-13 (UPC-A with a
leading 0, UPC-E expanded), EAN-8 as its 8 digits; NW-7 with its start and stop letters, upper
case, whichever engine read it (`A412345678905A`: app.barcodes.tracking drops them); Code 39 as
extended (full ASCII) Code 39 where its shift pairs are all valid (`+A` is `a`, `/A` is `!`,
`%U` is NUL, as a scanner set to full ASCII types them), else as printed: both engines alike;
other codes as their content.

`decode` raises nothing but `ImageRefused`, whatever the bytes.
"""

from __future__ import annotations

import io
import math
import re
import time
from collections.abc import Callable, Iterator
from ctypes import POINTER, c_uint, string_at
from dataclasses import dataclass
from importlib import metadata
from itertools import combinations
from typing import Literal

import zxingcpp
from PIL import Image

from app.barcodes.checkdigit import has_valid_check_digit

try:
    from pyzbar import wrapper as _zbar
except (ImportError, OSError):  # libzbar missing: zxing-cpp serves alone
    _zbar = None

DEFAULT_MAX_BYTES = 15 * 1024 * 1024
DEFAULT_MAX_PIXELS = 50_000_000
MAX_DECODED_PIXELS = 16_000_000  # decoded at full size (after the JPEG draft), 16-bit counted twice
DEFAULT_TIME_BUDGET_SECONDS = 0.25
WORKING_LONG_SIDE = 1600
TILT_DEGREES = 6
ACCEPTED_IMAGE_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF", "AVIF", "HEIF"})

RefusalReason = Literal["not_an_image", "too_large", "too_many_pixels"]
Engine = Literal["zxing-cpp", "zbar"]

LINEAR_SYMBOLOGIES = frozenset(
    {"EAN13", "EAN8", "UPCE", "Code128", "Code39", "Codabar", "ITF", "DataBar", "DataBarExpanded", "DataBarLimited"}
)
_EAN_UPC = frozenset({"EAN13", "EAN8", "UPCE"})
_GS1_IDENTIFIERS = {"Code128": "]C1", "DataMatrix": "]d2", "QRCode": "]Q3"}
_DATABAR_IDENTIFIER = "]e0"
_THICKER = 3.0
_LONGER = 1.3
_EAN_UPC_NEIGHBOURHOOD = 0.75
_SPOT_THICKNESS = 0.05
CODABAR_MIN_DATA = 6
_CODABAR = re.compile(rf"[ABCD][0-9\-$:/.+]{{{CODABAR_MIN_DATA},}}[ABCD]")


class ImageRefused(ValueError):
    """The upload is not something we decode; `reason` is machine-readable (see RefusalReason)."""

    def __init__(self, reason: RefusalReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: RefusalReason = reason


@dataclass(frozen=True)
class Decoded:
    """One code read from a photo: its text as a scanner would type it, and its symbology."""

    text: str
    symbology: str


@dataclass(frozen=True)
class DecodeResult:
    """The believable codes in a photo (possibly none), the engine that read them and on which attempt."""

    codes: tuple[Decoded, ...] = ()
    engine: Engine | None = None
    attempt: str | None = None

    def __bool__(self) -> bool:
        return bool(self.codes)


def decoder_status() -> dict:
    """For the health check: zxing-cpp's version, and whether the ZBar fallback is available."""
    return {"zxing": _zxing_version(), "zbar": _zbar is not None}


def decode(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    time_budget: float = DEFAULT_TIME_BUDGET_SECONDS,
) -> DecodeResult:
    """Read the barcodes in a photo, following the rules in this module's docstring.

    Raises `ImageRefused` with reason `too_large`, `not_an_image` or `too_many_pixels`, and
    nothing else. A photo without a believable code gives an empty (falsy) `DecodeResult`.
    The first attempt always runs; each later one only if it is expected to finish within
    `time_budget` seconds of CPU time of the calling thread, counted from the call (CPU time, not
    wall time, so that a busy machine gets the same retries, only later). The second opinion
    runs whenever a linear code is believed, within the budget or not: it is one look at a
    half-size copy of the codes' surroundings (a few milliseconds).
    """
    started = time.thread_time()
    working = _working_copy(_open_checked(data, max_bytes, max_pixels))
    seen: list[_Seen] = []
    for index, attempt in enumerate(_ATTEMPTS):
        if not attempt.is_available():
            continue
        elapsed_ms = (time.thread_time() - started) * 1000
        if index and elapsed_ms + attempt.cost_ms(working) > time_budget * 1000:
            continue
        seen.extend(_Seen(index, read) for read in attempt.read(working) if _is_believable(read.code))
        believed, disputed = _settled(seen)
        if believed:
            opinion = _second_opinion(working, believed, attempt.engine)
            unconfirmed = [read for read in believed if _needs_agreement(read, attempt.engine, opinion)]
            seen = [_Seen(item.attempt, item.read, item.read not in unconfirmed and item.reportable) for item in seen]
            seen.extend(_Seen(-1 - index, read, reportable=False) for read in opinion)
            believed, disputed = _settled(seen)
            if believed:
                return DecodeResult(_reported(believed), attempt.engine, attempt.name)
        if disputed:
            return DecodeResult()
    return DecodeResult()


# --- refusing and loading -------------------------------------------------------------------


def _open_checked(data: bytes, max_bytes: int, max_pixels: int) -> Image.Image:
    if len(data) > max_bytes:
        raise ImageRefused("too_large", f"{len(data)} bytes is over the limit of {max_bytes}")
    try:
        image = Image.open(io.BytesIO(data), formats=_openable_formats())
    except Image.DecompressionBombError as error:
        raise ImageRefused("too_many_pixels", str(error)) from None
    except Exception:  # noqa: BLE001 - Pillow raises many types on hostile bytes; all mean the same
        raise ImageRefused("not_an_image") from None
    if image.format not in ACCEPTED_IMAGE_FORMATS:
        raise ImageRefused("not_an_image", f"{image.format} images are not accepted")
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageRefused("not_an_image", "the image has no pixels")
    if width * height > max_pixels:
        raise ImageRefused("too_many_pixels", f"{width}x{height} is over the limit of {max_pixels} pixels")
    return image


def _openable_formats() -> list[str]:
    """The accepted formats Pillow can open here (HEIF only once a plugin such as pillow-heif registers it)."""
    Image.init()
    return sorted(ACCEPTED_IMAGE_FORMATS & set(Image.OPEN))


def _working_copy(image: Image.Image) -> Image.Image:
    try:
        _draft_towards(image, WORKING_LONG_SIDE)
        _refuse_costly_decoding(image)
        return _shrunk_grayscale(image, WORKING_LONG_SIDE)
    except ImageRefused:
        raise
    except Exception:  # noqa: BLE001 - corrupt or truncated pixel data surfaces only now, as many types
        raise ImageRefused("not_an_image", "the image data is corrupt or truncated") from None


def _draft_towards(image: Image.Image, long_side: int) -> None:
    """A JPEG is set to decode at 1/2, 1/4 or 1/8 scale, keeping the long side at or above `long_side`."""
    scale = long_side / max(image.size)
    if scale < 1 and image.format in ("JPEG", "MPO"):
        image.draft("L", (math.ceil(image.width * scale), math.ceil(image.height * scale)))


def _refuse_costly_decoding(image: Image.Image) -> None:
    """The pixels still to decode (after the draft), 16-bit and wider modes counted twice."""
    width, height = image.size
    weight = 2 if image.mode.startswith(("I", "F")) else 1
    if width * height * weight > MAX_DECODED_PIXELS:
        raise ImageRefused("too_many_pixels", f"{width}x{height} {image.mode} would be decoded whole")


def _shrunk_grayscale(image: Image.Image, long_side: int) -> Image.Image:
    """Grayscale pixels with the long side at or above `long_side`, or the original size if smaller
    (a JPEG already drafted by `_draft_towards`)."""
    gray = _flattened(image).convert("L")
    factor = max(gray.size) // long_side
    return gray.reduce(factor) if factor >= 2 else gray


def _flattened(image: Image.Image) -> Image.Image:
    """Transparent pixels on white (a code on a transparent PNG is dark on nothing); 16-bit scaled to 8."""
    if image.mode in ("RGBA", "LA", "PA", "P") and (image.mode != "P" or "transparency" in image.info):
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    if image.mode.startswith("I;16"):
        return image.convert("I").point(lambda value: value / 256)
    return image


# --- attempts -------------------------------------------------------------------------------

Point = tuple[float, float]


@dataclass(frozen=True)
class _Read:
    """One code as read, with where it was read: `corners` (top-left, top-right, bottom-right,
    bottom-left of the rows that decoded), `length` along the bars' sequence, `thickness` across it."""

    code: Decoded
    corners: tuple[Point, Point, Point, Point]
    length: float
    thickness: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        return _bounding_box(self.corners)

    def moved(self, to_working: Callable[[Point], Point], scale: float = 1.0) -> _Read:
        """The same read in the working copy's coordinates, from the (turned, tilted, shrunk) copy read."""
        corners = tuple(to_working(corner) for corner in self.corners)
        return _Read(self.code, corners, self.length * scale, self.thickness * scale)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Attempt:
    """One way of reading the working copy; `read` answers in the working copy's coordinates.
    `ms_per_megapixel` is a pessimistic (p90) cost measured here, per megapixel of the working
    copy; `ms_per_megapixel_small` replaces it for a small working copy, read at full size."""

    name: str
    engine: Engine
    read: Callable[[Image.Image], list[_Read]]
    ms_per_megapixel: float
    ms_per_megapixel_small: float | None = None

    def is_available(self) -> bool:
        return self.engine != "zbar" or _zbar is not None

    def cost_ms(self, working: Image.Image) -> float:
        rate = self.ms_per_megapixel
        if self.ms_per_megapixel_small is not None and _is_small(working):
            rate = self.ms_per_megapixel_small
        return rate * working.width * working.height / 1_000_000


def _is_small(gray: Image.Image) -> bool:
    """Smaller than the working size: a half-size copy of it would lose the bars of many linear codes."""
    return max(gray.size) < WORKING_LONG_SIDE


def _reading_upright(gray: Image.Image) -> list[_Read]:
    return _read_with_zxing(gray, try_rotate=False)


def _reading_quarter_turned(gray: Image.Image) -> list[_Read]:
    turned = gray.transpose(Image.Transpose.ROTATE_90)  # a quarter turn anticlockwise
    width = gray.width
    return [read.moved(lambda p: (width - p[1], p[0])) for read in _read_with_zxing(turned, try_rotate=False)]


def _reading_half_size(read_with: Callable[[Image.Image], list[_Read]]) -> Callable[[Image.Image], list[_Read]]:
    def read(gray: Image.Image) -> list[_Read]:
        return [found.moved(lambda p: (2 * p[0], 2 * p[1]), 2.0) for found in read_with(gray.reduce(2))]

    return read


def _reading_tilted(angle: float) -> Callable[[Image.Image], list[_Read]]:
    """zxing-cpp on a copy turned by `angle` degrees (anticlockwise). A small working copy is turned
    at its full size, and read at that size only: zxing-cpp's own downscaled pass over a turned
    crisp print can misread an EAN whose check digit then happens to hold. A larger one is turned
    at half size, where a tilt costs a quarter and the bars stay wide enough."""

    def read(gray: Image.Image) -> list[_Read]:
        small = _is_small(gray)
        scale = 1 if small else 2
        source = gray if small else gray.reduce(scale)
        tilted = source.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
        to_source = _untilting(angle, source.size, tilted.size)
        return [
            found.moved(lambda p: (scale * to_source(p)[0], scale * to_source(p)[1]), scale)
            for found in _read_with_zxing(tilted, try_downscale=not small)
        ]

    return read


def _untilting(angle: float, size: tuple[int, int], tilted_size: tuple[int, int]) -> Callable[[Point], Point]:
    """Where a point of the copy turned by `angle` degrees (Pillow's rotate, expand=True) was before."""
    turn = math.radians(angle)
    cos, sin = math.cos(turn), math.sin(turn)

    def back(point: Point) -> Point:
        dx, dy = point[0] - tilted_size[0] / 2, point[1] - tilted_size[1] / 2
        return (size[0] / 2 + dx * cos - dy * sin, size[1] / 2 + dx * sin + dy * cos)

    return back


_ATTEMPTS: tuple[_Attempt, ...] = (
    _Attempt("upright", "zxing-cpp", _reading_upright, 10),
    _Attempt("quarter turn", "zxing-cpp", _reading_quarter_turned, 10),
    _Attempt("half size", "zbar", _reading_half_size(lambda half: _read_with_zbar(half)), 17),
    _Attempt(f"tilted +{TILT_DEGREES}°", "zxing-cpp", _reading_tilted(TILT_DEGREES), 6, 30),
    _Attempt(f"tilted -{TILT_DEGREES}°", "zxing-cpp", _reading_tilted(-TILT_DEGREES), 6, 30),
    _Attempt(
        "global histogram",
        "zxing-cpp",
        lambda gray: _read_with_zxing(gray, binarizer=zxingcpp.Binarizer.GlobalHistogram),
        10,
    ),
    _Attempt("light on dark", "zxing-cpp", lambda gray: _read_with_zxing(gray, try_invert=True), 40),
    _Attempt("full size", "zbar", lambda gray: _read_with_zbar(gray), 90),
)


# --- zxing-cpp ------------------------------------------------------------------------------

_F = zxingcpp.BarcodeFormat
_ZXING_FORMATS = (
    _F.EAN13,
    _F.EAN8,
    _F.UPCA,
    _F.UPCE,
    _F.Code128,
    _F.Code39Std,
    _F.Code39Ext,
    _F.Codabar,
    _F.ITF,
    _F.QRCode,
    _F.DataMatrix,
    _F.DataBar,
)
_EAN_UPC_FORMATS = (_F.EAN13, _F.EAN8, _F.UPCA, _F.UPCE)
_ZXING_SYMBOLOGY = {
    "UPCA": "EAN13",
    "Code39Std": "Code39",
    "Code39Ext": "Code39",
    "ITF14": "ITF",
    "QRCodeModel1": "QRCode",
    "QRCodeModel2": "QRCode",
    "DataBarOmni": "DataBar",
    "DataBarStk": "DataBar",
    "DataBarStkOmni": "DataBar",
    "DataBarExp": "DataBarExpanded",
    "DataBarExpStk": "DataBarExpanded",
    "DataBarLtd": "DataBarLimited",
}


def _read_with_zxing(
    gray: Image.Image,
    *,
    try_rotate: bool = True,
    try_invert: bool = False,
    try_downscale: bool = True,
    binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage,
) -> list[_Read]:
    try:
        found = zxingcpp.read_barcodes(
            gray,
            formats=_ZXING_FORMATS,
            text_mode=zxingcpp.TextMode.Plain,
            try_rotate=try_rotate,
            try_invert=try_invert,
            try_downscale=try_downscale,
            binarizer=binarizer,
        )
        return _confirmed([_from_zxing(barcode) for barcode in found], gray)
    except Exception:  # noqa: BLE001 - a reader fault on one photo must not fail the upload
        return []


def _from_zxing(barcode) -> _Read:
    symbology = _ZXING_SYMBOLOGY.get(barcode.format.name, barcode.format.name)
    text = barcode.text
    if barcode.content_type == zxingcpp.ContentType.GS1:
        text = _gs1_identifier(symbology) + text
    elif symbology == "EAN13" and len(text) == 12:
        text = "0" + text
    position = barcode.position
    corners = tuple(
        (float(p.x), float(p.y))
        for p in (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    )
    length = (math.dist(corners[0], corners[1]) + math.dist(corners[3], corners[2])) / 2
    thickness = (math.dist(corners[0], corners[3]) + math.dist(corners[1], corners[2])) / 2
    return _Read(Decoded(text, symbology), corners, length, thickness)  # type: ignore[arg-type]


def _gs1_identifier(symbology: str) -> str:
    if symbology.startswith("DataBar"):
        return _DATABAR_IDENTIFIER
    return _GS1_IDENTIFIERS.get(symbology, "")


def _zxing_version() -> str:
    try:
        return metadata.version("zxing-cpp")
    except metadata.PackageNotFoundError:
        return getattr(zxingcpp, "__version__", "unknown")


# --- ZBar -----------------------------------------------------------------------------------

_ZBAR_SYMBOLOGY = {
    "EAN13": "EAN13",
    "EAN8": "EAN8",
    "UPCA": "EAN13",
    "UPCE": "UPCE",
    "I25": "ITF",
    "CODE39": "Code39",
    "CODE128": "Code128",
    "CODABAR": "Codabar",
    "QRCODE": "QRCode",
}
_ZBAR_GS1_MODIFIER = 1 << 0
_Y800 = int.from_bytes(b"Y800", "little")


@dataclass(frozen=True)
class _ZbarSymbol:
    type_name: str
    data: bytes
    is_gs1: bool
    corners: tuple[tuple[int, int], ...]


def _read_with_zbar(gray: Image.Image) -> list[_Read]:
    try:
        return _confirmed([read for read in map(_from_zbar, _zbar_symbols(gray)) if read is not None], gray)
    except Exception:  # noqa: BLE001 - a reader fault on one photo must not fail the upload
        return []


def _zbar_symbols(gray: Image.Image) -> list[_ZbarSymbol]:
    """pyzbar's scanning loop, keeping what pyzbar drops: the GS1 modifier of each symbol."""
    scanner = _zbar.zbar_image_scanner_create()
    try:
        _zbar.zbar_image_scanner_set_config(scanner, 0, _zbar.ZBarConfig.CFG_ENABLE, 0)
        for name in _ZBAR_SYMBOLOGY:
            _zbar.zbar_image_scanner_set_config(scanner, _zbar.ZBarSymbol[name], _zbar.ZBarConfig.CFG_ENABLE, 1)
        image = _zbar.zbar_image_create()
        try:
            pixels = gray.tobytes()
            _zbar.zbar_image_set_format(image, _Y800)
            _zbar.zbar_image_set_size(image, gray.width, gray.height)
            _zbar.zbar_image_set_data(image, pixels, len(pixels), None)
            if _zbar.zbar_scan_image(scanner, image) <= 0:
                return []
            return list(_zbar_symbol_list(image))
        finally:
            _zbar.zbar_image_destroy(image)
    finally:
        _zbar.zbar_image_scanner_destroy(scanner)


def _zbar_symbol_list(image) -> Iterator[_ZbarSymbol]:
    symbol = _zbar.zbar_image_first_symbol(image)
    while symbol:
        corners = tuple(
            (_zbar.zbar_symbol_get_loc_x(symbol, i), _zbar.zbar_symbol_get_loc_y(symbol, i))
            for i in range(_zbar.zbar_symbol_get_loc_size(symbol))
        )
        yield _ZbarSymbol(
            type_name=_zbar.ZBarSymbol(symbol.contents.type).name,
            data=string_at(_zbar.zbar_symbol_get_data(symbol), _zbar.zbar_symbol_get_data_length(symbol)),
            is_gs1=_zbar_symbol_get_modifiers is not None
            and bool(_zbar_symbol_get_modifiers(symbol) & _ZBAR_GS1_MODIFIER),
            corners=corners,
        )
        symbol = _zbar.zbar_symbol_next(symbol)


def _from_zbar(symbol: _ZbarSymbol) -> _Read | None:
    symbology = _ZBAR_SYMBOLOGY.get(symbol.type_name)
    try:
        text = symbol.data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if symbology is None or not symbol.corners:
        return None
    if symbol.type_name == "UPCA":
        text = "0" + text
    elif symbol.type_name == "UPCE":
        text = _upce_to_gtin13(text)
    elif symbol.type_name == "CODE39":
        text = _code39_full_ascii(text)
    elif symbol.is_gs1:
        text = _gs1_identifier(symbology) + text
    left, top, right, bottom = _bounding_box(symbol.corners)
    corners = ((left, top), (right, top), (right, bottom), (left, bottom))
    width, height = right - left, bottom - top
    return _Read(Decoded(text, symbology), corners, max(width, height), min(width, height))


def _zbar_modifiers_function():
    """libzbar's zbar_symbol_get_modifiers, which pyzbar does not wrap; None if it cannot be had."""
    if _zbar is None:
        return None
    try:
        return _zbar.zbar_function("zbar_symbol_get_modifiers", c_uint, POINTER(_zbar.zbar_symbol))
    except Exception:  # noqa: BLE001 - an older libzbar or pyzbar: GS1-128 read by ZBar then lacks ]C1
        return None


_zbar_symbol_get_modifiers = _zbar_modifiers_function()


# --- believing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Seen:
    """A read that checked out (check digits, lengths), and which attempt made it (the second
    opinion after attempt i counts as attempt -1 - i). One that is not `reportable` (a second
    opinion's, or a read that needed agreement and found none) is never reported, but still
    contradicts the others."""

    attempt: int
    read: _Read
    reportable: bool = True


def _settled(seen: list[_Seen]) -> tuple[list[_Read], bool]:
    """The reportable reads still believed when everything every attempt read so far is weighed
    together, and whether any read was dropped for contradicting another. Within one attempt, and
    between two symbologies, `_contradicted` weighs them; between two attempts (a second opinion
    included), two different codes of one symbology on one spot drop each other whatever their
    weight: one of them is a misread, and nothing tells which."""
    dropped: set[int] = set()
    for (i, first), (j, second) in combinations(enumerate(seen), 2):
        if _agree(first.read.code, second.read.code):
            continue
        if first.attempt == second.attempt:
            losers = _contradicted(first.read, second.read, _boxes_meet_reads)
        elif first.read.code.symbology == second.read.code.symbology:
            losers = (0, 1) if _spots_meet(first.read, second.read) else ()
        else:
            losers = _contradicted(first.read, second.read, _spots_meet)
        dropped.update((i, j)[loser] for loser in losers)
    believed = [item.read for index, item in enumerate(seen) if index not in dropped and item.reportable]
    return believed, bool(dropped)


def _reported(believed: list[_Read]) -> tuple[Decoded, ...]:
    """Each believed code once; where two engines agree on a GS1 code but only one could tell its
    symbology identifier (an older libzbar), the one with it."""
    codes: list[Decoded] = []
    for read in believed:
        code = read.code
        twin = next((index for index, kept in enumerate(codes) if _agree(kept, code)), None)
        if twin is None:
            codes.append(code)
        elif len(code.text) > len(codes[twin].text):
            codes[twin] = code
    return tuple(codes)


def _agree(first: Decoded, second: Decoded) -> bool:
    """The same code: one symbology, one text (a GS1 symbology identifier one engine could not tell aside)."""
    return first.symbology == second.symbology and _without_identifier(first.text) == _without_identifier(
        second.text
    )


def _without_identifier(text: str) -> str:
    return text[3:] if text[:3] in (*_GS1_IDENTIFIERS.values(), _DATABAR_IDENTIFIER) else text


def _contradicted(first: _Read, second: _Read, meet: Callable[[_Read, _Read], bool]) -> tuple[int, ...]:
    """Which of two different linear reads on one spot to drop (0 the first, 1 the second): the one
    outweighed, or both if they meet and neither outweighs the other; none if they are not near."""
    if not _near_each_other(first, second):
        return ()
    if _outweighs(first, second):
        return (1,)
    if _outweighs(second, first):
        return (0,)
    return (0, 1) if meet(first, second) else ()


def _second_opinion(working: Image.Image, believed: list[_Read], engine: Engine) -> list[_Read]:
    """What the other engine reads around the linear codes believed (the surroundings of them all, in
    one look), in the working copy's coordinates: only to contradict them, never to add a code.
    Matrix codes carry error correction and go without one."""
    linear = [read for read in believed if read.code.symbology in LINEAR_SYMBOLOGIES]
    if not linear:
        return []
    boxes = [_surroundings(read, working) for read in linear]
    left, top = min(box[0] for box in boxes), min(box[1] for box in boxes)
    right, bottom = max(box[2] for box in boxes), max(box[3] for box in boxes)
    if right - left < _SECOND_LOOK_MIN_SIDE or bottom - top < _SECOND_LOOK_MIN_SIDE:
        return []
    look = _SECOND_LOOKS["zbar" if engine == "zxing-cpp" and _zbar is not None else "zxing-cpp"]
    reads = look(working.crop((left, top, right, bottom)))
    return [read.moved(lambda p: (p[0] + left, p[1] + top)) for read in reads if _is_believable(read.code)]


def _surroundings(read: _Read, gray: Image.Image) -> tuple[int, int, int, int]:
    """The read's box and some way around it: along the bars a little, across them enough for the
    rest of a code read along one row."""
    across, along = 0.15 * read.length, 0.5 * read.thickness + 0.1 * read.length
    left, top, right, bottom = read.box
    return (
        max(0, round(left - across)),
        max(0, round(top - along)),
        min(gray.width, round(right + across)),
        min(gray.height, round(bottom + along)),
    )


def _zbar_second_look(crop: Image.Image) -> list[_Read]:
    """ZBar on a half-size copy of the surroundings: a fifth of the cost of reading them at full size,
    and on blurred phone photos ZBar reads more of the codes there than at full size."""
    if min(crop.size) < 2 * _SECOND_LOOK_MIN_SIDE:
        return _read_with_zbar(crop)
    return [read.moved(lambda p: (2 * p[0], 2 * p[1]), 2.0) for read in _read_with_zbar(crop.reduce(2))]


_SECOND_LOOK_MIN_SIDE = 48
_SECOND_LOOKS: dict[str, Callable[[Image.Image], list[_Read]]] = {
    "zbar": _zbar_second_look,
    "zxing-cpp": lambda crop: _read_with_zxing(crop, binarizer=zxingcpp.Binarizer.GlobalHistogram),
}


def _needs_agreement(read: _Read, engine: Engine, opinion: list[_Read]) -> bool:
    """A UPC-E that only ZBar reads is believed only if zxing-cpp's second look reads it too: ZBar,
    above all on a half-size copy, reads part of an EAN-13 or a blurred UPC-E as another valid
    UPC-E (its check digit is only a parity pattern), and nothing else reading there to contradict."""
    if engine != "zbar" or read.code.symbology != "UPCE":
        return False
    return not any(_agree(other.code, read.code) and _spots_meet(other, read) for other in opinion)


def _confirmed(reads: list[_Read], gray: Image.Image) -> list[_Read]:
    """EAN/UPC reads survive only if zxing-cpp, reading the code's surroundings again, does not
    find a different EAN/UPC there: the check digit alone lets one misread in ten through."""
    return [read for read in reads if not _contradicted_on_second_look(read, gray)]


def _contradicted_on_second_look(read: _Read, gray: Image.Image) -> bool:
    if read.code.symbology not in _EAN_UPC or not _is_believable(read.code):
        return False
    surroundings = gray.crop(_surroundings(read, gray))
    found = zxingcpp.read_barcodes(
        surroundings, formats=_EAN_UPC_FORMATS, text_mode=zxingcpp.TextMode.Plain, try_invert=False
    )
    second_look = {_from_zxing(barcode).code for barcode in found}
    return bool(second_look) and read.code not in second_look


def _is_believable(code: Decoded) -> bool:
    """Check digits hold where the symbology has them; ITF only as ITF-14; NW-7 framed by its start
    and stop letters around at least `CODABAR_MIN_DATA` characters; never empty."""
    text = code.text
    if not text.strip():
        return False
    if code.symbology == "Codabar":
        return _CODABAR.fullmatch(text) is not None
    if code.symbology in ("EAN13", "UPCE"):
        return len(text) == 13 and has_valid_check_digit(text)
    if code.symbology == "EAN8":
        return len(text) == 8 and has_valid_check_digit(text)
    if code.symbology == "ITF":
        return len(text) == 14 and has_valid_check_digit(text)
    return True


def _boxes_meet_reads(first: _Read, second: _Read) -> bool:
    return _boxes_meet(first.box, second.box, 0.0)


def _outweighs(read: _Read, other: _Read) -> bool:
    """Read across a much wider band of bars, or along a much longer stretch of them, and not the reverse."""

    def dominates(a: _Read, b: _Read) -> bool:
        return a.thickness >= _THICKER * b.thickness or a.length >= _LONGER * b.length

    return dominates(read, other) and not dominates(other, read)


def _spots_meet(first: _Read, second: _Read) -> bool:
    """Whether two reads, each widened across its bars to at least `_SPOT_THICKNESS` of its length
    (a read along a single row is a line), overlap: the code's real outline, turned however it is,
    not its upright bounding box, which a tilt would swell onto a neighbouring code."""
    return _convex_polygons_overlap(_spot(first), _spot(second))


def _spot(read: _Read) -> list[Point]:
    top_left, top_right, bottom_right, bottom_left = read.corners
    widen = (_SPOT_THICKNESS * read.length - read.thickness) / 2
    along = (
        top_right[0] - top_left[0] + bottom_right[0] - bottom_left[0],
        top_right[1] - top_left[1] + bottom_right[1] - bottom_left[1],
    )
    norm = math.hypot(*along)
    if widen <= 0 or norm == 0:
        return list(read.corners)
    across = (-along[1] / norm, along[0] / norm)  # a right angle clockwise from along: downwards for upright rows
    if (bottom_left[0] - top_left[0]) * across[0] + (bottom_left[1] - top_left[1]) * across[1] < 0:
        across = (-across[0], -across[1])
    up, down = (-widen * across[0], -widen * across[1]), (widen * across[0], widen * across[1])
    return [
        (top_left[0] + up[0], top_left[1] + up[1]),
        (top_right[0] + up[0], top_right[1] + up[1]),
        (bottom_right[0] + down[0], bottom_right[1] + down[1]),
        (bottom_left[0] + down[0], bottom_left[1] + down[1]),
    ]


def _convex_polygons_overlap(first: list[Point], second: list[Point]) -> bool:
    """Separating axis test; touching counts as overlapping, and a polygon may be flat (a line)."""
    for polygon in (first, second):
        for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]):
            axis = (y1 - y2, x2 - x1)
            if axis == (0, 0):
                continue
            a = [axis[0] * x + axis[1] * y for x, y in first]
            b = [axis[0] * x + axis[1] * y for x, y in second]
            if max(a) < min(b) or max(b) < min(a):
                return False
    return True


def _near_each_other(first: _Read, second: _Read) -> bool:
    """Two linear reads on one spot or, when one is EAN/UPC, close enough for one of them to be a
    partial pass over the other's bars or over the digits printed under them."""
    symbologies = {first.code.symbology, second.code.symbology}
    if not symbologies <= LINEAR_SYMBOLOGIES:
        return False
    margin = _EAN_UPC_NEIGHBOURHOOD * max(first.length, second.length) if symbologies & _EAN_UPC else 0.0
    return _boxes_meet(first.box, second.box, margin)


def _boxes_meet(first: tuple[float, ...], second: tuple[float, ...], margin: float) -> bool:
    return (
        first[0] - margin <= second[2]
        and second[0] - margin <= first[2]
        and first[1] - margin <= second[3]
        and second[1] - margin <= first[3]
    )


def _bounding_box(corners) -> tuple[float, float, float, float]:
    xs = [x for x, _ in corners]
    ys = [y for _, y in corners]
    return (min(xs), min(ys), max(xs), max(ys))


_CODE39_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
_CODE39_SHIFTS = "$%/+"
_CODE39_PERCENT = {
    **dict(zip("ABCDE", map(chr, range(27, 32)))),
    **dict(zip("FGHIJ", ";<=>?")),
    **dict(zip("KLMNO", "[\\]^_")),
    **dict(zip("PQRST", "{|}~\x7f")),
    "U": "\x00",
    "V": "@",
    "W": "`",
    **dict.fromkeys("XYZ", "\x7f"),
}


def _code39_full_ascii(text: str) -> str:
    """Code 39 as ZBar reads it (shift pairs left as they are), interpreted as extended (full ASCII)
    Code 39 the way zxing-cpp does it: only if it has shift pairs and every one of them is valid,
    leaving a valid mod-43 check character at the end out of the interpretation."""
    body, check = text, ""
    if len(text) > 1 and all(c in _CODE39_ALPHABET for c in text[:-1]):
        if text[-1] == _CODE39_ALPHABET[sum(map(_CODE39_ALPHABET.index, text[:-1])) % 43]:
            body, check = text[:-1], text[-1]
    if not any(c in _CODE39_SHIFTS for c in body):
        return text
    decoded, characters = [], iter(body)
    for c in characters:
        if c in _CODE39_SHIFTS:
            following = next(characters, "")
            if not ("A" <= following <= "Z"):
                return text
            c = {
                "$": lambda n: chr(ord(n) - 64),
                "%": lambda n: _CODE39_PERCENT[n],
                "/": lambda n: chr(ord(n) - 32),
                "+": lambda n: chr(ord(n) + 32),
            }[c](following)
        decoded.append(c)
    return "".join(decoded) + check


def _upce_to_gtin13(upce: str) -> str:
    """Expand an 8-digit UPC-E (number system 0 or 1, six digits, check) to its GTIN-13; else unchanged."""
    if len(upce) != 8 or not (upce.isascii() and upce.isdigit()) or upce[0] not in "01":
        return upce
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
