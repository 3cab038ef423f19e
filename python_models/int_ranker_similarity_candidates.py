"""int_ranker_similarity_candidates: each customer's best ranker_candidates products by EASE
evidence at each learned-ranker snapshot (the ranker's first candidate source).

Thin on purpose: read the snapshot baskets and weights through Arrow, call
ipre.ranker.snapshots (docs/ranking.md, "The learned ranker").
"""

from ipre.ranker.snapshots import snapshot_candidates

BASKET = "snapshot_date, customer_id, product_id, segment"
RECOMMENDABLE = "quarantine_reason is null and in_stock and not is_excluded"


def model(dbt, session):
    depth = int(str(dbt.config.get("ranker_candidates")))
    baskets = dbt.ref("int_ranker_snapshot_baskets")
    neighbours = dbt.ref("int_ranker_snapshot_neighbours")
    products = dbt.ref("stg_erp__products")
    if hasattr(baskets, "toPandas"):
        table = snapshot_candidates(
            baskets.select(*BASKET.split(", ")).toPandas(),
            neighbours.toPandas(),
            products.where(RECOMMENDABLE).select("product_id").toPandas(),
            depth,
        )
        return session.createDataFrame(table)
    return snapshot_candidates(
        baskets.project(BASKET).to_arrow_table().to_pandas(),
        neighbours.to_arrow_table().to_pandas(),
        products.filter(RECOMMENDABLE).project("product_id").to_arrow_table().to_pandas(),
        depth,
    )
