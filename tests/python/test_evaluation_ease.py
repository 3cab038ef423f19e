"""EASE, its λ selection, the paired bootstrap, eval_metrics history and the printed lines.

All on tiny hand-made inputs (no dbt build): the closed form against a direct numpy
computation, an obvious item pair recovered, λ chosen from data before the scored horizon
only, a bootstrap interval of a known difference, appending to an old-schema eval_metrics.
"""

from __future__ import annotations

import inspect
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from ipre.evaluation import ease as ease_module
from ipre.evaluation.baselines import History
from ipre.evaluation.bootstrap import paired_bootstrap
from ipre.evaluation.cli import parse_cutoffs
from ipre.evaluation.ease import (
    EASE_LAMBDAS,
    EaseModel,
    ease,
    ease_weights,
    select_lambda,
)
from ipre.evaluation.runner import (
    EVAL_METRICS_SCHEMA,
    EvaluationConfig,
    RunInfo,
    dataset_label,
    metrics_k,
    rows_table,
    winner_line,
)
from ipre.evaluation.split import Split
from ipre.evaluation.warehouse import write_eval_metrics
from ipre.params.resolved import default_top_k

T = date(2025, 6, 30)


def test_weights_equal_the_closed_form_computed_directly() -> None:
    x = np.array(
        [[1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 1, 1], [1, 1, 1, 0], [0, 0, 1, 1]], dtype=float
    )
    lam = 2.5
    p = np.linalg.inv(x.T @ x + lam * np.eye(4))
    expected = np.eye(4) - p @ np.diag(1.0 / np.diag(p))
    weights = ease_weights(x.T @ x, lam)
    np.testing.assert_allclose(weights, expected, rtol=1e-12, atol=1e-12)
    assert np.all(np.diag(weights) == 0.0)
    # B minimises ||X - XB||² + λ||B||² under diag(B) = 0: the gradient is λ diag(μ)-shaped,
    # i.e. (XᵀX + λI) B - XᵀX is zero off the diagonal
    residual = (x.T @ x + lam * np.eye(4)) @ weights - x.T @ x
    np.testing.assert_allclose(residual - np.diag(np.diag(residual)), 0.0, atol=1e-10)


def history_of(affinity: dict[str, set[str]], in_stock: set[str]) -> History:
    return History(
        segment_of={c: "s" for c in affinity},
        affinity={c: dict.fromkeys(products, 1.0) for c, products in affinity.items()},
        bought={c: frozenset(products) for c, products in affinity.items()},
        in_stock=frozenset(in_stock),
    )


def test_recovers_an_obvious_pair_and_keeps_the_candidate_rule() -> None:
    """a and b are always bought together; c and d too. a-only buyers get b first."""
    affinity = {f"ab{i}": {"a", "b"} for i in range(6)}
    affinity |= {f"cd{i}": {"c", "d"} for i in range(6)}
    affinity |= {"only_a": {"a"}, "only_c": {"c"}, "only_d": {"d", "e"}, "x": {"e", "z"}}
    history = history_of(affinity, {"a", "b", "c", "d", "e"})  # z out of stock
    lists = ease(history, 2, 10.0)
    assert lists["only_a"][0] == "b"
    assert lists["only_c"][0] == "d"
    assert lists["only_d"][0] == "c"
    # never a known product, never out of stock, z (one customer) is not even an item
    assert all(p not in affinity[c] and p != "z" for c, ps in lists.items() for p in ps)
    assert EaseModel.fit_data(history).items == ["a", "b", "c", "d", "e"]


def test_item_set_keeps_products_of_two_customers_and_caps_by_popularity(monkeypatch) -> None:
    affinity = {"c1": {"p1", "p2", "p3"}, "c2": {"p1", "p2"}, "c3": {"p1", "p4"}, "c4": {"p4"}}
    history = history_of(affinity, {"p1", "p2", "p3", "p4"})
    assert EaseModel.fit_data(history).items == ["p1", "p2", "p4"]  # p3: one customer
    monkeypatch.setattr(ease_module, "EASE_MAX_ITEMS", 2)
    # p1 (3 customers), then p2 and p4 tie on 2: the smaller id wins
    assert EaseModel.fit_data(history).items == ["p1", "p2"]


