"""CSV files as Japanese offices write them, read and written one way for every import.

Reading
- Encoding: UTF-8 (with or without BOM) is tried strictly first, then Shift_JIS as Windows
  and Excel write it (CP932). Anything else (UTF-16 "Unicode text", binary files, other
  code pages) is refused with a message saying how to save the file.
- Separator: comma, or tab when the header line has tabs and no comma.
- Header: row 1. Each header is matched to a field by its accepted names, in Japanese or
  English, ignoring case, full/half width, spaces, `_`, `-`, `.`, `/` and `・`. Unknown
  columns are ignored (and reported); two columns for one field, or a missing required
  column, refuse the file.
- Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2.
  Rows with nothing in them are skipped. Cells are stripped of surrounding spaces.
- Files of document lines (orders, expected receipts): each row is a line naming its product
  by SKU or JAN (either column may hold either); rows are grouped into documents. Errors about
  a line's product name the column it came from.

Writing: UTF-8 with BOM and CRLF line ends, which Excel opens without garbling Japanese.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask_babel import lazy_gettext as _l

from app.masterdata.cells import word_key
from app.masterdata.errors import CellError, ImportRefused, RowError

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
ENCODING_NAMES = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "cp932": "Shift_JIS (CP932)"}
MAX_FIELD_SIZE = 10_000


RowT = TypeVar("RowT")


@dataclass(frozen=True)
class ReadFile(Generic[RowT]):
    """The rows of an uploaded file that read well (or the documents they make), and the row-numbered
    problems of the others."""

    rows: list[RowT]
    errors: list[RowError]
    headers: dict[str, str]
    ignored: tuple[str, ...]
    encoding: str


@dataclass(frozen=True)
class Column:
    """A field of an import: its English and Japanese header (export writes one of them)
    and other header spellings accepted on import."""

    field: str
    en: str
    ja: str
    aliases: tuple[str, ...] = ()

    def accepts(self, header: str) -> bool:
        key = word_key(header)
        return key in {word_key(name) for name in (self.field, self.en, self.ja, *self.aliases)}

    def header(self, language: str) -> str:
        return self.ja if language == "ja" else self.en


@dataclass(frozen=True)
class Row:
    number: int
    cells: dict[str, str]

    def __getitem__(self, field: str) -> str:
        return self.cells.get(field, "")


def read_cells(row: Row, readers: Mapping[str, Callable[[str], object]], errors: list[RowError],
               needed: Mapping[str, object] | None = None) -> tuple[dict[str, object], bool]:
    """The values of `row`'s filled cells, each read by its field's reader, in `readers` order.

    A cell its reader refuses (CellError) becomes a RowError naming the row and field in
    `errors`; so does an empty cell of a field in `needed`, with the message given there.
    Empty cells are left out of the values. Returns the values and whether any cell was wrong.
    """
    values: dict[str, object] = {}
    found_error = False
    for field_name, read in readers.items():
        text = row[field_name]
        if not text:
            if needed and field_name in needed:
                errors.append(RowError(row.number, needed[field_name], field_name))
                found_error = True
            continue
        try:
            values[field_name] = read(text)
        except CellError as error:
            errors.append(RowError(row.number, error.message, field_name))
            found_error = True
    return values, found_error


@dataclass(frozen=True)
class Table:
    rows: list[Row]
    headers: dict[str, str]
    ignored: tuple[str, ...]
    encoding: str

    def has(self, field: str) -> bool:
        return field in self.headers


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in (`utf-8-sig`, `utf-8` or `cp932`).

    Raises ImportRefused for an empty file or one in any other encoding.
    """
    if not data.strip():
        raise ImportRefused.file(_l("The file is empty."))
    if data.startswith(UTF16_BOMS) or b"\x00" in data:
        raise ImportRefused.file(_wrong_encoding())
    candidates = ("utf-8-sig",) if data.startswith(UTF8_BOM) else ("utf-8", "cp932")
    for encoding in candidates:
        try:
            return data.decode(encoding, errors="strict"), encoding
        except UnicodeDecodeError:
            continue
    raise ImportRefused.file(_wrong_encoding())


def _wrong_encoding():
    return _l("The file is neither UTF-8 nor Shift_JIS (CP932) text. In Excel, save it as "
              "\"CSV UTF-8 (comma delimited)\" or \"CSV (comma delimited)\" and upload it again.")


