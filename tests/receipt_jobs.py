"""Jobs for concurrent receipt tests (top-level, so spawned worker processes can import them)."""
from __future__ import annotations

from types import SimpleNamespace

from app.receipts.plans import create_receipt
from app.timeutil import local_today


def start_blind_receipt(session, name, warehouse_id, user_id):
    receipt = create_receipt(session, warehouse_id, f"supplier {name}", local_today(), [], user_id, blind=True)
    return SimpleNamespace(outcome=receipt.code)
