"""How many lines each quarantine reason would take, with one example line each.

The reasons and their order are those of staging (docs/inputs.md, "Quarantine"): a line gets
the first that applies. Ids are trimmed, and an integer-valued float id (`13085.0`, as a
spreadsheet writes a numeric id) is the id `13085`. Lines DuckDB's reader rejected come from
its rejects table: text that is not valid in the encoding read (and has no control bytes)
is invalid_encoding, anything else unparseable_line.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ipre.inspect.dates import parse_expression
from ipre.inspect.numbers import PLAIN, as_number_text
from ipre.inspect.reader import Loaded, literal

MAX_QUANTITY = 1e9
MIN_INVOICE_DATE = "2000-01-01"
RATINGS = ("high", "medium", "low")


@dataclass
class ReasonCount:
    reason: str
    lines: int
    example: str


@dataclass
class Columns:
    """Spec column -> loaded column (c0, ...) and how to read dates and numbers."""

    loaded: dict[str, str]
    header: dict[str, str]  # loaded column -> the file's name
    date_formats: dict[str, str | None]  # date spec column -> strptime format, None = ISO
    decimal_separator: str = "."


def text(column: str) -> str:
    return f"nullif(trim({column}), '')"


def identifier(column: str) -> str:
    return f"regexp_replace({text(column)}, '^([+-]?[0-9]+)[.]0+$', '\\1')"


def cleaned(spec: str, column: str) -> str:
    if spec.endswith("_id"):
        return identifier(column)
    return text(column)


def number(spec: str, columns: Columns) -> tuple[str, str]:
    """SQL of (the number's text, the number) for a number column."""
    raw = as_number_text(spec, columns.decimal_separator)
    return raw, f"try_cast({raw} as double)"


def date_rules(spec: str, columns: Columns, reason_prefix: str) -> list[tuple[str, str]]:
    parsed = f"cast({parse_expression(spec, columns.date_formats.get(spec))} as timestamp)"
    rules = [
        (f"missing_{spec}", f"{spec} is null"),
        (f"unparseable_{spec}", f"{parsed} is null"),
    ]
    if reason_prefix == "invoice":
        rules += [
            ("future_invoice_date", f"{parsed} > cast(current_timestamp as timestamp)"),
            ("implausible_invoice_date", f"{parsed} < timestamp '{MIN_INVOICE_DATE}'"),
        ]
    return rules


def quantity_rules(columns: Columns) -> list[tuple[str, str]]:
    raw, value = number("quantity", columns)
    return [
        ("missing_quantity", "quantity is null"),
        ("non_numeric_quantity", f"{value} is null"),
        ("non_finite_quantity", f"abs({value}) > {MAX_QUANTITY}"),
        ("non_numeric_quantity", f"not regexp_full_match({raw}, '{PLAIN}')"),
        ("non_positive_quantity", f"{value} <= 0"),
    ]


def price_rules(columns: Columns) -> list[tuple[str, str]]:
    raw, value = number("unit_price", columns)
    return [
        (
            "non_numeric_unit_price",
            f"unit_price is not null and ({value} is null "
            f"or not regexp_full_match({raw}, '{PLAIN}'))",
        ),
        ("non_positive_unit_price", f"{value} <= 0"),
    ]


ID_COLUMNS = {
    "invoices": ("customer_id", "product_id"),
    "feedback": ("customer_id", "product_id"),
    "customers": ("customer_id",),
    "products": ("product_id",),
}


def rules(entity: str, columns: Columns) -> list[tuple[str, str]]:
    """(reason, SQL condition) in staging's order, for the spec columns the input has (an
    unmapped required column stops the build anyway: inspect names it instead)."""
    has = columns.loaded
    found: list[tuple[str, str]] = []
    if entity == "invoices" and "invoice_id" in has:
        found.append(("missing_invoice_id", "invoice_id is null"))
    found += [(f"missing_{spec}", f"{spec} is null") for spec in ID_COLUMNS[entity] if spec in has]
    if entity == "invoices":
        found += date_rules("invoice_date", columns, "invoice") if "invoice_date" in has else []
        found += quantity_rules(columns) if "quantity" in has else []
        found += price_rules(columns) if "unit_price" in has else []
    if entity == "feedback":
        allowed = ", ".join(map(literal, RATINGS))
        if "rating" in has:
            found.append(("invalid_rating", f"rating is null or lower(rating) not in ({allowed})"))
        found += date_rules("feedback_date", columns, "feedback") if "feedback_date" in has else []
    found.append(("duplicate_row", "copy_number > 1"))
    if entity in ("customers", "products") and f"{entity[:-1]}_id" in has:
        found.append((f"duplicate_{entity[:-1]}_id", "id_number > 1"))
    return found


def count_reasons(
    con: duckdb.DuckDBPyConnection, entity: str, loaded: Loaded, columns: Columns
) -> list[ReasonCount]:
    """Lines per reason (reader rejects first), in the order the reasons apply."""
    found = reader_reasons(con, loaded) + staged_reasons(con, entity, loaded, columns)
    return [count for count in found if count.lines > 0]


def raw_text(columns: Columns) -> str:
    """SQL: the line as `Name=value; ...` with the file's column names (as quarantined_rows)."""
    in_file_order = sorted(columns.loaded.values(), key=lambda column: int(column[1:]))
    parts = [
        f"{literal(columns.header[column] + '=')} || coalesce(line.{column}, '<null>')"
        for column in in_file_order
    ]
    return " || '; ' || ".join(parts) or "''"


def staged_reasons(
    con: duckdb.DuckDBPyConnection, entity: str, loaded: Loaded, columns: Columns
) -> list[ReasonCount]:
    checks = rules(entity, columns)
    selected = ", ".join(
        f"{cleaned(spec, column)} as {spec}" for spec, column in columns.loaded.items()
    )
    own_id = f"{entity[:-1]}_id"
    id_number = (
        f", row_number() over (partition by {own_id} order by ord) as id_number"
        if f"duplicate_{own_id}" in dict(checks)
        else ""
    )
    cases = " ".join(f"when {condition} then '{reason}'" for reason, condition in checks)
    # the raw text is built for the example lines only: building it for every line of a large
    # file took most of the time
    rows = con.execute(
        f"""
        with base as (select rowid as ord, {selected} from {loaded.table}),
        numbered as (
            select
                *,
                row_number() over (
                    partition by {", ".join(columns.loaded) or "1"} order by ord
                ) as copy_number
                {id_number}
            from base
        ),
        flagged as (select ord, case {cases} end as reason from numbered),
        counted as (
            select reason, count(*) as lines, min(ord) as first_ord from flagged
            where reason is not null group by reason
        )
        select counted.reason, counted.lines, {raw_text(columns)}
        from counted join {loaded.table} as line on line.rowid = counted.first_ord
        """
    ).fetchall()
    order = [reason for reason, _ in checks]
    counts = [ReasonCount(reason, int(lines), str(example)) for reason, lines, example in rows]
    return sorted(counts, key=lambda count: order.index(count.reason))


def reader_reasons(con: duckdb.DuckDBPyConnection, loaded: Loaded) -> list[ReasonCount]:
    if loaded.rejects is None:
        return []
    rows = con.execute(
        f"""
        with lines as (
            select
                line,
                case when bool_and(error_type = 'INVALID ENCODING')
                    and not regexp_matches(any_value(csv_line), '[\\x00-\\x08\\x0e-\\x1f]')
                    then 'invalid_encoding' else 'unparseable_line' end as reason,
                'line ' || line || ': ' || string_agg(distinct error_type, ', ')
                    || ': ' || coalesce(any_value(csv_line), '') as example
            from {loaded.rejects}
            group by file_id, line
        )
        select reason, count(*), arg_min(example, line) from lines group by reason
        """
    ).fetchall()
    order = ["unparseable_line", "invalid_encoding"]
    counts = [ReasonCount(reason, int(lines), str(example)) for reason, lines, example in rows]
    return sorted(counts, key=lambda count: order.index(count.reason))
