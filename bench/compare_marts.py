"""Row-for-row comparison of the marts of two warehouses (proof that a change kept results).

    python -m bench.compare_marts BEFORE.duckdb AFTER.duckdb [--schema main] [--rtol 1e-12]

Every table and view of the schema is compared row for row (both sides sorted by every column):
"identical" when every value is equal; "equal to rtol" when only floating-point values differ,
by at most rtol relatively (also inside text such as a JSON column); otherwise "DIFFERENT".
Parallel DuckDB sums of doubles are not bit-reproducible: two builds of the same code on the
same data already differ in the last digit, so rtol is the meaningful test. Exit status 1
when a table is DIFFERENT or exists on one side only.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

NUMBER = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?")


def read_tables(path: Path, schema: str) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(path), read_only=True) as con:
        # tables and views: some marts are views over their intermediate twins
        names = con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_catalog = current_database() order by 1",
            [schema],
        ).fetchall()
        return {name: con.sql(f'select * from "{schema}"."{name}"').df() for (name,) in names}


def rounded_text(value: object, digits: int) -> object:
    if not isinstance(value, str):
        return value
    return NUMBER.sub(lambda match: format(float(match.group()), f".{digits}g"), value)


def normalised(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    """Floats rounded to `digits` significant digits (also inside text), sorted by all."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(
                lambda value: float(format(value, f".{digits}g")) if pd.notna(value) else value
            )
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda value: rounded_text(value, digits))
    return out.sort_values(list(out.columns), na_position="first").reset_index(drop=True)


def verdict(before: pd.DataFrame, after: pd.DataFrame, digits: int) -> str:
    if list(before.columns) != list(after.columns) or len(before) != len(after):
        return "DIFFERENT (columns or row count)"
    if normalised(before, 17).equals(normalised(after, 17)):
        return "identical"
    left, right = normalised(before, digits), normalised(after, digits)
    mismatched = [
        column for column in left.columns
        if not np.array_equal(left[column].isna(), right[column].isna())
        or not left[column].dropna().equals(right[column].dropna())
    ]
    return f"DIFFERENT in {mismatched}" if mismatched else f"equal to {digits} digits"


def compare(before: Path, after: Path, schema: str, digits: int) -> bool:
    left, right = read_tables(before, schema), read_tables(after, schema)
    same = left.keys() == right.keys()
    for table in sorted(left.keys() ^ right.keys()):
        print(f"{table}: only in {'before' if table in left else 'after'}")
    for table in sorted(left.keys() & right.keys()):
        result = verdict(left[table], right[table], digits)
        same = same and not result.startswith("DIFFERENT")
        print(f"{table:<28} {len(left[table]):>9,} rows  {result}")
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--schema", default="main")
    parser.add_argument("--digits", type=int, default=12, help="significant digits for floats")
    args = parser.parse_args()
    sys.exit(0 if compare(args.before, args.after, args.schema, args.digits) else 1)


if __name__ == "__main__":
    main()
