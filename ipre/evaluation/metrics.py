"""Ranking metrics at k for one customer, and their means over the evaluated customers.

A recommendation list is ordered best first; a product repeated in it counts once, at its
first position. Targets are the customer's relevant products (binary relevance).

* hit rate@k  = 1 if any of the top k is a target, else 0
* precision@k = hits in the top k / k   (a list shorter than k is not rewarded for it)
* recall@k    = hits in the top k / number of targets
* NDCG@k      = DCG / ideal DCG, DCG = sum over hits at positions i (1-based) of 1 / log2(i + 1),
                ideal DCG = the same sum over positions 1 .. min(number of targets, k)
* AP@k        = sum over hits at positions i of (hits in the top i / i), divided by
                min(number of targets, k); MAP@k is its mean over customers

The per-customer functions need at least one target; `evaluate` skips customers without
targets (they are not evaluated) and scores customers without recommendations as 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

MetricFunction = Callable[[Sequence[str], Collection[str], int], float]


@dataclass(frozen=True)
class MetricSummary:
    n_customers: int
    hit_rate: float | None
    precision: float | None
    recall: float | None
    ndcg: float | None
    map: float | None


def top_k(recommended: Iterable[str], k: int) -> list[str]:
    """The first k distinct products of a ranked list."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    kept: list[str] = []
    for product in recommended:
        if product not in kept:
            kept.append(product)
            if len(kept) == k:
                break
    return kept


def hit_positions(recommended: Sequence[str], targets: Collection[str], k: int) -> list[int]:
    """1-based positions of the targets among the top k."""
    _require_targets(targets)
    return [i for i, product in enumerate(top_k(recommended, k), start=1) if product in targets]


def hit_rate_at_k(recommended: Sequence[str], targets: Collection[str], k: int) -> float:
    return 1.0 if hit_positions(recommended, targets, k) else 0.0


def precision_at_k(recommended: Sequence[str], targets: Collection[str], k: int) -> float:
    return len(hit_positions(recommended, targets, k)) / k


def recall_at_k(recommended: Sequence[str], targets: Collection[str], k: int) -> float:
    return len(hit_positions(recommended, targets, k)) / len(targets)


def ndcg_at_k(recommended: Sequence[str], targets: Collection[str], k: int) -> float:
    dcg = sum(1.0 / math.log2(i + 1) for i in hit_positions(recommended, targets, k))
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(targets), k) + 1))
    return dcg / ideal


def average_precision_at_k(recommended: Sequence[str], targets: Collection[str], k: int) -> float:
    positions = hit_positions(recommended, targets, k)
    precisions = (hits / position for hits, position in enumerate(positions, start=1))
    return sum(precisions) / min(len(targets), k)


def evaluate(
    recommendations: Mapping[str, Sequence[str]],
    targets: Mapping[str, Collection[str]],
    k: int,
    customers: Collection[str] | None = None,
) -> MetricSummary:
    """Means over the customers (default: all of `targets`) that have at least one target."""
    scope = targets.keys() if customers is None else customers
    evaluated = sorted(c for c in scope if targets.get(c))
    if not evaluated:
        return MetricSummary(0, None, None, None, None, None)

    def mean(metric: MetricFunction) -> float:
        total = sum(metric(recommendations.get(c, ()), targets[c], k) for c in evaluated)
        return total / len(evaluated)

    return MetricSummary(
        n_customers=len(evaluated),
        hit_rate=mean(hit_rate_at_k),
        precision=mean(precision_at_k),
        recall=mean(recall_at_k),
        ndcg=mean(ndcg_at_k),
        map=mean(average_precision_at_k),
    )


def per_customer(
    recommendations: Mapping[str, Sequence[str]],
    targets: Mapping[str, Collection[str]],
    k: int,
    customers: Collection[str],
    metric: MetricFunction,
) -> list[float]:
    """The metric of each evaluated customer (those of `customers` with a target), in
    customer-id order, so two models' values pair up customer by customer."""
    evaluated = sorted(c for c in customers if targets.get(c))
    return [metric(recommendations.get(c, ()), targets[c], k) for c in evaluated]


def catalogue_coverage(
    recommendations: Mapping[str, Sequence[str]], catalogue: Collection[str], k: int
) -> float | None:
    """Share of the catalogue appearing in at least one customer's top k."""
    if not catalogue:
        return None
    shown = {p for recs in recommendations.values() for p in top_k(recs, k)}
    return len(shown & set(catalogue)) / len(catalogue)


def _require_targets(targets: Collection[str]) -> None:
    if not targets:
        raise ValueError("a customer without targets cannot be scored; skip it")
