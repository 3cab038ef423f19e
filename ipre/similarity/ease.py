"""EASE item-to-item weights (Steck 2019, "Embarrassingly Shallow Autoencoders").

X is the binary customer × product matrix of the purchases in the pipeline's window
(market_basket). With G = XᵀX and λ = l2_ratio × mean(diag G), P = (G + λI)⁻¹ and

    B_ij = -P_ij / P_jj  (i ≠ j),  B_jj = 0

is the closed-form ridge regression that predicts each product's column from all the other
products a customer bought. A customer's score for product j is Σ_{i bought} B_ij: evidence
summed over everything the customer bought, discounted where two purchases say the same thing.

λ scales with the mean product count, so the same l2_ratio means the same relative shrinkage
on a 500-customer sample and on a 100,000-customer warehouse (docs/ranking.md).

For a bounded, explainable output each product keeps its `neighbours` largest weights by
absolute value (the SQL ranking joins them to purchases); weights are rounded to 12 decimals
so that sums in SQL are exact and equal on every engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

WEIGHT_DECIMALS = 12
OUTPUT_COLUMNS = ("product_id", "neighbour_product_id", "weight", "neighbour_rank")


@dataclass(frozen=True)
class NeighbourParams:
    """The similarity vars (dbt_project.yml, docs/parameters.md)."""

    l2_ratio: float = 10.0
    neighbours: int = 50
    max_products: int = 5000
    min_customers: int = 2

    @classmethod
    def from_strings(cls, values: Mapping[str, object]) -> NeighbourParams:
        return cls(
            l2_ratio=float(str(values["similarity_l2_ratio"])),
            neighbours=int(str(values["similarity_neighbours"])),
            max_products=int(str(values["similarity_max_products"])),
            min_customers=int(str(values["similarity_min_customers"])),
        )


def modelled_products(pairs: pd.DataFrame, params: NeighbourParams) -> list[str]:
    """Products bought by at least min_customers customers, the max_products most bought
    (ties by product id), in product id order."""
    counts = pairs.groupby("product_id")["customer_id"].nunique()
    counts = counts[counts >= params.min_customers]
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return sorted(product for product, _ in ranked[: params.max_products])


def ease_weights(binary: sparse.csr_matrix, l2_ratio: float) -> np.ndarray:
    """The dense EASE weight matrix B for a binary customer × product matrix."""
    gram = np.asarray((binary.T @ binary).todense(), dtype=np.float64)
    diagonal = np.diag(gram)
    l2 = l2_ratio * float(diagonal.mean()) if diagonal.size else 0.0
    gram[np.diag_indices_from(gram)] += max(l2, 1e-9)
    precision = np.linalg.inv(gram)
    weights = -precision / np.diag(precision)[np.newaxis, :]
    np.fill_diagonal(weights, 0.0)
    return weights


def top_neighbours(weights: np.ndarray, products: list[str], neighbours: int) -> pd.DataFrame:
    """For each product (row) its `neighbours` largest |weight| columns, ties by product id."""
    rows: list[tuple[str, str, float, int]] = []
    names = np.array(products)
    for i, product in enumerate(products):
        row = np.round(weights[i], WEIGHT_DECIMALS)
        nonzero = np.flatnonzero(row)
        # products are in id order, so a stable sort on -|w| breaks ties by id
        order = nonzero[np.argsort(-np.abs(row[nonzero]), kind="stable")][:neighbours]
        rows.extend(
            (product, str(names[j]), float(row[j]), rank)
            for rank, j in enumerate(order, start=1)
        )
    return pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))


def product_neighbours(pairs: pd.DataFrame, params: NeighbourParams) -> pd.DataFrame:
    """customer_id × product_id purchase pairs -> product × neighbour weights (long table)."""
    pairs = pairs[["customer_id", "product_id"]].dropna().drop_duplicates()
    products = modelled_products(pairs, params)
    if len(products) < 2:
        return empty_neighbours()
    pairs = pairs[pairs["product_id"].isin(set(products))]
    customers = sorted(pairs["customer_id"].unique())
    row = pd.Index(customers).get_indexer(pairs["customer_id"])
    column = pd.Index(products).get_indexer(pairs["product_id"])
    binary = sparse.csr_matrix(
        (np.ones(len(pairs)), (row, column)), shape=(len(customers), len(products))
    )
    table = top_neighbours(ease_weights(binary, params.l2_ratio), products, params.neighbours)
    return table.astype({"neighbour_rank": "int64", "weight": "float64"})


def empty_neighbours() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype="object") for name in OUTPUT_COLUMNS})
    return frame.astype({"weight": "float64", "neighbour_rank": "int64"})
