"""Which evidence made the ranker place a candidate, in words an Account Manager can say.

The contributions (TreeSHAP, ipre.ranker.model.contributions) are summed per feature group;
the reason names the explainable group with the largest positive sum. The customer's own
profile (RFM, recency) and the price only shift how much the other evidence counts, so they
are never the reason; a row where no explainable group is positive falls back to the
similarity evidence, which every candidate of the similarity source has.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ipre.ranker.features import FEATURE_GROUPS

EXPLAINABLE = ("similarity", "last_invoice", "segment", "trend", "category")
FALLBACK_GROUP = "similarity"


def group_contributions(contrib: pd.DataFrame) -> pd.DataFrame:
    """Per row, the summed contribution of each explainable group present in ``contrib``."""
    return pd.DataFrame(
        {
            group: contrib[[f for f in FEATURE_GROUPS[group] if f in contrib.columns]].sum(axis=1)
            for group in EXPLAINABLE
        },
        index=contrib.index,
    )


def strongest_group(contrib: pd.DataFrame) -> pd.Series:
    """The explainable group with the largest positive contribution per row (ties: the first
    in EXPLAINABLE order), FALLBACK_GROUP where none is positive."""
    sums = group_contributions(contrib)
    values = sums.to_numpy()
    best = values.argmax(axis=1)
    names = np.asarray(EXPLAINABLE, dtype=object)[best]
    positive = values[np.arange(len(values)), best] > 0
    return pd.Series(
        np.where(positive, names, FALLBACK_GROUP), index=contrib.index, name="reason_group"
    )


def trend_words(momentum: float, days_since_first_sale: float, new_within_days: int) -> str:
    """'new this season' for a product first sold within new_within_days, else the demand
    trend as a multiple of its usual rate."""
    if days_since_first_sale <= new_within_days:
        return "new this season"
    return f"demand rising x{momentum:.1f} this month"
