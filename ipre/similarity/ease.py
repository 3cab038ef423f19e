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

WEIGHT_DECIMALS = 12
OUTPUT_COLUMNS = (
    "evidence_kind", "evidence_id", "neighbour_product_id", "weight", "neighbour_rank"
)
PRODUCT = "product"
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
    weights = -precision / np.diag(precision)[np.newaxis, :]
    np.fill_diagonal(weights, 0.0)
    return weights


def top_neighbours(
    weights: np.ndarray, columns: list[tuple[str, str]], neighbours: int
) -> pd.DataFrame:
    """For each evidence column (row of B) its `neighbours` largest |weight| products, ties by
    product id; columns are (kind, id) sorted, products first."""
    is_product = np.array([kind == PRODUCT for kind, _ in columns])
    product_columns = np.flatnonzero(is_product)
    product_ids = [columns[j][1] for j in product_columns]
    rows: list[tuple[str, str, str, float, int]] = []
    for i, (kind, evidence_id) in enumerate(columns):
        row = np.round(weights[i, product_columns], WEIGHT_DECIMALS)
        nonzero = np.flatnonzero(row)
        # product columns are in id order, so a stable sort on -|w| breaks ties by id
        order = nonzero[np.argsort(-np.abs(row[nonzero]), kind="stable")][:neighbours]
        rows.extend(
            (kind, evidence_id, product_ids[j], float(row[j]), rank)
            for rank, j in enumerate(order, start=1)
        )
    return pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))


def evidence_pairs(pairs: pd.DataFrame, side: pd.DataFrame | None) -> pd.DataFrame:
    """customer × (kind, id): the products bought, plus each customer's segment and cluster."""
    frames = [pairs.assign(evidence_kind=PRODUCT).rename(columns={"product_id": "evidence_id"})]
    if side is not None:
        for kind in EVIDENCE_KINDS[1:]:
            if kind in side.columns:
                part = side[["customer_id", kind]].dropna().rename(columns={kind: "evidence_id"})
                frames.append(part.assign(evidence_kind=kind))
    columns = ["customer_id", "evidence_kind", "evidence_id"]
    combined = pd.concat([frame[columns] for frame in frames], ignore_index=True)
    return combined.astype(str).drop_duplicates()


def product_neighbours(
    pairs: pd.DataFrame, params: NeighbourParams, side: pd.DataFrame | None = None
) -> pd.DataFrame:
    """customer_id × product_id purchase pairs (and optionally each customer's segment and
    cluster) -> evidence × neighbour product weights (long table).

    The max_products most bought products and the side columns form the dense EASE model;
    every other product bought by min_customers customers gets its column from a ridge
    regression on its neighbourhood (ipre.similarity.neighbourhood)."""
    pairs = pairs[["customer_id", "product_id"]].dropna().drop_duplicates().astype(str)
    eligible = eligible_products(pairs, params)
    products = modelled_products(pairs, params)
    if len(products) < 2:
        return empty_neighbours()
    dense = dense_model(pairs[pairs["product_id"].isin(set(products))], products, params, side)
    table = top_neighbours(dense.weights, dense.columns, params.neighbours)
    tail = sorted(set(eligible.index) - set(products))
    if tail:
        tail_table = tail_neighbours(pairs, sorted(eligible.index), tail, dense, params, side)
        table = merged_neighbours(table, tail_table, params.neighbours)
    return table.astype({"neighbour_rank": "int64", "weight": "float64"})


@dataclass(frozen=True)
class DenseModel:
    """The dense EASE model: its columns (kind, id; products first), Gram matrix, λ and B."""

    columns: list[tuple[str, str]]
    gram: np.ndarray
    l2: float
    weights: np.ndarray


def dense_model(
    pairs: pd.DataFrame, products: list[str], params: NeighbourParams, side: pd.DataFrame | None
) -> DenseModel:
    evidence = evidence_pairs(pairs, side)
    evidence = evidence[evidence["customer_id"].isin(set(pairs["customer_id"]))]
    side_counts = evidence[evidence["evidence_kind"] != PRODUCT].groupby(
        ["evidence_kind", "evidence_id"]
    )["customer_id"].nunique()
    side_columns = [key for key, count in side_counts.items() if count >= params.min_customers]
    columns = [(PRODUCT, product) for product in products] + sorted(side_columns)
    binary = binary_matrix(evidence, columns)[0]
    gram = gram_matrix(binary)
    l2 = ridge(gram, params.l2_ratio, scale_columns=len(products))
    return DenseModel(columns, gram, l2, weights_from_gram(gram, l2))


