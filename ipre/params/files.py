"""Cheap checks of the input files named by the `<entity>_path` vars, before dbt starts.

Each local path or glob must match at least one file; every matched file must be a readable
regular file; and the input must hold at least one data row: a CSV (plain or gzip) needs a
non-blank line after its header, a Parquet file a row in its footer metadata, an Excel
workbook (.xlsx) a non-empty row after the first in its first sheet. Only the first lines
(CSV), the footer (Parquet) or the first rows (Excel, streamed by openpyxl) are read, so the
check takes milliseconds whatever the size. For a glob, header-only files are accepted as
long as one matched file has a data row. s3:// URIs are not fetched here (that would need
credentials and the network): dbt reports a missing object with its URI.
"""

from __future__ import annotations

import glob
import gzip
import os
import struct
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
REMOTE_PREFIXES = ("s3://", "s3a://", "http://", "https://", "gs://", "gcs://", "az://")
MAX_FILES_CHECKED = 10_000
HEAD_BYTES = 1 << 20
# formats read as text with a header line; "auto" means: Parquet by its magic bytes, else CSV
CSV_FORMATS = ("auto", "csv", "csv.gz", "gzip", "tsv", "txt")
RECORD_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
BLANK = b" \t\r\x00\xef\xbb\xbf\xff\xfe"  # whitespace, NUL (UTF-16) and byte-order marks


class InputFileError(ValueError):
    """An input file named by a path var is missing, unreadable or has no data row."""


def is_remote(path: str) -> bool:
    return path.lower().startswith(REMOTE_PREFIXES)


def expand(path: str) -> list[str]:
    """The files a path or glob names (sorted); a plain path is returned as is."""
    if glob.has_magic(path):
        return sorted(glob.glob(os.path.expanduser(path), recursive=True))
    return [os.path.expanduser(path)]


def check_input(var: str, path: str, file_format: str = "auto") -> None:
    """Raise InputFileError naming the var and the file when the input is unusable."""
    if is_remote(path):
        return
    files = expand(path)
    if glob.has_magic(path) and not files:
        raise InputFileError(f"{var}: {path!r} matches no file")
    has_rows = False
    problems: list[str] = []
    for name in files[:MAX_FILES_CHECKED]:
        try:
            has_rows = file_has_data_row(name, file_format) or has_rows
        except InputFileError as err:
            problems.append(str(err))
    if problems:
        raise InputFileError(f"{var}: " + "; ".join(problems))
    if not has_rows:
        what = f"{path!r} (every file it matches)" if glob.has_magic(path) else f"{path!r}"
        raise InputFileError(f"{var}: {what} has no data row (empty or header only)")


def file_has_data_row(name: str, file_format: str = "auto") -> bool:
    """True when the file has at least one data row; InputFileError if missing or unreadable."""
    path = Path(name)
    if not path.exists():
        raise InputFileError(f"file {name!r} does not exist")
    if path.is_dir():
        raise InputFileError(f"{name!r} is a directory, not a file")
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError as err:
        raise InputFileError(f"file {name!r} is not readable ({err.strerror})") from None
    if not head:
        return False
    fmt = file_format.lower()
    if fmt == "parquet" or (fmt == "auto" and head == PARQUET_MAGIC):
        return _parquet_rows(path) > 0
    if fmt == "xlsx" or (fmt == "auto" and name.lower().endswith(".xlsx")):
        return _xlsx_has_data_row(path)
    if fmt not in CSV_FORMATS or (fmt == "auto" and name.lower().endswith(RECORD_SUFFIXES)):
        return True  # a format without a header line (JSON, ...): existing and non-empty is enough
    return _csv_has_data_row(path, gzipped=head[:2] == GZIP_MAGIC)


def _csv_has_data_row(path: Path, gzipped: bool) -> bool:
    """A header line then at least one non-blank line, reading at most HEAD_BYTES."""
    try:
        opener = gzip.open if gzipped else open
        with opener(path, "rb") as handle:  # type: ignore[operator]
            lines = handle.read(HEAD_BYTES).splitlines()
    except (OSError, EOFError) as err:
        kind = "gzip file" if gzipped else "file"
        raise InputFileError(f"{kind} {str(path)!r} cannot be read ({err})") from None
    non_blank = [line for line in lines if line.strip(BLANK)]
    return len(non_blank) >= 2


def _xlsx_has_data_row(path: Path) -> bool:
    """A header row then a non-empty row in the workbook's first sheet."""
    from ipre.xlsx_filesystem import has_data_row  # openpyxl only when a workbook is checked

    try:
        return has_data_row(path)
    except Exception as err:  # noqa: BLE001 - a bad zip, a missing part: an unusable file
        raise InputFileError(f"Excel workbook {str(path)!r} cannot be read ({err})") from None


def _parquet_rows(path: Path) -> int:
    """Row count from the Parquet footer (num_rows of FileMetaData), without reading data."""
    try:
        import duckdb

        with duckdb.connect() as con:
            row = con.execute(
                "select coalesce(sum(num_rows), 0) from parquet_file_metadata(?)", [str(path)]
            ).fetchone()
        return int(row[0]) if row else 0
    except Exception as err:  # noqa: BLE001 - any failure here means an unusable file
        size = path.stat().st_size
        tail = b""
        if size >= 8:
            with path.open("rb") as handle:
                handle.seek(size - 8)
                tail = handle.read(8)
        if tail[4:] != PARQUET_MAGIC or struct.unpack("<I", tail[:4])[0] + 8 > size:
            raise InputFileError(f"Parquet file {str(path)!r} is truncated or corrupt") from None
        raise InputFileError(f"Parquet file {str(path)!r} cannot be read ({err})") from None
