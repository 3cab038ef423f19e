"""int_product_neighbours: EASE item-to-item weights over customer histories (docs/ranking.md).

The logic of the mart product_neighbours, a SQL view over this table
(models/marts/similarity/product_neighbours.sql). Thin on purpose: read int_market_basket
(customer × product, with the segment) and each customer's cluster through Arrow, call
ipre.similarity, return the table. Vars arrive through direct ``dbt.config.get`` calls; the keys
are declared in python_models/_python__models.yml.
"""

from ipre.similarity import NeighbourParams, neighbours_from_basket


def read_params(dbt) -> NeighbourParams:
    return NeighbourParams.from_strings(
        {
            "similarity_l2_ratio": dbt.config.get("similarity_l2_ratio"),
            "similarity_neighbours": dbt.config.get("similarity_neighbours"),
            "similarity_max_products": dbt.config.get("similarity_max_products"),
            "similarity_min_customers": dbt.config.get("similarity_min_customers"),
            "similarity_tail_regressors": dbt.config.get("similarity_tail_regressors"),
        }
    )


def model(dbt, session):
    params = read_params(dbt)
    basket = dbt.ref("int_market_basket")
    clusters = dbt.ref("int_customer_clusters")
    if hasattr(basket, "toPandas"):
        # Spark: the pairs fit on the driver (one row per customer × product); the inverse is
        # one dense matrix of at most similarity_max_products² doubles (docs/scale-out.md)
        pairs = basket.select("customer_id", "product_id", "segment").toPandas()
        side = clusters.select("customer_id", "cluster_id").toPandas()
        table = neighbours_from_basket(pairs, side, params)
        return session.createDataFrame(table)
    pairs = basket.project("customer_id, product_id, segment").to_arrow_table().to_pandas()
    side = clusters.project("customer_id, cluster_id").to_arrow_table().to_pandas()
    return neighbours_from_basket(pairs, side, params)

