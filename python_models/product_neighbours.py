"""product_neighbours: EASE item-to-item weights over customer histories (docs/ranking.md).

Thin on purpose: read the customer × product pairs of market_basket through Arrow, call
ipre.similarity, return the table. Vars arrive through direct ``dbt.config.get`` calls; the keys
are declared in python_models/_python_models.yml.
"""

from ipre.similarity import NeighbourParams, product_neighbours

def read_params(dbt) -> NeighbourParams:
    return NeighbourParams.from_strings(
        {
            "similarity_l2_ratio": dbt.config.get("similarity_l2_ratio"),
            "similarity_neighbours": dbt.config.get("similarity_neighbours"),
            "similarity_max_products": dbt.config.get("similarity_max_products"),
            "similarity_min_customers": dbt.config.get("similarity_min_customers"),
        }
    )


def model(dbt, session):
    params = read_params(dbt)
    basket = dbt.ref("market_basket")
    if hasattr(basket, "toPandas"):
        # Spark: the pairs fit on the driver (one row per customer × product); the inverse is
        # one dense matrix of at most similarity_max_products² doubles (docs/scale-out.md)
        pairs = basket.select("customer_id", "product_id").toPandas()
        return session.createDataFrame(product_neighbours(pairs, params))
    pairs = basket.project("customer_id, product_id").to_arrow_table().to_pandas()
    return product_neighbours(pairs, params)
