"""int_ranker_model: the learned ranker, trained on the ranker's training snapshots.

Thin on purpose: read int_ranker_features through Arrow, call ipre.ranker.training.train
(docs/ranking.md, "The learned ranker"). One row: whether the learned order is used and why,
what it was trained on, its validation, and the LightGBM model as text (the artifact).
On Spark the features are collected to the driver, which fits (docs/scale-out.md).
"""

from ipre.ranker.training import train


def model(dbt, session):
    features = dbt.ref("int_ranker_features")
    frame = (
        features.toPandas()
        if hasattr(features, "toPandas")
        else features.to_arrow_table().to_pandas()
    )
    table = train(
        frame,
        min_customers=int(str(dbt.config.get("ranker_min_customers"))),
        seed=int(str(dbt.config.get("random_state"))),
        k=int(str(dbt.config.get("top_k"))),
        guard=str(dbt.config.get("ranker_guard")).strip().lower() == "validation",
    )
    return session.createDataFrame(table) if hasattr(features, "toPandas") else table
