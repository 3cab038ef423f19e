"""int_ranker_scores: each customer's best candidates at the reference date by the learned
ranker, with the feature group that carried each (its reason).

Thin on purpose: read int_ranker_model and the reference date's rows of int_ranker_features,
call ipre.ranker.training.score (docs/ranking.md, "The learned ranker"). Empty unless the
ranker was trained.
"""

from ipre.ranker.training import score
from ipre.similarity.scoring import ranking_depth


def model(dbt, session):
    depth = ranking_depth(
        dbt.config.get("top_k"),
        dbt.config.get("calibration_reserve"),
        dbt.config.get("ranking_method"),
    )
    fitted = dbt.ref("int_ranker_model")
    features = dbt.ref("int_ranker_features")
    if hasattr(features, "toPandas"):
        current = features.where("snapshot_index = 0").toPandas()
        return session.createDataFrame(score(fitted.toPandas(), current, depth))
    current = features.filter("snapshot_index = 0").to_arrow_table().to_pandas()
    return score(fitted.to_arrow_table().to_pandas(), current, depth)
