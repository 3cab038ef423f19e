"""EASE item-to-item weights (Steck 2019, "Embarrassingly Shallow Autoencoders").

X is the binary customer × product matrix of the purchases in the pipeline's window
(market_basket). With G = XᵀX and λ = l2_ratio × mean(diag G), P = (G + λI)⁻¹ and

    B_ij = -P_ij / P_jj  (i ≠ j),  B_jj = 0

is the closed-form ridge regression that predicts each product's column from all the other
products a customer bought. A customer's score for product j is Σ_{i bought} B_ij: evidence
summed over everything the customer bought, discounted where two purchases say the same thing.

λ scales with the mean product count, so the same l2_ratio means the same relative shrinkage
on a 500-customer sample and on a 100,000-customer warehouse (docs/ranking.md).

Side information enters as extra columns of X, one per customer segment and one per cluster
(a customer "has" its segment and its cluster as it has a product): the regression itself
decides how much "customers of your segment buy j" adds to the product evidence, so segments
that predict purchases (the synthetic archetypes) weigh in and segments that do not (countries
of a giftware shop) fall away, without a tuned blend. These columns are evidence only; they are
never recommended.

For a bounded, explainable output each evidence column keeps its `neighbours` largest weights
by absolute value towards products (the SQL ranking joins them to purchases, segment and
cluster); weights are rounded to 12 decimals so that sums in SQL are exact and equal on every
engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from ipre.similarity import neighbourhood
from ipre.similarity.coded import Coded, coded, coded_matrix, members
from ipre.similarity.neighbour_rows import (
    OUTPUT_COLUMNS,
    PRODUCT,
    WEIGHT_DECIMALS,
    Rows,
    as_table,
    dense_rows,
    ranked,
    strongest,
    with_every_product_reached,
)

EVIDENCE_KINDS = (PRODUCT, "segment", "cluster")


@dataclass(frozen=True)
class NeighbourParams:
    """The similarity vars (dbt_project.yml, docs/parameters.md)."""

    l2_ratio: float = 3.0
    neighbours: int = 50
    max_products: int = 5000
    min_customers: int = 2
    tail_regressors: int = 50

    @classmethod
    def from_strings(cls, values: Mapping[str, object]) -> NeighbourParams:
        return cls(
            l2_ratio=float(str(values["similarity_l2_ratio"])),
            neighbours=int(str(values["similarity_neighbours"])),
            max_products=int(str(values["similarity_max_products"])),
            min_customers=int(str(values["similarity_min_customers"])),
            tail_regressors=int(str(values["similarity_tail_regressors"])),
        )


def eligible_products(pairs: pd.DataFrame, params: NeighbourParams) -> pd.Series:
    """Customer count of each product bought by at least min_customers customers."""
    counts = pairs.groupby("product_id")["customer_id"].nunique()
    return counts[counts >= params.min_customers]


def modelled_products(pairs: pd.DataFrame, params: NeighbourParams) -> list[str]:
    """The dense model's products: bought by at least min_customers customers, the
    max_products most bought (ties by product id), in product id order."""
    counts = eligible_products(pairs, params)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return sorted(product for product, _ in ranked[: params.max_products])


def ease_weights(
    binary: sparse.csr_matrix, l2_ratio: float, scale_columns: int | None = None
) -> np.ndarray:
    """The dense EASE weight matrix B for a binary customer × column matrix; λ is l2_ratio
    times the mean count of the first `scale_columns` columns (the products; all by default)."""
    gram = gram_matrix(binary)
    return weights_from_gram(gram, ridge(gram, l2_ratio, scale_columns))


def gram_matrix(binary: sparse.csr_matrix) -> np.ndarray:
    return np.asarray((binary.T @ binary).todense(), dtype=np.float64)


def ridge(gram: np.ndarray, l2_ratio: float, scale_columns: int | None = None) -> float:
    """λ = l2_ratio × the mean count of the first `scale_columns` columns."""
    diagonal = np.diag(gram)[:scale_columns]
    l2 = l2_ratio * float(diagonal.mean()) if diagonal.size else 0.0
    return max(l2, 1e-9)


def weights_from_gram(gram: np.ndarray, l2: float) -> np.ndarray:
    """B_ij = -P_ij / P_jj with P = (G + λI)⁻¹, B_jj = 0."""
    regularised = gram.copy()
    regularised[np.diag_indices_from(regularised)] += l2
    precision = np.linalg.inv(regularised)
    del regularised
    # in place (a copy of a 5,000² matrix is 200 MB); -P/d and P/(-d) are the same doubles
    np.divide(precision, -np.diag(precision)[np.newaxis, :], out=precision)
    np.fill_diagonal(precision, 0.0)
    return precision


def product_neighbours(
    pairs: pd.DataFrame, params: NeighbourParams, side: pd.DataFrame | None = None
) -> pd.DataFrame:
    """customer_id × product_id purchase pairs (and optionally each customer's segment and
    cluster) -> evidence × neighbour product weights (long table).

    The max_products most bought products and the side columns form the dense EASE model;
    every other product bought by min_customers customers gets its column from a ridge
    regression on its neighbourhood (ipre.similarity.neighbourhood)."""
    data = coded(pairs, side)
    counts = np.bincount(data.product, minlength=len(data.product_ids))
    eligible = np.flatnonzero(counts >= params.min_customers)
    ranked_by_count = eligible[np.lexsort((eligible, -counts[eligible]))]  # code = id order
    dense_products = np.sort(ranked_by_count[: params.max_products])
    if len(dense_products) < 2:
        return empty_neighbours()
    dense = dense_model(data, dense_products, params)
    evidence = np.concatenate([dense_products, len(data.product_ids) + dense.sides])
    rows, best = dense_rows(dense.weights, evidence, dense_products, params.neighbours)
    strongest_of = [best]
    if len(eligible) > len(dense_products):
        tail = tail_rows(data, eligible, dense, params)
        rows = Rows.concat([rows, tail])
        strongest_of.append(strongest(tail))
    rows, rank = ranked(rows, params.neighbours)
    rows, rank = with_every_product_reached(rows, rank, Rows.concat(strongest_of))
    return as_table(rows, rank, data)


@dataclass(frozen=True)
class DenseModel:
    """The dense EASE model: its product codes, side columns (indexes into
    Coded.side_keys), Gram matrix (products, then sides), λ and B."""

    products: np.ndarray
    sides: np.ndarray
    gram: np.ndarray
    l2: float
    weights: np.ndarray


def dense_model(data: Coded, products: np.ndarray, params: NeighbourParams) -> DenseModel:
    """Exact EASE over the dense products and the sides of their customers that have
    min_customers customers."""
    in_model = members(data.product, products, len(data.product_ids))
    with_customer = members(data.side_customer, data.customer[in_model], data.customers)
    side_counts = np.bincount(data.side_column[with_customer], minlength=len(data.side_keys))
    sides = np.flatnonzero(side_counts >= params.min_customers)
    side_at = np.searchsorted(sides, data.side_column[with_customer])
    side_at[side_at >= len(sides)] = 0
    known = sides[side_at] == data.side_column[with_customer] if len(sides) else side_at < 0
    binary = coded_matrix(
        np.concatenate([data.customer[in_model], data.side_customer[with_customer][known]]),
        np.concatenate(
            [np.searchsorted(products, data.product[in_model]), len(products) + side_at[known]]
        ),
        len(products) + len(sides),
    )
    gram = gram_matrix(binary)
    l2 = ridge(gram, params.l2_ratio, scale_columns=len(products))
    return DenseModel(products, sides, gram, l2, weights_from_gram(gram, l2))


def tail_rows(
    data: Coded, eligible: np.ndarray, dense: DenseModel, params: NeighbourParams
) -> Rows:
    """The tail products' EASE columns (every weight, rounded, zeros dropped)."""
    n_products = len(data.product_ids)
    in_model = members(data.product, eligible, len(data.product_ids))
    with_customer = members(data.side_customer, data.customer[in_model], data.customers)
    side_at = np.searchsorted(dense.sides, data.side_column[with_customer])
    side_at[side_at >= len(dense.sides)] = 0
    known = (
        dense.sides[side_at] == data.side_column[with_customer]
        if len(dense.sides) else side_at < 0
    )  # fmt: skip
    height = data.customers
    products = coded_matrix(
        data.customer[in_model], np.searchsorted(eligible, data.product[in_model]), len(eligible)
    )
    products.resize((height, len(eligible)))
    sides = coded_matrix(
        data.side_customer[with_customer][known], side_at[known], len(dense.sides)
    )
    sides.resize((height, len(dense.sides)))
    position = np.full(len(eligible), -1, dtype=np.int64)
    position[np.searchsorted(eligible, dense.products)] = np.arange(len(dense.products))
    inputs = neighbourhood.TailInputs(
        products=products.tocsc(),
        sides=sides.tocsc(),
        dense_position=position,
        dense_gram=dense.gram[: len(dense.products), : len(dense.products)],
    )
    weights = neighbourhood.tail_weights(
        inputs, np.flatnonzero(position < 0), dense.l2, params.tail_regressors,
        neighbourhood.ROW_KEEP,
    )  # fmt: skip
    weight = np.round(weights.data, WEIGHT_DECIMALS)
    keep = weight != 0
    evidence_codes = np.concatenate([eligible, n_products + dense.sides])
    return Rows(evidence_codes[weights.row[keep]], eligible[weights.col[keep]], weight[keep])


def neighbours_from_basket(
    basket: pd.DataFrame, clusters: pd.DataFrame, params: NeighbourParams
) -> pd.DataFrame:
    """market_basket rows (customer_id, product_id, segment) and customer_clusters rows
    (customer_id, cluster_id) -> product_neighbours, segment and cluster as side information."""
    segments = basket[["customer_id", "segment"]].drop_duplicates()
    side = segments.merge(clusters[["customer_id", "cluster_id"]], on="customer_id", how="left")
    side = side.rename(columns={"cluster_id": "cluster"})
    return product_neighbours(basket[["customer_id", "product_id"]], params, side)


def empty_neighbours() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype="str") for name in OUTPUT_COLUMNS})
    return frame.astype({"weight": "float64", "neighbour_rank": "int64"})
