"""int_ranker_model and int_ranker_scores' logic (ipre.ranker.training): when the learned order
is used, what it is checked against, and what it scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipre.ranker import training
from ipre.ranker.features import FEATURES
from ipre.ranker.training import NOT_CHOSEN, NOT_TRAINED, TRAINED, Validation

SEED = 42
K = 5


def snapshot_frame(
    index: int, customers: int, candidates: int, seed: int, signal: str
) -> pd.DataFrame:
    """int_ranker_features rows of one snapshot: noise, except that each customer buys the
    candidate with the largest ``signal`` (labels only at training snapshots)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.random((customers * candidates, len(FEATURES))), columns=list(FEATURES)
    )
    frame["similarity_rank"] = np.tile(np.arange(1, candidates + 1), customers).astype(float)
    frame.insert(0, "snapshot_index", index)
    frame.insert(1, "snapshot_date", pd.Timestamp("2024-06-01") - pd.Timedelta(days=30 * index))
    frame.insert(2, "customer_id", np.repeat([f"C{i:04d}" for i in range(customers)], candidates))
    frame.insert(3, "product_id", np.tile([f"P{j:03d}" for j in range(candidates)], customers))
    best = frame.groupby("customer_id")[signal].rank(ascending=False, method="first") == 1
    frame["label"] = best.astype(float) if index > 0 else np.nan
    return frame


def features(customers: int = 300, signal: str = "l3_share", cutoffs: int = 3) -> pd.DataFrame:
    return pd.concat(
        [snapshot_frame(i, customers, 12, seed=i, signal=signal) for i in range(cutoffs + 1)],
        ignore_index=True,
    )


def test_not_chosen_when_there_are_no_snapshots() -> None:
    row = training.train(features().iloc[:0], min_customers=1, seed=SEED, k=K)
    assert row["status"].tolist() == [NOT_CHOSEN]
    assert row["model_text"].isna().all()


def test_too_few_labelled_customers_ranks_by_similarity_and_says_so() -> None:
    row = training.train(features(customers=40), min_customers=300, seed=SEED, k=K).iloc[0]
    assert row["status"] == NOT_TRAINED
    assert row["status_reason"].startswith("120 labelled customers at the training cutoffs")
    assert "ranker_min_customers = 300" in row["status_reason"]
    assert pd.isna(row["model_text"])


def test_a_learnable_signal_is_trained_and_beats_similarity_on_validation() -> None:
    row = training.train(features(), min_customers=300, seed=SEED, k=K).iloc[0]
    assert row["status"] == TRAINED, row["status_reason"]
    assert row["training_customers"] == 900  # 300 customers at each of 3 cutoffs
    assert row["training_cutoffs"] == "2024-03-03,2024-04-02,2024-05-02"
    assert row["validation_cutoff"] == "2024-05-02"
    assert row["validation_ndcg"] > 0.9 > row["validation_similarity_ndcg"]
    assert row["features"].split(",") == list(FEATURES)


def test_the_verdict_keeps_similarity_when_the_learned_order_loses() -> None:
    status, words = training.verdict(Validation("2024-05-02", 10, 0.30, 0.31), K)
    assert status == NOT_TRAINED
    assert words == (
        "; at 2024-05-02 its ndcg@5 0.3000 is below the similarity order's 0.3100:"
        " ranked by similarity"
    )
    assert training.verdict(Validation("2024-05-02", 10, 0.31, 0.31), K)[0] == TRAINED
    assert training.verdict(Validation(), K)[0] == TRAINED


def test_without_the_guard_a_losing_order_is_used_and_says_so() -> None:
    status, words = training.verdict(Validation("2024-05-02", 10, 0.30, 0.31), K, guard=False)
    assert status == TRAINED
    assert words.endswith("below the similarity order's 0.3100 (ranker_guard = none: used anyway)")


def test_ndcg_counts_the_labels_the_candidates_reach() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "B", "C"],
            "rank": [1, 2, 3, 1, 2, 1],
            "label": [0, 1, 1, 1, 0, 0],
        }
    )
    # A: gains at 2 and 3 over an ideal of 1 + 1/log2(3); B: perfect; C has no label
    a = (1 / np.log2(3) + 1 / np.log2(4)) / (1 + 1 / np.log2(3))
    assert training.ndcg(frame, "rank", k=5) == pytest.approx((a + 1.0) / 2)
    assert training.ndcg(frame, "rank", k=1) == pytest.approx((0.0 + 1.0) / 2)


def test_scores_are_the_top_depth_of_the_reference_date_with_a_reason() -> None:
    frame = features()
    row = training.train(frame, min_customers=300, seed=SEED, k=K)
    scores = training.score(row, frame, depth=3)
    current = frame.loc[frame["snapshot_index"] == 0]
    assert set(scores["customer_id"]) == set(current["customer_id"])
    ranks = scores.groupby("customer_id")["ranker_rank"].apply(lambda r: tuple(sorted(r)))
    assert set(ranks) == {(1, 2, 3)}
    # the signal (l3_share) is a category feature: the reason says so
    first = scores.loc[scores["ranker_rank"] == 1]
    assert (first["reason_group"] == "category").mean() > 0.9
    truth = current.loc[
        current.groupby("customer_id")["l3_share"].idxmax(), ["customer_id", "product_id"]
    ]
    merged = first.merge(truth, on="customer_id", suffixes=("", "_truth"))
    assert (merged["product_id"] == merged["product_id_truth"]).mean() > 0.9


def test_nothing_is_scored_unless_trained() -> None:
    frame = features(customers=40)
    row = training.train(frame, min_customers=300, seed=SEED, k=K)
    assert training.score(row, frame, depth=3).empty
    assert list(training.score(row, frame, depth=3).columns) == list(training.SCORE_COLUMNS)


def test_training_is_deterministic() -> None:
    frame = features()
    first = training.train(frame, min_customers=300, seed=SEED, k=K)
    second = training.train(
        frame.sample(frac=1.0, random_state=3), min_customers=300, seed=SEED, k=K
    )
    pd.testing.assert_frame_equal(first, second)
