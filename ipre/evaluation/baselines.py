"""Baselines scored on the same split and candidate rules as the engine.

Each baseline sees only the as-of history (`History`) and recommends, per in-scope customer,
up to k accepted, in-stock products the customer did not buy on or before the cutoff. Ties
are broken by product id, so every run gives the same lists.

* popularity_global:  most customers who bought the product in the pipeline's window
* popularity_segment: most customers of the customer's segment (region × end use), then
                      global popularity (so a thin segment is filled from the global list)
* sar_item_item:      SAR-style (Microsoft Recommenders): item-item Jaccard similarity over
                      customer-level co-purchase, S_ij = C_ij / (C_ii + C_jj - C_ij) with
                      C = X'X on the binary customer × product matrix X; a customer's score
                      for j = sum_i affinity(customer, i) * S_ij, affinity = the number of
                      invoices with i in the window. Only products with a positive score are
                      recommended, so the list may be shorter than k.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import sparse

Recommendations = dict[str, list[str]]
SCORE_DECIMALS = 12  # sums of floats that are equal in exact arithmetic rank as ties
SAR_CHUNK_CUSTOMERS = 512


@dataclass(frozen=True)
class History:
    """What a baseline may know at the cutoff.

    segment_of: in-scope customer (as-of market_basket) -> segment
    affinity:   customer -> product -> invoices with the product in the pipeline's window
    bought:     customer -> products bought on or before the cutoff (whole history)
    in_stock:   accepted, in-stock products (the recommendable catalogue)
    """

    segment_of: Mapping[str, str]
    affinity: Mapping[str, Mapping[str, float]]
    bought: Mapping[str, frozenset[str]]
    in_stock: frozenset[str]

    @property
    def customers(self) -> list[str]:
        return sorted(self.segment_of)

    def allowed(self, customer: str, product: str) -> bool:
        """The candidate rule: in stock and not bought by the customer before the cutoff."""
        return (
            product in self.in_stock
            and product not in self.bought.get(customer, frozenset())
            and product not in self.affinity.get(customer, {})
        )


def first_allowed(history: History, customer: str, ordered: Iterable[str], k: int) -> list[str]:
    """The first k products of `ordered` the customer may be recommended."""
    picked: list[str] = []
    for product in ordered:
        if history.allowed(customer, product):
            picked.append(product)
            if len(picked) == k:
                break
    return picked


def order_by_score(scores: Mapping[str, float]) -> list[str]:
    """Products by score descending, ties by product id."""
    return sorted(scores, key=lambda product: (-scores[product], product))


def customer_counts(history: History, customers: Iterable[str]) -> Counter[str]:
    """Distinct customers (of `customers`) who bought each product in the window."""
    return Counter(p for c in customers for p in history.affinity.get(c, {}))


def popularity_global(history: History, k: int) -> Recommendations:
    ordered = order_by_score(customer_counts(history, history.customers))
    return {c: first_allowed(history, c, ordered, k) for c in history.customers}


def popularity_segment(history: History, k: int) -> Recommendations:
    overall = customer_counts(history, history.customers)
    members: dict[str, list[str]] = {}
    for customer in history.customers:
        members.setdefault(history.segment_of[customer], []).append(customer)
    ordered: dict[str, list[str]] = {}
    for segment, customers in members.items():
        local = customer_counts(history, customers)
        ordered[segment] = sorted(overall, key=lambda p: (-local[p], -overall[p], p))
    return {
        c: first_allowed(history, c, ordered[history.segment_of[c]], k) for c in history.customers
    }


def jaccard_similarity(bought: sparse.csr_matrix) -> sparse.csr_matrix:
    """Item × item Jaccard over the rows (customers) of a binary customer × item matrix."""
    cooccurrence = (bought.T @ bought).tocoo()
    counts = cooccurrence.diagonal()
    union = counts[cooccurrence.row] + counts[cooccurrence.col] - cooccurrence.data
    similarity = cooccurrence.data / union
    shape = cooccurrence.shape
    return sparse.csr_matrix((similarity, (cooccurrence.row, cooccurrence.col)), shape=shape)


def affinity_matrix(history: History) -> tuple[sparse.csr_matrix, list[str], list[str]]:
    """Customer × product affinity (in-scope customers, products bought in the window)."""
    customers = history.customers
    products = sorted({p for c in customers for p in history.affinity.get(c, {})})
    column = {p: j for j, p in enumerate(products)}
    rows, cols, values = [], [], []
    for i, customer in enumerate(customers):
        for product, value in history.affinity.get(customer, {}).items():
            rows.append(i)
            cols.append(column[product])
            values.append(float(value))
    shape = (len(customers), len(products))
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=shape, dtype=np.float64)
    return matrix, customers, products


def sar_item_item(history: History, k: int) -> Recommendations:
    affinity, customers, products = affinity_matrix(history)
    similarity = jaccard_similarity((affinity > 0).astype(np.float64).tocsr())
    recommendations: Recommendations = {}
    for start in range(0, len(customers), SAR_CHUNK_CUSTOMERS):
        scores = (affinity[start : start + SAR_CHUNK_CUSTOMERS] @ similarity).tocsr()
        for offset in range(scores.shape[0]):
            customer = customers[start + offset]
            row = scores.getrow(offset)
            positive = {
                products[j]: round(float(v), SCORE_DECIMALS)
                for j, v in zip(row.indices, row.data, strict=True)
                if v > 0
            }
            recommendations[customer] = first_allowed(
                history, customer, order_by_score(positive), k
            )
    return recommendations


BASELINES: dict[str, Callable[[History, int], Recommendations]] = {
    "popularity_global": popularity_global,
    "popularity_segment": popularity_segment,
    "sar_item_item": sar_item_item,
}
