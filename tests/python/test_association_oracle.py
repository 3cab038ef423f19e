"""Oracle: association_rules and similar_products equal mlxtend on the same baskets.

For every group (cluster, or segment for similar_products) the baskets are read back from the
warehouse (basket_sessions, one transaction per global_basket_id, joined to customer_clusters
for the cluster split) and mined independently: mlxtend's apriori (itemsets of length <= 2,
no support cut) and association_rules give every rule with its support, confidence and lift;
the floors of the dbt vars are then applied with exact fractions. The SQL tables must hold
exactly that rule set, with equal counts and metrics equal to 1e-9; weighted_support is
checked against a separate pandas computation. Run with default vars, with every floor at its
loosest (every co-occurring pair is then a rule, so all pairs are compared), and with floors
that many rules meet exactly.
"""

from __future__ import annotations

import warnings
from fractions import Fraction
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, rebuild_copy
from mlxtend.frequent_patterns import apriori, association_rules

TOLERANCE = 1e-9
LOOSEST = {"min_abs_freq": 1, "min_freq_ratio": 0, "min_support": 0, "min_lift": 0}
# Floors that bind often exactly: with these, thousands of kept rules sit exactly on the lift
# threshold or the frequency floor (min_abs_freq below 12 baskets, min_support × baskets
# above), so the >= comparisons and the DECIMAL reading of the vars are exercised.
BOUNDARIES = {"min_abs_freq": 3, "min_freq_ratio": 0.1, "min_support": 0.25, "min_lift": 1.5}
OVERRIDES: dict[str, dict[str, object]] = {
    "default": {}, "loosest": LOOSEST, "boundaries": BOUNDARIES
}
MARTS = "association_rules similar_products"
FLOOR_VARS = ("min_abs_freq", "min_freq_ratio", "min_support", "min_lift", "decay_lambda")
KEYS = ["product_a", "product_b"]
COUNTS = ["total_baskets", "product_a_freq", "product_b_freq", "pair_freq"]
METRICS = ["support", "confidence", "lift"]
RULE_METRICS = ["antecedent support", "consequent support", "support", "confidence", "lift"]
# (table, group columns): the cluster split and the segment-wide look-up.
TABLES = [("association_rules", ["cluster_id", "segment"]), ("similar_products", ["segment"])]


def project_vars(overrides: dict[str, object] | None = None) -> dict[str, object]:
    """The floor vars as dbt sees them: dbt_project.yml defaults, then overrides."""
    defaults = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
    merged = {**defaults, **(overrides or {})}
    return {name: merged[name] for name in FLOOR_VARS}


def exact(value: object) -> Fraction:
    """The var as DuckDB reads its SQL literal: 0.03 is DECIMAL, so exactly 3/100."""
    return Fraction(str(value))


