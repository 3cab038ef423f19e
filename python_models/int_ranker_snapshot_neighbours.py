"""int_ranker_snapshot_neighbours: the EASE weights at each learned-ranker snapshot.

Thin on purpose: read int_ranker_snapshot_baskets through Arrow, call ipre.ranker.snapshots
(docs/ranking.md, "The learned ranker"). Built only with ranking_method 'learned'. The
similarity vars arrive as for product_neighbours.
"""

from ipre.ranker.snapshots import snapshot_neighbours
from ipre.similarity import NeighbourParams

COLUMNS = "snapshot_date, customer_id, product_id, segment"


def model(dbt, session):
    params = NeighbourParams.from_strings(
        {
            "similarity_l2_ratio": dbt.config.get("similarity_l2_ratio"),
            "similarity_neighbours": dbt.config.get("similarity_neighbours"),
            "similarity_max_products": dbt.config.get("similarity_max_products"),
            "similarity_min_customers": dbt.config.get("similarity_min_customers"),
            "similarity_tail_regressors": dbt.config.get("similarity_tail_regressors"),
        }
    )
    baskets = dbt.ref("int_ranker_snapshot_baskets")
    if hasattr(baskets, "toPandas"):
        # Spark: fitted on the driver, as product_neighbours is (docs/scale-out.md)
        table = snapshot_neighbours(baskets.select(*COLUMNS.split(", ")).toPandas(), params)
        return session.createDataFrame(table)
    return snapshot_neighbours(baskets.project(COLUMNS).to_arrow_table().to_pandas(), params)
