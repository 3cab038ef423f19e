"""The similarity model at each ranker snapshot: EASE fitted on the baskets as they stood at
the cutoff, and each customer's best candidates by its evidence (docs/ranking.md).

Each snapshot is fitted on its own baskets only, so a training cutoff's evidence knows nothing
of the purchases that are its labels. The side information is the segment alone: the clusters
(customer_clusters) are fitted on the whole window and would carry the labels' period into a
training cutoff. The candidates are ordered by evidence (momentum 1): momentum is a feature of
the ranker, which weighs it itself.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from ipre.similarity import NeighbourParams, neighbours_from_basket
from ipre.similarity.ease import empty_neighbours
from ipre.similarity.scoring import empty_scores, scores_from_tables

SNAPSHOT = "snapshot_date"
# an empty snapshot column that is a DATE in the warehouse, as a filled one is
NO_DATES = pd.Series(dtype=pd.ArrowDtype(pa.date32()))
NO_CLUSTERS = pd.DataFrame(
    {"customer_id": pd.Series(dtype=str), "cluster_id": pd.Series(dtype=str)}
)


def by_snapshot(baskets: pd.DataFrame) -> list[tuple[object, pd.DataFrame]]:
    """The baskets per snapshot date, oldest first."""
    return [
        (day, rows.drop(columns=[SNAPSHOT])) for day, rows in baskets.groupby(SNAPSHOT, sort=True)
    ]


def snapshot_neighbours(baskets: pd.DataFrame, params: NeighbourParams) -> pd.DataFrame:
    """int_ranker_snapshot_neighbours: product_neighbours per snapshot, with its date."""
    frames = [
        neighbours_from_basket(rows, NO_CLUSTERS, params).assign(**{SNAPSHOT: day})
        for day, rows in by_snapshot(baskets[[SNAPSHOT, "customer_id", "product_id", "segment"]])
    ]
    if not frames:
        return empty_neighbours().assign(**{SNAPSHOT: NO_DATES})
    return pd.concat(frames, ignore_index=True)


def snapshot_candidates(
    baskets: pd.DataFrame, neighbours: pd.DataFrame, products: pd.DataFrame, depth: int
) -> pd.DataFrame:
    """int_ranker_similarity_candidates: each customer's best `depth` products by summed
    evidence at each snapshot (customer_similarity_scores' columns, with the date)."""
    weights = dict(by_snapshot(neighbours))
    no_momentum = pd.DataFrame({"product_id": products["product_id"], "momentum_factor": 1.0})
    frames = [
        scores_from_tables(rows, NO_CLUSTERS, weights[day], products, no_momentum, depth).assign(
            **{SNAPSHOT: day}
        )
        for day, rows in by_snapshot(baskets[[SNAPSHOT, "customer_id", "product_id", "segment"]])
        if day in weights
    ]
    if not frames:
        return empty_scores().assign(**{SNAPSHOT: NO_DATES})
    return pd.concat(frames, ignore_index=True)
