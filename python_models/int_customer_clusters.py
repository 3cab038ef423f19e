"""int_customer_clusters: one row per customer with its KMeans cluster (spec §4.2).

The logic of the mart customer_clusters, a SQL view over this table
(models/marts/clustering/customer_clusters.sql): intermediate models read this twin, never a
mart. Thin on purpose: read int_market_basket through Arrow, call ipre.clustering, return the
table. The maths and its tests live in the package. Vars arrive as strings through direct
``dbt.config.get`` calls (the parser only sees direct calls); the keys are declared in
python_models/_python__models.yml; the names are ipre.clustering.params.CLUSTER_VARS, which a
test checks against both copies.
"""

from dbt_common.events.base_types import EventLevel
from dbt_common.events.functions import fire_event
from dbt_common.events.types import Note

from ipre.clustering import ClusterParams, cluster_customers
from ipre.clustering.pipeline import BASKET_COLUMNS, basket_frame
from ipre.clustering.spark import is_spark_frame, spark_customer_clusters


def read_params(dbt) -> ClusterParams:
    return ClusterParams.from_strings(
        {
            "max_k": dbt.config.get("max_k"),
            "min_cluster_customers": dbt.config.get("min_cluster_customers"),
            "elbow_threshold": dbt.config.get("elbow_threshold"),
            "feature_groups": dbt.config.get("feature_groups"),
            "random_state": dbt.config.get("random_state"),
            "n_init": dbt.config.get("n_init"),
        }
    )


def warn_poor_segments(table) -> None:
    """Spec §4.2: a poor silhouette (< 0.2) is logged as a warning. A dbt event (not the logging
    module, whose output dbt leaves on bare stderr) lands in the console and logs/dbt.log."""
    segments = table.drop_duplicates("segment")
    for row in segments[segments["quality"] == "poor"].itertuples():
        message = (
            f"[WARNING] customer_clusters: segment {row.segment} has poor cluster separation "
            f"(silhouette {row.silhouette:.3f}, k={row.k}, {row.n_customers} customers); "
            "consider fewer feature groups or more data"
        )
        fire_event(Note(msg=message), level=EventLevel.WARN)


def model(dbt, session):
    params = read_params(dbt)
    basket = dbt.ref("int_market_basket")
    if is_spark_frame(basket):
        # dbt-databricks: the same function per segment as a grouped-map pandas UDF, so
        # segments fit in parallel on the executors (docs/scale-out.md)
        table = spark_customer_clusters(basket, params)
        segment_columns = ["segment", "quality", "silhouette", "k", "n_customers"]
        warn_poor_segments(table.select(*segment_columns).distinct().toPandas())
        return table
    columns = ", ".join(BASKET_COLUMNS)
    frame = basket_frame(basket.project(columns).to_arrow_table())
    table, _ = cluster_customers(frame, params)
    warn_poor_segments(table)
    return table
