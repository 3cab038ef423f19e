"""product_neighbours and customer_similarity_scores on a local Spark session (dbt-spark's session
method runs no Python models).

``make test-spark`` runs ``python -m ipre.similarity.spark`` after ``python -m
ipre.clustering.spark``: it reads ``intermediate.int_market_basket`` and
``intermediate.int_customer_clusters``, computes the table with
``ipre.similarity.neighbours_from_basket`` (the function the dbt Python model calls) and writes
``intermediate.int_product_neighbours``, then ``intermediate.int_customer_similarity_scores``
(the Python models' tables; the marts of the same names without ``int_`` are views over them,
built by dbt afterwards), with the session settings of the ``spark`` output in profiles.yml and
the similarity and ranking vars of dbt_project.yml (override with ``--vars``). On dbt-databricks
the Python model itself runs: when ``dbt.ref()`` returns a Spark DataFrame it collects the pairs
to the driver and returns ``session.createDataFrame(table)`` (docs/scale-out.md).

The EASE fit is one dense inverse on the driver, so there is nothing to parallelise: the Spark
side only reads the inputs and writes the result, with the column types DuckDB gives the pandas
table (string, string, string, double, bigint).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from ipre.clustering.spark import (
    INTERMEDIATE,
    local_session,
    parse_args,
    project_vars,
    spark_output,
)
from ipre.similarity.ease import OUTPUT_COLUMNS, NeighbourParams, neighbours_from_basket
from ipre.similarity.scoring import OUTPUT_COLUMNS as SCORE_COLUMNS
from ipre.similarity.scoring import ranking_depth, scores_from_tables

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

SIMILARITY_VARS: tuple[str, ...] = (
    "similarity_l2_ratio",
    "similarity_neighbours",
    "similarity_max_products",
    "similarity_min_customers",
    "similarity_tail_regressors",
)
# Spark type of each output column (DuckDB stores the pandas table as varchar, double, bigint).
OUTPUT_TYPES: dict[str, str] = {
    "evidence_kind": "string",
    "evidence_id": "string",
    "neighbour_product_id": "string",
    "weight": "double",
    "neighbour_rank": "long",
}


def neighbour_params(project_dir: Path, overrides: Mapping[str, object]) -> NeighbourParams:
    """Similarity vars as dbt resolves them: dbt_project.yml defaults, then --vars."""
    return NeighbourParams.from_strings(project_vars(project_dir, overrides, SIMILARITY_VARS))


def output_schema() -> StructType:
    """The table's Spark schema, from type objects (also valid on Spark Connect)."""
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    types = {"string": StringType(), "long": LongType(), "double": DoubleType()}
    return StructType(
        [StructField(name, types[OUTPUT_TYPES[name]], True) for name in OUTPUT_COLUMNS]
    )


def spark_product_neighbours(
    session: SparkSession, basket: DataFrame, clusters: DataFrame, params: NeighbourParams
) -> DataFrame:
    """product_neighbours from Spark int_market_basket and int_customer_clusters: the pairs are
    collected to the driver (one row per customer × product) and fitted by the package."""
    pairs = basket.select("customer_id", "product_id", "segment").toPandas()
    side = clusters.select("customer_id", "cluster_id").toPandas()
    table = neighbours_from_basket(pairs, side, params)
    return session.createDataFrame(as_records(table), schema=output_schema())


def as_records(table: pd.DataFrame) -> list[tuple[object, ...]]:
    """Rows as plain Python values (str, float, int), in the output column order."""
    ordered = table.loc[:, list(OUTPUT_COLUMNS)]
    return [
        (str(kind), str(evidence), str(product), float(weight), int(rank))
        for kind, evidence, product, weight, rank in ordered.itertuples(index=False, name=None)
    ]


