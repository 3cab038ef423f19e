"""Metric functions against hand-computed values (ipre.evaluation.metrics)."""

from __future__ import annotations

import math

import pytest

from ipre.evaluation.baselines import order_by_score
from ipre.evaluation.metrics import (
    average_precision_at_k,
    catalogue_coverage,
    evaluate,
    hit_rate_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    top_k,
)

LOG2_3 = math.log2(3)  # discount of position 2
LOG2_5 = math.log2(5)  # discount of position 4
RECS = ["a", "b", "c", "d", "e"]
TARGETS = {"b", "d", "x"}  # hits at positions 2 and 4; "x" was never recommended


def test_hits_at_positions_two_and_four() -> None:
    assert hit_rate_at_k(RECS, TARGETS, 5) == 1.0
    assert precision_at_k(RECS, TARGETS, 5) == pytest.approx(2 / 5)
    assert recall_at_k(RECS, TARGETS, 5) == pytest.approx(2 / 3)
    ideal = 1 + 1 / LOG2_3 + 1 / 2  # three targets fill positions 1-3
    assert ndcg_at_k(RECS, TARGETS, 5) == pytest.approx((1 / LOG2_3 + 1 / LOG2_5) / ideal)
    # precision at each hit: 1/2 at position 2, 2/4 at position 4; divided by min(3, 5)
    assert average_precision_at_k(RECS, TARGETS, 5) == pytest.approx((1 / 2 + 2 / 4) / 3)


def test_cut_at_three_keeps_only_the_first_hit() -> None:
    assert precision_at_k(RECS, TARGETS, 3) == pytest.approx(1 / 3)
    assert recall_at_k(RECS, TARGETS, 3) == pytest.approx(1 / 3)
    ideal = 1 + 1 / LOG2_3 + 1 / 2
    assert ndcg_at_k(RECS, TARGETS, 3) == pytest.approx((1 / LOG2_3) / ideal)
    assert average_precision_at_k(RECS, TARGETS, 3) == pytest.approx((1 / 2) / 3)


def test_no_hit_scores_zero_everywhere() -> None:
    for metric in (hit_rate_at_k, precision_at_k, recall_at_k, ndcg_at_k, average_precision_at_k):
        assert metric(["p", "q"], {"z"}, 5) == 0.0


def test_single_perfect_hit_in_a_short_list() -> None:
    # a list shorter than k: precision still divides by k, the rest are perfect
    assert precision_at_k(["b"], {"b"}, 5) == pytest.approx(1 / 5)
    assert recall_at_k(["b"], {"b"}, 5) == 1.0
    assert ndcg_at_k(["b"], {"b"}, 5) == 1.0
    assert average_precision_at_k(["b"], {"b"}, 5) == 1.0


def test_more_targets_than_k_caps_the_ideal() -> None:
    targets = {"a", "b", "c", "d", "e", "f", "g"}
    assert ndcg_at_k(RECS, targets, 5) == pytest.approx(1.0)
    assert average_precision_at_k(RECS, targets, 5) == pytest.approx(1.0)
    assert recall_at_k(RECS, targets, 5) == pytest.approx(5 / 7)


def test_repeated_product_counts_once() -> None:
    assert top_k(["b", "b", "a", "c"], 2) == ["b", "a"]
    assert precision_at_k(["b", "b", "a"], {"b"}, 2) == pytest.approx(1 / 2)
    assert average_precision_at_k(["b", "b", "a"], {"a"}, 2) == pytest.approx(1 / 2)


def test_tied_scores_rank_by_product_id() -> None:
    ranked = order_by_score({"p2": 1.0, "p1": 1.0, "p3": 2.0, "p0": 0.5})
    assert ranked == ["p3", "p1", "p2", "p0"]
    # so the tie decides the position of the hit, the same on every run
    assert ndcg_at_k(ranked, {"p2"}, 5) == pytest.approx(1 / 2)  # position 3: 1/log2(4)
    assert average_precision_at_k(ranked, {"p1"}, 5) == pytest.approx(1 / 2)


def test_a_customer_without_targets_cannot_be_scored() -> None:
    with pytest.raises(ValueError, match="without targets"):
        precision_at_k(RECS, set(), 5)


def test_evaluate_skips_customers_without_targets_and_zeroes_missing_lists() -> None:
    recommendations = {"c1": RECS, "c2": ["x"], "c3": ["a"]}
    targets = {"c1": TARGETS, "c2": {"x"}, "c3": set(), "c4": {"a"}}
    summary = evaluate(recommendations, targets, 5)
    # c3 has no target (not evaluated); c4 has no list (scored 0)
    assert summary.n_customers == 3
    assert summary.hit_rate == pytest.approx((1 + 1 + 0) / 3)
    assert summary.precision == pytest.approx((2 / 5 + 1 / 5 + 0) / 3)
    assert summary.recall == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert summary.map == pytest.approx(((1 / 2 + 2 / 4) / 3 + 1 + 0) / 3)
    ideal = 1 + 1 / LOG2_3 + 1 / 2
    assert summary.ndcg == pytest.approx(((1 / LOG2_3 + 1 / LOG2_5) / ideal + 1 + 0) / 3)


def test_evaluate_restricted_to_customers_in_scope() -> None:
    summary = evaluate({"c1": ["a"]}, {"c1": {"a"}, "c9": {"b"}}, 5, customers=["c1", "c2"])
    assert summary.n_customers == 1
    assert summary.hit_rate == 1.0


def test_evaluate_with_nobody_to_evaluate() -> None:
    summary = evaluate({"c1": ["a"]}, {"c1": set()}, 5)
    assert summary.n_customers == 0
    assert summary.precision is None


def test_catalogue_coverage() -> None:
    lists = {"c1": ["a", "b", "z"], "c2": ["b", "c"]}
    # top 2: {a, b} and {b, c}; "z" is outside the top 2 and outside the catalogue
    assert catalogue_coverage(lists, {"a", "b", "c", "d"}, 2) == pytest.approx(3 / 4)
    assert catalogue_coverage(lists, set(), 2) is None
