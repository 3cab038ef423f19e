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
    ranked = eligible[np.lexsort((eligible, -counts[eligible]))]  # code order is id order
    dense_products = np.sort(ranked[: params.max_products])
    if len(dense_products) < 2:
        return empty_neighbours()
    dense = dense_model(data, dense_products, params)
    table = top_neighbours(dense.weights, dense.columns, params.neighbours)
    best = [strongest_dense_evidence(dense)]
    if len(eligible) > len(dense_products):
        tail = tail_candidates(data, eligible, dense, params)
        table = ranked_neighbours(table, tail, params.neighbours)
        best.append(strongest_evidence(tail))
    unreached = pd.concat(best, ignore_index=True)
    unreached = unreached[~unreached["neighbour_product_id"].isin(table["neighbour_product_id"])]
    if len(unreached):
        table = ranked_neighbours(table, unreached, None)
    return table.astype({"neighbour_rank": "int64", "weight": "float64"})


def strongest_dense_evidence(dense: DenseModel) -> pd.DataFrame:
    """Each dense product's largest positive weight (ties: the first column)."""
    n_products = len(dense.products)
    weights = np.round(dense.weights[:, :n_products], WEIGHT_DECIMALS)
    row = np.argmax(weights, axis=0)
    weight = weights[row, np.arange(n_products)]
    positive = np.flatnonzero(weight > 0)
    return pd.DataFrame(
        {
            "evidence_kind": [dense.columns[i][0] for i in row[positive]],
            "evidence_id": [dense.columns[i][1] for i in row[positive]],
            "neighbour_product_id": [dense.columns[j][1] for j in positive],
            "weight": weight[positive],
        }
    )


def strongest_evidence(rows: pd.DataFrame) -> pd.DataFrame:
    """Each product's largest positive weight in `rows` (ties by evidence kind and id)."""
    positive = rows[rows["weight"] > 0]
    ordered = positive.assign(order=-positive["weight"]).sort_values(
        ["neighbour_product_id", "order", "evidence_kind", "evidence_id"], kind="stable"
    )
    first = ordered.drop_duplicates("neighbour_product_id")
    return first.drop(columns="order").reset_index(drop=True)


@dataclass(frozen=True)
class Coded:
    """The purchases (one row per customer × product) and the customers' sides (segment,
    cluster) as integer codes; ids are sorted, so code order is id order."""

    customer: np.ndarray
    product: np.ndarray
    product_ids: np.ndarray
    side_customer: np.ndarray
    side_column: np.ndarray
    side_keys: list[tuple[str, str]]


def coded(pairs: pd.DataFrame, side: pd.DataFrame | None) -> Coded:
    pairs = pairs[["customer_id", "product_id"]].dropna()
    customer, customer_ids = pd.factorize(as_text(pairs["customer_id"]), sort=True)
    product, product_ids = pd.factorize(as_text(pairs["product_id"]), sort=True)
    key = np.unique(customer.astype(np.int64) * len(product_ids) + product)
    customer, product = np.divmod(key, max(len(product_ids), 1))
    side_customer, side_value = [], []
    for kind in EVIDENCE_KINDS[1:]:
        if side is None or kind not in side.columns:
            continue
        part = side[["customer_id", kind]].dropna()
        at = pd.Index(customer_ids).get_indexer(as_text(part["customer_id"]))
        values = as_text(part[kind])
        side_customer.append(at[at >= 0])
        labels = [f"{kind}\x00{value}" for value in values[at >= 0]]
        side_value.append(np.array(labels, dtype=object))
    if side_customer:
        value_code, keys = pd.factorize(np.concatenate(side_value), sort=True)
        key = np.unique(np.concatenate(side_customer) * len(keys) + value_code)
        side_rows, side_column = np.divmod(key, len(keys))
        side_keys = [tuple(text.split("\x00", 1)) for text in keys]
    else:
        side_rows = side_column = np.zeros(0, dtype=np.int64)
        side_keys = []
    return Coded(customer, product, np.asarray(product_ids, dtype=object), side_rows,
                 side_column, side_keys)  # fmt: skip


def as_text(values: pd.Series) -> np.ndarray:
    return values.astype(str).to_numpy(dtype=object)


@dataclass(frozen=True)
class DenseModel:
    """The dense EASE model: its columns (kind, id; products first), the product codes and
    side columns (indexes into Coded.side_keys) they are, Gram matrix, λ and B."""

    columns: list[tuple[str, str]]
    products: np.ndarray
    sides: np.ndarray
    gram: np.ndarray
    l2: float
    weights: np.ndarray