SCORE_TYPES: dict[str, str] = {
    "customer_id": "string",
    "recommended_product": "string",
    "evidence_score": "double",
    "group_evidence_score": "double",
    "supporting_purchases": "long",
    "momentum": "double",
    "similarity_score": "double",
    "similarity_rank": "long",
    "evidence_1": "string",
    "evidence_2": "string",
    "evidence_3": "string",
}
RANKING_VARS: tuple[str, ...] = ("top_k", "calibration_reserve", "ranking_method")


def scores_schema() -> StructType:
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    types = {"string": StringType(), "long": LongType(), "double": DoubleType()}
    return StructType(
        [StructField(name, types[SCORE_TYPES[name]], True) for name in SCORE_COLUMNS]
    )


def score_records(table: pd.DataFrame) -> list[tuple[object, ...]]:
    """Rows as plain Python values, nulls as None, in the output column order."""

    def plain(value: object, kind: str) -> object:
        if value is None or (isinstance(value, float) and value != value):
            return None
        return {"string": str, "long": int, "double": float}[kind](value)

    kinds = [SCORE_TYPES[name] for name in SCORE_COLUMNS]
    ordered = table.loc[:, list(SCORE_COLUMNS)]
    return [
        tuple(plain(value, kind) for value, kind in zip(row, kinds, strict=True))
        for row in ordered.itertuples(index=False, name=None)
    ]


def spark_similarity_scores(
    session: SparkSession, schema: str, depth: int
) -> DataFrame:
    """customer_similarity_scores from the Spark tables (int_market_basket, int_customer_clusters
    and int_product_neighbours in `schema`, the intermediate one), scored on the driver by the
    package."""
    table = scores_from_tables(
        session.table(f"{schema}.int_market_basket")
        .select("customer_id", "product_id", "segment").toPandas(),
        session.table(f"{schema}.int_customer_clusters")
        .select("customer_id", "cluster_id").toPandas(),
        session.table(f"{schema}.int_product_neighbours").toPandas(),
        # staging and intermediate are the custom schemas of dbt_project.yml
        session.table("staging.stg_erp__products")
        .where("quarantine_reason is null and in_stock").select("product_id").toPandas(),
        session.table("intermediate.int_product_momentum")
        .select("product_id", "momentum_factor").toPandas(),
        depth,
    )
    return session.createDataFrame(score_records(table), schema=scores_schema())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        list(sys.argv[1:] if argv is None else argv),
        prog="python -m ipre.similarity.spark",
        description=(
            "Build intermediate.int_product_neighbours and "
            "intermediate.int_customer_similarity_scores from intermediate.int_market_basket "
            "and intermediate.int_customer_clusters on Spark."
        ),
    )
    output = spark_output(args.profiles_dir, args.output)
    params = neighbour_params(args.project_dir, yaml.safe_load(args.vars) or {})
    session = local_session(output.get("server_side_parameters", {}))
    schema = INTERMEDIATE
    table = spark_product_neighbours(
        session,
        session.table(f"{schema}.int_market_basket"),
        session.table(f"{schema}.int_customer_clusters"),
        params,
    )
    table.write.mode("overwrite").format("parquet").saveAsTable(f"{schema}.int_product_neighbours")
    rows = session.table(f"{schema}.int_product_neighbours").count()
    print(f"similarity.spark: wrote {schema}.int_product_neighbours ({rows} rows)")
    ranking = project_vars(args.project_dir, yaml.safe_load(args.vars) or {}, RANKING_VARS)
    depth = ranking_depth(
        ranking["top_k"], ranking["calibration_reserve"], ranking["ranking_method"]
    )
    scores = spark_similarity_scores(session, schema, depth)
    scores.write.mode("overwrite").format("parquet").saveAsTable(
        f"{schema}.int_customer_similarity_scores"
    )
    rows = session.table(f"{schema}.int_customer_similarity_scores").count()
    print(f"similarity.spark: wrote {schema}.int_customer_similarity_scores ({rows} rows)")
    session.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
