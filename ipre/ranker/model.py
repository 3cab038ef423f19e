"""Fit and apply the LambdaMART ranker (LightGBM ``lambdarank``), reproducibly.

A frame has one row per customer × candidate: ``customer_id``, ``product_id``, the features
(ipre.ranker.features) and, to train, ``label`` (1 when the customer bought the product for the
first time in the horizon after the frame's cutoff). Rows are sorted by customer and product
before anything is fitted or scored, so the same rows in any order give the same model and
scores; LightGBM runs on one thread with ``deterministic`` set, so the same inputs give the
same model bit for bit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

KEYS = ("customer_id", "product_id")
# Strongly regularised: a few thousand labelled customers is a small training set for a
# boosted model (docs/evaluation.md, "Learned ranker": deeper trees lost 2-8 % ndcg@5).
PARAMS = MappingProxyType(
    {
        "objective": "lambdarank",
        "n_estimators": 150,
        "learning_rate": 0.03,
        "num_leaves": 7,
        "min_child_samples": 300,
        "reg_lambda": 10.0,
        "colsample_bytree": 0.8,
        "lambdarank_truncation_level": 20,
        "n_jobs": 1,
        "deterministic": True,
        "force_row_wise": True,
        "verbose": -1,
    }
)


@dataclass(frozen=True)
class FittedRanker:
    booster: lgb.Booster
    features: tuple[str, ...]
    training_customers: int
    training_rows: int

    def to_artifact(self) -> dict[str, Any]:
        """A JSON-ready description: the model text, its features and what it was fitted on."""
        return {
            "features": list(self.features),
            "training_customers": self.training_customers,
            "training_rows": self.training_rows,
            "params": dict(PARAMS),
            "model": self.booster.model_to_string(),
        }

    @classmethod
    def from_artifact(cls, artifact: dict[str, Any]) -> FittedRanker:
        return cls(
            booster=lgb.Booster(model_str=artifact["model"]),
            features=tuple(artifact["features"]),
            training_customers=int(artifact["training_customers"]),
            training_rows=int(artifact["training_rows"]),
        )


def sorted_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(KEYS), kind="mergesort").reset_index(drop=True)


def matrix(frame: pd.DataFrame, features: Sequence[str]) -> np.ndarray:
    """The features as float64; a missing value (a candidate one source does not know) is NaN,
    which LightGBM routes on its own branch."""
    missing = [name for name in features if name not in frame.columns]
    if missing:
        raise ValueError(f"the ranker frame lacks features: {', '.join(missing)}")
    return frame[list(features)].to_numpy(dtype="float64", na_value=np.nan)


def labelled_groups(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of customers with at least one positive label: a customer without one carries
    no ordering to learn (lambdarank's gradient is zero there)."""
    positive = frame.groupby("customer_id", sort=False)["label"].transform("max") > 0
    return frame.loc[positive]


def fit(frame: pd.DataFrame, features: Sequence[str], seed: int) -> FittedRanker:
    """Fit on every labelled customer of ``frame``; raises ValueError without one."""
    train = sorted_frame(labelled_groups(frame))
    if train.empty:
        raise ValueError("no customer of the training frame has a positive label")
    groups = train.groupby("customer_id", sort=False).size().to_numpy()
    model = lgb.LGBMRanker(**PARAMS, random_state=seed)
    model.fit(matrix(train, features), train["label"].to_numpy(), group=groups)
    return FittedRanker(model.booster_, tuple(features), len(groups), len(train))


def predict(ranker: FittedRanker, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` sorted by customer and product, with ``ranker_score`` and ``ranker_rank``
    (1 = the customer's best; ties by product id)."""
    scored = sorted_frame(frame)
    scored["ranker_score"] = ranker.booster.predict(matrix(scored, ranker.features))
    order = scored.sort_values(
        ["customer_id", "ranker_score", "product_id"],
        ascending=[True, False, True],
        kind="mergesort",
    )
    order["ranker_rank"] = order.groupby("customer_id", sort=False).cumcount() + 1
    return order.sort_index()


def contributions(ranker: FittedRanker, frame: pd.DataFrame) -> pd.DataFrame:
    """Each feature's additive contribution to each row's score (LightGBM ``pred_contrib``, the
    TreeSHAP values), columns named for the features plus ``bias``; rows in ``frame``'s order.
    The row sums equal ``predict``'s scores."""
    values = ranker.booster.predict(matrix(frame, ranker.features), pred_contrib=True)
    return pd.DataFrame(values, columns=[*ranker.features, "bias"], index=frame.index)


def artifact_json(ranker: FittedRanker, **facts: Any) -> str:
    """The artifact with further facts (training cutoffs, validation metrics), as JSON text."""
    return json.dumps({**ranker.to_artifact(), **facts}, sort_keys=True, default=str)
