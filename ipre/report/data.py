"""Everything the report shows, read from the warehouse in one read-only connection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from ipre.evaluation.runner import dataset_label
from ipre.monitoring.reorder_volume import REORDER_SQL
from ipre.monitoring.runs import Run, latest_and_previous, read_runs, run_vars, same_kind
from ipre.monitoring.thresholds import thresholds
from ipre.monitoring.verdict import Verdict, judge
from ipre.params.check import project_vars

Rows = list[dict[str, Any]]
TOP_PRODUCTS = 10
SCORE_BIN = 0.05
EXAMPLE_CUSTOMERS = 3


@dataclass
class ReportData:
    verdict: Verdict
    runs: list[Run]
    coverage: Rows
    acceptance: dict[str, Rows]
    calibration: dict[str, Any] | None
    top_products: dict[str, Rows]
    score_bins: Rows
    examples: Rows
    evaluation: Rows
    parameters: Rows
    reorders: dict[str, Any] | None = None
    reorder_evaluation: dict[str, Any] | None = None
    top_reminded: Rows = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Rows:
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = 'main'"
    ).fetchall()
    return {name for (name,) in rows}


def coverage(con: duckdb.DuckDBPyConnection) -> Rows:
    """Master customers by coverage status, in scope split by having a recommendation."""
    return fetch(con, """
        select
            case
                when coverage_status = 'in_scope' and recommendation_count > 0
                    then 'in_scope_recommended'
                when coverage_status = 'in_scope' then 'in_scope_without'
                else coverage_status
            end as status,
            count(*) as customers
        from customer_coverage
        group by all
    """)


def acceptance(con: duckdb.DuckDBPyConnection, scope: str) -> Rows:
    return fetch(con, """
        select scope_value, feedback_count, acceptance_rate
        from feedback_summary
        where scope = ? and acceptance_rate is not null
        order by acceptance_rate, scope_value
    """, [scope])


def calibration(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    rows = fetch(con, """
        select feedback_count, acceptance_rate, suggested_min_confidence,
               suggested_score_cutoff, rationale
        from feedback_summary where scope = 'overall'
    """)
    return rows[0] if rows else None


def top_products(con: duckdb.DuckDBPyConnection, role: str) -> Rows:
    return fetch(con, """
        select product_id, product_name, l2_category, recommendation_count, customer_count
        from product_recommendation_counts
        where product_role = ?
        order by recommendation_count desc, product_id
        limit ?
    """, [role, TOP_PRODUCTS])


def score_bins(con: duckdb.DuckDBPyConnection) -> Rows:
    """Published scores in bins of SCORE_BIN: a few rows whatever the warehouse's size."""
    return fetch(con, """
        select floor(score / ?) * ? as bin_start, count(*) as recommendations
        from recommendations
        group by all
        order by bin_start
    """, [SCORE_BIN, SCORE_BIN])


def examples(con: duckdb.DuckDBPyConnection) -> Rows:
    """The recommendations of a few customers, as an Account Manager would see them."""
    return fetch(con, """
        with chosen as (
            select distinct customer_id from recommendations order by customer_id limit ?
        ),
        names as (
            select product_id, any_value(product_name) as product_name
            from product_recommendation_counts group by product_id
        )
        select
            r.customer_id, c.customer_name, r.segment, r.rank,
            r.recommended_product, n.product_name, r.score, r.reason
        from recommendations r
        inner join chosen using (customer_id)
        left join customer_coverage c using (customer_id)
        left join names n on n.product_id = r.recommended_product
        order by r.customer_id, r.rank
    """, [EXAMPLE_CUSTOMERS])


