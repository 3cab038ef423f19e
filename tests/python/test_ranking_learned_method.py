"""ranking_method: learned on the bundled sample, built by dbt: the ranker's funnel, and its
fallback. The sample's 400 customers give far fewer labelled customers than
ranker_min_customers (300) asks for, so the build must rank by similarity, exactly as the
default method does, and say why. The ranker's fit and scores themselves are tested on
planted data (test_ranker_model.py, test_ranker_training.py)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import RAW_FILES, build_warehouse, rebuild_copy

SAMPLE_VARS = {f"{name}_path": "" for name in RAW_FILES}
SELECT = "+recommendations +recommendations_ranked +pipeline_health"
EXTRA = ["--resource-type", "seed", "--resource-type", "model"]
# The ranker's own nodes exist only with ranking_method 'learned' (macro learned_ranker_enabled),
# so `make dbt-test` (the default method) runs none of their data and unit tests: this does.
RANKER_NODES = (
    "path:models/intermediate/ranker path:python_models/int_ranker_model.py "
    "path:python_models/int_ranker_scores.py "
    "path:python_models/int_ranker_similarity_candidates.py "
    "path:python_models/int_ranker_snapshot_neighbours.py int_ranking_learned_candidates"
)


@pytest.fixture(scope="module")
def learned_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db_path = tmp_path_factory.mktemp("learned_method") / "learned.duckdb"
    return build_warehouse(
        Path("."), db_path, vars={**SAMPLE_VARS, "ranking_method": "learned"},
        select=SELECT, command="build", extra_args=EXTRA,
    )  # fmt: skip


def query(db_path: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql).df()


def test_the_rankers_data_and_unit_tests_pass(learned_warehouse: Path) -> None:
    build_warehouse(
        Path("."), learned_warehouse, vars={**SAMPLE_VARS, "ranking_method": "learned"},
        select=RANKER_NODES, command="test",
    )  # fmt: skip
    results_path = learned_warehouse.parent / "learned_dbt" / "target" / "run_results.json"
    results = [
        result for result in json.loads(results_path.read_text())["results"]
        if result["unique_id"].split(".")[0] in ("test", "unit_test")
    ]  # fmt: skip
    assert {result["status"] for result in results} == {"pass"}
    kinds = [result["unique_id"].split(".")[0] for result in results]
    # every ranker model's yml tests, and the unit tests of _int_ranker__unit_tests.yml and of
    # int_ranking_learned_candidates
    assert kinds.count("unit_test") >= 4 and kinds.count("test") >= 50, kinds


def test_too_little_history_falls_back_to_similarity_and_says_so(learned_warehouse: Path) -> None:
    model = query(learned_warehouse, "select * from intermediate.int_ranker_model")
    assert model["status"].tolist() == ["not_trained"]
    reason = model["status_reason"].iloc[0]
    assert "fewer than ranker_min_customers = 300: ranked by similarity" in reason
    health = query(
        learned_warehouse,
        "select * from main.pipeline_health where metric = 'learned_ranker_trained'",
    )
    assert health["metric_value"].tolist() == [0.0]
    assert health["healthy_range"].iloc[0] == f"informational: {reason}"
    sources = query(
        learned_warehouse, "select distinct recommendation_source from main.recommendations_ranked"
    )
    assert set(sources["recommendation_source"]) <= {"similarity", "fallback"}


def test_the_fallback_is_the_similarity_method_row_for_row(
    learned_warehouse: Path, published_sample: tuple[Path, Path]
) -> None:
    default_db, _ = published_sample
    for table in ("recommendations", "recommendations_ranked"):
        sql = f"select * from main.{table} order by customer_id, rank"
        pd.testing.assert_frame_equal(query(learned_warehouse, sql), query(default_db, sql))


def test_the_funnel_is_built_as_of_each_snapshot(learned_warehouse: Path) -> None:
    snapshots = query(
        learned_warehouse, "select * from intermediate.int_ranker_snapshots order by 1"
    )
    assert snapshots["snapshot_index"].tolist() == [0, 1, 2, 3]
    gaps = snapshots["snapshot_date"].diff().dropna().dt.days
    assert set(gaps) == {-30}
    features = query(
        learned_warehouse,
        """
        select snapshot_index, count(*) as n_rows, count(label) as labelled,
            sum(label) as positives, max(candidate_rank) as deepest
        from intermediate.int_ranker_features group by 1 order by 1
        """,
    )
    assert features["n_rows"].gt(0).all()
    # labels at the training snapshots only, and some of them positive
    assert features.loc[features["snapshot_index"] == 0, "labelled"].item() == 0
    training = features.loc[features["snapshot_index"] > 0]
    assert (training["labelled"] == training["n_rows"]).all()
    assert training["positives"].gt(0).all()
    assert features["deepest"].le(100).all()
    # a candidate was never bought by the customer before its snapshot
    bought = query(
        learned_warehouse,
        """
        select count(*) as n from intermediate.int_ranker_features as features
        inner join intermediate.int_ranker_snapshot_baskets as baskets
            on features.snapshot_date = baskets.snapshot_date
            and features.customer_id = baskets.customer_id
            and features.product_id = baskets.product_id
        """,
    )
    assert bought["n"].item() == 0


def test_a_label_is_a_purchase_the_snapshot_did_not_see(learned_warehouse: Path) -> None:
    labels = query(
        learned_warehouse,
        """
        select labels.*, snapshots.label_end_date
        from intermediate.int_ranker_labels as labels
        inner join intermediate.int_ranker_snapshots as snapshots using (snapshot_date)
        """,
    )
    assert len(labels) > 0
    assert (labels["first_purchase_date"] > labels["snapshot_date"]).all()
    assert (labels["first_purchase_date"] <= labels["label_end_date"]).all()
    seen = query(
        learned_warehouse,
        """
        select count(*) as n from intermediate.int_ranker_labels as labels
        inner join intermediate.int_ranker_snapshot_baskets as baskets
            using (snapshot_date, customer_id, product_id)
        """,
    )
    assert seen["n"].item() == 0


@pytest.fixture(scope="module")
def trained_warehouse(learned_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rebuild of the ranker, trained this time (any labelled customer will do), and of
    what ranks by it."""
    return rebuild_copy(
        learned_warehouse, Path("."), tmp_path_factory.mktemp("learned_again") / "again.duckdb",
        vars={
            **SAMPLE_VARS, "ranking_method": "learned", "ranker_min_customers": 1,
            # the sample's 40 labelled customers are too few for the learned order to win
            # the validation; the test is about the trained path, not about its quality
            "ranker_guard": "none",
        },  # fmt: skip
        select=(
            "int_ranker_snapshots+,+int_ranker_scores int_ranker_scores+,+recommendations "
            "int_ranker_scores+,+recommendations_ranked"
        ),
    )  # fmt: skip


