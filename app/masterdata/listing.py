"""One page of a long list, and the chunks a long IN (…) is split into."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
IN_CHUNK = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number(value: int | None, total: int, size: int) -> int:
    """`value` kept within 1 … the last page."""
    last = max(1, -(-total // size))
    return min(max(1, value or 1), last)


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """`values` in slices small enough for one IN (…) on SQLite and PostgreSQL."""
    for start in range(0, len(values), size):
        yield values[start:start + size]
