"""One input inspected: how it reads, how its header maps, what the build would quarantine,
and the vars that make the build read it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ipre.inspect import dates, numbers, quarantine, reader, sniff
from ipre.inspect.spec import ColumnMatch, match_columns, normalise

DATE_VARS = {"invoice_date": "invoice_date_format", "feedback_date": "feedback_date_format"}
NUMBER_COLUMNS = ("quantity", "unit_price")
ID_COLUMNS = ("invoice_id", "customer_id", "product_id")


@dataclass
class Inspection:
    entity: str
    path: Path
    file_format: str
    header: list[str]
    match: ColumnMatch
    gzipped: bool = False
    encoding: str | None = None  # None: Parquet or Excel (no text encoding to set)
    delimiter: str | None = None
    scan: sniff.ByteScan | None = None
    dates: list[dates.DateFinding] = field(default_factory=list)
    decimal_separator: str = "."
    reasons: list[quarantine.ReasonCount] = field(default_factory=list)
    lines: int = 0
    float_ids: dict[str, str] = field(default_factory=dict)  # spec column -> e.g. '13085.0'
    repeated_names: list[str] = field(default_factory=list)
    seconds: float = 0.0
    table: str = ""  # the loaded lines, in the inspecting connection (ipre.inspect.known_ids)

    def problems(self) -> list[str]:
        """What stops the build, each naming the var to set."""
        found = []
        columns_var = f"{self.entity}_columns"
        for spec in self.match.missing_required:
            found.append(
                f"{self.entity}: no column for the required {spec}: set {columns_var}: "
                f"{{{spec}: <the file's column>}} (its columns: {', '.join(self.header)})"
            )
        for finding in self.dates:
            spec = self.spec_of(finding.column)
            var = DATE_VARS[spec]
            if finding.ambiguous:
                found.append(
                    f"{self.entity}: {finding.column} is ambiguous, every value parses as "
                    f"{' and as '.join(finding.ambiguous)} (no day above 12): set {var}"
                )
            elif not finding.found and finding.distinct:
                found.append(
                    f"{self.entity}: no date format reads {finding.column} "
                    f"(e.g. {finding.example!r}): set {var} (a strptime format such as %d/%m/%Y)"
                )
        return found

    def spec_of(self, header_name: str) -> str:
        return next(spec for spec, name in self.match.found.items() if name == header_name)

    def vars(self) -> dict[str, Any]:
        """This input's own vars (input_encoding and decimal_separator are merged by the CLI)."""
        found: dict[str, Any] = {f"{self.entity}_path": str(self.path.resolve())}
        entries = self.match.var_entries()
        if entries:
            found[f"{self.entity}_columns"] = entries
        if self.delimiter not in (None, ","):
            found[f"{self.entity}_delimiter"] = self.delimiter
        for finding in self.dates:
            if finding.format and not finding.ambiguous:
                found[DATE_VARS[self.spec_of(finding.column)]] = finding.format
        return found


def loaded_column(inspection: Inspection, spec: str) -> str:
    return f"c{inspection.header.index(inspection.match.found[spec])}"


def read_input(
    con: duckdb.DuckDBPyConnection, entity: str, path: Path, scratch: Path
) -> tuple[Inspection, reader.Loaded]:
    """Sniff the bytes, then load the lines into DuckDB."""
    file_format = reader.file_format(path)
    if file_format == "parquet":
        loaded = reader.load_parquet(con, entity, path)
        header = loaded.header
        return Inspection(entity, path, file_format, header, match_columns(entity, header)), loaded
    if file_format == "xlsx":
        return read_workbook(con, entity, path, scratch)
    start = sniff.head(path)
    scan = None if start.startswith(sniff.UTF16_BOMS) else sniff.scan_bytes(path)
    encoding = sniff.guess_encoding(start, scan)
    line = sniff.header_line(start, encoding)
    delimiter = sniff.detect_delimiter(line, "\t" if file_format == "tsv" else ",")
    header = sniff.parse_header(line, delimiter)
    # DuckDB's strict reader stops at the first line end of the other kind, and its latin-1
    # reader refuses cp1252's bytes 0x80-0x9f: such files are read from a plain copy
    mixed = bool(scan and scan.mixed_line_ends)
    cp1252 = encoding == "cp1252"
    source = reader.plain_copy(path, scratch, mixed, cp1252) if mixed or cp1252 else path
    loaded = reader.load_csv(con, entity, source, header, delimiter, encoding)
    inspection = Inspection(
        entity, path, file_format, header, match_columns(entity, header),
        gzipped=sniff.is_gzip(path), encoding=encoding, delimiter=delimiter, scan=scan,
    )  # fmt: skip
    return inspection, loaded