def dense_model(data: Coded, products: np.ndarray, params: NeighbourParams) -> DenseModel:
    """Exact EASE over the dense products and the sides of their customers that have
    min_customers customers."""
    in_model = np.isin(data.product, products)
    customers = np.unique(data.customer[in_model])
    with_customer = np.isin(data.side_customer, customers)
    side_counts = np.bincount(data.side_column[with_customer], minlength=len(data.side_keys))
    sides = np.flatnonzero(side_counts >= params.min_customers)
    product_at = np.searchsorted(products, data.product[in_model])
    side_at = pd.Index(sides).get_indexer(data.side_column[with_customer])
    binary = coded_matrix(
        np.concatenate([data.customer[in_model], data.side_customer[with_customer][side_at >= 0]]),
        np.concatenate([product_at, len(products) + side_at[side_at >= 0]]),
        len(products) + len(sides),
    )
    columns = [(PRODUCT, str(data.product_ids[p])) for p in products]
    columns += [data.side_keys[s] for s in sides]
    gram = gram_matrix(binary)
    l2 = ridge(gram, params.l2_ratio, scale_columns=len(products))
    return DenseModel(columns, products, sides, gram, l2, weights_from_gram(gram, l2))


def coded_matrix(rows: np.ndarray, columns: np.ndarray, width: int) -> sparse.csr_matrix:
    """Binary matrix with a 1 at each (row, column); rows are customer codes."""
    height = int(rows.max()) + 1 if len(rows) else 0
    return sparse.csr_matrix(
        (np.ones(len(rows)), (rows, columns)), shape=(height, width)
    )


def tail_candidates(
    data: Coded, eligible: np.ndarray, dense: DenseModel, params: NeighbourParams
) -> pd.DataFrame:
    """The tail products' EASE columns, as (evidence, neighbour, weight) rows."""
    in_model = np.isin(data.product, eligible)
    customers = np.unique(data.customer[in_model])
    with_customer = np.isin(data.side_customer, customers)
    side_at = pd.Index(dense.sides).get_indexer(data.side_column[with_customer])
    height = int(data.customer.max()) + 1
    products = coded_matrix(
        data.customer[in_model], np.searchsorted(eligible, data.product[in_model]), len(eligible)
    )
    products.resize((height, len(eligible)))
    sides = coded_matrix(
        data.side_customer[with_customer][side_at >= 0], side_at[side_at >= 0], len(dense.sides)
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
    tail = np.flatnonzero(position < 0)
    weights = neighbourhood.tail_weights(
        inputs, tail, dense.l2, params.tail_regressors, neighbourhood.ROW_KEEP
    )
    weight = np.round(weights.data, WEIGHT_DECIMALS)
    keep = weight != 0
    kinds = np.array([PRODUCT] * len(eligible) + [data.side_keys[s][0] for s in dense.sides],
                     dtype=object)  # fmt: skip
    ids = np.concatenate([data.product_ids[eligible],
                          np.array([data.side_keys[s][1] for s in dense.sides], dtype=object)])
    return pd.DataFrame(
        {
            "evidence_kind": kinds[weights.row[keep]],
            "evidence_id": ids[weights.row[keep]],
            "neighbour_product_id": data.product_ids[eligible][weights.col[keep]],
            "weight": weight[keep],
        }
    )


def ranked_neighbours(
    table: pd.DataFrame, more: pd.DataFrame, neighbours: int | None
) -> pd.DataFrame:
    """The rows of both, ranked within each evidence column by |weight| (ties by product
    id), keeping the `neighbours` largest of each column (all when None)."""
    rows = pd.concat([table.drop(columns="neighbour_rank"), more], ignore_index=True)
    evidence, _ = pd.factorize(
        as_text(rows["evidence_kind"]) + "\x00" + as_text(rows["evidence_id"]), sort=True
    )
    neighbour, _ = pd.factorize(as_text(rows["neighbour_product_id"]), sort=True)
    order = np.lexsort((neighbour, -rows["weight"].abs().to_numpy(), evidence))
    ordered = evidence[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)])) + 1
    kept = rank <= neighbours if neighbours is not None else np.ones(len(rank), dtype=bool)
    result = rows.iloc[order[kept]].assign(neighbour_rank=rank[kept])
    return result[list(OUTPUT_COLUMNS)].reset_index(drop=True)


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