def test_the_same_inputs_give_the_same_ranker(
    learned_warehouse: Path, trained_warehouse: Path
) -> None:
    """The trained rebuild gives the fixture's features bit for bit, and the model and scores
    the package gives on them."""
    from ipre.ranker.training import score, train

    db = trained_warehouse
    features_sql = "select * from intermediate.int_ranker_features order by all"
    features = query(db, features_sql)
    before = query(learned_warehouse, features_sql)
    pd.testing.assert_frame_equal(features, before, check_exact=True)
    built = query(db, "select * from intermediate.int_ranker_model")
    assert built["model_text"].notna().all(), built["status_reason"].iloc[0]
    again = train(features, min_customers=1, seed=42, k=5, guard=False)
    assert again["model_text"].iloc[0] == built["model_text"].iloc[0]
    scores_sql = "select * from intermediate.int_ranker_scores order by customer_id, ranker_rank"
    rescored = score(again, features, depth=10).sort_values(["customer_id", "ranker_rank"])
    pd.testing.assert_frame_equal(
        rescored.reset_index(drop=True), query(db, scores_sql), check_dtype=False, check_exact=True
    )


def test_a_trained_ranker_ranks_and_travels_with_the_export(
    trained_warehouse: Path, tmp_path: Path
) -> None:
    """Trained, the ranker's order is published, and the export manifest and model.tar.gz say
    which model it was: the packed model scores the candidates exactly as the build did."""
    from ipre.clustering import artifacts_cli
    from ipre.clustering.artifacts import load_artifacts
    from ipre.export import main as export_main
    from ipre.ranker.model import predict

    sources = query(
        trained_warehouse, "select distinct recommendation_source from main.recommendations_ranked"
    )
    assert "learned" in set(sources["recommendation_source"])
    built = query(trained_warehouse, "select * from intermediate.int_ranker_model").iloc[0]
    assert export_main(["--db", str(trained_warehouse), "--out", str(tmp_path / "export")]) == 0
    manifest = json.loads((tmp_path / "export" / "recommendations.manifest.json").read_text())
    assert manifest["ranker"]["status"] == "trained"
    assert manifest["ranker"]["features"] == built["features"].split(",")
    tar = tmp_path / "model.tar.gz"
    assert artifacts_cli.main(["--db", str(trained_warehouse), "--out", str(tar)]) == 0
    loaded = load_artifacts(tar)
    assert loaded.registry["ranker"]["model_sha256"] == manifest["ranker"]["model_sha256"]
    assert loaded.ranker is not None
    features = query(
        trained_warehouse,
        "select * from intermediate.int_ranker_features where snapshot_index = 0 order by all",
    )
    scores = query(trained_warehouse, "select * from intermediate.int_ranker_scores")
    packed = predict(loaded.ranker, features).merge(
        scores, on=["customer_id", "product_id"], suffixes=("_packed", "_built")
    )
    assert len(packed) == len(scores) > 0
    assert packed["ranker_score_packed"].tolist() == packed["ranker_score_built"].tolist()
    assert packed["ranker_rank_packed"].tolist() == packed["ranker_rank_built"].tolist()
