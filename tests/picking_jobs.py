"""Picking jobs for tests.concurrency.run_workers (top-level, so spawned processes can import them)."""
from __future__ import annotations

from types import SimpleNamespace


def short_pick_current_line(session, name, list_id, warehouse_id, user_id):
    """The picker of `list_id` finds its current line's shelf short (「ここに足りない」)."""
    from app.picking import service

    view = service.load_list(session, list_id, warehouse_id)
    service.claim(session, view, user_id)
    shorted = service.short_pick(session, view, view.current, user_id=user_id, key=f"short-{name}")
    return SimpleNamespace(outcome=f"short:{shorted.missing}:{shorted.reallocated}")


def short_one_of_the_lists(session, name, lists, users, warehouse_id):
    """Worker p<n>t0 short-picks list n."""
    n = int(name[1])
    return short_pick_current_line(session, name, lists[n], warehouse_id, users[n])


def claim_and_pack_one(session, name, order_id, warehouse_id, users, station_id):
    """Packer p<n> claims the order and packs one unit of its first line; the loser is told who packs."""
    from app.packing import service as packing

    user_id = users[int(name[1])]
    view = packing.load(session, order_id, warehouse_id)
    packing.claim(session, view, user_id)
    part = next(p for p in view.parts if p.remaining)
    packing.pack(session, view, part, 1, station_id=station_id, lot_id=None, lot_number=None, serial=None,
                 user_id=user_id, key=f"pack-{name}")
    return SimpleNamespace(outcome=f"packed-by:{user_id}")
