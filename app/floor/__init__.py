"""The floor kit: what every scan workflow shares (the scan step, refusals, typed fields)."""
from __future__ import annotations

from flask import Flask
from markupsafe import Markup, escape


def tok(value, kind: str = "") -> Markup:
    """A code, 棚番, lot or quantity as the floor shows it: never broken across lines, tabular digits.

    A plain function rather than a template macro: a scan's answer writes dozens of them.
    """
    css = f"tok tok-{kind}" if kind else "tok"
    return Markup(f'<span class="{css}">{escape(value)}</span>')


def init_app(app: Flask) -> None:
    from app.floor.step import new_scan_id

    app.add_template_global(new_scan_id)
    app.add_template_global(tok)
