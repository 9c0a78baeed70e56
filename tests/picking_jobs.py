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
