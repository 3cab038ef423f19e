"""Oracle of association_rules and similar_products: the same rules mined independently.

For every group (cluster, or segment for similar_products) the baskets are read back from a
built warehouse (basket_sessions, one transaction per global_basket_id, joined to
customer_clusters for the cluster split) and mined by mlxtend's apriori (itemsets of length
<= 2, no support cut) and association_rules; the floors of the dbt vars are then applied with
exact fractions, as DuckDB reads their DECIMAL literals. weighted_support has its own pandas
computation. tests/python/test_association_oracle.py compares the SQL tables with it, and
bench/association.py times the miners against the same floors.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ipre.params.resolved import resolve

FLOOR_VARS = ("min_abs_freq", "min_freq_ratio", "min_support", "min_lift", "decay_lambda")
KEYS = ["product_a", "product_b"]
RULE_METRICS = ["antecedent support", "consequent support", "support", "confidence", "lift"]
# what two rule tables must agree on: the counts exactly, the metrics to TOLERANCE
COUNTS = ["total_baskets", "product_a_freq", "product_b_freq", "pair_freq"]
METRICS = ["support", "confidence", "lift"]
TOLERANCE = 1e-9


def project_vars(overrides: Mapping[str, object] | None = None) -> dict[str, object]:
    """The floor vars as dbt sees them: dbt_project.yml defaults, then overrides."""
    merged = resolve(overrides)
    return {name: merged[name] for name in FLOOR_VARS}


def exact(value: object) -> Fraction:
    """The var as DuckDB reads its SQL literal: 0.03 is DECIMAL, so exactly 3/100."""
    return Fraction(str(value))


def item_floor(n_baskets: int, params: Mapping[str, object]) -> Fraction:
    """The basket count both products of a rule need: the largest of the three floors."""
    return max(
        exact(params["min_abs_freq"]),
        exact(params["min_freq_ratio"]) * n_baskets,
        exact(params["min_support"]) * n_baskets,
    )


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
    # mlxtend is a test dependency (pyproject [test]): imported only when the oracle runs
    from mlxtend.frequent_patterns import apriori, association_rules

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


def passes_floors(rule: pd.Series, params: Mapping[str, object]) -> bool:
    """The SQL filter in exact arithmetic: both products above the floor, lift >= min_lift."""
    n_baskets = int(rule["total_baskets"])
    floor = item_floor(n_baskets, params)
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
    baskets: pd.DataFrame, groups: list[str], params: Mapping[str, object]
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
    """Same key set, equal counts, metrics equal to TOLERANCE (AssertionError otherwise)."""
    merged = actual.merge(expected, on=keys, how="outer", suffixes=("", "_oracle"), indicator=True)
    only_sql = merged[merged["_merge"] == "left_only"][keys]
    only_oracle = merged[merged["_merge"] == "right_only"][keys]
    if not (only_sql.empty and only_oracle.empty):
        raise AssertionError(
            f"{len(only_sql)} rules only in SQL:\n{only_sql.head(10)}\n"
            f"{len(only_oracle)} rules only in the oracle:\n{only_oracle.head(10)}"
        )
    for column in COUNTS:
        mismatch = merged[merged[column] != merged[f"{column}_oracle"]]
        if not mismatch.empty:
            raise AssertionError(
                f"{column} differs:\n{mismatch[[*keys, column, f'{column}_oracle']]}"
            )
    for column in METRICS:
        np.testing.assert_allclose(
            merged[column], merged[f"{column}_oracle"], rtol=0, atol=TOLERANCE, err_msg=column
        )