def read_table(data: bytes, columns: Sequence[Column], required: Sequence[Sequence[str]], *,
               max_rows: int) -> Table:
    """The rows of a CSV file, with cells keyed by field (rules in the module docstring).

    `required` lists the fields that must have a column; an inner sequence of several fields
    means "one of these". Raises ImportRefused for file-level problems.
    """
    text, encoding = decode(data)
    records = _records(text)
    try:
        header = next(records)
    except StopIteration:
        raise ImportRefused.file(_l("The file is empty.")) from None
    headers, positions, ignored = _match_headers(header, columns)
    _check_required(headers, columns, required)
    rows = []
    for number, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) == max_rows:
            raise ImportRefused.file(_l("The file has more than %(n)s rows: split it into smaller files.", n=max_rows))
        cells = {field: record[i].strip() if i < len(record) else "" for field, i in positions.items()}
        rows.append(Row(number, cells))
    if not rows:
        raise ImportRefused.file(_l("The file has a header but no rows."))
    return Table(rows, headers, ignored, encoding)


def _records(text: str):
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            message = _l("The file is not a readable CSV here (%(detail)s).", detail=str(exc))
            raise ImportRefused([RowError(reader.line_num or None, message)]) from None
        if any(len(cell) > MAX_FIELD_SIZE for cell in record):
            message = _l("A cell is longer than %(n)s characters.", n=MAX_FIELD_SIZE)
            raise ImportRefused([RowError(reader.line_num, message)])
        yield record


def _match_headers(header: list[str], columns: Sequence[Column]):
    headers: dict[str, str] = {}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    errors: list[RowError] = []
    for index, raw in enumerate(header):
        name = raw.strip()
        column = next((c for c in columns if c.accepts(name)), None) if name else None
        if column is None:
            if name:
                ignored.append(name)
            continue
        if column.field in headers:
            errors.append(RowError(1, _l("Columns \"%(first)s\" and \"%(second)s\" are the same thing: keep one.",
                                         first=headers[column.field], second=name)))
            continue
        headers[column.field] = name
        positions[column.field] = index
    if errors:
        raise ImportRefused(errors)
    return headers, positions, tuple(ignored)


def _check_required(headers: dict[str, str], columns: Sequence[Column], required: Sequence[Sequence[str]]) -> None:
    by_field = {c.field: c for c in columns}
    missing = []
    for alternatives in required:
        if any(field in headers for field in alternatives):
            continue
        names = ", ".join(f"{by_field[f].en} ({by_field[f].ja})" for f in alternatives)
        message = (_l("Missing column: %(names)s.", names=names) if len(alternatives) == 1
                   else _l("Missing column: one of %(names)s.", names=names))
        missing.append(RowError(1, message))
    if missing:
        raise ImportRefused(missing)


def read_line_file(data: bytes, columns: Sequence[Column], required: Sequence[Sequence[str]], *, max_rows: int,
                   readers: Mapping[str, Callable[[str], object]], needed: Mapping[str, object],
                   grouped: Callable[[list[tuple[int, dict[str, object]]], list[RowError]], list[RowT]]) -> ReadFile[RowT]:
    """The documents a file of document lines holds, as the module docstring says.

    Each row's cells are read by `readers` (read_cells, with `needed`), and the rows that read
    well are given to `grouped` as (row number, values), which makes the documents and adds its
    own row-numbered errors. Raises ImportRefused for file-level problems.
    """
    table = read_table(data, columns, required, max_rows=max_rows)
    errors: list[RowError] = []
    parsed = [(row.number, values) for row in table.rows
              if (values := _line_row(row, readers, needed, errors)) is not None]
    documents = grouped(parsed, errors)
    return ReadFile(documents, errors, _headers_for_lines(table.headers), table.ignored, table.encoding)


def line_codes(values: Mapping[str, object]) -> tuple[str, str]:
    """A line's product code (its SKU, else its JAN) and the JAN written beside a SKU ("" if none)."""
    sku, jan = str(values.get("sku") or ""), str(values.get("jan") or "")
    return sku or jan, jan if sku else ""


def _line_row(row: Row, readers: Mapping[str, Callable[[str], object]], needed: Mapping[str, object],
              errors: list[RowError]) -> dict[str, object] | None:
    values, found_error = read_cells(row, readers, errors, needed)
    if not (row["sku"] or row["jan"]):
        errors.append(RowError(row.number, _l("Give the product's SKU or JAN."), "product"))
        found_error = True
    return None if found_error else values


def _headers_for_lines(headers: dict[str, str]) -> dict[str, str]:
    """Errors about a line's product name the column it came from (SKU, else JAN)."""
    product_header = headers.get("sku") or headers.get("jan")
    return {**headers, "product": product_header} if product_header else dict(headers)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file as UTF-8 with BOM and CRLF: Excel opens it with Japanese intact."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return UTF8_BOM + buffer.getvalue().encode("utf-8")


def encoding_name(encoding: str) -> str:
    return ENCODING_NAMES.get(encoding, encoding)
