"""The as-of build ignores every invoice after the cutoff; `ipre evaluate` end to end.

Invoices dated after the cutoff T are planted in a copy of the generated poc data: a new
product (LEAK) bought only after T by 40 customers, on invoices with the most bought product
(so that, were they seen, LEAK would form rules) and with a product each customer already
knows (a repeat purchase that would change its market_basket counts). The evaluation runs
on the planted copy; a plain as-of build of the unplanted data is the reference. The planted
lines are accepted by staging (they do reach the warehouse), yet LEAK is absent from the
features (market_basket, basket_sessions), the rules (association_rules) and the candidates
(recommendations), and those marts equal the reference's: no invoice after T changed anything.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import dataset_vars

from ipre.evaluation.ease import EASE_LAMBDAS
from ipre.evaluation.reorders import REORDER_MODELS
from ipre.evaluation.runner import (
    BUILD_ARGS,
    EvaluationConfig,
    EvaluationResult,
    RunInfo,
    format_rows,
    rows_table,
    run_evaluation,
    score_models,
)
from ipre.evaluation.split import Split
from ipre.evaluation.targets import first_time_targets
from ipre.evaluation.warehouse import (
    accepted_lines,
    connect_read_only,
    run_dbt,
    write_eval_metrics,
)

LEAK = "P99999"
PLANTED_CUSTOMERS = 40
MODELS = [
    "engine",
    "engine_no_feedback",
    "engine_fallback_only",
    "popularity_global",
    "popularity_segment",
    "sar_item_item",
    "ease",
]
# mart -> columns identifying a row (compared after sorting on them)
MARTS = {
    "market_basket": ["customer_id", "product_id"],
    "basket_sessions": ["global_basket_id", "product_id"],
    "association_rules": ["cluster_id", "product_a", "product_b"],
    "recommendations": ["customer_id", "rank"],
}
# the marts compared, and parents
# market_basket and association_rules: views over the twins that recommendations reads
MART_SELECT = [
    "+recommendations", "+recommendations_ranked", "+basket_sessions", "market_basket",
    "association_rules",
]
# mart -> a query returning a row when the planted product ($1) appears in it
LEAK_QUERIES = {
    "market_basket": "select 1 from market_basket where product_id = $1",
    "basket_sessions": "select 1 from basket_sessions where product_id = $1",
    "association_rules": "select 1 from association_rules where $1 in (product_a, product_b)",
    "recommendations": "select 1 from recommendations"
    " where $1 in (recommended_product, trigger_product)",
    "recommendations_ranked": "select 1 from recommendations_ranked"
    " where $1 in (recommended_product, trigger_product)",
}


@dataclass(frozen=True)
class Planted:
    data_dir: Path
    split: Split
    customers: list[str]


def _earlier_purchases(invoices: Path, cutoff: date) -> tuple[dict[str, str], str]:
    """Customer -> a product bought before the cutoff, and the most bought product then."""
    known: dict[str, str] = {}
    counts: Counter[str] = Counter()
    with invoices.open(newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                day = datetime.fromisoformat(row["invoice_date"]).date()
            except (TypeError, ValueError):
                continue
            if day <= cutoff and row["customer_id"].startswith("C"):
                known.setdefault(row["customer_id"], row["product_id"])
                counts[row["product_id"]] += 1
    return known, max(sorted(counts), key=counts.__getitem__)


def _plant(data_dir: Path, cutoff: date) -> list[str]:
    known, anchor = _earlier_purchases(data_dir / "invoices.csv", cutoff)
    customers = sorted(known)[:PLANTED_CUSTOMERS]
    with (data_dir / "products.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields, template = list(reader.fieldnames or []), next(reader)
    with (data_dir / "products.csv").open("a", newline="") as handle:
        new = {**template, "product_id": LEAK, "product_name": "Planted after cutoff"}
        csv.DictWriter(handle, fields, lineterminator="\n").writerow(new | {"in_stock": "true"})
    with (data_dir / "invoices.csv").open("a", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for n, customer in enumerate(customers):
            when = datetime.combine(cutoff + timedelta(days=1 + n % 60), datetime.min.time())
            for product in dict.fromkeys((LEAK, anchor, known[customer])):
                writer.writerow([f"INVLEAK{n:04d}", when.isoformat(), customer, product, 3])
    return customers


@pytest.fixture(scope="module")
def planted(generated_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Planted:
    truth = json.loads((generated_data / "ground_truth.json").read_text())
    split = Split(date.fromisoformat(truth["reference_date"]) - timedelta(days=90), 90)
    data_dir = tmp_path_factory.mktemp("planted") / "data"
    shutil.copytree(generated_data, data_dir)
    return Planted(data_dir, split, _plant(data_dir, split.cutoff))


@pytest.fixture(scope="module")
def evaluation(
    planted: Planted, tmp_path_factory: pytest.TempPathFactory
) -> tuple[EvaluationResult, EvaluationConfig]:
    work = tmp_path_factory.mktemp("evaluation")
    config = EvaluationConfig(
        eval_dir=work / "eval",
        main_db=work / "main.duckdb",
        dbt_vars=dataset_vars(planted.data_dir),
        cutoff=planted.split.cutoff,
    )
    return run_evaluation(config, log=lambda _: None), config


@pytest.fixture(scope="module")
def unfiltered(planted: Planted, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The planted data built without as_of_date (the reference date is the last invoice)."""
    db_path = tmp_path_factory.mktemp("unfiltered") / "full.duckdb"
    run_dbt([*BUILD_ARGS, "--select", *MART_SELECT], db_path, dataset_vars(planted.data_dir))
    return db_path


