"""What a floor screen must be on a phone, measured in the page (FLOOR_UX.md "Layout")."""
from __future__ import annotations

MEASURE = """() => {
  const visible = e => { const r = e.getBoundingClientRect(); return e.offsetParent !== null && r.width > 0 && r.height > 0; };
  const tappable = [...document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])')]
    .filter(visible)
    .filter(e => !(e.tagName === 'INPUT' && e.type === 'file'));
  const smallTargets = tappable
    .filter(e => { const r = e.getBoundingClientRect(); return r.height < 47.5 || r.width < 47.5; })
    .map(e => { const r = e.getBoundingClientRect(); return `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${r.width.toFixed(0)}×${r.height.toFixed(0)}: ${e.textContent.trim().slice(0, 30)}`; });
  const tooSmallText = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(visible).filter(e => parseFloat(getComputedStyle(e).fontSize) < 16).map(e => e.name || e.id);
  const brokenTokens = [...document.querySelectorAll('.tok')].filter(visible)
    .filter(e => new Set([...e.getClientRects()].map(r => Math.round(r.top))).size > 1).map(e => e.textContent);
  const cutTitles = [...document.querySelectorAll('.bar-title')].filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent);
  return {scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth, smallTargets, tooSmallText,
          brokenTokens, cutTitles, bodyFont: parseFloat(getComputedStyle(document.body).fontSize)};
}"""


def measure(page) -> dict:
    return page.evaluate(MEASURE)


def assert_phone_layout(page) -> None:
    """No horizontal scroll, nothing to tap under 48 × 48 px, no input text under 16 px (iOS zooms),
    no code, 棚番, lot or quantity broken across lines."""
    layout = measure(page)
    screen = page.viewport_size["width"]
    # A phone browser widens its layout to fit content that is too wide (innerWidth grows past the
    # screen), so the page is compared with the screen, not with itself.
    assert layout["width"] <= screen, f"layout widened to {layout['width']} px on a {screen} px screen"
    assert layout["scrollWidth"] <= screen, f"horizontal scroll: {layout['scrollWidth']} > {screen}"
    assert layout["smallTargets"] == [], f"tap targets under 48 px: {layout['smallTargets']}"
    assert layout["tooSmallText"] == [], "inputs under 16 px make iOS zoom"
    assert layout["brokenTokens"] == [], f"tokens broken across lines: {layout['brokenTokens']}"
    assert layout["cutTitles"] == [], f"header titles cut off: {layout['cutTitles']}"
    assert layout["bodyFont"] >= 16


def bottom_of(page, selector: str) -> float:
    return page.locator(selector).first.evaluate("e => e.getBoundingClientRect().bottom")


def top_of(page, selector: str) -> float:
    return page.locator(selector).first.evaluate("e => e.getBoundingClientRect().top")
