"""The learned ranker against the similarity ranking, on as-of builds of a dataset.

    .venv/bin/python bench/learned_ranker.py --vars YAML --cutoffs 2010-06-12,2010-09-10
        [--work-dir DIR] [--horizon-days 90] [--training-horizon-days 30]
        [--training-cutoffs 3] [--ablation]

For each evaluation cutoff T the pipeline is built as of T and as of T - i x the training
horizon (i = 1 .. --training-cutoffs) with dbt, exactly as `make eval` builds it (cached per
date in the work dir), with a calibration_reserve that makes customer_similarity_scores keep
100 candidates. Candidates and features come from bench/learned_ranker_features.sql on each
build. The ranker (ipre.ranker.model) is fitted on the training cutoffs, whose labels are the
first-time purchases in the training horizon after each (all of them on or before T: nothing
after T is seen), and re-orders the candidates at T. Printed per cutoff: ndcg@5 and hit@5 of
the learned order and of the similarity order on the same candidates (the first five by
similarity_rank: the engine's similarity lists when nothing else intervenes), the paired 95 %
bootstrap interval of the difference, candidate recall, the training size and the fit time;
with --ablation, the learned ndcg@5 without each feature group.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ipre.evaluation import runner, warehouse
from ipre.evaluation.bootstrap import paired_bootstrap
from ipre.evaluation.metrics import evaluate, hit_rate_at_k, ndcg_at_k, per_customer
from ipre.evaluation.split import Split, parse_date
from ipre.evaluation.targets import first_time_targets
from ipre.ranker import model
from ipre.ranker.features import FEATURE_GROUPS, FEATURES, without_groups

K = 5
FEATURES_SQL = Path(__file__).with_name("learned_ranker_features.sql")
DEPTHS = {"similarity_depth": 100, "segment_depth": 50, "last_depth": 50}
SEED = 42


@dataclass(frozen=True)
class Snapshot:
    """One as-of build's candidates (with labels of the given horizon) and its scope."""

    frame: pd.DataFrame
    targets: Mapping[str, frozenset[str]]
    customers: Sequence[str]


def build(work: Path, dbt_vars: Mapping[str, Any], cutoff: date) -> Path:
    db = work / f"asof_{cutoff.isoformat()}.duckdb"
    if not db.exists():
        started = time.monotonic()
        # keep 100 similarity candidates: depth = top_k + calibration_reserve
        depth_vars = {**dbt_vars, "calibration_reserve": DEPTHS["similarity_depth"] - K}
        runner.build_as_of(db, depth_vars, Split(cutoff, 1))
        print(f"  built as of {cutoff} ({time.monotonic() - started:.0f} s)", flush=True)
    return db


def snapshot(db: Path, cutoff: date, horizon_days: int) -> Snapshot:
    split = Split(cutoff, horizon_days)
    with warehouse.connect_read_only(db) as con:
        frame = con.sql(FEATURES_SQL.read_text().format(**DEPTHS)).df()
        lines = warehouse.accepted_lines(con)
        customers = warehouse.load_history(con, lines, split).customers
    targets = first_time_targets(lines, split)
    frame["label"] = [
        int(product in targets.get(customer, ()))
        for customer, product in zip(frame["customer_id"], frame["product_id"], strict=True)
    ]
    return Snapshot(frame, targets, customers)


def top_lists(frame: pd.DataFrame, rank_column: str) -> dict[str, list[str]]:
    ordered = frame.sort_values(["customer_id", rank_column, "product_id"], kind="mergesort")
    return {c: list(g["product_id"][:K]) for c, g in ordered.groupby("customer_id", sort=False)}


def training_frame(snapshots: Sequence[tuple[date, Snapshot]]) -> pd.DataFrame:
    """The training cutoffs' rows; a customer at two cutoffs is two ranking groups."""
    return pd.concat(
        [
            s.frame.assign(customer_id=f"{day.isoformat()}/" + s.frame["customer_id"])
            for day, s in snapshots
        ],
        ignore_index=True,
    )


def scores(lists: Mapping[str, Sequence[str]], test: Snapshot) -> tuple[float, float]:
    summary = evaluate(lists, test.targets, K, customers=test.customers)
    return summary.ndcg or 0.0, summary.hit_rate or 0.0


def compare(
    train: pd.DataFrame, test: Snapshot, features: Sequence[str]
) -> tuple[dict[str, list[str]], float, int]:
    started = time.monotonic()
    ranker = model.fit(train, features, SEED)
    seconds = time.monotonic() - started
    ranked = model.predict(ranker, test.frame)
    return top_lists(ranked, "ranker_rank"), seconds, ranker.training_customers


def report_cutoff(
    work: Path, dbt_vars: Mapping[str, Any], cutoff: date, args: argparse.Namespace
) -> None:
    days = [
        cutoff - timedelta(days=i * args.training_horizon_days)
        for i in range(1, args.training_cutoffs + 1)
    ]
    test = snapshot(build(work, dbt_vars, cutoff), cutoff, args.horizon_days)
    train = training_frame(
        [
            (day, snapshot(build(work, dbt_vars, day), day, args.training_horizon_days))
            for day in days
        ]
    )
    learned, seconds, groups = compare(train, test, FEATURES)
    similarity = top_lists(test.frame.fillna({"similarity_rank": 1e9}), "similarity_rank")
    (l_ndcg, l_hit), (s_ndcg, s_hit) = scores(learned, test), scores(similarity, test)
    pairs = [
        paired_bootstrap(
            per_customer(learned, test.targets, K, test.customers, metric),
            per_customer(similarity, test.targets, K, test.customers, metric),
        )
        for metric in (ndcg_at_k, hit_rate_at_k)
    ]
    in_scope = sum(len(test.targets[c]) for c in test.customers if c in test.targets)
    print(
        f"{cutoff}: learned ndcg@5 {l_ndcg:.4f} hit@5 {l_hit:.4f} | similarity ndcg@5 {s_ndcg:.4f}"
        f" hit@5 {s_hit:.4f} | x{l_ndcg / s_ndcg:.3f} ndcg"
        f" [{pairs[0].low:+.4f}, {pairs[0].high:+.4f}]"
        f" x{l_hit / s_hit:.3f} hit [{pairs[1].low:+.4f}, {pairs[1].high:+.4f}]"
        f" | candidates {len(test.frame) / test.frame['customer_id'].nunique():.0f}/customer,"
        f" recall {test.frame['label'].sum() / in_scope:.3f}"
        f" | trained on {groups} customers x cutoffs, {len(train)} rows, fit {seconds:.1f} s",
        flush=True,
    )
    if args.ablation:
        for group in FEATURE_GROUPS:
            lists, _, _ = compare(train, test, without_groups(frozenset({group})))
            print(f"    without {group}: ndcg@5 {scores(lists, test)[0]:.4f}", flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vars", default="{}", help="dbt vars (YAML), as for ipre evaluate")
    parser.add_argument("--cutoffs", required=True, help="comma-separated evaluation cutoffs")
    parser.add_argument("--work-dir", type=Path, default=Path("target/learned-ranker"))
    parser.add_argument("--horizon-days", type=int, default=90)
    parser.add_argument("--training-horizon-days", type=int, default=30)
    parser.add_argument("--training-cutoffs", type=int, default=3)
    parser.add_argument("--ablation", action="store_true")
    args = parser.parse_args(argv)
    dbt_vars = yaml.safe_load(args.vars) or {}
    for cutoff in (parse_date(text) for text in args.cutoffs.split(",")):
        report_cutoff(args.work_dir, dbt_vars, cutoff, args)


if __name__ == "__main__":
    main()
