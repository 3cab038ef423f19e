"""The whole evaluation: as-of builds, the six models' lists, metrics, the eval_metrics table.

1. The pipeline (recommendations and its parents) is built by dbt as of the cutoff T (var
   as_of_date) into <eval_dir>/asof.duckdb.
   Without an explicit cutoff, the staging layer is built first to read the last accepted
   invoice date, and T = that date - horizon_days.
2. A copy, <eval_dir>/asof_rules_off.duckdb, rebuilds the ranking with min_support = 2: a
   support is a share of baskets, so no rule can pass and every slot goes to the fallback.
3. Targets (first-time purchases in the horizon) and the baselines' history come from the
   as-of warehouse; its staging views read every raw invoice, the marts only those up to T.
4. The six rows replace eval_metrics in the main warehouse, written after dbt has finished.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from ipre.evaluation import warehouse
from ipre.evaluation.baselines import BASELINES, History
from ipre.evaluation.metrics import catalogue_coverage, evaluate, top_k
from ipre.evaluation.split import DEFAULT_HORIZON_DAYS, Split, default_cutoff, parse_date
from ipre.evaluation.targets import first_time_targets

K = 5
ASOF_DB = "asof.duckdb"
RULES_OFF_DB = "asof_rules_off.duckdb"
BUILD_ARGS = ("build", "--resource-type", "seed", "model")
REFERENCE_SELECT = "+int_reference_date"
# recommendations and everything it reads (market_basket, rules, staging, ...), nothing else
EVAL_SELECT = "+recommendations +recommendations_ranked"
# the spec method with no rule passing its floors: every slot goes to the fallback
RULES_OFF_VARS: Mapping[str, Any] = {"ranking_method": "spec", "min_support": 2}
# the ranking models between the rule filter and the published table
RULES_OFF_SELECT = "int_ranking_rule_candidates+,+recommendations"

EVAL_METRICS_SCHEMA = pa.schema(
    [
        ("model", pa.string()),
        ("n_customers", pa.int64()),
        (f"hit_rate_at_{K}", pa.float64()),
        (f"precision_at_{K}", pa.float64()),
        (f"recall_at_{K}", pa.float64()),
        (f"ndcg_at_{K}", pa.float64()),
        (f"map_at_{K}", pa.float64()),
        ("catalogue_coverage", pa.float64()),
        ("share_from_rules", pa.float64()),
        ("share_from_fallback", pa.float64()),
        ("cutoff_date", pa.date32()),
        ("horizon_days", pa.int32()),
    ]
)

Log = Callable[[str], None]


@dataclass(frozen=True)
class EvaluationConfig:
    eval_dir: Path
    main_db: Path
    dbt_vars: Mapping[str, Any] = field(default_factory=dict)
    cutoff: date | None = None
    horizon_days: int = DEFAULT_HORIZON_DAYS


@dataclass(frozen=True)
class ModelLists:
    """One model's ranked lists; is_fallback per position for the engine's variants."""

    name: str
    recommendations: Mapping[str, Sequence[str]]
    is_fallback: Mapping[str, Sequence[bool]] | None = None


@dataclass(frozen=True)
class EvaluationResult:
    split: Split
    rows: list[dict[str, Any]]
    last_invoice_date: date
    customers_with_targets_out_of_scope: int


def run_evaluation(config: EvaluationConfig, log: Log = print) -> EvaluationResult:
    asof_db = config.eval_dir / ASOF_DB
    rules_off_db = config.eval_dir / RULES_OFF_DB
    split = Split(resolve_cutoff(config, asof_db, log), config.horizon_days)
    log(f"building the pipeline as of {split.cutoff} into {asof_db}")
    build_as_of(asof_db, config.dbt_vars, split)
    log(f"rebuilding the ranking with association rules off into {rules_off_db}")
    build_rules_off(asof_db, rules_off_db, config.dbt_vars, split)
    result = score_models(asof_db, rules_off_db, split)
    warehouse.write_eval_metrics(config.main_db, rows_table(result.rows))
    log(f"wrote {len(result.rows)} rows to eval_metrics in {config.main_db}")
    return result


def resolve_cutoff(config: EvaluationConfig, asof_db: Path, log: Log) -> date:
    """--cutoff, else the as_of_date var, else last accepted invoice - horizon_days."""
    if config.cutoff is not None:
        return config.cutoff
    if config.dbt_vars.get("as_of_date"):
        return parse_date(str(config.dbt_vars["as_of_date"]))
    warehouse.remove_database(asof_db)
    run_vars = {**config.dbt_vars, "as_of_date": None}
    warehouse.run_dbt([*BUILD_ARGS, "--select", REFERENCE_SELECT], asof_db, run_vars)
    with warehouse.connect_read_only(asof_db) as con:
        last = warehouse.last_invoice_date(con)
    cutoff = default_cutoff(last, config.horizon_days)
    log(f"last accepted invoice {last}: cutoff {cutoff} ({config.horizon_days} days before)")
    return cutoff


def as_of_vars(dbt_vars: Mapping[str, Any], split: Split) -> dict[str, Any]:
    return {**dbt_vars, "as_of_date": split.cutoff.isoformat()}


def build_as_of(asof_db: Path, dbt_vars: Mapping[str, Any], split: Split) -> None:
    warehouse.remove_database(asof_db)
    run_vars = as_of_vars(dbt_vars, split)
    warehouse.run_dbt([*BUILD_ARGS, "--select", EVAL_SELECT], asof_db, run_vars)


def build_rules_off(
    asof_db: Path, rules_off_db: Path, dbt_vars: Mapping[str, Any], split: Split
) -> None:
    """Copy the as-of warehouse and rebuild the ranking with no rule passing its floors."""
    warehouse.copy_database(asof_db, rules_off_db)
    run_vars = {**as_of_vars(dbt_vars, split), **RULES_OFF_VARS}
    warehouse.run_dbt(["run", "--select", RULES_OFF_SELECT], rules_off_db, run_vars)


def score_models(asof_db: Path, rules_off_db: Path, split: Split, k: int = K) -> EvaluationResult:
    """Read the built warehouses, compute the baselines and score all six models."""
    with warehouse.connect_read_only(asof_db) as con:
        built_as_of = warehouse.reference_date(con)
        if built_as_of != split.cutoff:
            raise ValueError(f"{asof_db} is built as of {built_as_of}, not {split.cutoff}")
        lines = warehouse.accepted_lines(con)
        history = warehouse.load_history(con, lines, split)
        last = warehouse.last_invoice_date(con)
        engine = ModelLists("engine", *warehouse.load_engine(con, "recommendations"))
        no_feedback = ModelLists(
            "engine_no_feedback", *warehouse.load_engine(con, "recommendations_ranked")
        )
    with warehouse.connect_read_only(rules_off_db) as con:
        rules_off = ModelLists(
            "engine_fallback_only", *warehouse.load_engine(con, "recommendations")
        )
    baselines = [ModelLists(name, make(history, k)) for name, make in BASELINES.items()]
    targets = first_time_targets(lines, split)
    models = [engine, no_feedback, rules_off, *baselines]
    rows = [metrics_row(model, targets, history, split, k) for model in models]
    out_of_scope = sum(1 for c in targets if c not in history.segment_of)
    return EvaluationResult(split, rows, last, out_of_scope)


def metrics_row(
    model: ModelLists,
    targets: Mapping[str, frozenset[str]],
    history: History,
    split: Split,
    k: int,
) -> dict[str, Any]:
    """One eval_metrics row: the model's lists for the in-scope customers, scored at k."""
    customers = history.customers
    lists = {c: top_k(model.recommendations.get(c, ()), k) for c in customers}
    summary = evaluate(lists, targets, k, customers=customers)
    rules_share, fallback_share = source_shares(model, customers, k)
    return {
        "model": model.name,
        "n_customers": summary.n_customers,
        f"hit_rate_at_{k}": summary.hit_rate,
        f"precision_at_{k}": summary.precision,
        f"recall_at_{k}": summary.recall,
        f"ndcg_at_{k}": summary.ndcg,
        f"map_at_{k}": summary.map,
        "catalogue_coverage": catalogue_coverage(lists, history.in_stock, k),
        "share_from_rules": rules_share,
        "share_from_fallback": fallback_share,
        "cutoff_date": split.cutoff,
        "horizon_days": split.horizon_days,
    }


def source_shares(
    model: ModelLists, customers: Sequence[str], k: int
) -> tuple[float | None, float | None]:
    """Shares of the top-k rows (all in-scope customers) from rules and from the fallback."""
    if model.is_fallback is None:
        return None, None
    flags = [flag for c in customers for flag in list(model.is_fallback.get(c, ()))[:k]]
    if not flags:
        return None, None
    fallback = sum(flags) / len(flags)
    return 1.0 - fallback, fallback


def rows_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist([dict(r) for r in rows], schema=EVAL_METRICS_SCHEMA)


def format_rows(rows: Sequence[Mapping[str, Any]]) -> str:
    """A plain-text table of the metric rows (numbers right-aligned, 4 decimals)."""
    headers = [name for name in EVAL_METRICS_SCHEMA.names if name not in {"cutoff_date"}]
    cells = [headers] + [[_cell(row.get(h)) for h in headers] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(headers))]
    lines = []
    for line in cells:
        parts = [line[0].ljust(widths[0])]
        parts += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        lines.append("  ".join(parts))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)
