"""`ipre summary`: a spec §12-style report of the last build, read from the warehouse.

Inputs kept and quarantined (input_reconciliation, quarantined_rows by reason), rows per mart
table, and the recommendation quality table (customers covered, via rules vs fallback, with
exactly top_k, score range, distinct scores). Tables not built yet are reported as such. It
ends with the verdict of `ipre check` on the last build, the master's customers that get no
recommendation by design (lapsed, unknown segment) and where the report is.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from ipre.export import default_db_path
from ipre.monitoring.reorder_volume import REORDER_SQL
from ipre.monitoring.runs import latest_and_previous, read_runs, run_vars
from ipre.monitoring.thresholds import thresholds
from ipre.monitoring.verdict import judge
from ipre.params.resolved import built_top_k, default_top_k
from ipre.report.cli import default_report_path

MART_TABLES = (
    "market_basket",
    "customer_clusters",
    "segment_cluster_quality",
    "basket_sessions",
    "association_rules",
    "similar_products",
    "recommendations_ranked",
    "recommendations",
    "feedback_summary",
    "pipeline_health",
    "reorder_reminders",
    "input_reconciliation",
    "quarantined_rows",
    "customer_coverage",
    "product_recommendation_counts",
    "pipeline_runs",
)

QUALITY_SQL = """
with per_customer as (
    select
        customer_id,
        count(*) as n_recs,
        max(case when trigger_product != 'fallback' then 1 else 0 end) as has_rule,
        max(case when trigger_product = 'fallback' then 1 else 0 end) as has_fallback
    from recommendations
    group by customer_id
)
select
    (select count(distinct customer_id) from market_basket) as customers_in_scope,
    count(*) as customers_covered,
    coalesce(sum(has_rule), 0) as via_rules,
    coalesce(sum(has_fallback), 0) as via_fallback,
    coalesce(sum(case when n_recs = ? then 1 else 0 end), 0) as exactly_top_k,
    (select count(*) from recommendations) as total_recs,
    (select count(distinct recommended_product) from recommendations) as products,
    (select min(score) from recommendations) as min_score,
    (select max(score) from recommendations) as max_score,
    (select count(distinct score) from recommendations) as distinct_scores
from per_customer
"""


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select table_name from information_schema.tables").fetchall()
    return {str(name) for (name,) in rows}


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> list[str]:
    """Plain-text table with right-aligned numbers."""
    body = [[_fmt(v) for v in row] for row in rows]
    cells = [[str(h) for h in headers], *body]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    # a column is right-aligned when every value in it is a number
    right = [all(_numeric(row[i]) for row in body) and bool(body) for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = [
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)
        ]
        lines.append("  " + "  ".join(parts).rstrip())
    return lines


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "").replace("-", "").isdigit()


def _pct(part: int, whole: int) -> str:
    return f"{part:,} ({part / whole:.1%})" if whole else f"{part:,}"


def inputs_section(con: duckdb.DuckDBPyConnection, tables: set[str]) -> list[str]:
    lines = ["Inputs (kept = accepted rows)"]
    if "input_reconciliation" not in tables:
        return lines + ["  input_reconciliation: not built yet"]
    rows = con.execute(
        "select source_name, raw_rows, accepted_rows, quarantined_rows "
        "from input_reconciliation order by source_name"
    ).fetchall()
    lines += table(rows, ["source", "raw", "kept", "quarantined"])
    lines += excluded_products_line(con)
    if "quarantined_rows" not in tables:
        return lines + ["  quarantined_rows: not built yet"]
    reasons = con.execute(
        "select source_name, reason_code, count(*) from quarantined_rows "
        "group by all order by source_name, reason_code"
    ).fetchall()
    lines.append("Quarantined rows by reason")
    lines += table(reasons, ["source", "reason", "rows"]) if reasons else ["  none"]
    return lines + quarantine_warnings(rows, reasons)


def quarantine_warnings(
    reconciled: Sequence[Sequence[Any]], reasons: Sequence[Sequence[Any]]
) -> list[str]:
    """One warning per input with quarantined lines: the share and the reason that took most
    (the build stops above max_quarantined_share, docs/inputs.md)."""
    warnings = []
    for source, raw, _kept, quarantined in reconciled:
        if not quarantined or not raw:
            continue
        # the build log's order: most lines, then the reason's name
        top = min((r for r in reasons if r[0] == source), key=lambda r: (-r[2], r[1]), default=None)
        most = f", most as {top[1]} ({top[2]:,})" if top else ""
        warnings.append(
            f"  warning: {source}: {quarantined / raw:.1%} of {raw:,} lines quarantined{most}"
        )
    return warnings


EXCLUDED_SQL = """
    select count(distinct products.product_id), count(lines.product_id)
    from staging.stg_erp__products as products
    left join intermediate.int_invoices_validated as lines
        on lines.product_id = products.product_id and lines.quarantine_reason is null
    where products.is_excluded and products.quarantine_reason is null
