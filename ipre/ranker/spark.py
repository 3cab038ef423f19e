"""The learned ranker's four Python models on a local Spark session (dbt-spark's session
method runs no Python models), as ipre.similarity.spark does for product_neighbours.

``make test-spark`` runs ``python -m ipre.ranker.spark similarity`` once
int_ranker_snapshot_baskets is built (it writes int_ranker_snapshot_neighbours and
int_ranker_similarity_candidates) and ``python -m ipre.ranker.spark model`` once
int_ranker_features is built (int_ranker_model and int_ranker_scores). Each reads its inputs
from the Spark tables, calls the function the dbt Python model calls, and writes the table
with the column types DuckDB gives it. On dbt-databricks the Python models themselves run
(docs/scale-out.md).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from ipre.clustering.spark import local_session, parse_args, project_vars, spark_output
from ipre.ranker.snapshots import snapshot_candidates, snapshot_neighbours
from ipre.ranker.training import score, train
from ipre.similarity import NeighbourParams
from ipre.similarity.scoring import ranking_depth
from ipre.similarity.spark import SIMILARITY_VARS, neighbour_params

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SCHEMA = "intermediate"
RANKER_VARS = (
    "ranker_candidates", "ranker_min_customers", "ranker_guard", "random_state", "top_k",
    "calibration_reserve", "ranking_method", *SIMILARITY_VARS,
)  # fmt: skip
BASKET_COLUMNS = ("snapshot_date", "customer_id", "product_id", "segment")
RECOMMENDABLE = "quarantine_reason is null and in_stock and not is_excluded"


def spark_type(column: pd.Series) -> object:
    """The Spark type of a pandas column as DuckDB stores it (text, double, bigint, date)."""
    from pyspark.sql import types

    text = str(column.dtype)
    if text == "float64":
        return types.DoubleType()
    if text == "int64":
        return types.LongType()
    if "date32" in text or text.startswith("datetime64"):
        return types.DateType()
    # dates read back from Spark (dates_as_python) are datetime.date objects
    filled = column.dropna()
    if len(filled) and all(isinstance(value, dt.date) for value in filled.head(100)):
        return types.DateType()
    return types.StringType()


def plain(value: object) -> object:
    """A pandas cell as a plain Python value; missing as None."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if hasattr(value, "item") else value


def to_spark(session: SparkSession, table: pd.DataFrame) -> DataFrame:
    from pyspark.sql.types import StructField, StructType

    schema = StructType(
        [StructField(name, spark_type(table[name]), True) for name in table.columns]
    )
    rows = [tuple(plain(v) for v in row) for row in table.itertuples(index=False, name=None)]
    return session.createDataFrame(rows, schema=schema)


def write(session: SparkSession, table: pd.DataFrame, name: str) -> None:
    to_spark(session, table).write.mode("overwrite").format("parquet").saveAsTable(
        f"{SCHEMA}.{name}"
    )
    print(f"ranker.spark: wrote {SCHEMA}.{name} ({len(table)} rows)")


def dates_as_python(frame: pd.DataFrame) -> pd.DataFrame:
    """Spark's DATE columns arrive as datetime64 or objects; the package compares the dates
    as DuckDB gives them to the dbt Python model (datetime.date)."""
    if "snapshot_date" in frame.columns:
        frame = frame.assign(snapshot_date=pd.to_datetime(frame["snapshot_date"]).dt.date)
    return frame


def build_similarity(
    session: SparkSession, values: Mapping[str, object], params: NeighbourParams
) -> None:
    baskets = dates_as_python(
        session.table(f"{SCHEMA}.int_ranker_snapshot_baskets").select(*BASKET_COLUMNS).toPandas()
    )
    neighbours = snapshot_neighbours(baskets, params)
    write(session, neighbours, "int_ranker_snapshot_neighbours")
    products = (
        session.table("staging.stg_erp__products").where(RECOMMENDABLE).select("product_id")
    ).toPandas()
    candidates = snapshot_candidates(
        baskets, neighbours, products, int(str(values["ranker_candidates"]))
    )
    write(session, candidates, "int_ranker_similarity_candidates")


def build_model(session: SparkSession, values: Mapping[str, object]) -> None:
    features = dates_as_python(session.table(f"{SCHEMA}.int_ranker_features").toPandas())
    fitted = train(
        features,
        min_customers=int(str(values["ranker_min_customers"])),
        seed=int(str(values["random_state"])),
        k=int(str(values["top_k"])),
        guard=str(values["ranker_guard"]).strip().lower() == "validation",
    )
    write(session, fitted, "int_ranker_model")
    depth = ranking_depth(values["top_k"], values["calibration_reserve"], values["ranking_method"])
    current = features.loc[features["snapshot_index"] == 0]
    write(session, score(fitted, current, depth), "int_ranker_scores")


def main(argv: list[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if not args_in or args_in[0] not in ("similarity", "model"):
        print("usage: python -m ipre.ranker.spark {similarity|model} [options]", file=sys.stderr)
        return 2
    step, rest = args_in[0], args_in[1:]
    args = parse_args(rest, prog=f"python -m ipre.ranker.spark {step}")
    overrides = yaml.safe_load(args.vars) or {}
    values = project_vars(args.project_dir, overrides, RANKER_VARS)
    output = spark_output(args.profiles_dir, args.output)
    session = local_session(output.get("server_side_parameters", {}))
    if step == "similarity":
        build_similarity(session, values, neighbour_params(args.project_dir, overrides))
    else:
        build_model(session, values)
    session.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
