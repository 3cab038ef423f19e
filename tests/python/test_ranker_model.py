"""The learned ranker's fit, scores, contributions and reasons (ipre.ranker), on small frames
whose right answer is planted: one feature decides which candidate a customer buys."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ipre.ranker import model
from ipre.ranker.features import FEATURE_GROUPS, FEATURES, GROUP_OF, without_groups
from ipre.ranker.reasons import EXPLAINABLE, FALLBACK_GROUP, strongest_group, trend_words

SEED = 42


def planted_frame(
    customers: int, candidates: int, seed: int, signal: str = "last_invoice_score"
) -> pd.DataFrame:
    """Every feature is noise except ``signal``: each customer buys its candidate with the
    largest value of it."""
    rng = np.random.default_rng(seed)
    rows = customers * candidates
    frame = pd.DataFrame(rng.random((rows, len(FEATURES))), columns=list(FEATURES))
    frame.insert(0, "customer_id", np.repeat([f"C{i:04d}" for i in range(customers)], candidates))
    frame.insert(1, "product_id", np.tile([f"P{j:03d}" for j in range(candidates)], customers))
    order = frame.groupby("customer_id")[signal].rank(ascending=False, method="first")
    frame["label"] = (order == 1).astype(int)
    return frame


def top_products(scored: pd.DataFrame) -> pd.Series:
    return scored.loc[scored["ranker_rank"] == 1].set_index("customer_id")["product_id"]


def test_feature_groups_partition_the_features() -> None:
    names = [name for group in FEATURE_GROUPS.values() for name in group]
    assert len(names) == len(set(names)) == len(FEATURES)
    assert set(without_groups(frozenset({"trend"}))) == set(FEATURES) - set(FEATURE_GROUPS["trend"])
    with pytest.raises(ValueError, match="unknown feature groups: nope"):
        without_groups(frozenset({"nope"}))


def test_learns_the_planted_signal_on_unseen_customers() -> None:
    ranker = model.fit(planted_frame(600, 20, seed=1), FEATURES, SEED)
    test = planted_frame(300, 20, seed=2)
    scored = model.predict(ranker, test)
    truth = test.loc[test["label"] == 1].set_index("customer_id")["product_id"]
    hit = (top_products(scored) == truth.reindex(top_products(scored).index)).mean()
    # chance is 1/20; the signal alone decides, so the model finds nearly every one
    assert hit > 0.9
    gains = pd.Series(ranker.booster.feature_importance("gain"), index=ranker.features)
    assert gains.idxmax() == "last_invoice_score"


def test_same_inputs_give_the_same_scores_whatever_the_row_order() -> None:
    train, test = planted_frame(400, 15, seed=3), planted_frame(100, 15, seed=4)
    first = model.predict(model.fit(train, FEATURES, SEED), test)
    shuffled = train.sample(frac=1.0, random_state=0)
    second = model.predict(
        model.fit(shuffled, FEATURES, SEED), test.sample(frac=1.0, random_state=1)
    )
    pd.testing.assert_frame_equal(
        first.sort_values(["customer_id", "product_id"]).reset_index(drop=True),
        second.sort_values(["customer_id", "product_id"]).reset_index(drop=True),
    )


def test_ranks_are_dense_per_customer_with_ties_by_product() -> None:
    test = planted_frame(50, 12, seed=5)
    ranker = model.fit(planted_frame(300, 12, seed=6), FEATURES, SEED)
    scored = model.predict(ranker, test)
    for _, group in scored.groupby("customer_id"):
        assert sorted(group["ranker_rank"]) == list(range(1, 13))
        ordered = group.sort_values("ranker_rank")
        assert ordered["ranker_score"].is_monotonic_decreasing
    constant = test.assign(**{name: 0.5 for name in FEATURES})
    tied = model.predict(ranker, constant)
    first = tied.loc[tied["ranker_rank"] == 1, "product_id"].unique()
    assert list(first) == ["P000"]


def test_customers_without_a_positive_are_not_trained_on() -> None:
    train = planted_frame(200, 10, seed=7)
    silent = train["customer_id"].isin([f"C{i:04d}" for i in range(50)])
    train.loc[silent, "label"] = 0
    ranker = model.fit(train, FEATURES, SEED)
    assert ranker.training_customers == 150
    assert ranker.training_rows == 1500
    with pytest.raises(ValueError, match="no customer of the training frame has a positive label"):
        model.fit(train.assign(label=0), FEATURES, SEED)


def test_missing_values_are_allowed_missing_columns_are_not() -> None:
    train = planted_frame(300, 10, seed=8)
    train.loc[train.index % 3 == 0, "segment_rank"] = np.nan  # a source that lacks the pair
    ranker = model.fit(train, FEATURES, SEED)
    assert np.isfinite(model.predict(ranker, train)["ranker_score"]).all()
    with pytest.raises(ValueError, match="lacks features: l2_share"):
        model.predict(ranker, train.drop(columns=["l2_share"]))


def test_contributions_add_up_to_the_score() -> None:
    test = planted_frame(40, 10, seed=9)
    ranker = model.fit(planted_frame(300, 10, seed=10), FEATURES, SEED)
    contrib = model.contributions(ranker, test)
    scored = model.predict(ranker, test)
    np.testing.assert_allclose(
        contrib.sum(axis=1).to_numpy(), scored["ranker_score"].to_numpy(), rtol=1e-9, atol=1e-9
    )


def test_the_reason_is_the_group_that_carried_the_score() -> None:
    test = planted_frame(60, 10, seed=11, signal="segment_share")
    ranker = model.fit(planted_frame(400, 10, seed=12, signal="segment_share"), FEATURES, SEED)
    scored = model.predict(ranker, test)
    best = scored["ranker_rank"] == 1
    groups = strongest_group(model.contributions(ranker, scored.loc[best]))
    assert (groups == "segment").mean() > 0.9
    assert set(groups) <= set(EXPLAINABLE)


def test_customer_profile_and_price_are_never_the_reason() -> None:
    contrib = pd.DataFrame(0.0, index=range(3), columns=[*FEATURES, "bias"])
    contrib.loc[0, "purchase_days"] = 5.0  # the customer group: not a reason
    contrib.loc[0, "momentum"] = 0.1
    contrib.loc[1, "unit_price"] = 3.0  # only price is positive
    contrib.loc[2, "l3_share"] = 0.2
    contrib.loc[2, "evidence_score"] = 0.2  # a tie goes to the earlier group
    assert list(strongest_group(contrib)) == ["trend", FALLBACK_GROUP, "similarity"]
    assert GROUP_OF["purchase_days"] == "customer"


def test_trend_words() -> None:
    assert trend_words(2.14, 12, 30) == "new this season"
    assert trend_words(2.14, 31, 30) == "demand rising x2.1 this month"


def test_the_artifact_round_trips() -> None:
    train, test = planted_frame(200, 10, seed=13), planted_frame(30, 10, seed=14)
    ranker = model.fit(train, FEATURES, SEED)
    text = model.artifact_json(ranker, training_cutoffs=["2010-05-13"])
    artifact = json.loads(text)
    assert artifact["features"] == list(FEATURES)
    assert artifact["training_cutoffs"] == ["2010-05-13"]
    restored = model.FittedRanker.from_artifact(artifact)
    pd.testing.assert_frame_equal(model.predict(restored, test), model.predict(ranker, test))