"""


def excluded_products_line(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Kept lines of excluded_products (postage, fees) are accepted but in no basket: say so."""
    try:
        row = con.execute(EXCLUDED_SQL).fetchone()
    except duckdb.Error:  # a warehouse built before the var existed, or not built yet
        return []
    if not row or not row[0]:
        return []
    return [f"  excluded_products: {row[0]:,} products, {row[1]:,} kept lines left out of every"
            " basket and recommendation (postage, fees: docs/parameters.md)"]


def marts_section(con: duckdb.DuckDBPyConnection, tables: set[str]) -> list[str]:
    rows = []
    for name in MART_TABLES:
        if name in tables:
            count = con.execute(f'select count(*) from "{name}"').fetchone()
            rows.append((name, int(count[0]) if count else 0))
        else:
            rows.append((name, "not built yet"))
    return ["Rows per table"] + table(rows, ["table", "rows"])


def quality_section(con: duckdb.DuckDBPyConnection, tables: set[str], top_k: int) -> list[str]:
    lines = ["Recommendation quality"]
    missing = [t for t in ("recommendations", "market_basket") if t not in tables]
    if missing:
        return lines + [f"  {', '.join(missing)}: not built yet"]
    cursor = con.execute(QUALITY_SQL, [top_k])
    q = dict(zip([d[0] for d in cursor.description], cursor.fetchone() or (), strict=True))
    n = int(q["customers_in_scope"])
    covered = int(q["customers_covered"])
    score_range = (
        "n/a" if q["min_score"] is None else f"{q['min_score']:.2f} – {q['max_score']:.2f}"
    )
    rows = [
        ("Customers covered", f"{covered:,} / {n:,}" + (f" ({covered / n:.1%})" if n else "")),
        ("Via similarity or association rules", _pct(int(q["via_rules"]), n)),
        ("Via category-aware fallback", _pct(int(q["via_fallback"]), n)
         + " — includes customers who received both"),
        (f"Customers with exactly {top_k} recs", _pct(int(q["exactly_top_k"]), n)),
        (f"Customers with <{top_k} recs", _pct(n - int(q["exactly_top_k"]), n)),
        ("Total recommendations", f"{int(q['total_recs']):,}"),
        ("Products recommended", f"{int(q['products']):,} unique"),
        ("Score range", score_range),
        ("Distinct score values", f"{int(q['distinct_scores']):,}"),
    ]
    return lines + table(rows, ["Metric", "Value"])



