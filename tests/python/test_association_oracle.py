"""Oracle: association_rules and similar_products equal mlxtend on the same baskets.

The oracle (ipre.oracles.association) mines the warehouse's own baskets with mlxtend and
applies the floors of the dbt vars with exact fractions. The SQL tables must hold
exactly that rule set, with equal counts and metrics equal to 1e-9; weighted_support is
checked against a separate pandas computation. Run with default vars, with every floor at its
loosest (every co-occurring pair is then a rule, so all pairs are compared), and with floors
that many rules meet exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import rebuild_copy

from ipre.oracles.association import (
    KEYS,
    TOLERANCE,
    assert_same_rules,
    oracle_rules,
    project_vars,
    read_baskets,
    read_table,
    weighted_supports,
)

LOOSEST = {"min_abs_freq": 1, "min_freq_ratio": 0, "min_support": 0, "min_lift": 0}
# Floors that bind often exactly: with these, thousands of kept rules sit exactly on the lift
# threshold or the frequency floor (min_abs_freq below 12 baskets, min_support × baskets
# above), so the >= comparisons and the DECIMAL reading of the vars are exercised.
BOUNDARIES = {"min_abs_freq": 3, "min_freq_ratio": 0.1, "min_support": 0.25, "min_lift": 1.5}
OVERRIDES: dict[str, dict[str, object]] = {
    "default": {}, "loosest": LOOSEST, "boundaries": BOUNDARIES
}
# int_association_rules holds association_rules' logic (the mart is a view over it)
MARTS = "int_association_rules association_rules similar_products"
# (table, group columns): the cluster split and the segment-wide look-up.
TABLES = [("association_rules", ["cluster_id", "segment"]), ("similar_products", ["segment"])]


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
