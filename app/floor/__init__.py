"""The floor kit: what every scan workflow shares (the scan step, refusals, typed fields)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.floor.step import new_scan_id

    app.add_template_global(new_scan_id)