def reorder_section(con: duckdb.DuckDBPyConnection, tables: set[str]) -> list[str]:
    """The reminder volume of reorder_reminders (docs/reorders.md)."""
    lines = ["Reorder reminders"]
    if "reorder_reminders" not in tables:
        return lines + ["  reorder_reminders: not built yet"]
    cursor = con.execute(REORDER_SQL)
    q = dict(zip([d[0] for d in cursor.description], cursor.fetchone() or (), strict=True))
    rows = [
        ("Customer × product rhythms",
         f"{int(q['rhythms']):,} ({int(q['customers']):,} customers)"),
        ("Due", f"{int(q['due']):,}"),
        ("Reminders (due, in stock, top k)",
         f"{int(q['reminders']):,} for {int(q['reminded_customers']):,} customers"),
    ]
    return lines + table(rows, ["Metric", "Value"])


def verdict_section(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The last build's verdict (the same as `ipre check` and the report), the customers of
    the master left out by design, and the report's path."""
    lines = ["Verdict (make check; docs/monitoring.md)"]
    runs = read_runs(con)
    if not runs:
        lines.append("  pipeline_runs: not built yet")
    else:
        latest, previous = latest_and_previous(runs)
        verdict = judge(latest, previous, thresholds(run_vars(latest)))
        lines.append(f"  {verdict.headline()}")
        lines += [f"  - {check.message}" for check in verdict.breaches]
        lines.append(
            f"  Customers of the master without recommendations by design: "
            f"{latest['customers_lapsed_of_master']:,} lapsed (no purchase of merchandise "
            f"in the recency window), "
            f"{latest['customers_unknown_segment_of_master']:,} unknown segment, "
            f"{latest['customers_never_bought_of_master']:,} never bought "
            f"(of {latest['customers_in_master']:,})"
        )
    report = default_report_path()
    lines.append(f"Report: {report}" if report.exists() else "Report: not written (make report)")
    return lines


def build_top_k(con: duckdb.DuckDBPyConnection, tables: set[str]) -> int:
    """The build's top_k var (pipeline_health, else the deepest rank); dbt_project.yml's
    default when the warehouse has neither table yet."""
    built = built_top_k(con) if tables & {"pipeline_health", "recommendations"} else None
    return built or default_top_k()


def build_warnings(con: duckdb.DuckDBPyConnection, tables: set[str]) -> list[str]:
    """Warn when the tables may come from different builds.

    `ipre build` publishes a warehouse only when the whole build passed, so its tables come
    from one build; it logs each build in ipre_build_log. They can still differ when the last
    build was partial (`ipre build -- --select ...`) or when dbt wrote the file directly.
    """
    if "ipre_build_log" not in tables:
        if tables & set(MART_TABLES):
            return [
                "warning: this warehouse was not published by `ipre build` (no ipre_build_log);"
                " a failed or partial `dbt build` may have left tables from different builds"
            ]
        return []
    row = con.execute(
        "select finished_at, full_build, dbt_args from ipre_build_log "
        "order by finished_at desc limit 1"
    ).fetchone()
    if row and not row[1]:
        return [
            f"warning: the last build ({row[0]:%Y-%m-%d %H:%M:%S} UTC, dbt {row[2]}) rebuilt "
            "only the selected models; the other tables come from earlier builds"
        ]
    return []


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ipre summary", description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help="DuckDB file (default: warehouse)")
    parser.add_argument(
        "--top-k",
        type=int,
        default=None,
        help="rows per customer to expect (default: the build's top_k)",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    db_path = args.db or default_db_path()
    if not db_path.exists():
        print(f"IPRE summary: warehouse {db_path} not built yet (run `make build`)")
        return 0
    try:
        with duckdb.connect(str(db_path), read_only=True) as con:
            tables = existing_tables(con)
            sections = [
                inputs_section(con, tables),
                marts_section(con, tables),
                quality_section(con, tables, args.top_k or build_top_k(con, tables)),
                reorder_section(con, tables),
                verdict_section(con),
            ]
            warnings = build_warnings(con, tables)
    except duckdb.Error as err:
        print(f"ipre summary: {err}", file=sys.stderr)
        return 1
    print(f"IPRE summary — warehouse {db_path}")
    for warning in warnings:
        print(warning)
    for section in sections:
        print()
        print("\n".join(section))
    return 0
