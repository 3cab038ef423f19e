"""ipre.similarity.spark without a JVM: var resolution and the rows handed to Spark.

The Spark side (reading the inputs, writing product_neighbours) is checked end to end by
test_spark_equality.py where pyspark is installed.
"""

from __future__ import annotations

import pandas as pd
from conftest import ROOT

from ipre.clustering.spark import project_vars
from ipre.similarity import NeighbourParams
from ipre.similarity.ease import OUTPUT_COLUMNS
from ipre.similarity.spark import OUTPUT_TYPES, as_records, neighbour_params


def test_neighbour_params_are_the_dbt_project_defaults() -> None:
    assert neighbour_params(ROOT, {}) == NeighbourParams()


def test_neighbour_params_take_overrides_as_dbt_vars_do() -> None:
    overrides = {"similarity_l2_ratio": "1.5", "similarity_neighbours": 7, "top_k": 3}
    assert neighbour_params(ROOT, overrides) == NeighbourParams(l2_ratio=1.5, neighbours=7)


def test_project_vars_returns_only_the_names_asked_for() -> None:
    values = project_vars(ROOT, {"max_k": 4}, ("max_k", "similarity_max_products", "no_such_var"))
    assert values == {"max_k": 4, "similarity_max_products": 5000, "no_such_var": None}


def test_records_follow_the_output_columns_as_plain_python_values() -> None:
    table = pd.DataFrame(
        {
            "neighbour_rank": pd.Series([1], dtype="int64"),
            "weight": [0.25],
            "evidence_kind": ["product"],
            "evidence_id": ["P1"],
            "neighbour_product_id": ["P2"],
        }
    )
    [record] = as_records(table)
    assert record == ("product", "P1", "P2", 0.25, 1)
    assert [type(value) for value in record] == [str, str, str, float, int]
    assert list(OUTPUT_TYPES) == list(OUTPUT_COLUMNS)