def test_ties_are_broken_by_product_id() -> None:
    affinity = {"c1": {"p1"}, "c2": {"p1", "p3", "p2"}, "c3": {"p1", "p2", "p3"}}
    lists = ease(history_of(affinity, {"p1", "p2", "p3"}), 2, 100.0)
    assert lists["c1"] == ["p2", "p3"]  # p2 and p3 score the same for c1


def lines_for(days_offset: int, customers: int = 8) -> list[tuple[str, str, date]]:
    """Teachers buy the pairs (a, b) and (c, d) long ago; students buy one half 150 days
    before the other, the second half `days_offset` days before T."""
    lines = []
    for n in range(6):
        for product in ("a", "b", "c", "d", "e") if n < 2 else ("a", "b") if n % 2 else "cd":
            lines.append((f"t{n}", product, T - timedelta(days=300)))
    for n in range(customers):
        first, second = ("a", "b") if n % 2 else ("c", "d")
        lines.append((f"s{n}", first, T - timedelta(days=days_offset + 150)))
        lines.append((f"s{n}", second, T - timedelta(days=days_offset)))
    return lines


def test_lambda_is_chosen_on_the_validation_split_before_the_cutoff() -> None:
    split = Split(T, 90)
    in_stock = frozenset("abcde")
    lines = lines_for(10)  # second halves in (T - 90, T]: the validation targets
    choice = select_lambda(lines, split, in_stock, window_days=730, k=2, grid=(1.0, 10.0))
    assert choice.validation_cutoff == (T - timedelta(days=90)).isoformat()
    assert choice.n_customers == 8 and choice.lam in (1.0, 10.0)
    assert choice.ndcg_by_lambda[choice.lam] == 1.0  # b after a, d after c: the pairs

    # a line in the scored horizon (T, T + 90] is refused, not silently used
    with pytest.raises(ValueError, match="after the cutoff"):
        select_lambda([*lines, ("s0", "a", T + timedelta(days=1))], split, in_stock, 730, 2)
    # the scored horizon is not a parameter: only lines, the split, the catalogue and k
    assert list(inspect.signature(select_lambda).parameters) == [
        "lines_to_cutoff",
        "split",
        "in_stock",
        "window_days",
        "k",
        "grid",
    ]
    # without purchases in (T - 90, T] there is nothing to validate on: the first λ
    early = select_lambda(lines_for(120), split, in_stock, 730, 2, grid=(5.0, 50.0))
    assert early.n_customers == 0 and early.lam == 5.0
    assert tuple(sorted(EASE_LAMBDAS)) == EASE_LAMBDAS


def test_paired_bootstrap_of_a_known_difference() -> None:
    rng = np.random.default_rng(0)
    base = rng.random(2000)
    constant = paired_bootstrap(base + 0.1, base)
    assert constant.delta == pytest.approx(0.1)
    assert constant.low == pytest.approx(0.1) and constant.high == pytest.approx(0.1)
    noise = rng.normal(0.05, 0.5, 2000)  # differences with mean ~0.05, sd 0.5
    interval = paired_bootstrap(base + noise, base)
    half_width = 1.96 * 0.5 / np.sqrt(2000)  # ~0.022
    assert interval.low < interval.delta < interval.high
    assert interval.high - interval.low == pytest.approx(2 * half_width, rel=0.15)
    assert interval.low < 0.05 < interval.high and interval.excludes_zero
    assert paired_bootstrap(base + noise, base) == interval  # fixed seed
    with pytest.raises(ValueError):
        paired_bootstrap([1.0], [1.0, 2.0])


OLD_COLUMNS = [  # eval_metrics before run history (one run, replaced each time)
    "model varchar",
    "n_customers bigint",
    "hit_rate_at_5 double",
    "precision_at_5 double",
    "recall_at_5 double",
    "ndcg_at_5 double",
    "map_at_5 double",
    "catalogue_coverage double",
    "share_from_rules double",
    "share_from_fallback double",
    "cutoff_date date",
    "horizon_days integer",
]