@pytest.fixture(scope="module")
def warehouses(
    association_warehouse: Path, generated_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """The default warehouse, plus copies with only the two marts rebuilt at other floors (the
    floor vars reach nothing upstream of them, so clusters and baskets are the same)."""
    out = {"default": association_warehouse}
    for name in ("loosest", "boundaries"):
        db_path = tmp_path_factory.mktemp("warehouse") / f"{name}.duckdb"
        out[name] = rebuild_copy(
            association_warehouse, generated_data, db_path, OVERRIDES[name], select=MARTS
        )
    return out


def read_baskets(db_path: Path, table: str) -> pd.DataFrame:
    """One row per basket × product as the table mines them: association_rules joins the
    customer's cluster (inner join, as the model); similar_products takes every basket."""
    cluster_join = """
        select clusters.cluster_id, baskets.segment, baskets.global_basket_id,
               baskets.product_id, baskets.basket_age_days
        from basket_sessions as baskets
        inner join customer_clusters as clusters on baskets.customer_id = clusters.customer_id
    """
    segment_wide = """
        select segment, global_basket_id, product_id, basket_age_days from basket_sessions
    """
    query = cluster_join if table == "association_rules" else segment_wide
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql(query).df()


def read_table(db_path: Path, table: str) -> pd.DataFrame:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql(f"select * from {table}").df()


def mlxtend_pairs(baskets: pd.DataFrame) -> pd.DataFrame | None:
    """Every ordered pair co-occurring in the baskets of one group, mined by mlxtend (None if
    no two products share a basket)."""
    onehot = pd.crosstab(baskets["global_basket_id"], baskets["product_id"]) > 0
    n_baskets = len(onehot)
    # Half a basket below the smallest possible support: apriori cuts nothing.
    itemsets = apriori(onehot, min_support=0.5 / n_baskets, use_colnames=True, max_len=2)
    if not (itemsets["itemsets"].map(len) == 2).any():
        return None
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        rules = association_rules(
            itemsets, num_itemsets=n_baskets, metric="lift", min_threshold=0.0,
            return_metrics=RULE_METRICS,
        )
    return pd.DataFrame({
        "product_a": rules["antecedents"].map(lambda items: next(iter(items))),
        "product_b": rules["consequents"].map(lambda items: next(iter(items))),
        "total_baskets": n_baskets,
        "product_a_freq": (rules["antecedent support"] * n_baskets).round().astype("int64"),
        "product_b_freq": (rules["consequent support"] * n_baskets).round().astype("int64"),
        "pair_freq": (rules["support"] * n_baskets).round().astype("int64"),
        "support": rules["support"],
        "confidence": rules["confidence"],
        "lift": rules["lift"],
    })


def passes_floors(rule: pd.Series, params: dict[str, object]) -> bool:
    """The SQL filter in exact arithmetic: both products above the floor, lift >= min_lift."""
    n_baskets = int(rule["total_baskets"])
    floor = max(
        exact(params["min_abs_freq"]),
        exact(params["min_freq_ratio"]) * n_baskets,
        exact(params["min_support"]) * n_baskets,
    )
    freq_a, freq_b = int(rule["product_a_freq"]), int(rule["product_b_freq"])
    lift = Fraction(int(rule["pair_freq"]) * n_baskets, freq_a * freq_b)
    return freq_a >= floor and freq_b >= floor and lift >= exact(params["min_lift"])


# Mined pairs by fingerprint of the baskets: the warehouses of this module share their baskets,
# so mlxtend runs once per table, and each floor setting only filters.
_MINED: dict[tuple[int, tuple[str, ...]], pd.DataFrame] = {}


def mined_pairs(baskets: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """Every co-occurring ordered pair of every group, with its counts and metrics."""
    fingerprint = int(pd.util.hash_pandas_object(baskets, index=False).sum())
    key = (fingerprint, tuple(groups))
    if key not in _MINED:
        frames = []
        for values, group_baskets in baskets.groupby(groups, sort=True):
            pairs = mlxtend_pairs(group_baskets)
            if pairs is not None:
                frames.append(pairs.assign(**dict(zip(groups, values, strict=True))))
        _MINED[key] = pd.concat(frames, ignore_index=True)
    return _MINED[key]


def oracle_rules(
    baskets: pd.DataFrame, groups: list[str], params: dict[str, object]
) -> pd.DataFrame:
    """mlxtend's rules per group, filtered by the floors."""
    pairs = mined_pairs(baskets, groups)
    return pairs[pairs.apply(passes_floors, axis=1, params=params)]


def weighted_supports(
    baskets: pd.DataFrame, groups: list[str], decay_lambda: float
) -> pd.DataFrame:
    """Σ exp(−λ × basket_age_days) over baskets holding both products / group baskets."""
    weighted = baskets.assign(weight=np.exp(-decay_lambda * baskets["basket_age_days"]))
    left = weighted[[*groups, "global_basket_id", "product_id", "weight"]]
    right = weighted[[*groups, "global_basket_id", "product_id"]]
    pairs = left.merge(right, on=[*groups, "global_basket_id"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["product_id_a"] != pairs["product_id_b"]]
    sums = pairs.groupby([*groups, "product_id_a", "product_id_b"], as_index=False)["weight"].sum()
    totals = baskets.groupby(groups, as_index=False)["global_basket_id"].nunique()
    expected = sums.merge(totals, on=groups)
    expected["expected_weighted_support"] = expected["weight"] / expected["global_basket_id"]
    return expected.rename(columns={"product_id_a": "product_a", "product_id_b": "product_b"})[
        [*groups, *KEYS, "expected_weighted_support"]
    ]


def assert_same_rules(actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    """Same key set, equal counts, metrics equal to TOLERANCE."""
    merged = actual.merge(expected, on=keys, how="outer", suffixes=("", "_oracle"), indicator=True)
    only_sql = merged[merged["_merge"] == "left_only"][keys]
    only_oracle = merged[merged["_merge"] == "right_only"][keys]
    assert only_sql.empty and only_oracle.empty, (
        f"{len(only_sql)} rules only in SQL:\n{only_sql.head(10)}\n"
        f"{len(only_oracle)} rules only in the oracle:\n{only_oracle.head(10)}"
    )
    for column in COUNTS:
        mismatch = merged[merged[column] != merged[f"{column}_oracle"]]
        assert mismatch.empty, f"{column} differs:\n{mismatch[[*keys, column, f'{column}_oracle']]}"
    for column in METRICS:
        np.testing.assert_allclose(
            merged[column], merged[f"{column}_oracle"], rtol=0, atol=TOLERANCE, err_msg=column
        )


@pytest.mark.parametrize("floors", list(OVERRIDES))
@pytest.mark.parametrize(("table", "groups"), TABLES, ids=[name for name, _ in TABLES])
def test_rules_equal_mlxtend(
    warehouses: dict[str, Path], floors: str, table: str, groups: list[str]
) -> None:
    db_path = warehouses[floors]
    params = project_vars(OVERRIDES[floors])
    baskets = read_baskets(db_path, table)
    actual = read_table(db_path, table)
    expected = oracle_rules(baskets, groups, params)
    assert len(expected) > 0, "the oracle found no rule: the comparison would be vacuous"
    assert_same_rules(actual, expected, [*groups, *KEYS])


@pytest.mark.parametrize("floors", list(OVERRIDES))
@pytest.mark.parametrize(("table", "groups"), TABLES, ids=[name for name, _ in TABLES])
def test_weighted_support_equals_pandas(
    warehouses: dict[str, Path], floors: str, table: str, groups: list[str]
) -> None:
    db_path = warehouses[floors]
    params = project_vars(OVERRIDES[floors])
    baskets = read_baskets(db_path, table)
    keys = [*groups, *KEYS]
    actual = read_table(db_path, table)
    expected = weighted_supports(baskets, groups, float(params["decay_lambda"]))
    merged = actual.merge(expected, on=keys, how="left", validate="one_to_one")
    assert merged["expected_weighted_support"].notna().all()
    np.testing.assert_allclose(
        merged["weighted_support"], merged["expected_weighted_support"], rtol=0, atol=TOLERANCE
    )
    assert (merged["weighted_support"] <= merged["support"] + TOLERANCE).all()
