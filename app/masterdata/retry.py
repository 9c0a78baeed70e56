"""Running a unit of work again when a concurrent one took a unique key first."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

T = TypeVar("T")
ATTEMPTS = 3


def retried_on_conflict(work: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """`work()`, run again (up to `attempts` times) if it fails on a unique constraint.

    Two people importing at once on PostgreSQL may both decide that a SKU is new, or both take
    the day's next receipt number; the second one's insert then fails and its transaction is
    rolled back. Running the whole unit of work again reads what the first one committed and
    does the right thing (update instead of create, the following number).
    """
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except IntegrityError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")
