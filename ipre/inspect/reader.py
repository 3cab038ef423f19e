"""Read an input's lines into DuckDB as the build does: every column text, rejects kept.

The CSV options are those of macros/raw_files.sql (no dialect sniffer, `"` quotes, strict
mode, store_rejects), with the delimiter and encoding found by sniff.py, so a line inspect
counts as unparseable is one the build would quarantine. Columns are named c0, c1, ... (the
header's names can be anything); Parquet columns are cast to text. An Excel workbook is read
from the CSV the build is served (ipre.xlsx_filesystem), written to a scratch file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from ipre.inspect import sniff
from ipre.transcoding_filesystem import cp1252_to_utf8
from ipre.xlsx_filesystem import workbook_to_csv

# DuckDB reads these natively; cp1252 is read from a UTF-8 copy (plain_copy)
DUCKDB_ENCODINGS = {"utf-8": "utf-8", "utf-16": "utf-16", "latin-1": "latin-1", "cp1252": "utf-8"}


@dataclass
class Loaded:
    table: str  # columns c0..cN, all VARCHAR, in the file's order
    header: list[str]
    rejects: str | None  # DuckDB's rejects table (CSV only)


def file_format(path: Path) -> str:
    """parquet, xlsx, tsv or csv, as the build chooses: by extension, Parquet also by magic
    bytes."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith((".tsv", ".tsv.gz")):
        return "tsv"
    with path.open("rb") as handle:
        return "parquet" if handle.read(4) == b"PAR1" else "csv"


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def plain_copy(path: Path, folder: Path, to_lf: bool, from_cp1252: bool) -> Path:
    """A plain-text copy, CRLF turned into LF (DuckDB's strict reader takes one line end per
    file) and/or cp1252 into UTF-8 (DuckDB's latin-1 reader refuses the bytes 0x80-0x9f; the
    build reads such files through ipre.transcoding_filesystem, which does the same)."""
    target = folder / (path.name.removesuffix(".gz") + ".plain")
    with sniff.open_bytes(path) as source, target.open("wb") as out:
        carry = b""
        while block := source.read(sniff.BLOCK):
            block = carry + block
            # a CR ending the block may pair with an LF starting the next one
            block, carry = (block[:-1], b"\r") if block.endswith(b"\r") else (block, b"")
            out.write(convert(block, to_lf, from_cp1252))
        out.write(convert(carry, to_lf, from_cp1252))
    return target


def workbook_copy(path: Path, folder: Path) -> Path:
    """The workbook's first sheet as the UTF-8 CSV the build reads (iprexlsx://)."""
    target = folder / (path.name + ".csv")
    target.write_bytes(workbook_to_csv(path))
    return target


def convert(block: bytes, to_lf: bool, from_cp1252: bool) -> bytes:
    block = block.replace(b"\r\n", b"\n") if to_lf else block
    return cp1252_to_utf8(block) if from_cp1252 else block  # one byte per character: no cut


def load_parquet(con: duckdb.DuckDBPyConnection, entity: str, path: Path) -> Loaded:
    source = f"read_parquet({literal(str(path))})"
    names = [row[0] for row in con.execute(f"describe select * from {source}").fetchall()]
    columns = ", ".join(
        f'cast("{name.replace(chr(34), chr(34) * 2)}" as varchar) as c{index}'
        for index, name in enumerate(names)
    )
    table = f"{entity}_lines"
    con.execute(f"create or replace temp table {table} as select {columns} from {source}")
    return Loaded(table, names, None)


def load_csv(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    path: Path,
    header: list[str],
    delimiter: str,
    encoding: str,
) -> Loaded:
    table, rejects = f"{entity}_lines", f"{entity}_rejects"
    columns = ", ".join(f"'c{index}': 'VARCHAR'" for index in range(len(header)))
    options = [
        "header = false", "skip = 1", "auto_detect = false", f"columns = {{{columns}}}",
        f"delim = {literal(delimiter)}", "quote = '\"'", "escape = '\"'", "strict_mode = true",
        "null_padding = false", f"encoding = {literal(DUCKDB_ENCODINGS[encoding])}",
        "store_rejects = true", f"rejects_table = '{rejects}'",
        f"rejects_scan = '{entity}_scans'",
    ]  # fmt: skip
    if path.suffix != ".gz" and sniff.is_gzip(path):
        options.append("compression = 'gzip'")  # gzipped under another name
    con.execute(
        f"create or replace temp table {table} as select * from "
        f"read_csv({literal(str(path))}, {', '.join(options)})"
    )
    return Loaded(table, header, rejects)
