"""Train the ranker on the training snapshots, check it on the latest one, and score.

``int_ranker_features`` holds every snapshot: index 0 is the reference date (to score), 1, 2,
... are the training cutoffs (labelled). The model is trained on all training cutoffs. Its
validation: a second fit on the cutoffs 2, 3, ... scores cutoff 1, and its ndcg@k there is
compared with the similarity order's on the same candidates. The learned order is used only
when there were at least ``min_customers`` labelled customers and it did not lose that
comparison (with ``guard`` False, var ranker_guard 'none': whether or not it lost); otherwise
the build ranks by similarity and the status says why
(docs/ranking.md, "The learned ranker").
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ipre.ranker import model
from ipre.ranker.artifact import MODEL_COLUMNS
from ipre.ranker.features import FEATURES
from ipre.ranker.reasons import strongest_group

TRAINED = "trained"
NOT_TRAINED = "not_trained"
NOT_CHOSEN = "not_chosen"
SCORE_COLUMNS = ("customer_id", "product_id", "ranker_score", "ranker_rank", "reason_group")


@dataclass(frozen=True)
class Validation:
    cutoff: str | None = None
    customers: int = 0
    ndcg: float | None = None
    similarity_ndcg: float | None = None


def labelled_customers(frame: pd.DataFrame) -> int:
    return int(model.labelled_groups(frame)["customer_id"].nunique()) if len(frame) else 0


def training_rows(features: pd.DataFrame) -> pd.DataFrame:
    """The training snapshots' rows; a customer at two cutoffs is two ranking groups."""
    rows = features.loc[features["snapshot_index"] > 0].copy()
    rows["customer_id"] = rows["snapshot_date"].astype(str) + "/" + rows["customer_id"].astype(str)
    rows["label"] = rows["label"].astype(int)
    return rows


def ndcg(frame: pd.DataFrame, rank_column: str, k: int) -> float:
    """Mean ndcg@k over the labelled customers of ``frame``; a customer's ideal counts all its
    labelled candidates (the labels the candidates could reach)."""
    labelled = model.labelled_groups(frame)
    top = labelled.loc[labelled[rank_column] <= k]
    gains = (top["label"] / np.log2(top[rank_column] + 1.0)).groupby(top["customer_id"]).sum()
    positives = labelled.groupby("customer_id")["label"].sum().clip(upper=k)
    ideal = positives.map(lambda n: float(np.sum(1.0 / np.log2(np.arange(2, n + 2)))))
    return float((gains.reindex(ideal.index, fill_value=0.0) / ideal).mean())


def validate(rows: pd.DataFrame, seed: int, k: int) -> Validation:
    """Fit on every training cutoff but the latest; score the latest."""
    dates = sorted(rows["snapshot_date"].astype(str).unique())
    if len(dates) < 2:
        return Validation()
    latest = rows["snapshot_date"].astype(str) == dates[-1]
    held_out, earlier = rows.loc[latest], rows.loc[~latest]
    if labelled_customers(earlier) == 0 or labelled_customers(held_out) == 0:
        return Validation(cutoff=dates[-1])
    scored = model.predict(model.fit(earlier, FEATURES, seed), held_out)
    # the similarity order on the same candidates; those it does not rank come last, by product
    ranks = held_out["similarity_rank"].astype("float64").fillna(np.inf)
    similarity = model.sorted_frame(held_out.assign(similarity_rank=ranks))
    similarity["similarity_order"] = similarity.groupby("customer_id")["similarity_rank"].rank(
        method="first"
    )
    return Validation(
        cutoff=dates[-1],
        customers=labelled_customers(held_out),
        ndcg=ndcg(scored, "ranker_rank", k),
        similarity_ndcg=ndcg(similarity, "similarity_order", k),
    )