def metric_rows(run: RunInfo, cutoff: date) -> list[dict]:
    rows = [
        {"model": "engine", "n_customers": 10, "ndcg_at_5": 0.142, "hit_rate_at_5": 0.4},
        {"model": "ease", "n_customers": 10, "ndcg_at_5": 0.131, "hit_rate_at_5": 0.35},
    ]
    rows[0] |= {"best_baseline": "ease", "ci_low": 0.004, "ci_high": 0.018}
    return run.stamp([{**r, "cutoff_date": cutoff, "horizon_days": 90} for r in rows])


def test_eval_metrics_appends_and_migrates_an_old_table(tmp_path: Path) -> None:
    db_path = tmp_path / "main.duckdb"
    with duckdb.connect(str(db_path)) as con:  # the table as the previous version wrote it
        con.execute(f"create table eval_metrics ({', '.join(OLD_COLUMNS)})")
        con.execute(
            "insert into eval_metrics values ('engine', 41, 0.29, 0.1, 0.17, 0.15, 0.11, 0.74,"
            " 0.38, 0.62, '2025-11-22', 90)"
        )
    config = EvaluationConfig(eval_dir=tmp_path, main_db=db_path)
    first, second = RunInfo.start(config), RunInfo.start(config)
    write_eval_metrics(db_path, rows_table(metric_rows(first, T)))
    write_eval_metrics(db_path, rows_table(metric_rows(second, T + timedelta(days=30))))
    with duckdb.connect(str(db_path), read_only=True) as con:
        columns = [c for (c, *_) in con.execute("describe eval_metrics").fetchall()]
        runs = con.execute(
            "select run_id, count(*), min(dataset), min(vars) from eval_metrics group by run_id"
        ).fetchall()
        old = con.execute("select ndcg_at_5 from eval_metrics where run_id is null").fetchall()
    assert set(EVAL_METRICS_SCHEMA.names) <= set(columns)
    assert columns[: len(OLD_COLUMNS)] == [c.split()[0] for c in OLD_COLUMNS]
    assert sorted(runs, key=str) == sorted(
        [
            (None, 1, None, None),
            (first.run_id, 2, "sample", "{}"),
            (second.run_id, 2, "sample", "{}"),
        ],
        key=str,
    )
    assert old == [(0.15,)]
    assert first.run_id != second.run_id and isinstance(first.run_at_utc, datetime)


def test_dataset_label_and_cutoffs() -> None:
    assert dataset_label({}) == "sample"
    assert dataset_label({"min_lift": 2}) == "sample"
    real = "/work/shared/data/online-retail-2009-2010/invoices.csv.gz"
    assert dataset_label({"invoices_path": real}) == "online-retail-2009-2010"
    assert dataset_label({"invoices_path": "s3://bucket/retail/*/part-*.parquet"}) == "retail"
    assert parse_cutoffs("2010-06-12, 2010-08-11,2010-09-10") == (
        date(2010, 6, 12),
        date(2010, 8, 11),
        date(2010, 9, 10),
    )
    assert parse_cutoffs("") == ()


def test_winner_line_names_the_winner_and_the_margin() -> None:
    run = RunInfo.start(EvaluationConfig(eval_dir=Path("."), main_db=Path("x.duckdb")))
    rows = metric_rows(run, date(2010, 9, 10))
    assert winner_line(rows) == (
        "winner at 2010-09-10: engine ndcg@5 0.142 vs ease 0.131 (+8.4 %, 95 % CI"
        " +0.004..+0.018); hit@5 0.400 vs 0.350"
    )
    rows[0] |= {"ndcg_at_5": 0.120, "ci_low": -0.02, "ci_high": 0.001}
    assert winner_line(rows) == (
        "winner at 2010-09-10: ease ndcg@5 0.131 vs engine 0.120 (+9.2 %, 95 % CI"
        " -0.001..+0.020); hit@5 0.350 vs 0.400"
    )


def test_make_eval_with_top_k_10_scores_at_10() -> None:
    # `make eval VARS='{top_k: 10}'` passes the vars to the as-of build and to the scoring
    assert metrics_k({"top_k": 10}) == 10
    assert metrics_k({"top_k": "10"}) == 10
    assert metrics_k({}) == default_top_k()
    rows = [{"model": "engine", "n_customers": 1, "ndcg_at_10": 0.5, "hit_rate_at_10": 1.0}]
    assert "hit_rate_at_10" in rows_table(rows).column_names
