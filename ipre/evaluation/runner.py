"""The whole evaluation: as-of builds, the seven models' lists, metrics, the eval_metrics table.

A run evaluates one cutoff or several (a rolling backtest: each cutoff is a full as-of build
and scoring); every cutoff's rows are appended to eval_metrics with the same run_id.

1. The pipeline (recommendations and its parents) is built by dbt as of the cutoff T (var
   as_of_date) into <eval_dir>/asof.duckdb.
   Without an explicit cutoff, the staging layer is built first to read the last accepted
   invoice date, and T = that date - horizon_days.
2. A copy, <eval_dir>/asof_rules_off.duckdb, rebuilds the ranking with min_support = 2: a
   support is a share of baskets, so no rule can pass and every slot goes to the fallback.
3. Targets (first-time purchases in the horizon) and the baselines' history come from the
   as-of warehouse; its staging views read every raw invoice, the marts only those up to T.
4. EASE's λ is chosen on the validation split ending at T (lines dated on or before T only).
5. The best baseline (by NDCG@k) is compared with each engine variant: paired bootstrap
   intervals of the per-customer NDCG@k and hit@k differences.
6. The reorder reminders of the as-of build (reorder_reminders) and their two baselines are
   scored on the next reorder_horizon_days (ipre.evaluation.reorders): three more rows.
7. The ten rows are appended to eval_metrics in the main warehouse, written after dbt has
   finished, with the run's id, time (UTC), dataset label and vars.
8. When the engine ranks by another method than similarity (ranking_method learned or spec),
   a third copy, <eval_dir>/asof_similarity.duckdb, rebuilds the ranking with ranking_method
   similarity: an eleventh row, model "similarity", which also competes for the best
   baseline, so that the engine's paired intervals are against it when it leads EASE.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from ipre.evaluation import reorders, warehouse
from ipre.evaluation.baselines import BASELINES, History
from ipre.evaluation.bootstrap import paired_bootstrap
from ipre.evaluation.ease import LambdaChoice, ease, select_lambda
from ipre.evaluation.metrics import (
    catalogue_coverage,
    evaluate,
    hit_rate_at_k,
    ndcg_at_k,
    per_customer,
    top_k,
)
from ipre.evaluation.split import DEFAULT_HORIZON_DAYS, Split, default_cutoff, parse_date
from ipre.evaluation.targets import first_time_targets
from ipre.params.resolved import built_top_k, default_top_k, resolve

# The cut-off of the metrics is the top_k the evaluated build used (read from its warehouse);
# this default (dbt_project.yml's top_k) only names the columns when no rows say otherwise.
K = default_top_k()
ASOF_DB = "asof.duckdb"
RULES_OFF_DB = "asof_rules_off.duckdb"
SIMILARITY_DB = "asof_similarity.duckdb"
SIMILARITY_MODEL = "similarity"
BUILD_ARGS = ("build", "--resource-type", "seed", "model")
REFERENCE_SELECT = "+int_reference_date"
# recommendations and everything it reads (the basket, rules, staging, ...), and the reorder
# reminders (scored by ipre.evaluation.reorders), nothing else; and the marts that are views
# over the intermediate twins recommendations reads (docs/design.md, "Layers"), so the as-of
# build holds them as before (market_basket is the history; bench/learned_ranker.py reads
# customer_similarity_scores)
TWIN_MARTS = (
    "market_basket basket_window basket_sessions association_rules customer_clusters "
    "product_neighbours customer_similarity_scores"
)
EVAL_SELECT = f"+recommendations +recommendations_ranked +reorder_reminders {TWIN_MARTS}"
# the spec method with no rule passing its floors: every slot goes to the fallback
RULES_OFF_VARS: Mapping[str, Any] = {"ranking_method": "spec", "min_support": 2}
# the ranking models between the rule filter and the published table
RULES_OFF_SELECT = "int_ranking_rule_candidates+,+recommendations"
# the ranking models between the chosen method's rows and the published table
SIMILARITY_SELECT = "int_ranking_primary_recommendations+,+recommendations"

def eval_metrics_schema(k: int) -> pa.Schema:
    """The eval_metrics columns; the metric columns are named for the cut-off k (top_k)."""
    return pa.schema(
        [
            ("model", pa.string()),
            ("n_customers", pa.int64()),
            (f"hit_rate_at_{k}", pa.float64()),
            (f"precision_at_{k}", pa.float64()),
            (f"recall_at_{k}", pa.float64()),
            (f"ndcg_at_{k}", pa.float64()),
            (f"map_at_{k}", pa.float64()),
            ("catalogue_coverage", pa.float64()),
            ("share_from_rules", pa.float64()),
            ("share_from_fallback", pa.float64()),
            ("cutoff_date", pa.date32()),
            ("horizon_days", pa.int32()),
            # EASE's λ (ease row only), chosen on the validation split before the cutoff
            ("ease_lambda", pa.float64()),
            # engine rows only: engine minus the best baseline (by ndcg), paired bootstrap 95 %
            ("best_baseline", pa.string()),
            ("delta_ndcg_vs_best", pa.float64()),
            ("ci_low", pa.float64()),
            ("ci_high", pa.float64()),
            ("delta_hit_rate_vs_best", pa.float64()),
            ("hit_rate_ci_low", pa.float64()),
            ("hit_rate_ci_high", pa.float64()),
            # the run: rows of one `ipre evaluate` share run_id (one per cutoff and model)
            ("run_id", pa.string()),
            ("run_at_utc", pa.timestamp("us")),
            ("dataset", pa.string()),
            ("vars", pa.string()),
        ]
    )


EVAL_METRICS_SCHEMA = eval_metrics_schema(K)
ENGINE_MODELS = ("engine", "engine_no_feedback", "engine_fallback_only")
EASE_MODEL = "ease"
RUN_COLUMNS = ("run_id", "run_at_utc", "dataset", "vars")
COMPARISON_COLUMNS = (
    "best_baseline",
    "delta_ndcg_vs_best",
    "ci_low",
    "ci_high",
    "delta_hit_rate_vs_best",
    "hit_rate_ci_low",
    "hit_rate_ci_high",
)
SAMPLE_DATASET = "sample"

Log = Callable[[str], None]


@dataclass(frozen=True)
class EvaluationConfig:
    eval_dir: Path
    main_db: Path
    dbt_vars: Mapping[str, Any] = field(default_factory=dict)
    cutoff: date | None = None
    horizon_days: int = DEFAULT_HORIZON_DAYS
    cutoffs: tuple[date, ...] = ()  # a rolling backtest; empty: `cutoff` (or the default)
    dataset: str | None = None  # the label in eval_metrics; None: derived from the paths


@dataclass(frozen=True)
class RunInfo:
    """What identifies a run in eval_metrics."""

    run_id: str
    run_at_utc: datetime
    dataset: str
    vars: str

    @classmethod
    def start(cls, config: EvaluationConfig) -> RunInfo:
        return cls(
            run_id=uuid.uuid4().hex,
            run_at_utc=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
            dataset=config.dataset or dataset_label(config.dbt_vars),
            vars=json.dumps(dict(config.dbt_vars), sort_keys=True, default=str),
        )

    def stamp(self, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        meta = {name: getattr(self, name) for name in RUN_COLUMNS}
        return [{**row, **meta} for row in rows]


def dataset_label(dbt_vars: Mapping[str, Any]) -> str:
    """'sample' without input paths; else the folder of invoices_path (or of another path)."""
    for name in ("invoices_path", "customers_path", "products_path"):
        value = dbt_vars.get(name)
        if value:
            folder = str(value).rstrip("/").rsplit("/", 1)[0] if "/" in str(value) else "."
            # skip glob folders (…/*/invoices.csv): the first folder without a wildcard
            parts = [p for p in folder.split("/") if p and not re.search(r"[*?\[]", p)]
            return parts[-1] if parts and parts[-1] not in {".", "s3:"} else str(value)
    return SAMPLE_DATASET


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
    lambda_choice: LambdaChoice | None = None
    run: RunInfo | None = None
    seconds: float | None = None


def run_backtest(config: EvaluationConfig, log: Log = print) -> list[EvaluationResult]:
    """Evaluate every cutoff of config.cutoffs (or the single cutoff) in order; each one's
    rows are appended to eval_metrics as soon as it is scored, under one run_id."""
    run = RunInfo.start(config)
    asof_db = config.eval_dir / ASOF_DB
    cutoffs = list(config.cutoffs) or [resolve_cutoff(config, asof_db, log)]
    results = []
    for cutoff in cutoffs:
        started = time.monotonic()
        result = evaluate_cutoff(config, Split(cutoff, config.horizon_days), log)
        result = replace(
            result,
            rows=run.stamp(result.rows),
            run=run,
            seconds=time.monotonic() - started,
        )
        warehouse.write_eval_metrics(config.main_db, rows_table(result.rows))
        log(
            f"appended {len(result.rows)} rows (run {run.run_id}, cutoff {cutoff}) to"
            f" eval_metrics in {config.main_db} ({result.seconds:.0f} s)"
        )
        results.append(result)
    return results


def run_evaluation(config: EvaluationConfig, log: Log = print) -> EvaluationResult:
    """One cutoff (config.cutoff, or the default); see run_backtest."""
    if len(config.cutoffs) > 1:
        raise ValueError("run_evaluation scores one cutoff; use run_backtest for several")
    return run_backtest(config, log)[0]


def evaluate_cutoff(config: EvaluationConfig, split: Split, log: Log) -> EvaluationResult:
    """The as-of build, the rules-off copy and the scoring of one cutoff (nothing written)."""
    asof_db = config.eval_dir / ASOF_DB
    rules_off_db = config.eval_dir / RULES_OFF_DB
    clock = Stopwatch()
    log(f"building the pipeline as of {split.cutoff} into {asof_db}")
    build_as_of(asof_db, config.dbt_vars, split)
    log(f"rebuilding the ranking with association rules off into {rules_off_db} ({clock.lap()})")
    build_rules_off(asof_db, rules_off_db, config.dbt_vars, split)
    similarity_db = None
    if str(resolve(config.dbt_vars)["ranking_method"]).strip().lower() != SIMILARITY_MODEL:
        similarity_db = config.eval_dir / SIMILARITY_DB
        log(f"rebuilding the ranking with ranking_method similarity into {similarity_db}")
        build_similarity_ranking(asof_db, similarity_db, config.dbt_vars, split)
    log(f"scoring the models ({clock.lap()})")
    reorder_horizon = reorders.horizon_from_vars(config.dbt_vars)
    result = score_models(
        asof_db,
        rules_off_db,
        split,
        k=metrics_k(config.dbt_vars),
        log=log,
        reorder_horizon=reorder_horizon,
        similarity_db=similarity_db,
    )
    log(f"scored ({clock.lap()})")
    return result


class Stopwatch:
    """Seconds since the previous lap, for the progress log."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def lap(self) -> str:
        now = time.monotonic()
        elapsed, self.last = now - self.last, now
        return f"{elapsed:.0f} s"


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


