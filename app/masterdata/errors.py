"""Refusals of the master-data rules, each carrying what a screen needs to explain it.

Messages are lazy translations: they are written in the reader's language when shown.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class RowError:
    """One problem of an import: `row` as a spreadsheet numbers it (header = 1), None for the
    whole file; `field` names the column (or form field) it is about, when there is one."""

    row: int | None
    message: object
    field: str | None = None


class ImportRefused(Exception):
    """A file (or form) with at least one problem: nothing of it was written.

    `headers` maps field names to the header text the file used, so errors can name the
    column the way the person wrote it.
    """

    def __init__(self, errors: list[RowError], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = sorted(errors, key=lambda e: (e.row or 0))
        self.headers = dict(headers or {})

    @classmethod
    def file(cls, message) -> ImportRefused:
        return cls([RowError(None, message)])

    def column(self, error: RowError) -> str | None:
        """The column of `error` as the file named it (the field name if the file did not)."""
        if error.field is None:
            return None
        return self.headers.get(error.field, error.field)


class CellError(ValueError):
    """A cell (or form field) whose text is not what the column holds."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


class LocationNotFound(LookupError):
    pass


@dataclass(eq=False)
class LocationHoldsStock(Exception):
    """A location cannot be deactivated (or change kind) while stock is in it."""

    code: str
    units: int
    products: int

    def message(self):
        return _l("%(code)s still holds %(units)s units of %(products)s products: move them out first.",
                  code=self.code, units=self.units, products=self.products)


@dataclass(eq=False)
class LocationRequired(Exception):
    """One of the locations every warehouse needs (dock, quarantine, virtual ones)."""

    code: str

    def message(self):
        return _l("%(code)s is one of the locations every warehouse needs: it cannot be deactivated.",
                  code=self.code)


@dataclass(eq=False)
class RangeRefused(Exception):
    """A location range that cannot be created; `errors` maps form fields to messages."""

    errors: dict[str, object] = field(default_factory=dict)


class FormRefused(Exception):
    """A form about one thing (product, shelf, warehouse, settings) with problems: nothing was written.
    `errors` maps form fields to messages."""

    def __init__(self, errors: dict[str, object]) -> None:
        super().__init__(", ".join(errors))
        self.errors = dict(errors)


class NotFound(LookupError):
    """No such thing here (or not one this screen edits)."""
