"""customer_clusters on Spark: the package's per-segment fit as a grouped-map pandas UDF.

Segments are independent (spec §4.2), so ``groupBy("segment").applyInPandas`` fits them in
parallel on the executors, each with the very function the DuckDB build uses
(``ipre.clustering.cluster_customers`` on one segment's rows). The table has one feature column
per category value seen in *any* segment, which a UDF cannot declare up front; each group
therefore returns its features as JSON, and the driver lays them out as columns (0.0 where a
category does not occur in the segment, as the package does).

Two callers:

* the dbt Python model ``int_customer_clusters`` when ``dbt.ref()`` returns a Spark DataFrame
  (dbt-databricks): ``return spark_customer_clusters(dbt.ref("int_market_basket"), params)``;
* ``make test-spark`` on the local session (dbt-spark's session method runs no Python models):
  ``python -m ipre.clustering.spark`` reads ``intermediate.int_market_basket`` and writes
  ``intermediate.int_customer_clusters`` (the Python model's table; the mart customer_clusters
  is a view over it, built by dbt afterwards), with the session settings of the ``spark`` output
  in profiles.yml and the clustering vars of dbt_project.yml (override with ``--vars``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd
import yaml

from ipre.clustering import ClusterParams, cluster_customers
from ipre.clustering.params import CLUSTER_VARS
from ipre.clustering.pipeline import BASKET_COLUMNS, ID_COLUMNS, SEGMENT_COLUMNS, feature_sort_key

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

FEATURES_JSON = "features_json"
# The schema of the intermediate models (dbt_project.yml, macro generate_schema_name), where the
# Python models' tables live on every target.
INTERMEDIATE = "intermediate"
# Spark type of each fixed column (the package's pandas dtypes: string, int64, Float64).
FIXED_TYPES: dict[str, str] = {
    "customer_id": "string",
    "segment": "string",
    "cluster_id": "string",
    "cluster_number": "long",
    "n_customers": "long",
    "k": "long",
    "k_rule": "string",
    "silhouette": "double",
    "quality": "string",
    "inertia_by_k": "string",
    "fit_params": "string",
}
FIXED_COLUMNS: tuple[str, ...] = (*ID_COLUMNS, *SEGMENT_COLUMNS)


def is_spark_frame(frame: object) -> bool:
    """True for a PySpark DataFrame, classic or Spark Connect (Databricks), without importing
    pyspark where it is not installed."""
    return type(frame).__module__.startswith("pyspark.")


def group_schema() -> StructType:
    """Schema of one segment's UDF output: fixed columns, then its features as JSON. Built from
    type objects, not DDL strings, so it also works on Spark Connect (Databricks)."""
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    types = {"string": StringType(), "long": LongType(), "double": DoubleType()}
    fields = [StructField(name, types[FIXED_TYPES[name]], True) for name in FIXED_COLUMNS]
    return StructType([*fields, StructField(FEATURES_JSON, StringType(), False)])


def features_as_json(features: pd.DataFrame) -> list[str]:
    """One JSON object per row; repr-exact floats (json uses the shortest round-trip repr)."""
    return [
        json.dumps(dict(zip(features.columns, row, strict=True))) for row in features.to_numpy()
    ]


def fit_segment_rows(basket: pd.DataFrame, params: ClusterParams) -> pd.DataFrame:
    """Cluster one segment's market_basket rows with the package, in the UDF's layout."""
    basket = basket.sort_values(["customer_id", *BASKET_COLUMNS[2:]], kind="stable")
    table, _ = cluster_customers(basket.reset_index(drop=True), params, n_jobs=1)
    fixed = table.loc[:, list(FIXED_COLUMNS)].copy()
    fixed[FEATURES_JSON] = features_as_json(table.drop(columns=list(FIXED_COLUMNS)))
    return fixed


def segment_fitter(params: ClusterParams) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def fit(basket: pd.DataFrame) -> pd.DataFrame:
        return fit_segment_rows(basket, params)

    return fit


def ordered_features(names: Iterable[str]) -> list[str]:
    return sorted(set(names), key=feature_sort_key)


def spark_customer_clusters(basket: DataFrame, params: ClusterParams) -> DataFrame:
    """customer_clusters from a Spark market_basket: one applyInPandas group per segment."""
    from pyspark.sql import functions as f
    from pyspark.sql.types import DoubleType, MapType, StringType

    fitted = (
        basket.select(*BASKET_COLUMNS)
        .groupBy("segment")
        .applyInPandas(segment_fitter(params), schema=group_schema())
        .withColumn(FEATURES_JSON, f.from_json(FEATURES_JSON, MapType(StringType(), DoubleType())))
        # Fit once: the feature names are read from this result, and the table selects from it.
        # (Databricks serverless compute has no cache: run this on a cluster.)
        .cache()
    )
    keys = fitted.select(f.explode(f.map_keys(FEATURES_JSON)).alias("name")).distinct().collect()
    features = [
        f.coalesce(f.col(FEATURES_JSON)[name], f.lit(0.0)).alias(name)
        for name in ordered_features(row["name"] for row in keys)
    ]
    return fitted.select(*FIXED_COLUMNS, *features)


# --- the local session used by `make test-spark` ----------------------------------------------


def render_yaml(path: Path, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A dbt YAML file with its env_var() calls rendered (from environ, default os.environ)."""
    env = os.environ if environ is None else environ

    def env_var(name: str, default: str | None = None) -> str:
        value = env.get(name, default)
        if value is None:
            raise KeyError(f"{path}: env var {name} is not set and has no default")
        return value

    text = jinja2.Template(path.read_text()).render(env_var=env_var)
    return yaml.safe_load(text)


