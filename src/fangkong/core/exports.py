"""Exports to CSV and .xlsx with no row cap: rows are streamed, never held in memory.

CSV goes out as a StreamingHttpResponse in UTF-8 with a BOM (so Excel reads Chinese).
An .xlsx is written by openpyxl in write-only mode to a temporary file (constant
memory), which is then streamed and removed. Every text cell that starts with
=, +, -, @, a tab or a carriage return gets a leading apostrophe so that Excel
shows it as text instead of running it as a formula (CSV injection); in .xlsx the
cell is also typed as a string.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def escape_cell(value):
    """A cell value that Excel will not run as a formula. Numbers, dates and None pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_text(value) -> str:
    if value is None:
        return ""
    return escape_cell(value if isinstance(value, str) else str(value))


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The BOM, the header and each row as CSV text, one line at a time."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([_csv_text(h) for h in header])
    for row in rows:
        yield writer.writerow([_csv_text(v) for v in row])


def content_disposition(filename: str) -> str:
    """attachment; with an ASCII fallback and the UTF-8 name (RFC 6266) so Chinese names survive."""
    fallback = filename.encode("ascii", "ignore").decode() or "export"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def _in_language(language: str | None, lines: Iterable[str]) -> Iterator[str]:
    # The rows are made while the response streams, after the view returned and its language was reset:
    # translated labels (a sex, a status) must still come out in the language of the request.
    with translation.override(language):
        yield from lines


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    lines = _in_language(translation.get_language(), csv_lines(header, rows))
    response = StreamingHttpResponse((line.encode("utf-8") for line in lines), content_type=CSV_MEDIA_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    return response


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence], *, title: str = "Sheet1",
               notes: Sequence[Sequence[str]] | None = None, text_columns: Sequence[str] = ()) -> int:
    """Write rows to an .xlsx in write-only mode (constant memory); returns the number of data rows.
    `text_columns` (header names) are formatted as text, so a number typed there later stays as typed (an ID
    number or a phone kept as a number loses digits past the 15th)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for index, text in enumerate(header, start=1):
        if text in text_columns:
            sheet.column_dimensions[get_column_letter(index)].number_format = "@"
    bold = Font(bold=True)
    header_cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=escape_cell(str(text)))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v, WriteOnlyCell) for v in row])
        count += 1
    if notes:
        note_sheet = book.create_sheet(title="说明")
        for line in notes:
            note_sheet.append([_xlsx_cell(note_sheet, v, WriteOnlyCell) for v in line])
    book.save(path)
    return count


def _xlsx_cell(sheet, value, cell_class):
    if not isinstance(value, str):
        return value
    cell = cell_class(sheet, value=escape_cell(value))
    cell.data_type = "s"  # text, never a formula, whatever it looks like
    return cell


class _RemovingFileResponse(FileResponse):
    """Streams a temporary file and removes it once sent."""

    def __init__(self, *args, remove: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._remove = remove

    def close(self):
        try:
            super().close()
        finally:
            if os.path.exists(self._remove):
                os.remove(self._remove)


def xlsx_response(filename: str, header: Sequence[str], rows: Iterable[Sequence], *, title: str = "Sheet1",
                  notes: Sequence[Sequence[str]] | None = None, text_columns: Sequence[str] = ()) -> FileResponse:
    """Write the workbook to a temporary file, then stream it (memory stays flat for any row count)."""
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="fangkong-export-")
    os.close(handle)
    try:
        write_xlsx(Path(path), header, rows, title=title, notes=notes, text_columns=text_columns)
    except BaseException:
        os.remove(path)
        raise
    response = _RemovingFileResponse(open(path, "rb"), remove=path, content_type=XLSX_MEDIA_TYPE)  # noqa: SIM115
    response["Content-Disposition"] = content_disposition(filename)
    return response
