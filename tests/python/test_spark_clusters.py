"""ipre.clustering.spark without a JVM: the per-segment UDF body, the profile and var reading.

The UDF body must give, for one segment, exactly the package's rows (features carried as JSON);
the Spark side (applyInPandas, layout of the JSON as columns) is checked end to end by
test_spark_equality.py where pyspark is installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from clustering_fixtures import make_basket
from conftest import ROOT

from ipre.clustering import ClusterParams, cluster_customers
from ipre.clustering.spark import (
    FEATURES_JSON,
    FIXED_COLUMNS,
    cluster_params,
    fit_segment_rows,
    is_spark_frame,
    ordered_features,
    spark_output,
)


@pytest.fixture(scope="module")
def basket() -> pd.DataFrame:
    return make_basket({"West_Plumbing": 40, "East_HVAC": 12}, seed=3)[0]


def test_udf_rows_equal_the_package_rows_per_segment(basket: pd.DataFrame) -> None:
    params = ClusterParams()
    expected, _ = cluster_customers(basket, params, n_jobs=1)
    for segment, rows in basket.groupby("segment"):
        got = fit_segment_rows(rows.sample(frac=1.0, random_state=7), params)
        want = expected[expected["segment"] == segment].reset_index(drop=True)
        assert list(got.columns) == [*FIXED_COLUMNS, FEATURES_JSON]
        pd.testing.assert_frame_equal(got[list(FIXED_COLUMNS)], want[list(FIXED_COLUMNS)])
        features = pd.DataFrame([json.loads(text) for text in got[FEATURES_JSON]])
        for name in features.columns:  # the segment's own features, exactly; others are 0.0
            assert features[name].tolist() == want[name].tolist()
        absent = set(want.columns) - set(FIXED_COLUMNS) - set(features.columns)
        assert all((want[name] == 0.0).all() for name in absent)


def test_features_are_laid_out_in_the_package_order() -> None:
    names = ["rfm_recency_score", "brand__b", "l2_qty__z", "functionality__a", "l2_qty__a"]
    assert ordered_features(names) == [
        "l2_qty__a",
        "l2_qty__z",
        "brand__b",
        "functionality__a",
        "rfm_recency_score",
    ]


def test_spark_output_renders_the_profile(tmp_path: Path) -> None:
    output = spark_output(ROOT, environ={"IPRE_SPARK_DIR": str(tmp_path)})
    settings = output["server_side_parameters"]
    assert output["type"] == "spark" and output["method"] == "session"
    assert settings["spark.master"] == "local[2]"
    assert settings["spark.sql.session.timeZone"] == "UTC"
    assert settings["spark.sql.warehouse.dir"] == f"{tmp_path}/warehouse"
    assert (
        f"databaseName={tmp_path}/metastore_db"
        in settings["spark.hadoop.javax.jdo.option.ConnectionURL"]
    )


def test_cluster_params_follow_dbt_vars_and_overrides() -> None:
    assert cluster_params(ROOT, {}) == ClusterParams()
    assert cluster_params(ROOT, {"max_k": 5, "feature_groups": "rfm"}) == ClusterParams(
        max_k=5, feature_groups=("rfm",)
    )


def test_pandas_frames_are_not_spark_frames(basket: pd.DataFrame) -> None:
    assert not is_spark_frame(basket)