def metrics_k(dbt_vars: Mapping[str, Any]) -> int:
    """The cut-off of every metric: the top_k the as-of build uses with these vars."""
    return int(resolve(dbt_vars)["top_k"])


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


def build_similarity_ranking(
    asof_db: Path, similarity_db: Path, dbt_vars: Mapping[str, Any], split: Split
) -> None:
    """Copy the as-of warehouse and rebuild the ranking with ranking_method similarity."""
    warehouse.copy_database(asof_db, similarity_db)
    run_vars = {**as_of_vars(dbt_vars, split), "ranking_method": SIMILARITY_MODEL}
    warehouse.run_dbt(["run", "--select", SIMILARITY_SELECT], similarity_db, run_vars)


def score_models(
    asof_db: Path,
    rules_off_db: Path,
    split: Split,
    k: int | None = None,
    log: Log | None = None,
    reorder_horizon: int = reorders.DEFAULT_REORDER_HORIZON_DAYS,
    similarity_db: Path | None = None,
) -> EvaluationResult:
    """Read the built warehouses, compute the baselines and score all seven models; then the
    reorder reminders and their two baselines (three more rows, ipre.evaluation.reorders).
    k (default: the top_k the as-of warehouse was built with) is the cut-off of every metric."""
    clock, log = Stopwatch(), log or (lambda _: None)
    with warehouse.connect_read_only(asof_db) as con:
        built_as_of = warehouse.reference_date(con)
        if built_as_of != split.cutoff:
            raise ValueError(f"{asof_db} is built as of {built_as_of}, not {split.cutoff}")
        k = k or built_top_k(con) or K
        lines = warehouse.accepted_lines(con)
        history = warehouse.load_history(con, lines, split)
        last = warehouse.last_invoice_date(con)
        window_days = warehouse.recency_cutoff_days(con)
        engine = ModelLists("engine", *warehouse.load_engine(con, "recommendations"))
        no_feedback = ModelLists(
            "engine_no_feedback", *warehouse.load_engine(con, "recommendations_ranked")
        )
        reminders, reorder_history = None, None
        if reorders.has_reminders_table(con):
            reminders = reorders.load_reminders(con)
            reorder_history = reorders.load_purchase_history(con)
    with warehouse.connect_read_only(rules_off_db) as con:
        rules_off = ModelLists(
            "engine_fallback_only", *warehouse.load_engine(con, "recommendations")
        )
    baselines = [ModelLists(name, make(history, k)) for name, make in BASELINES.items()]
    if similarity_db is not None:
        with warehouse.connect_read_only(similarity_db) as con:
            recommendations, _ = warehouse.load_engine(con, "recommendations")
        baselines.insert(0, ModelLists(SIMILARITY_MODEL, recommendations))
    log(f"  read the warehouses and ran {', '.join(BASELINES)} ({clock.lap()})")
    # λ from the validation split ending at T: only lines on or before T are passed
    seen = [line for line in lines if split.is_history(line[2])]
    choice = select_lambda(seen, split, history.in_stock, window_days, k)
    log(f"  chose ease λ = {choice.lam:g} on {choice.validation_cutoff} ({clock.lap()})")
    baselines.append(ModelLists(EASE_MODEL, ease(history, k, choice.lam)))
    log(f"  ran ease ({clock.lap()})")
    targets = first_time_targets(lines, split)
    models = [engine, no_feedback, rules_off, *baselines]
    rows = [metrics_row(model, targets, history, split, k) for model in models]
    for row in rows:
        row["ease_lambda"] = choice.lam if row["model"] == EASE_MODEL else None
    compare_with_best_baseline(rows, models, targets, history, k)
    if reminders is not None and reorder_history is not None:
        rows += reorders.score_reorders(
            reminders, reorder_history, lines, split, reorder_horizon, k
        )
        log(f"  scored the reorder reminders on {reorder_horizon} days ({clock.lap()})")
    out_of_scope = sum(1 for c in targets if c not in history.segment_of)
    return EvaluationResult(split, rows, last, out_of_scope, choice)