def marts_with_leak(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The marts in which the planted product appears."""
    return {mart for mart, sql in LEAK_QUERIES.items() if con.execute(sql, [LEAK]).fetchone()}


@pytest.fixture(scope="module")
def reference_asof(
    generated_data: Path, planted: Planted, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The same as-of build on the data without the planted invoices."""
    db_path = tmp_path_factory.mktemp("reference") / "asof.duckdb"
    as_of = {**dataset_vars(generated_data), "as_of_date": planted.split.cutoff.isoformat()}
    run_dbt([*BUILD_ARGS, "--select", *MART_SELECT], db_path, as_of)
    return db_path


def test_eval_metrics_holds_the_seven_models(evaluation: tuple) -> None:
    result, config = evaluation
    with duckdb.connect(str(config.main_db), read_only=True) as con:
        everything = con.execute(
            "select * from eval_metrics where run_id = ? order by rowid", [result.run.run_id]
        ).df()
    assert everything["model"].tolist() == [*MODELS, *REORDER_MODELS]
    reorder = everything[everything["model"].isin(REORDER_MODELS)]
    assert (reorder["horizon_days"] == 30).all() and reorder["ndcg_at_5"].isna().all()
    assert reorder["n_customers"].nunique() == 1
    table = everything[everything["model"].isin(MODELS)].reset_index(drop=True)
    assert (table["dataset"] == "data").all()  # the folder of the planted files
    assert (table["vars"] == json.dumps(config.dbt_vars, sort_keys=True)).all()
    assert table["n_customers"].nunique() == 1 and table["n_customers"].iloc[0] > 0
    metrics = [c for c in table.columns if c.endswith("_at_5") or c == "catalogue_coverage"]
    assert table[metrics].ge(0).all().all() and table[metrics].le(1).all().all()
    assert (table["cutoff_date"] == pd.Timestamp(result.split.cutoff)).all()
    assert (table["horizon_days"] == 90).all()
    engines = table.set_index("model").loc[MODELS[:3]]
    assert (engines["share_from_rules"] + engines["share_from_fallback"]).round(9).eq(1).all()
    assert engines.loc["engine_fallback_only", "share_from_rules"] == 0
    assert table.set_index("model").loc[MODELS[3:], "share_from_rules"].isna().all()
    by_model = table.set_index("model")
    assert by_model.loc["ease", "ease_lambda"] in EASE_LAMBDAS
    assert by_model["ease_lambda"].notna().sum() == 1
    # engine rows: engine - the best baseline (by ndcg among the four), with its interval
    best = by_model.loc[MODELS[3:], "ndcg_at_5"].idxmax()
    assert (engines["best_baseline"] == best).all()
    delta = engines["ndcg_at_5"] - by_model.loc[best, "ndcg_at_5"]
    assert (engines["delta_ndcg_vs_best"] - delta).abs().max() < 1e-12
    assert (engines["ci_low"] <= engines["delta_ndcg_vs_best"]).all()
    assert (engines["delta_ndcg_vs_best"] <= engines["ci_high"]).all()
    assert (engines["hit_rate_ci_low"] <= engines["hit_rate_ci_high"]).all()
    assert by_model.loc[MODELS[3:], "best_baseline"].isna().all()


def test_eval_metrics_keeps_the_history_of_runs(evaluation: tuple) -> None:
    """A second run (rescored on the same as-of warehouses) is appended; the first stays."""
    first, config = evaluation
    with duckdb.connect(str(config.main_db), read_only=True) as con:
        before = con.execute("select * from eval_metrics order by rowid").df()
    rescored = score_models(
        config.eval_dir / "asof.duckdb", config.eval_dir / "asof_rules_off.duckdb", first.split
    )
    second = RunInfo.start(config)
    write_eval_metrics(config.main_db, rows_table(second.stamp(rescored.rows)))
    with duckdb.connect(str(config.main_db), read_only=True) as con:
        after = con.execute("select * from eval_metrics order by rowid").df()
    assert len(after) == len(before) + len(MODELS) + len(REORDER_MODELS)
    pd.testing.assert_frame_equal(after.iloc[: len(before)], before)
    runs = after.groupby("run_id", sort=False)
    assert list(runs.groups) == [*before["run_id"].unique(), second.run_id]
    new = after[after["run_id"] == second.run_id].reset_index(drop=True)
    old = after[after["run_id"] == first.run.run_id].reset_index(drop=True)
    assert new["run_at_utc"].iloc[0] >= old["run_at_utc"].iloc[0]
    metrics = [c for c in after.columns if c.endswith("_at_5") or c == "ease_lambda"]
    pd.testing.assert_frame_equal(new[metrics], old[metrics])  # deterministic scoring


def test_planted_invoices_are_accepted_and_are_targets(evaluation: tuple, planted: Planted):
    asof_db = evaluation[1].eval_dir / "asof.duckdb"
    with connect_read_only(asof_db) as con:
        lines = accepted_lines(con)
    assert sum(1 for _, product, _ in lines if product == LEAK) == PLANTED_CUSTOMERS
    targets = first_time_targets(lines, planted.split)
    assert all(LEAK in targets[customer] for customer in planted.customers)


@pytest.mark.parametrize("db_name", ["asof.duckdb", "asof_rules_off.duckdb"])
def test_leak_product_reaches_no_mart(evaluation: tuple, planted: Planted, db_name: str):
    with connect_read_only(evaluation[1].eval_dir / db_name) as con:
        found = marts_with_leak(con)
        latest = con.execute("select max(last_purchase_date) from market_basket").fetchone()
    assert found == set()
    assert latest is not None and latest[0] <= planted.split.cutoff


def test_without_the_cutoff_the_plant_reaches_every_mart(unfiltered: Path) -> None:
    """The control: the planted invoices are strong enough to show up when not cut off."""
    with connect_read_only(unfiltered) as con:
        assert marts_with_leak(con) == set(LEAK_QUERIES)


@pytest.mark.parametrize("mart", sorted(MARTS))
def test_marts_equal_the_build_without_later_invoices(
    evaluation: tuple, reference_asof: Path, mart: str
) -> None:
    def read(db_path: Path) -> pd.DataFrame:
        with connect_read_only(db_path) as con:
            frame = con.execute(f"select * from {mart}").df()
        return frame.sort_values(MARTS[mart]).reset_index(drop=True)

    planted_mart = read(evaluation[1].eval_dir / "asof.duckdb")
    assert len(planted_mart) > 0
    pd.testing.assert_frame_equal(planted_mart, read(reference_asof), check_exact=False)


def test_metrics_are_cut_at_the_top_k_the_build_used(evaluation: tuple, tmp_path: Path) -> None:
    """Without an explicit k the scoring reads the top_k a warehouse was built with
    (pipeline_health): a copy recording top_k 3 is scored at 3, columns named for it (cheaper
    than a build at another top_k; the lists are cut to k either way)."""
    first, config = evaluation
    copies = []
    for name in ("asof.duckdb", "asof_rules_off.duckdb"):
        copy = tmp_path / name
        shutil.copyfile(config.eval_dir / name, copy)
        with duckdb.connect(str(copy)) as con:
            # what a build with top_k 3 records (the eval selection does not build it)
            con.execute("create or replace table pipeline_health as"
                        " select 'top_k' as metric, 3.0 as metric_value")
        copies.append(copy)
    rows = score_models(*copies, first.split).rows
    assert all("hit_rate_at_3" in row for row in rows)
    assert not any(key.endswith("_at_5") for row in rows for key in row)
    table = rows_table(rows)
    assert "hit_rate_at_3" in table.column_names and "hit_rate_at_5" not in table.column_names
    assert format_rows(rows).splitlines()[0].split()[2] == "hit_rate_at_3"