def spark_output(
    profiles_dir: Path, output: str = "spark", environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The rendered `output` of profile ipre in profiles.yml."""
    profiles = render_yaml(profiles_dir / "profiles.yml", environ)
    return profiles["ipre"]["outputs"][output]


def project_vars(
    project_dir: Path, overrides: Mapping[str, object], names: Iterable[str]
) -> dict[str, object]:
    """The vars `names` as dbt resolves them: dbt_project.yml defaults, then --vars."""
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text())
    values = {**project.get("vars", {}), **overrides}
    return {name: values.get(name) for name in names}


def cluster_params(project_dir: Path, overrides: Mapping[str, object]) -> ClusterParams:
    """Clustering vars as dbt resolves them: dbt_project.yml defaults, then --vars."""
    return ClusterParams.from_strings(project_vars(project_dir, overrides, CLUSTER_VARS))


def local_session(settings: Mapping[str, str]) -> SparkSession:
    """The session dbt-spark's session method builds: Hive catalog, the profile's settings."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    # Python workers run this interpreter (pandas, scikit-learn, ipre) unless PYSPARK_PYTHON
    # says otherwise (PySpark reads only the variable); dbt-spark forces ANSI off for every
    # session it opens: do the same, for identical SQL semantics.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for key, value in {**settings, "spark.sql.ansi.enabled": "false"}.items():
        builder = builder.config(key, str(value))
    return builder.getOrCreate()


def parse_args(
    argv: list[str],
    prog: str = "python -m ipre.clustering.spark",
    description: str = (
        "Build intermediate.int_customer_clusters from intermediate.int_market_basket on Spark."
    ),
) -> argparse.Namespace:
    """The command line of the local Spark steps of `make test-spark` (dbt-style options)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    root = os.environ.get("DBT_PROJECT_DIR", ".")
    parser.add_argument("--project-dir", type=Path, default=Path(root))
    parser.add_argument(
        "--profiles-dir", type=Path, default=Path(os.environ.get("DBT_PROFILES_DIR", root))
    )
    parser.add_argument("--output", default="spark", help="output of profile ipre to use")
    parser.add_argument("--vars", default="{}", help="dbt-style vars (YAML/JSON mapping)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    output = spark_output(args.profiles_dir, args.output)
    params = cluster_params(args.project_dir, yaml.safe_load(args.vars) or {})
    session = local_session(output.get("server_side_parameters", {}))
    target = f"{INTERMEDIATE}.int_customer_clusters"
    table = spark_customer_clusters(session.table(f"{INTERMEDIATE}.int_market_basket"), params)
    table.write.mode("overwrite").format("parquet").saveAsTable(target)
    rows = session.table(target).count()
    print(f"spark_clusters: wrote {target} ({rows} customers)")
    session.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
