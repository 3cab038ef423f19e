"""Feature matrix: proportions per group, unknown categories, RFM, parameter parsing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from clustering_fixtures import make_basket

from ipre.clustering.features import build_features, parse_feature_groups, slug
from ipre.clustering.params import ClusterParams


def rows(*items: tuple[str, str | None, str | None, str, float]) -> pd.DataFrame:
    frame = pd.DataFrame(
        items, columns=["customer_id", "l2_category", "brand", "functionality", "total_quantity"]
    )
    frame["segment"] = "S"
    for column in ("rfm_recency_score", "rfm_frequency_score", "rfm_monetary_score"):
        frame[column] = 0.5
    return frame


def test_each_group_sums_to_one_per_customer() -> None:
    basket, _ = make_basket({"S": 50}, seed=3)
    features = build_features(basket, ("l2_qty", "brand", "functionality", "rfm"))
    for group in ("l2_qty", "brand", "functionality"):
        columns = [c for c in features.columns if c.startswith(f"{group}__")]
        np.testing.assert_allclose(features[columns].sum(axis=1), 1.0)


def test_shares_are_of_quantity_and_null_is_unknown() -> None:
    basket = rows(("c1", "Valves", "Acme", "Water", 30.0), ("c1", "Pipes", None, "Water", 10.0))
    features = build_features(basket, ("l2_qty", "brand"))
    assert features.loc["c1", "l2_qty__valves"] == pytest.approx(0.75)
    assert features.loc["c1", "brand__unknown"] == pytest.approx(0.25)
    assert list(features.columns) == [
        "l2_qty__pipes",
        "l2_qty__valves",
        "brand__acme",
        "brand__unknown",
    ]


def test_group_with_no_data_is_one_constant_unknown_column() -> None:
    basket = rows(("c1", "A", None, "W", 1.0), ("c2", "B", "", "W", 5.0))
    features = build_features(basket, ("brand",))
    assert list(features.columns) == ["brand__unknown"]
    assert (features["brand__unknown"] == 1.0).all()


def test_zero_or_negative_quantity_gives_zero_row_not_nan() -> None:
    basket = rows(("c1", "A", "X", "W", 0.0), ("c2", "A", "X", "W", -3.0), ("c2", "B", "X", "W", 1))
    features = build_features(basket, ("l2_qty",))
    assert features.loc["c1"].tolist() == [0.0, 0.0]
    assert features.loc["c2"].tolist() == [0.0, 1.0]


def test_rows_and_columns_are_sorted_whatever_the_input_order() -> None:
    basket, _ = make_basket({"S": 30}, seed=4)
    shuffled = basket.sample(frac=1.0, random_state=7)
    left = build_features(basket, ("rfm", "brand"))
    right = build_features(shuffled, ("brand", "rfm"))
    pd.testing.assert_frame_equal(left, right)
    assert list(left.index) == sorted(left.index)
    assert list(left.columns[-3:]) == [
        "rfm_recency_score",
        "rfm_frequency_score",
        "rfm_monetary_score",
    ]


def test_slug_pools_spelling_variants() -> None:
    assert slug("Hot  Water / Heating") == "hot_water_heating"
    assert slug(None) == slug("  ") == "unknown"


def test_feature_groups_parse_and_reject_unknown() -> None:
    assert parse_feature_groups(" rfm , l2_qty") == ("l2_qty", "rfm")
    with pytest.raises(ValueError):
        parse_feature_groups("l2_qty,colour")
    with pytest.raises(ValueError):
        parse_feature_groups("")


def test_params_from_dbt_config_strings() -> None:
    params = ClusterParams.from_strings(
        {"max_k": "5", "elbow_threshold": "12.5", "feature_groups": "rfm", "n_init": None}
    )
    assert (params.max_k, params.elbow_threshold, params.feature_groups) == (5, 12.5, ("rfm",))
    assert params.n_init == 15
    assert ClusterParams.from_json(params.to_json()) == params
