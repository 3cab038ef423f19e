"""Which weights product_neighbours keeps, and their ranks, in integer codes.

An evidence code below n_products is that product's code; n_products + s is side key s
(Coded.side_keys). Ranks order each evidence column by |weight|, ties by product id (code
order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ipre.similarity.coded import Coded

WEIGHT_DECIMALS = 12
OUTPUT_COLUMNS = (
    "evidence_kind", "evidence_id", "neighbour_product_id", "weight", "neighbour_rank"
)
PRODUCT = "product"


@dataclass(frozen=True)
class Rows:
    """Weights as (evidence code, product code, weight) columns."""

    evidence: np.ndarray
    product: np.ndarray
    weight: np.ndarray

    @staticmethod
    def concat(parts: list[Rows]) -> Rows:
        return Rows(
            np.concatenate([part.evidence for part in parts]),
            np.concatenate([part.product for part in parts]),
            np.concatenate([part.weight for part in parts]),
        )

    def take(self, at: np.ndarray) -> Rows:
        return Rows(self.evidence[at], self.product[at], self.weight[at])


def dense_rows(
    weights: np.ndarray, evidence: np.ndarray, products: np.ndarray, neighbours: int
) -> tuple[Rows, Rows]:
    """From the dense B (evidence columns × dense products, products in code order): each
    column's `neighbours` largest |weight|, and each product's largest positive weight (ties:
    the first evidence column)."""
    rounded = np.round(weights[:, : len(products)], WEIGHT_DECIMALS)
    order = np.argsort(-np.abs(rounded), axis=1, kind="stable")[:, :neighbours]
    kept = np.take_along_axis(rounded, order, axis=1)
    row, slot = np.nonzero(kept)
    top = Rows(evidence[row], products[order[row, slot]], kept[row, slot])
    best_row = np.argmax(rounded, axis=0)
    best_weight = rounded[best_row, np.arange(len(products))]
    positive = best_weight > 0
    best = Rows(evidence[best_row[positive]], products[positive], best_weight[positive])
    return top, best


def ranked(rows: Rows, neighbours: int | None) -> tuple[Rows, np.ndarray]:
    """The rows ordered by evidence, then |weight| descending, then product; their rank in
    their evidence column; only the first `neighbours` of each column (all when None)."""
    order = np.lexsort((rows.product, -np.abs(rows.weight), rows.evidence))
    evidence = rows.evidence[order]
    starts = np.flatnonzero(np.r_[True, evidence[1:] != evidence[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)])) + 1
    kept = rank <= neighbours if neighbours is not None else np.ones(len(rank), dtype=bool)
    return rows.take(order[kept]), rank[kept]


def strongest(rows: Rows) -> Rows:
    """Each product's largest positive weight, for rows grouped by product with ascending
    evidence codes within a product (as the tail columns come): ties to the smallest code."""
    if not len(rows.product):
        return rows
    starts = np.flatnonzero(np.r_[True, rows.product[1:] != rows.product[:-1]])
    lengths = np.diff(np.r_[starts, len(rows.product)])
    largest = np.maximum.reduceat(rows.weight, starts)
    at_largest = np.flatnonzero(rows.weight == np.repeat(largest, lengths))
    first = at_largest[np.searchsorted(at_largest, starts)]
    return rows.take(first[rows.weight[first] > 0])


def with_every_product_reached(rows: Rows, rank: np.ndarray, best: Rows) -> tuple[Rows, np.ndarray]:
    """Add each product's strongest evidence where the product is in no kept row."""
    reached = np.zeros(int(max(best.product.max(initial=0), rows.product.max(initial=0))) + 1, bool)
    reached[rows.product] = True
    missing = best.take(np.flatnonzero(~reached[best.product]))
    if not len(missing.product):
        return rows, rank
    return ranked(Rows.concat([rows, missing]), None)


def as_table(rows: Rows, rank: np.ndarray, data: Coded) -> pd.DataFrame:
    """The product_neighbours table: codes back to kinds and ids."""
    n_products = len(data.product_ids)
    side_kinds = np.array([kind for kind, _ in data.side_keys] + [""], dtype=object)
    side_ids = np.array([value for _, value in data.side_keys] + [""], dtype=object)
    is_product = rows.evidence < n_products
    side = np.where(is_product, len(data.side_keys), rows.evidence - n_products)
    product_of = np.where(is_product, rows.evidence, 0)
    frame = pd.DataFrame(
        {
            "evidence_kind": np.where(is_product, PRODUCT, side_kinds[side]),
            "evidence_id": np.where(is_product, data.product_ids[product_of], side_ids[side]),
            "neighbour_product_id": data.product_ids[rows.product],
            "weight": rows.weight.astype(np.float64),
            "neighbour_rank": rank.astype(np.int64),
        }
    )
    return frame[list(OUTPUT_COLUMNS)]
