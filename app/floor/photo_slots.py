"""How many photos this machine decodes at once: the rest are told to come back in a moment.

Decoding a photo costs a CPU for up to a second; with gunicorn's sync workers a photo being
decoded also holds a worker. So photos take one of PHOTO_DECODES_AT_ONCE slots, shared by every
worker of this machine through lock files in the instance folder (an flock is let go when its
process ends, even killed). A photo that finds every slot taken for PHOTO_SLOT_WAIT seconds is
answered "busy" (503 with Retry-After; the floor page sends it again by itself), so a typed or
scanned code never waits behind photos: at most that many workers decode at a time.
"""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POLL_SECONDS = 0.05


class NoSlot(Exception):
    """Every decode slot stayed taken while we waited."""


@contextmanager
def decode_slot(folder: str | Path, slots: int, wait: float) -> Iterator[int]:
    """Hold one of `slots` decode slots (by its number) for the block; NoSlot after `wait` seconds."""
    directory = Path(folder) / "photo-slots"
    directory.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while True:
        for number in range(slots):
            handle = _try_slot(directory / f"slot-{number}.lock")
            if handle is not None:
                try:
                    yield number
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
                    os.close(handle)
                return
        if time.monotonic() >= deadline:
            raise NoSlot()
        time.sleep(POLL_SECONDS)


def _try_slot(path: Path) -> int | None:
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        return None
    return handle
