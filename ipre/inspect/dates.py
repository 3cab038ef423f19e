"""The date format of a date column: ISO first, then strptime candidates, never guessed.

Every distinct value is tried with each candidate (DuckDB's try_strptime, the function the
build applies with `invoice_date_format`); the format parsing the most values wins. A day
above 12 settles the day/month order; when two candidates parse as many values and read some
of them as different dates (all days <= 12), the order is ambiguous and the user must say.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

# the same forms as the build tries (macros/input_dates.sql), AM/PM times included
TIMES = (" %H:%M", " %H:%M:%S", " %I:%M:%S %p", " %I:%M %p", "")
CANDIDATES: tuple[str, ...] = tuple(
    day + time
    for day in ("%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%Y/%m/%d",
                "%d/%m/%y", "%m/%d/%y", "%d.%m.%y")
    for time in TIMES
) + ("%Y%m%d",)  # fmt: skip


@dataclass
class DateFinding:
    column: str  # the file's column name
    distinct: int  # distinct non-empty values
    format: str | None = None  # None: ISO (no format var needed) or nothing parses
    iso: bool = False
    parsed: int = 0  # distinct values the chosen reading parses
    ambiguous: list[str] = field(default_factory=list)  # candidates reading dates differently
    example: str | None = None  # a value that does not parse

    @property
    def found(self) -> bool:
        return (self.iso or self.format is not None) and not self.ambiguous


def parse_expression(value: str, fmt: str | None) -> str:
    """SQL: the value as a timestamp, or null. %Y also reads `23` (year 23): such years are
    not plausible dates of a sales line, so a two-digit year only parses with %y."""
    if fmt is None:
        return f"try_cast({value} as timestamptz)"
    parsed = f"try_strptime({value}, '{fmt}')"
    return f"case when year({parsed}) >= 1000 then {parsed} end"


def detect(con: duckdb.DuckDBPyConnection, table: str, column: str, name: str) -> DateFinding:
    values = f"{table}_{column}_dates"
    con.execute(
        f"create or replace temp table {values} as select distinct trim({column}) as v "
        f"from {table} where nullif(trim({column}), '') is not null"
    )
    counts = ", ".join(
        f"count({parse_expression('v', fmt)})" for fmt in (None, *CANDIDATES)
    )
    row = con.execute(f"select count(*), {counts} from {values}").fetchone()
    assert row is not None
    finding = DateFinding(name, int(row[0]))
    iso, *by_format = (int(count) for count in row[1:])
    best = max(by_format)
    if finding.distinct == 0:
        return finding
    if iso >= best and iso > 0:
        finding.iso, finding.parsed = True, iso
    elif best > 0:
        tied = [fmt for fmt, count in zip(CANDIDATES, by_format, strict=True) if count == best]
        readings = distinct_readings(con, values, tied)
        finding.format, finding.parsed = readings[0], best
        finding.ambiguous = readings if len(readings) > 1 else []
    finding.example = unparsed_example(con, values, None if finding.iso else finding.format)
    return finding


def distinct_readings(con: duckdb.DuckDBPyConnection, values: str, formats: list[str]) -> list[str]:
    """The formats that read the values differently from every earlier one (first kept)."""
    kept: list[str] = []
    for fmt in formats:
        if not any(same_dates(con, values, fmt, other) for other in kept):
            kept.append(fmt)
    return kept


def same_dates(con: duckdb.DuckDBPyConnection, values: str, one: str, other: str) -> bool:
    row = con.execute(
        f"select count(*) from {values} where {parse_expression('v', one)} "
        f"is distinct from {parse_expression('v', other)}"
    ).fetchone()
    return row is not None and row[0] == 0


def unparsed_example(con: duckdb.DuckDBPyConnection, values: str, fmt: str | None) -> str | None:
    row = con.execute(
        f"select min(v) from {values} where {parse_expression('v', fmt)} is null"
    ).fetchone()
    return None if row is None else row[0]
