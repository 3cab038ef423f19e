"""The learned ranker's ablation by feature group, on as-of builds of a dataset.

    .venv/bin/python bench/learned_ranker.py --vars YAML --cutoffs 2010-06-12,2010-09-10
        [--work-dir DIR] [--horizon-days 90]

For each cutoff T the pipeline is built as of T with ranking_method learned, exactly as
`make eval` builds it (cached per date in the work dir). The ranker's features and labels
are the build's own int_ranker_features; the model is refitted on its training snapshots with
every feature, then without each feature group (ipre/ranker/features.py), and each model's
top 5 at T is scored on the first-time purchases of the horizon after T. Printed per cutoff:
ndcg@5 / hit@5 of each, the similarity method's top 5 (customer_similarity_scores) beside
them, the training groups and each fit's seconds.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ipre.evaluation import runner, warehouse
from ipre.evaluation.metrics import MetricSummary, evaluate
from ipre.evaluation.split import Split, parse_date
from ipre.evaluation.targets import first_time_targets
from ipre.ranker import model, training
from ipre.ranker.features import FEATURE_GROUPS, FEATURES, without_groups

K = 5
SEED = 42


def build(work: Path, dbt_vars: Mapping[str, Any], cutoff: date) -> Path:
    db = work / f"asof_{cutoff.isoformat()}.duckdb"
    if not db.exists():
        started = time.monotonic()
        runner.build_as_of(db, {**dbt_vars, "ranking_method": "learned"}, Split(cutoff, 1))
        print(f"  built as of {cutoff} ({time.monotonic() - started:.0f} s)", flush=True)
    return db


def top_lists(scored: pd.DataFrame) -> dict[str, list[str]]:
    best = scored.loc[scored["ranker_rank"] <= K].sort_values(["customer_id", "ranker_rank"])
    return {c: list(g["product_id"]) for c, g in best.groupby("customer_id", sort=False)}


def words(summary: MetricSummary) -> str:
    return f"{summary.ndcg or 0:.4f} / {summary.hit_rate or 0:.4f}"


def report_cutoff(db: Path, cutoff: date, horizon_days: int) -> None:
    split = Split(cutoff, horizon_days)
    with warehouse.connect_read_only(db) as con:
        features = con.sql("select * from intermediate.int_ranker_features").df()
        similarity = con.sql(
            f"select customer_id, recommended_product from main.customer_similarity_scores"
            f" where similarity_rank <= {K} order by customer_id, similarity_rank"
        ).fetchall()
        lines = warehouse.accepted_lines(con)
        customers = warehouse.load_history(con, lines, split).customers
    targets = first_time_targets(lines, split)
    rows = training.training_rows(features)
    current = features.loc[features["snapshot_index"] == 0]
    similarity_lists: dict[str, list[str]] = {}
    for customer, product in similarity:
        similarity_lists.setdefault(customer, []).append(product)
    parts = [f"similarity {words(evaluate(similarity_lists, targets, K, customers=customers))}"]
    groups = 0
    variants = [("all", FEATURES)]
    variants += [(f"-{g}", without_groups(frozenset({g}))) for g in FEATURE_GROUPS]
    for name, names in variants:
        started = time.monotonic()
        ranker = model.fit(rows, names, SEED)
        seconds = time.monotonic() - started
        lists = top_lists(model.predict(ranker, current))
        summary = evaluate(lists, targets, K, customers=customers)
        parts.append(f"{name} {words(summary)} ({seconds:.1f} s)")
        groups = max(groups, ranker.training_customers)
    print(f"{cutoff} ({groups} training groups): " + " | ".join(parts), flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vars", default="{}", help="dbt vars (YAML), as for ipre evaluate")
    parser.add_argument("--cutoffs", required=True, help="comma-separated evaluation cutoffs")
    parser.add_argument("--work-dir", type=Path, default=Path("target/learned-ranker"))
    parser.add_argument("--horizon-days", type=int, default=90)
    args = parser.parse_args(argv)
    dbt_vars = yaml.safe_load(args.vars) or {}
    for cutoff in (parse_date(text) for text in args.cutoffs.split(",")):
        report_cutoff(build(args.work_dir, dbt_vars, cutoff), cutoff, args.horizon_days)


if __name__ == "__main__":
    main()
