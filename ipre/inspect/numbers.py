"""The decimal separator of the number columns, and numbers as the build will read them.

A decimal comma is only proposed when the delimiter is not a comma: in a comma-delimited file
`"1,000"` may as well be a thousands separator, so it is left to the user.
"""

from __future__ import annotations

import duckdb

PLAIN = r"[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?"
COMMA_DECIMAL = r"[+-]?[0-9]*,[0-9]+"
DOT_DECIMAL = r"[+-]?[0-9]*[.][0-9]+"


def as_number_text(text: str, decimal_separator: str) -> str:
    """SQL: the number as text with a '.' decimal point (so the plain-number test applies)."""
    return f"replace({text}, ',', '.')" if decimal_separator == "," else text


def detect_decimal_separator(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str], delimiter: str
) -> str:
    """',' when some number is written 3,5 and none 3.5 (and the delimiter is not ',')."""
    if delimiter == "," or not columns:
        return "."
    tests = " or ".join(f"regexp_full_match(trim({c}), '{COMMA_DECIMAL}')" for c in columns)
    dots = " or ".join(f"regexp_full_match(trim({c}), '{DOT_DECIMAL}')" for c in columns)
    row = con.execute(
        f"select count(*) filter (where {tests}), count(*) filter (where {dots}) from {table}"
    ).fetchone()
    commas, points = (0, 0) if row is None else row
    return "," if commas > 0 and points == 0 else "."
