"""The office's CSV import screens, one way for every file (products, locations, expected
receipts, orders): the page (the upload, every problem of a refused file with its row, the
columns read), the posted file taken all or nothing, and the CSV files a screen hands out."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app.masterdata.csvfile import Column, write_csv
from app.masterdata.errors import ImportRefused


class Imported(Protocol):
    ignored_columns: tuple[str, ...]


ImportedT = TypeVar("ImportedT", bound=Imported)


@dataclass(frozen=True)
class CsvImport:
    """One import screen. `action`, `back` and `sample` are endpoints (a success goes `back`);
    `hints` is the template of what this file's rows mean; `context` adds what it needs."""

    title: object
    action: str
    back: str
    columns: Sequence[Column]
    required: Sequence[Sequence[str]]
    hints: str
    sample: str | None = None
    context: Callable[[], dict] = dict

    @property
    def required_fields(self) -> set[str]:
        return {group[0] for group in self.required if len(group) == 1}

    @property
    def either_fields(self) -> set[str]:
        return {field for group in self.required if len(group) > 1 for field in group}

    def page(self, refused: ImportRefused | None = None, errors: dict | None = None) -> str:
        return render_template("shell/csv_import.html", screen=self, refused=refused, errors=errors or {},
                               **self.context())

    def take(self, read: Callable[[bytes], ImportedT], done: Callable[[ImportedT], str], *, ready: bool = True):
        """The answer to a posted file: `read` imports it (raising ImportRefused, nothing written),
        `done` says what was imported. Without a file (or not `ready`) the page asks for one."""
        data = uploaded_csv()
        if not ready or data is None:
            return self.page(errors={"file": _("Choose a CSV file.")}), 422
        try:
            result = read(data)
        except ImportRefused as refused:
            return self.page(refused=refused), 422
        flash(done(result), "ok")
        flash_ignored_columns(result.ignored_columns)
        return redirect(url_for(self.back))

    def sample_file(self, rows: Iterable[Sequence[object]], filename: str) -> Response:
        """A sample file of `rows` under the headers of the user's language."""
        language = str(get_locale() or "ja")
        return csv_download(write_csv([column.header(language) for column in self.columns], rows), filename)


def uploaded_csv() -> bytes | None:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    return upload.read()


def csv_download(data: bytes, filename: str) -> Response:
    return Response(data, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def flash_ignored_columns(columns) -> None:
    """After a CSV import: say which of the file's columns were not read (none: say nothing)."""
    if columns:
        flash(_("These columns were not read: %(columns)s.", columns=", ".join(columns)), "note")