def train(
    features: pd.DataFrame, min_customers: int, seed: int, k: int, guard: bool = True
) -> pd.DataFrame:
    """int_ranker_model: one row saying whether the learned order is used, and the model."""
    if features.empty:
        return model_row(NOT_CHOSEN, "ranking_method is not 'learned'")
    rows = training_rows(features)
    cutoffs = ",".join(sorted(rows["snapshot_date"].astype(str).unique()))
    labelled = labelled_customers(rows)
    if labelled < min_customers:
        reason = (
            f"{labelled} labelled customers at the training cutoffs ({cutoffs or 'none'}),"
            f" fewer than ranker_min_customers = {min_customers}: ranked by similarity"
        )
        return model_row(NOT_TRAINED, reason, training_cutoffs=cutoffs)
    check = validate(rows, seed, k)
    ranker = model.fit(rows, FEATURES, seed)
    status, reason = verdict(check, k, guard)
    reason = f"trained on {ranker.training_customers} labelled customers{reason}"
    return model_row(
        status,
        reason,
        training_cutoffs=cutoffs,
        training_customers=ranker.training_customers,
        training_rows=ranker.training_rows,
        validation=check,
        model_text=ranker.booster.model_to_string(),
    )


def verdict(check: Validation, k: int, guard: bool = True) -> tuple[str, str]:
    """TRAINED unless the validation ran and the learned order lost to the similarity order
    there (and ``guard``); the words that say so."""
    if check.ndcg is None or check.similarity_ndcg is None:
        return TRAINED, "; no earlier cutoff to validate on"
    lost = check.ndcg < check.similarity_ndcg
    words = (
        f"; at {check.cutoff} its ndcg@{k} {check.ndcg:.4f} is {'below' if lost else 'not below'}"
        f" the similarity order's {check.similarity_ndcg:.4f}"
    )
    if lost and not guard:
        return TRAINED, words + " (ranker_guard = none: used anyway)"
    return (NOT_TRAINED, words + ": ranked by similarity") if lost else (TRAINED, words)


def model_row(
    status: str,
    reason: str,
    training_cutoffs: str = "",
    training_customers: int = 0,
    training_rows: int = 0,
    validation: Validation = Validation(),
    model_text: str | None = None,
) -> pd.DataFrame:
    row = {
        "status": status,
        "status_reason": reason,
        "training_cutoffs": training_cutoffs,
        "training_customers": training_customers,
        "training_rows": training_rows,
        "validation_cutoff": validation.cutoff,
        "validation_customers": validation.customers,
        "validation_ndcg": validation.ndcg,
        "validation_similarity_ndcg": validation.similarity_ndcg,
        "features": ",".join(FEATURES),
        "params": json.dumps(dict(model.PARAMS), sort_keys=True),
        "model_text": model_text,
    }
    frame = pd.DataFrame([row], columns=list(MODEL_COLUMNS))
    # text columns typed even when null, so that the warehouse column is text (not NULL)
    text = {
        name: "str" for name in MODEL_COLUMNS if isinstance(row[name], str) or row[name] is None
    }
    return frame.astype(
        {
            **text,
            "training_customers": "int64", "training_rows": "int64",
            "validation_customers": "int64", "validation_ndcg": "float64",
            "validation_similarity_ndcg": "float64",
        }
    )  # fmt: skip


def score(model_table: pd.DataFrame, features: pd.DataFrame, depth: int) -> pd.DataFrame:
    """int_ranker_scores: each customer's best `depth` candidates at the reference date by the
    trained model, with the feature group that carried each; empty unless it was trained."""
    current = features.loc[features["snapshot_index"] == 0]
    if model_table.empty or model_table["status"].iloc[0] != TRAINED or current.empty:
        return empty_scores()
    row = model_table.iloc[0]
    ranker = model.FittedRanker.from_artifact(
        {
            "model": row["model_text"],
            "features": str(row["features"]).split(","),
            "training_customers": row["training_customers"],
            "training_rows": row["training_rows"],
        }
    )
    scored = model.predict(ranker, current)
    best = scored.loc[scored["ranker_rank"] <= depth].copy()
    best["reason_group"] = strongest_group(model.contributions(ranker, best))
    return best.loc[:, list(SCORE_COLUMNS)].reset_index(drop=True)


def empty_scores() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype="str") for name in SCORE_COLUMNS})
    return frame.astype({"ranker_score": "float64", "ranker_rank": "int64"})