def read_workbook(
    con: duckdb.DuckDBPyConnection, entity: str, path: Path, scratch: Path
) -> tuple[Inspection, reader.Loaded]:
    """An Excel workbook: its first sheet as the build reads it, a UTF-8 CSV with ','."""
    source = reader.workbook_copy(path, scratch)
    header = sniff.parse_header(sniff.header_line(sniff.head(source), "utf-8"), ",")
    loaded = reader.load_csv(con, entity, source, header, ",", "utf-8")
    match = match_columns(entity, header)
    return Inspection(entity, path, "xlsx", header, match, delimiter=","), loaded


def inspect_input(
    con: duckdb.DuckDBPyConnection, entity: str, path: Path, scratch: Path
) -> Inspection:
    started = time.time()
    inspection, loaded = read_input(con, entity, path, scratch)
    found = inspection.match.found
    inspection.repeated_names = repeated(inspection.header)
    for spec in DATE_VARS:
        if spec in found:
            column = loaded_column(inspection, spec)
            inspection.dates.append(dates.detect(con, loaded.table, column, found[spec]))
    number_columns = [loaded_column(inspection, s) for s in NUMBER_COLUMNS if s in found]
    inspection.decimal_separator = numbers.detect_decimal_separator(
        con, loaded.table, number_columns, inspection.delimiter or ","
    )
    inspection.float_ids = float_ids(con, inspection, loaded)
    columns = quarantine.Columns(
        loaded={spec: loaded_column(inspection, spec) for spec in found},
        header={f"c{index}": name for index, name in enumerate(inspection.header)},
        date_formats={
            spec: finding.format if not finding.iso else None
            for spec, finding in zip(
                [inspection.spec_of(f.column) for f in inspection.dates], inspection.dates,
                strict=True,
            )
        },
        decimal_separator=inspection.decimal_separator,
    )
    inspection.reasons = quarantine.count_reasons(con, entity, loaded, columns)
    inspection.table = loaded.table
    inspection.lines = line_count(con, loaded)
    inspection.seconds = time.time() - started
    return inspection


def repeated(header: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    twice = []
    for name in header:
        if normalise(name) in seen:
            twice.append(name)
        seen.setdefault(normalise(name), name)
    return twice


def float_ids(
    con: duckdb.DuckDBPyConnection, inspection: Inspection, loaded: reader.Loaded
) -> dict[str, str]:
    """Id columns written as floats (13085.0): the build reads them as integers (13085)."""
    found = {}
    for spec in ID_COLUMNS:
        if spec not in inspection.match.found:
            continue
        column = loaded_column(inspection, spec)
        row = con.execute(
            f"select min(trim({column})) from {loaded.table} "
            f"where regexp_full_match(trim({column}), '[+-]?[0-9]+[.]0+')"
        ).fetchone()
        if row and row[0] is not None:
            found[spec] = row[0]
    return found


def line_count(con: duckdb.DuckDBPyConnection, loaded: reader.Loaded) -> int:
    """Data lines: those read plus those the reader rejected."""
    row = con.execute(f"select count(*) from {loaded.table}").fetchone()
    lines = int(row[0]) if row else 0
    if loaded.rejects:
        rejected = con.execute(
            f"select count(distinct (file_id, line)) from {loaded.rejects}"
        ).fetchone()
        lines += int(rejected[0]) if rejected else 0
    return lines
