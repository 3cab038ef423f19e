"""Per-segment fits: every edge case of k selection, determinism, archetype recovery."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from clustering_fixtures import make_basket
from sklearn.metrics import adjusted_rand_score

from ipre.clustering import ClusterParams, cluster_customers, fit_segment
from ipre.clustering.params import CLUSTER_VARS

ROOT = Path(__file__).resolve().parents[2]
# Measured on clustering_fixtures data (3 archetypes, ~80 % of items from the archetype's
# block): ARI 0.71-0.74 per segment. Chance is 0; 0.5 leaves margin for seed noise while
# still failing if clusters stop following archetypes.
ARI_BAR = 0.5


def mixes(n_per_mix: int, n_mixes: int, segment: str = "S") -> pd.DataFrame:
    """Customers who buy exactly one L2 category each: n_mixes distinct feature rows."""
    records = [
        (f"c{m}_{i:03d}", segment, f"L2_{m}", "B", "F", 1.0 + i)
        for m in range(n_mixes)
        for i in range(n_per_mix)
    ]
    frame = pd.DataFrame(
        records,
        columns=[
            "customer_id",
            "segment",
            "l2_category",
            "brand",
            "functionality",
            "total_quantity",
        ],
    )
    for column in ("rfm_recency_score", "rfm_frequency_score", "rfm_monetary_score"):
        frame[column] = 0.5
    return frame


def test_too_few_customers_get_one_cluster_and_no_silhouette() -> None:
    basket, _ = make_basket({"S": 5}, seed=1)
    fit = fit_segment("S", basket, ClusterParams(min_cluster_customers=6))
    assert (fit.k, fit.k_rule, fit.silhouette, fit.quality) == (1, "too_few_customers", None, None)
    assert set(fit.labels) == {0}


def test_k_is_capped_at_distinct_points() -> None:
    fit = fit_segment("S", mixes(10, 3), ClusterParams(feature_groups=("l2_qty",)))
    assert (fit.k, fit.k_rule) == (3, "distinct_points")
    assert max(fit.inertias) == 3 and fit.inertias[3] == pytest.approx(0.0)


def test_single_distinct_point_is_one_cluster() -> None:
    fit = fit_segment("S", mixes(12, 1), ClusterParams(feature_groups=("l2_qty", "rfm")))
    assert (fit.k, fit.k_rule, fit.silhouette) == (1, "distinct_points", None)


def test_no_k_meets_rule_gives_max_k() -> None:
    fit = fit_segment("S", mixes(10, 6), ClusterParams(max_k=3, feature_groups=("l2_qty",)))
    assert (fit.k, fit.k_rule) == (3, "max_k")
    assert sorted(fit.inertias) == [1, 2, 3]


def test_small_segment_is_not_split_below_min_customers_per_cluster() -> None:
    # 11 customers with 11 distinct mixes: every split pays off, but two clusters would
    # average fewer than min_cluster_customers (6) customers, so the segment stays whole
    fit = fit_segment("S", mixes(1, 11), ClusterParams(feature_groups=("l2_qty",)))
    assert (fit.k, fit.k_rule, fit.silhouette) == (1, "customers_per_cluster", None)
    assert sorted(fit.inertias) == [1]


def test_k_is_capped_by_customers_per_cluster() -> None:
    # 18 customers in 6 distinct mixes with no elbow (threshold 0): k = 18 // 6 = 3, not max_k
    params = ClusterParams(feature_groups=("l2_qty",), elbow_threshold=0.0)
    fit = fit_segment("S", mixes(3, 6), params)
    assert (fit.k, fit.k_rule) == (3, "customers_per_cluster")
    assert sorted(fit.inertias) == [1, 2, 3]
    assert min(int((fit.labels == c).sum()) for c in range(fit.k)) >= 1


def test_structureless_segment_can_elbow_at_one_cluster() -> None:
    basket, _ = make_basket({"S": 40}, seed=2)
    fit = fit_segment("S", basket, ClusterParams(elbow_threshold=100.0))
    assert (fit.k, fit.k_rule, fit.silhouette) == (1, "elbow", None)
    assert sorted(fit.inertias) == [1, 2]  # stops at the first k meeting the rule


def test_group_without_data_changes_nothing() -> None:
    basket, _ = make_basket({"S": 90}, seed=5)
    basket["brand"] = None
    with_brand = fit_segment("S", basket, ClusterParams())
    without = fit_segment(
        "S", basket, ClusterParams(feature_groups=("l2_qty", "functionality", "rfm"))
    )
    assert "brand__unknown" in with_brand.features.columns
    np.testing.assert_array_equal(with_brand.labels, without.labels)
    assert with_brand.k == without.k


def test_clusters_are_numbered_largest_first_and_predict_agrees() -> None:
    basket, _ = make_basket({"S": 150}, seed=6)
    fit = fit_segment("S", basket, ClusterParams())
    sizes = np.bincount(fit.labels)
    assert list(sizes) == sorted(sizes, reverse=True)
    x = fit.scaler.transform(fit.features.to_numpy())
    np.testing.assert_array_equal(fit.kmeans.predict(x), fit.labels)


def test_same_seed_same_table_whatever_the_worker_count() -> None:
    basket, _ = make_basket({"A": 120, "B": 80, "C": 3}, seed=8)
    first, _ = cluster_customers(basket, ClusterParams(), n_jobs=1)
    shuffled = basket.sample(frac=1.0, random_state=1)
    second, _ = cluster_customers(shuffled, ClusterParams(), n_jobs=2)
    pd.testing.assert_frame_equal(first, second)


def test_table_has_one_row_per_customer_and_cluster_ids() -> None:
    basket, _ = make_basket({"EU_Res": 60, "US_Com": 4}, seed=9)
    table, _ = cluster_customers(basket, ClusterParams())
    assert sorted(table["customer_id"]) == sorted(basket["customer_id"].unique())
    expected = table["segment"] + "_" + table["cluster_number"].astype(str)
    assert (table["cluster_id"] == expected).all()
    assert (table["cluster_number"] < table["k"]).all() and (table["k"] <= 8).all()


def test_empty_basket_gives_empty_table() -> None:
    basket, _ = make_basket({"S": 3}, seed=1)
    table, fits = cluster_customers(basket.iloc[0:0], ClusterParams())
    assert len(table) == 0 and fits == [] and "cluster_id" in table.columns


def test_clusters_recover_archetypes_better_than_chance() -> None:
    basket, truth = make_basket({"EU_Res": 300, "US_Com": 240}, n_archetypes=3, seed=11)
    table, _ = cluster_customers(basket, ClusterParams())
    for _, rows in table.groupby("segment"):
        ari = adjusted_rand_score(rows["customer_id"].map(truth), rows["cluster_number"])
        assert ari > ARI_BAR


def test_defaults_mirror_dbt_project_vars() -> None:
    project = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
    given = {name: str(project[name]) for name in CLUSTER_VARS}
    assert ClusterParams.from_strings(given) == ClusterParams()


def test_the_copies_dbt_forces_list_exactly_the_cluster_vars() -> None:
    # dbt hands a Python model only config keys declared in YAML and read by literal
    # dbt.config.get calls, so those two copies cannot be derived: check them instead.
    models = yaml.safe_load((ROOT / "python_models" / "_python__models.yml").read_text())
    config = next(m for m in models["models"] if m["name"] == "int_customer_clusters")["config"]
    declared = {key for key in config if key not in ("materialized", "schema")}
    assert declared == set(CLUSTER_VARS)
    assert all(config[name] == "{{ var('" + name + "') }}" for name in CLUSTER_VARS)
    source = (ROOT / "python_models" / "int_customer_clusters.py").read_text()
    assert set(re.findall(r'dbt\.config\.get\("(\w+)"\)', source)) == set(CLUSTER_VARS)


def test_categorical_basket_gives_the_same_table() -> None:
    """basket_frame's dictionary-encoded categories (codes in order of appearance, a null
    brand among them) cluster exactly as the plain strings do, on one worker or two."""
    import pyarrow as pa

    from ipre.clustering.pipeline import BASKET_COLUMNS, basket_frame

    basket, _ = make_basket({"Zeta": 30, "Alpha": 24, "Mid": 12}, seed=5)
    basket = basket.iloc[::-1].reset_index(drop=True)  # categories appear in reverse order
    basket.loc[basket.index[::7], "brand"] = None
    plain = basket.loc[:, list(BASKET_COLUMNS)]
    coded = basket_frame(pa.Table.from_pandas(plain, preserve_index=False))
    assert isinstance(coded["segment"].dtype, pd.CategoricalDtype)
    for jobs in (1, 2):
        expected, _ = cluster_customers(plain, ClusterParams(min_cluster_customers=4), jobs)
        got, _ = cluster_customers(coded, ClusterParams(min_cluster_customers=4), jobs)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
