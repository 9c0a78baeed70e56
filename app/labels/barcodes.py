"""The barcodes on our labels: bars computed by python-barcode, drawn by us.

python-barcode's `build()` gives the module pattern (`'1101…'`, one character per module, `1`
a bar). Its own SVG writer puts `style="fill:black"` on hundreds of `<rect>` elements, which
our Content-Security-Policy (`style-src 'self'`) blocks, so we draw the pattern ourselves:

- `render_svg`: one `<path>` with a `fill` presentation attribute, in module units, stretched
  by the label's CSS to the printed size (`preserveAspectRatio="none"`);
- `render_png`: the same bars as a PNG, for the round-trip test and anything that needs pixels.

Every `Symbol` carries its quiet zones (light margins a scanner needs on both sides), counted
in modules, so both renderers leave them blank.
"""
from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

import barcode
import barcode.errors
from markupsafe import Markup, escape
from PIL import Image, ImageDraw

from app.barcodes.checkdigit import is_valid_gtin

GS = "\x1d"
SVG_BAR_HEIGHT = 50
FNC1 = "\xf1"

# GS1 General Specifications, figure 5.10.1-2: AIs whose length is predefined by their first
# two digits. Any other element needs FNC1 after it unless it ends the symbol.
PREDEFINED_LENGTH_AI_PREFIXES = frozenset(
    {"00", "01", "02", "03", "04", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20",
     "31", "32", "33", "34", "35", "36", "41"}
)


class Symbology(StrEnum):
    CODE128 = "code128"
    GS1_128 = "gs1_128"
    EAN13 = "ean13"
    EAN8 = "ean8"


QUIET_ZONES: dict[Symbology, tuple[int, int]] = {
    Symbology.CODE128: (10, 10),
    Symbology.GS1_128: (10, 10),
    Symbology.EAN13: (11, 7),
    Symbology.EAN8: (7, 7),
}


class BarcodeRefused(ValueError):
    """The text cannot be drawn in the symbology asked for (wrong characters, check digit, length)."""


@dataclass(frozen=True)
class Symbol:
    """One barcode ready to draw. `text` is what a scanner sends for it (GS1: the element string
    with GS where FNC1 separates elements); `pattern` has one `0`/`1` per module, bars only."""

    symbology: Symbology
    text: str
    pattern: str

    @property
    def quiet_left(self) -> int:
        return QUIET_ZONES[self.symbology][0]

    @property
    def quiet_right(self) -> int:
        return QUIET_ZONES[self.symbology][1]

    @property
    def width_modules(self) -> int:
        """Modules from the left edge to the right edge, quiet zones included."""
        return self.quiet_left + len(self.pattern) + self.quiet_right

    def bars(self) -> Iterator[tuple[int, int]]:
        """(start, width) of every bar in modules, measured from the left edge of the quiet zone."""
        start = None
        for index, module in enumerate(self.pattern + "0"):
            if module == "1" and start is None:
                start = index
            elif module != "1" and start is not None:
                yield self.quiet_left + start, index - start
                start = None


def code128(text: str) -> Symbol:
    """Code 128 of printable ASCII `text` (our `ZL-`, `ZT-`, `ZU-` labels, internal codes)."""
    if not text or not all(" " <= char <= "~" for char in text):
        raise BarcodeRefused(f"Code 128 labels take printable ASCII only: {text!r}")
    return Symbol(Symbology.CODE128, text, _pattern("code128", text))


def gs1_128(elements: Sequence[tuple[str, str]]) -> Symbol:
    """GS1-128 of (AI, value) pairs in the order given: FNC1 first, and FNC1 after every element
    of variable length that is not the last one. Put variable-length elements (lot) last."""
    if not elements:
        raise BarcodeRefused("a GS1-128 symbol needs at least one element")
    data = _gs1_data(elements, separator=FNC1)
    if not all(" " <= char <= "~" or char == FNC1 for char in data):
        raise BarcodeRefused(f"GS1-128 elements take printable ASCII only: {elements!r}")
    return Symbol(Symbology.GS1_128, _gs1_data(elements, separator=GS), _pattern("gs1_128", data))


def ean13(code: str) -> Symbol:
    """EAN-13 (JAN) of a 13-digit GTIN with a valid check digit."""
    return _ean(code, 13, Symbology.EAN13)


def ean8(code: str) -> Symbol:
    """EAN-8 of an 8-digit GTIN with a valid check digit."""
    return _ean(code, 8, Symbology.EAN8)


def gtin_symbol(gtin: str) -> Symbol:
    """The retail symbol of a unit GTIN: EAN-8 for 8 digits, EAN-13 for 13, UPC-A (drawn as the
    identical EAN-13 with a leading 0) for 12, and a GTIN-14 of a unit (leading 0) as its EAN-13."""
    if len(gtin) == 8:
        return ean8(gtin)
    if len(gtin) == 12:
        return ean13("0" + gtin)
    if len(gtin) == 14 and gtin.startswith("0"):
        return ean13(gtin[1:])
    return ean13(gtin)


def render_svg(symbol: Symbol, css_class: str = "barcode") -> Markup:
    """The symbol as inline SVG: one `<path>`, no style attributes, sized by CSS."""
    width = symbol.width_modules
    path = "".join(f"M{x} 0h{w}v{SVG_BAR_HEIGHT}h-{w}z" for x, w in symbol.bars())
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" viewBox="0 0 {width} {height}" '
        'preserveAspectRatio="none" shape-rendering="crispEdges" role="img" aria-label="{label}" '
        'data-symbology="{symbology}"><path fill="#000" d="{path}"/></svg>'
    ).format(
        css_class=css_class,
        width=width,
        height=SVG_BAR_HEIGHT,
        label=escape(symbol.text.replace(GS, " ")),
        symbology=symbol.symbology.value,
        path=Markup(path),
    )


def render_png(symbol: Symbol, module_px: int = 3, bar_height_px: int = 120, border_px: int = 20) -> bytes:
    """The symbol as a black-on-white PNG: `module_px` pixels per module, quiet zones kept,
    plus a white `border_px` around everything."""
    width = symbol.width_modules * module_px + 2 * border_px
    height = bar_height_px + 2 * border_px
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for x, w in symbol.bars():
        left = border_px + x * module_px
        draw.rectangle((left, border_px, left + w * module_px - 1, border_px + bar_height_px - 1), fill=0)
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def _ean(code: str, length: int, symbology: Symbology) -> Symbol:
    if len(code) != length or not is_valid_gtin(code):
        raise BarcodeRefused(f"not a valid {length}-digit GTIN: {code!r}")
    return Symbol(symbology, code, _pattern(symbology.value, code))


def _gs1_data(elements: Sequence[tuple[str, str]], separator: str) -> str:
    parts = []
    for index, (ai, value) in enumerate(elements):
        parts.append(ai + value)
        is_last = index == len(elements) - 1
        if not is_last and ai[:2] not in PREDEFINED_LENGTH_AI_PREFIXES:
            parts.append(separator)
    return "".join(parts)


def _pattern(name: str, data: str) -> str:
    try:
        pattern = barcode.get(name, data).build()[0]
    except barcode.errors.BarcodeError as error:
        raise BarcodeRefused(str(error)) from None
    return pattern


__all__ = [
    "BarcodeRefused", "Symbol", "Symbology", "code128", "gs1_128", "ean13", "ean8", "gtin_symbol",
    "render_svg", "render_png",
]