def compare_with_best_baseline(
    rows: list[dict[str, Any]],
    models: Sequence[ModelLists],
    targets: Mapping[str, frozenset[str]],
    history: History,
    k: int,
) -> None:
    """Fill the comparison columns of the engine rows: engine - best baseline (the non-engine
    model with the highest NDCG@k; ties to the earlier model), paired bootstrap intervals."""
    ndcg = f"ndcg_at_{k}"
    candidates = [r for r in rows if r["model"] not in ENGINE_MODELS and r[ndcg] is not None]
    for row in rows:
        row.update(dict.fromkeys(COMPARISON_COLUMNS))
    if not candidates:
        return
    best = max(candidates, key=lambda r: r[ndcg])["model"]  # max keeps the first of ties
    lists = {
        m.name: {c: top_k(m.recommendations.get(c, ()), k) for c in history.customers}
        for m in models
    }

    def values(model: str, metric: Callable) -> list[float]:
        return per_customer(lists[model], targets, k, history.customers, metric)

    for row in rows:
        if row["model"] not in ENGINE_MODELS:
            continue
        ndcg_ci = paired_bootstrap(values(row["model"], ndcg_at_k), values(best, ndcg_at_k))
        hit_ci = paired_bootstrap(values(row["model"], hit_rate_at_k), values(best, hit_rate_at_k))
        row.update(
            best_baseline=best,
            delta_ndcg_vs_best=ndcg_ci.delta,
            ci_low=ndcg_ci.low,
            ci_high=ndcg_ci.high,
            delta_hit_rate_vs_best=hit_ci.delta,
            hit_rate_ci_low=hit_ci.low,
            hit_rate_ci_high=hit_ci.high,
        )


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