def evaluation(con: duckdb.DuckDBPyConnection, present: set[str], dataset: str) -> Rows:
    """The latest `ipre evaluate` run on the build's own dataset (eval_metrics keeps runs of
    every dataset: a real-data build must not show the sample's scores): each model's mean
    metrics over its cutoffs."""
    if "eval_metrics" not in present:
        return []
    return fetch(con, """
        with latest as (
            select run_id from eval_metrics where dataset = ?
            order by run_at_utc desc limit 1
        )
        select
            model, any_value(dataset) as dataset, count(*) as cutoffs,
            min(cutoff_date) as first_cutoff, max(cutoff_date) as last_cutoff,
            avg(ndcg_at_5) as ndcg_at_5, avg(hit_rate_at_5) as hit_rate_at_5,
            avg(recall_at_5) as recall_at_5, avg(catalogue_coverage) as catalogue_coverage
        from eval_metrics
        where run_id = (select run_id from latest) and ndcg_at_5 is not null
        group by model
        order by ndcg_at_5 desc, model
    """, [dataset])


REORDER_MODELS = ("reorder_due", "reorder_baseline_frequent", "reorder_baseline_recent")


def reorder_evaluation(
    con: duckdb.DuckDBPyConnection, present: set[str], dataset: str
) -> dict[str, Any] | None:
    """The reminders and their two baselines in the latest `ipre evaluate` run on the build's
    own dataset, keyed by model: mean precision over the cutoffs (None without all three)."""
    if "eval_metrics" not in present:
        return None
    rows = fetch(con, """
        with latest as (
            select run_id from eval_metrics
            where dataset = ? and model in (?, ?, ?)
            order by run_at_utc desc limit 1
        )
        select
            model, count(*) as cutoffs, avg(precision_at_5) as precision,
            sum(n_customers) as n_customers, max(horizon_days) as horizon_days
        from eval_metrics
        where run_id = (select run_id from latest) and precision_at_5 is not null
        group by model
    """, [dataset, *REORDER_MODELS])
    by_model = {row["model"]: row for row in rows}
    return by_model if all(model in by_model for model in REORDER_MODELS) else None


def reorders(con: duckdb.DuckDBPyConnection, present: set[str]) -> dict[str, Any] | None:
    """The reminder volume of reorder_reminders (the same query as the terminal summary)."""
    if "reorder_reminders" not in present:
        return None
    rows = fetch(con, REORDER_SQL)
    return rows[0] if rows else None


def top_reminded(con: duckdb.DuckDBPyConnection, present: set[str]) -> Rows:
    """The products most often in a reminder, with their names (docs/reorders.md)."""
    if "reorder_reminders" not in present:
        return []
    return fetch(con, """
        select
            r.product_id, p.product_name, any_value(r.l2_category) as l2_category,
            count(*) as recommendation_count
        from reorder_reminders as r
        left join staging.stg_erp__products as p on r.product_id = p.product_id
        where r.is_reminder
        group by r.product_id, p.product_name
        order by recommendation_count desc, r.product_id
        limit ?
    """, [TOP_PRODUCTS])


def parameters(run: Run) -> Rows:
    """Every var of the build, flagged where it differs from dbt_project.yml's default."""
    defaults = project_vars()
    return [
        {"name": name, "value": value, "default": defaults.get(name),
         "changed": name in defaults and value != defaults.get(name)}
        for name, value in sorted(run_vars(run).items())
    ]


def load(con: duckdb.DuckDBPyConnection) -> ReportData:
    runs = read_runs(con)
    latest, previous = latest_and_previous(runs)
    present = tables(con)
    return ReportData(
        verdict=judge(latest, previous, thresholds(run_vars(latest))),
        runs=same_kind(runs, latest),
        coverage=coverage(con),
        acceptance={scope: acceptance(con, scope) for scope in ("segment", "l2_category")},
        calibration=calibration(con),
        top_products={role: top_products(con, role) for role in ("recommended", "trigger")},
        score_bins=score_bins(con),
        examples=examples(con),
        evaluation=evaluation(con, present, dataset_label(run_vars(latest))),
        parameters=parameters(latest),
        reorders=reorders(con, present),
        reorder_evaluation=reorder_evaluation(con, present, dataset_label(run_vars(latest))),
        top_reminded=top_reminded(con, present),
    )