def binary_matrix(
    evidence: pd.DataFrame, columns: list[tuple[str, str]]
) -> tuple[sparse.csr_matrix, list[str]]:
    """Binary customer × column matrix of the evidence rows in `columns` (customers in id
    order)."""
    column = np.full(len(evidence), -1, dtype=np.int64)
    kinds = evidence["evidence_kind"].to_numpy(dtype=object)
    ids = evidence["evidence_id"].to_numpy(dtype=object)
    for kind in sorted({kind for kind, _ in columns}):
        positions = np.array([i for i, (k, _) in enumerate(columns) if k == kind])
        known = pd.Index([evidence_id for k, evidence_id in columns if k == kind])
        rows = np.flatnonzero(kinds == kind)
        found = known.get_indexer(ids[rows])
        column[rows[found >= 0]] = positions[found[found >= 0]]
    kept = column >= 0
    codes, customers = pd.factorize(evidence["customer_id"].to_numpy(dtype=object)[kept], sort=True)
    binary = sparse.csr_matrix(
        (np.ones(int(kept.sum())), (codes, column[kept])), shape=(len(customers), len(columns))
    )
    return binary, list(customers)


def tail_neighbours(
    pairs: pd.DataFrame,
    eligible: list[str],
    tail: list[str],
    dense: DenseModel,
    params: NeighbourParams,
    side: pd.DataFrame | None,
) -> pd.DataFrame:
    """The tail products' EASE columns, as (evidence, neighbour, weight) rows."""
    sides = [column for column in dense.columns if column[0] != PRODUCT]
    columns = [(PRODUCT, product) for product in eligible] + sides
    evidence = evidence_pairs(pairs[pairs["product_id"].isin(set(eligible))], side)
    binary = binary_matrix(evidence, columns)[0].tocsc()
    position = pd.Index([product for kind, product in dense.columns if kind == PRODUCT])
    inputs = neighbourhood.TailInputs(
        products=binary[:, : len(eligible)],
        sides=binary[:, len(eligible):],
        dense_position=position.get_indexer(eligible).astype(np.int64),
        dense_gram=dense.gram[: len(position), : len(position)],
    )
    tail_columns = pd.Index(eligible).get_indexer(tail).astype(np.int64)
    weights = neighbourhood.tail_weights(
        inputs, tail_columns, dense.l2, params.tail_regressors, neighbourhood.ROW_KEEP
    )
    weight = np.round(weights.data, WEIGHT_DECIMALS)
    keep = weight != 0
    kinds = np.array([kind for kind, _ in columns], dtype=object)
    ids = np.array([evidence_id for _, evidence_id in columns], dtype=object)
    return pd.DataFrame(
        {
            "evidence_kind": kinds[weights.row[keep]],
            "evidence_id": ids[weights.row[keep]],
            "neighbour_product_id": np.array(eligible, dtype=object)[weights.col[keep]],
            "weight": weight[keep],
        }
    )


def merged_neighbours(dense: pd.DataFrame, tail: pd.DataFrame, neighbours: int) -> pd.DataFrame:
    """Each evidence column's `neighbours` largest |weight| over both models, ties by
    product id."""
    rows = pd.concat([dense.drop(columns="neighbour_rank"), tail], ignore_index=True)
    rows = rows.assign(magnitude=-rows["weight"].abs()).sort_values(
        ["evidence_kind", "evidence_id", "magnitude", "neighbour_product_id"], kind="stable"
    )
    rank = rows.groupby(["evidence_kind", "evidence_id"], sort=False).cumcount() + 1
    rows = rows.assign(neighbour_rank=rank)[rank <= neighbours]
    return rows[list(OUTPUT_COLUMNS)].reset_index(drop=True)


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
    frame = pd.DataFrame({name: pd.Series(dtype="object") for name in OUTPUT_COLUMNS})
    return frame.astype({"weight": "float64", "neighbour_rank": "int64"})