def rows_k(rows: Sequence[Mapping[str, Any]]) -> int:
    """The cut-off the rows were scored at (from a <metric>_at_<k> column), else K."""
    for row in rows:
        for name in row:
            match = re.fullmatch(r"(?:hit_rate|precision|recall|ndcg|map)_at_(\d+)", name)
            if match:
                return int(match.group(1))
    return K


def rows_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    schema = eval_metrics_schema(rows_k(rows))
    return pa.Table.from_pylist([dict(r) for r in rows], schema=schema)


HIDDEN_COLUMNS = {"cutoff_date", *RUN_COLUMNS, *COMPARISON_COLUMNS}


def format_rows(rows: Sequence[Mapping[str, Any]]) -> str:
    """A plain-text table of the metric rows (numbers right-aligned, 4 decimals)."""
    schema = eval_metrics_schema(rows_k(rows))
    headers = [name for name in schema.names if name not in HIDDEN_COLUMNS]
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


def winner_line(rows: Sequence[Mapping[str, Any]], k: int | None = None) -> str | None:
    """One line: the engine against the best baseline at a cutoff, who wins and by how much,
    with the paired bootstrap interval of the winner's NDCG@k advantage (k: the rows')."""
    k = k or rows_k(rows)
    engine = next((r for r in rows if r["model"] == "engine"), None)
    if engine is None or engine.get("best_baseline") is None:
        return None
    ndcg = f"ndcg_at_{k}"
    best = next(r for r in rows if r["model"] == engine["best_baseline"])
    a, b = (engine, best) if engine[ndcg] >= best[ndcg] else (best, engine)
    sign = 1.0 if a is engine else -1.0
    low, high = sorted((sign * engine["ci_low"], sign * engine["ci_high"]))
    relative = f"{(a[ndcg] / b[ndcg] - 1) * 100:+.1f} %" if b[ndcg] else "n/a"
    tie = " (tie)" if a[ndcg] == b[ndcg] else ""
    return (
        f"winner at {engine['cutoff_date']}: {a['model']} ndcg@{k} {a[ndcg]:.3f}"
        f" vs {b['model']} {b[ndcg]:.3f} ({relative}, 95 % CI {low:+.3f}..{high:+.3f}){tie};"
        f" hit@{k} {a[f'hit_rate_at_{k}']:.3f} vs {b[f'hit_rate_at_{k}']:.3f}"
    )


