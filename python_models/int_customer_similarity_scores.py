"""int_customer_similarity_scores: each customer's best products by EASE evidence × momentum.

The logic of the mart customer_similarity_scores, a SQL view over this table
(models/marts/similarity/customer_similarity_scores.sql). Thin on purpose: read the inputs
through Arrow, call ipre.similarity.scoring, return the table (docs/ranking.md). Vars arrive
through direct ``dbt.config.get`` calls; the keys are declared in
python_models/_python__models.yml.
"""

from ipre.similarity.scoring import ranking_depth, scores_from_tables

RECOMMENDABLE = "quarantine_reason is null and in_stock"


def model(dbt, session):
    depth = ranking_depth(
        dbt.config.get("top_k"),
        dbt.config.get("calibration_reserve"),
        dbt.config.get("ranking_method"),
    )
    basket = dbt.ref("int_market_basket")
    clusters = dbt.ref("int_customer_clusters")
    neighbours = dbt.ref("int_product_neighbours")
    products = dbt.ref("stg_erp__products")
    momentum = dbt.ref("int_product_momentum")
    if hasattr(basket, "toPandas"):
        # Spark: the inputs are collected to the driver (docs/scale-out.md)
        table = scores_from_tables(
            basket.select("customer_id", "product_id", "segment").toPandas(),
            clusters.select("customer_id", "cluster_id").toPandas(),
            neighbours.toPandas(),
            products.where(RECOMMENDABLE).select("product_id").toPandas(),
            momentum.select("product_id", "momentum_factor").toPandas(),
            depth,
        )
        return session.createDataFrame(table)
    return scores_from_tables(
        basket.project("customer_id, product_id, segment").to_arrow_table().to_pandas(),
        clusters.project("customer_id, cluster_id").to_arrow_table().to_pandas(),
        neighbours.to_arrow_table().to_pandas(),
        products.filter(RECOMMENDABLE).project("product_id").to_arrow_table().to_pandas(),
        momentum.project("product_id, momentum_factor").to_arrow_table().to_pandas(),
        depth,
    )
