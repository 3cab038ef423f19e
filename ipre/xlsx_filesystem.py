"""A read-only fsspec filesystem that serves an Excel workbook's first sheet as UTF-8 CSV.

DuckDB has no Excel reader these machines can install (its ``excel`` extension is a
download), so an ``.xlsx`` input is read through this filesystem, as cp1252 files are through
:mod:`ipre.transcoding_filesystem`: ``iprexlsx://`` followed by the real path (local or
``s3://``) yields the first worksheet, read by openpyxl, as the CSV an export would have
written (``,`` delimiter, ``"`` quoting, the first row as header, LF line ends), and the
build then reads it with its usual CSV options, rejects kept.

Cells are rendered as a CSV export means them (Excel stores every number as a float): empty
-> empty; 13085.0 -> ``13085``; 2.5 -> ``2.5`` (shortest round-trip text); a date ->
``YYYY-MM-DD``, or ``YYYY-MM-DD HH:MM:SS`` when its number format shows a time; true/false;
text as it is. Trailing empty rows and trailing empty columns (formatted but blank cells
widen a sheet's range) are dropped, and every row is padded to the same width, as Excel's
own CSV export does.

The CSV is rendered in memory, once per file version and process (fsspec reuses the
filesystem instance), not written to a temp file: DuckDB asks for the size (read_blob)
and then reads the file several times per build, a sheet is at most 1,048,576 rows (tens of
MB as text), and memory needs no folder to choose nor copies to clean up.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import openpyxl

from ipre.transcoding_filesystem import ConvertingFileSystem

PROTOCOL = "iprexlsx"
PREFIX = f"{PROTOCOL}://"
# quoted literals and [...] sections (locale, colour, elapsed time) of a number format
FORMAT_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')

Source = str | Path | IO[bytes]


def shows_time(number_format: str | None) -> bool:
    """True when a date cell's number format displays a time of day (hours or seconds)."""
    text = FORMAT_LITERALS.sub("", number_format or "").lower()
    return "h" in text or "s" in text


def render_cell(value: Any, number_format: str | None = None) -> str:
    """One cell as a CSV export writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before the numbers: a bool is an int
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        date_only = number_format is not None and not shows_time(number_format)
        return value.strftime("%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta):  # an elapsed-time cell, [h]:mm:ss as Excel shows it
        minutes, seconds = divmod(round(value.total_seconds()), 60)
        return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"
    return str(value)


def sheet_rows(source: Source) -> Iterator[list[str]]:
    """The first worksheet's rows, rendered, as openpyxl streams them (ragged, trailing
    empty rows included); the workbook is closed when the iteration ends."""
    if isinstance(source, str | Path):
        # a handle, not a name: openpyxl refuses names without an Excel extension, and
        # <entity>_format: xlsx names the format of any path
        with open(source, "rb") as handle:
            yield from sheet_rows(handle)
        return
    workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        # the stored dimension can be wrong (some writers omit or misstate it): read every cell
        sheet.reset_dimensions()
        for row in sheet.iter_rows():
            yield [_render(cell) for cell in row]
    finally:
        workbook.close()


def _render(cell: Any) -> str:
    # the number format (a style lookup) matters only to tell a date from a date and time
    value = cell.value
    return render_cell(value, cell.number_format if isinstance(value, dt.datetime) else None)


def rectangular(rows: Iterable[list[str]]) -> list[list[str]]:
    """Rows without trailing empty rows and columns, each padded to the same width."""
    kept = list(rows)
    while kept and not any(kept[-1]):
        kept.pop()
    width = max((_used_width(row) for row in kept), default=0)
    return [row[:width] + [""] * (width - len(row)) for row in kept]


def _used_width(row: list[str]) -> int:
    return max((index + 1 for index, text in enumerate(row) if text), default=0)


def workbook_to_csv(source: Source) -> bytes:
    """The first worksheet as UTF-8 CSV bytes (empty for an empty sheet)."""
    rows = rectangular(sheet_rows(source))
    text = io.StringIO()
    writer = csv.writer(text, delimiter=",", quotechar='"', lineterminator="\n")
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def has_data_row(source: Source) -> bool:
    """True when the first sheet has a header row and a non-empty row after it, reading no
    further than that row."""
    rows = sheet_rows(source)
    try:
        non_empty = (row for row in rows if any(row))
        return next(non_empty, None) is not None and next(non_empty, None) is not None
    finally:
        rows.close()  # closes the workbook now, not when the generator is collected


class XlsxAsCsvFileSystem(ConvertingFileSystem):
    """``iprexlsx://<path>``: the first sheet of the workbook at <path> as UTF-8 CSV."""

    protocol = PROTOCOL

    def convert(self, data: bytes) -> bytes:
        return workbook_to_csv(io.BytesIO(data))