def summary_line(results: Sequence[EvaluationResult], k: int | None = None) -> str | None:
    """One line over all cutoffs: how often the engine beats the best baseline, how often
    the interval excludes 0, and the mean NDCG@k of both."""
    pairs = []
    for result in results:
        engine = next((r for r in result.rows if r["model"] == "engine"), None)
        if engine is None or engine.get("best_baseline") is None:
            continue
        best = next(r for r in result.rows if r["model"] == engine["best_baseline"])
        pairs.append((engine, best))
    if not pairs:
        return None
    k = k or rows_k([engine for engine, _ in pairs])
    ndcg = f"ndcg_at_{k}"
    ahead = sum(1 for e, b in pairs if e[ndcg] > b[ndcg])
    significant_ahead = sum(1 for e, _ in pairs if e["ci_low"] > 0)
    significant_behind = sum(1 for e, _ in pairs if e["ci_high"] < 0)
    engine_mean = sum(e[ndcg] for e, _ in pairs) / len(pairs)
    best_mean = sum(b[ndcg] for _, b in pairs) / len(pairs)
    relative = f" ({(engine_mean / best_mean - 1) * 100:+.1f} %)" if best_mean else ""
    names = ", ".join(sorted({b["model"] for _, b in pairs}))
    return (
        f"over {len(pairs)} cutoff(s): engine ahead of the best baseline ({names}) at {ahead}"
        f" of {len(pairs)}; 95 % CI above 0 at {significant_ahead}, below 0 at"
        f" {significant_behind}; mean ndcg@{k} engine {engine_mean:.3f} vs best baseline"
        f" {best_mean:.3f}{relative}"
    )
