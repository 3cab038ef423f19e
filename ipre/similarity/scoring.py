"""customer_similarity_scores: each customer's best products by EASE evidence × momentum.

For a customer u and a product j the evidence is the sum of the product_neighbours weights
towards j over everything u has (each purchase, the segment, the cluster). Weights carry 12
decimals, so they are summed as whole units of 1e-12 (int64): the sums are exact, and equal on
every run and engine. Only accepted, in-stock products u has not bought, with positive
evidence, are candidates; similarity_score = round(evidence × momentum_factor, 12) and the
best `depth` per customer are kept (ties by product id).

Done in numpy rather than SQL for scale: a SQL join of purchases with neighbours and a group by
customer × product builds one hash group per pair any purchase points to (about 10⁸ at 10M
invoice lines), where a sparse × dense product over customer chunks needs memory for one chunk
only (docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from ipre.similarity.ease import PRODUCT
from ipre.similarity.ranking_kernel import best_per_row

UNITS = 10**12
CHUNK_CUSTOMERS = 2048
EVIDENCE_PER_ROW = 3
OUTPUT_COLUMNS = (
    "customer_id",
    "recommended_product",
    "evidence_score",
    "group_evidence_score",
    "supporting_purchases",
    "momentum",
    "similarity_score",
    "similarity_rank",
    "evidence_1",
    "evidence_2",
    "evidence_3",
)


@dataclass(frozen=True)
class ScoringInputs:
    """customer evidence (customer_id, evidence_kind, evidence_id), the customers' purchases
    (customer_id, product_id), product_neighbours, the recommendable products (ids) and the
    momentum factor per product (product_id, momentum_factor)."""

    evidence: pd.DataFrame
    bought: pd.DataFrame
    neighbours: pd.DataFrame
    available: pd.Series
    momentum: pd.DataFrame


def customer_evidence(basket: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """What each customer has: its products, its segment and its cluster."""
    products = basket[["customer_id", "product_id"]].rename(columns={"product_id": "evidence_id"})
    segments = basket[["customer_id", "segment"]].drop_duplicates()
    frames = [
        products.assign(evidence_kind=PRODUCT),
        segments.rename(columns={"segment": "evidence_id"}).assign(evidence_kind="segment"),
        clusters[["customer_id", "cluster_id"]]
        .rename(columns={"cluster_id": "evidence_id"})
        .assign(evidence_kind="cluster"),
    ]
    columns = ["customer_id", "evidence_kind", "evidence_id"]
    combined = pd.concat([frame[columns] for frame in frames], ignore_index=True)
    return combined.dropna().astype(str).drop_duplicates()


def score_customers(inputs: ScoringInputs, depth: int) -> pd.DataFrame:
    """The best `depth` candidates per customer (OUTPUT_COLUMNS), by customer then rank."""
    neighbours = inputs.neighbours
    if neighbours.empty or depth < 1:
        return empty_scores()
    keys = neighbours[["evidence_kind", "evidence_id"]].drop_duplicates()
    keys = keys.sort_values(["evidence_kind", "evidence_id"]).astype(str)
    evidence_index = pd.MultiIndex.from_frame(keys)
    products = np.array(sorted(neighbours["neighbour_product_id"].astype(str).unique()))
    product_index = pd.Index(products)
    units = np.round(neighbours["weight"].to_numpy(dtype=np.float64) * UNITS).astype(np.int64)
    rows = evidence_index.get_indexer(
        pd.MultiIndex.from_frame(neighbours[["evidence_kind", "evidence_id"]].astype(str))
    )
    cols = product_index.get_indexer(neighbours["neighbour_product_id"].astype(str))
    weights_sparse = sparse.csr_matrix(
        (units, (rows, cols)), shape=(len(evidence_index), len(products)), dtype=np.int64
    )
    weights_sparse.eliminate_zeros()
    weights_sparse.sort_indices()
    weights = WeightLookup.of(weights_sparse)
    is_product_evidence = evidence_index.get_level_values(0) == PRODUCT
    evidence_names = evidence_index.get_level_values(1).to_numpy()

    evidence = inputs.evidence
    customers = np.array(sorted(evidence["customer_id"].unique()))
    customer_index = pd.Index(customers)
    column = evidence_index.get_indexer(
        pd.MultiIndex.from_frame(evidence[["evidence_kind", "evidence_id"]])
    )
    known = column >= 0
    has = sparse.csr_matrix(
        (
            np.ones(int(known.sum()), dtype=np.int64),
            (customer_index.get_indexer(evidence["customer_id"][known]), column[known]),
        ),
        shape=(len(customers), len(evidence_index)),
    )
    bought_cols = product_index.get_indexer(inputs.bought["product_id"].astype(str))
    bought_rows = customer_index.get_indexer(inputs.bought["customer_id"].astype(str))
    keep = (bought_cols >= 0) & (bought_rows >= 0)
    bought = sparse.csr_matrix(
        (np.ones(int(keep.sum()), dtype=bool), (bought_rows[keep], bought_cols[keep])),
        shape=(len(customers), len(products)),
    )
    available = np.asarray(product_index.isin(inputs.available.astype(str)))
    momentum = (
        inputs.momentum.astype({"product_id": str})
        .set_index("product_id")["momentum_factor"]
        .reindex(products)
        .fillna(1.0)
        .to_numpy(dtype=np.float64)
    )
    frames = []
    for start in range(0, len(customers), CHUNK_CUSTOMERS):
        stop = min(start + CHUNK_CUSTOMERS, len(customers))
        frames.append(
            score_chunk(
                has[start:stop], bought[start:stop], weights, weights_sparse, is_product_evidence,
                available, momentum, depth,
            ).assign(customer_id=lambda f, s=start: customers[f["row"].to_numpy() + s])
            .assign(
                recommended_product=lambda f: products[f["col"].to_numpy()],
                evidence_1=lambda f: names_or_none(evidence_names, f["evidence_1"]),
                evidence_2=lambda f: names_or_none(evidence_names, f["evidence_2"]),
                evidence_3=lambda f: names_or_none(evidence_names, f["evidence_3"]),
            )
        )
    if not frames:
        return empty_scores()
    table = pd.concat(frames, ignore_index=True)
    return table.loc[:, list(OUTPUT_COLUMNS)].reset_index(drop=True)


@dataclass(frozen=True)
class WeightLookup:
    """The evidence × product weights (units) as sorted keys (evidence × n_products + product)
    and values: a lookup costs a binary search, memory grows with the kept weights only."""

    keys: np.ndarray
    values: np.ndarray
    n_products: int

    @classmethod
    def of(cls, weights: sparse.csr_matrix) -> WeightLookup:
        rows = np.repeat(np.arange(weights.shape[0], dtype=np.int64), np.diff(weights.indptr))
        keys = rows * weights.shape[1] + weights.indices.astype(np.int64)
        return cls(keys, weights.data.astype(np.int64), weights.shape[1])

    def at(self, items: np.ndarray, products: np.ndarray) -> np.ndarray:
        """The weight of each (evidence, product); 0 where none is kept."""
        keys = items.astype(np.int64) * self.n_products + products
        if len(self.keys) == 0:
            return np.zeros(len(keys), dtype=np.int64)
        position = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[position] == keys, self.values[position], 0)


def score_chunk(
    has: sparse.csr_matrix,
    bought: sparse.csr_matrix,
    weights: WeightLookup,
    weights_sparse: sparse.csr_matrix,
    is_product_evidence: np.ndarray,
    available: np.ndarray,
    momentum: np.ndarray,
    depth: int,
) -> pd.DataFrame:
    """One chunk of customers: rows of the kept candidates with their evidence. The product
    stays sparse (one entry per customer × product some evidence points to), so the work
    grows with purchases × neighbours, not with customers × catalogue."""
    total = (has @ weights_sparse).tocoo()
    rows, cols, units = total.row.astype(np.int64), total.col.astype(np.int64), total.data
    n_products = weights.n_products
    bought_coo = bought.tocoo()
    bought_keys = np.sort(bought_coo.row.astype(np.int64) * n_products + bought_coo.col)
    eligible = (units > 0) & available[cols] & ~contains(bought_keys, rows * n_products + cols)
    rows, cols, units = rows[eligible], cols[eligible], units[eligible]
    score = np.round(units / UNITS * momentum[cols], 12)
    # COO of a CSR product is row by row, so each customer's candidates are contiguous
    starts = np.searchsorted(rows, np.arange(has.shape[0] + 1))
    kept = best_per_row(starts, score, cols, depth)
    rows, cols, units, score = rows[kept], cols[kept], units[kept], score[kept]
    ranks = np.arange(len(rows)) - np.searchsorted(rows, rows, side="left") + 1
    evidence, supporting, group = explain_pairs(has, weights, is_product_evidence, rows, cols)
    return pd.DataFrame(
        {
            "row": rows,
            "col": cols,
            "evidence_score": units / UNITS,
            "group_evidence_score": group / UNITS,
            "supporting_purchases": supporting,
            "momentum": momentum[cols],
            "similarity_score": score,
            "similarity_rank": ranks,
            **{f"evidence_{n + 1}": evidence[:, n] for n in range(EVIDENCE_PER_ROW)},
        }
    )


def explain_pairs(
    has: sparse.csr_matrix,
    weights: WeightLookup,
    is_product_evidence: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each kept (row, col): the evidence indexes of the customer's purchases with the
    largest positive weights towards the product (ties by product id; -1 where there are
    fewer), the number of purchases with a positive weight, and the segment and cluster part
    of the evidence (in units)."""
    evidence = np.full((len(rows), EVIDENCE_PER_ROW), -1, dtype=np.int64)
    supporting = np.zeros(len(rows), dtype=np.int64)
    group = np.zeros(len(rows), dtype=np.int64)
    if len(rows) == 0:
        return evidence, supporting, group
    has = has.tocsr()
    counts = np.diff(has.indptr)[rows]
    pair = np.repeat(np.arange(len(rows)), counts)
    offsets = np.arange(len(pair)) - np.repeat(np.cumsum(counts) - counts, counts)
    item = has.indices[np.repeat(has.indptr[rows], counts) + offsets]
    value = weights.at(item, cols[pair])
    is_product = is_product_evidence[item]
    np.add.at(group, pair[~is_product], value[~is_product])
    useful = (value > 0) & is_product
    pair, item, value = pair[useful], item[useful], value[useful]
    np.add.at(supporting, pair, 1)
    order = np.lexsort((item, -value, pair))
    pair, item = pair[order], item[order]
    position = np.arange(len(pair)) - np.searchsorted(pair, pair, side="left")
    first = position < EVIDENCE_PER_ROW
    evidence[pair[first], position[first]] = item[first]
    return evidence, supporting, group


def contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """keys found in sorted_keys (a binary search: no table as large as the key range)."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    position = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[position] == keys


def names_or_none(names: np.ndarray, indexes: pd.Series) -> np.ndarray:
    """names[i] for each index, None for -1."""
    with_none = np.append(names.astype(object), None)
    return with_none[indexes.to_numpy()]


def empty_scores() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype="str") for name in OUTPUT_COLUMNS})
    numeric = {
        "evidence_score": "float64", "group_evidence_score": "float64",
        "supporting_purchases": "int64", "momentum": "float64",
        "similarity_score": "float64", "similarity_rank": "int64",
    }
    return frame.astype(numeric)


def ranking_depth(top_k: object, calibration_reserve: object, ranking_method: object) -> int:
    """Candidates kept per customer: top_k, plus the reserve with the similarity and learned
    methods (the Python side of the macro ranking_depth)."""
    method = str(ranking_method).strip().lower()
    reserve = int(str(calibration_reserve)) if method in ("similarity", "learned") else 0
    return int(str(top_k)) + reserve


def scores_from_tables(
    basket: pd.DataFrame,
    clusters: pd.DataFrame,
    neighbours: pd.DataFrame,
    products: pd.DataFrame,
    momentum: pd.DataFrame,
    depth: int,
) -> pd.DataFrame:
    """customer_similarity_scores from market_basket (customer_id, product_id, segment),
    customer_clusters (customer_id, cluster_id), product_neighbours, the recommendable products
    (product_id) and int_product_momentum (product_id, momentum_factor)."""
    basket = basket.astype({"customer_id": str, "product_id": str, "segment": str})
    inputs = ScoringInputs(
        evidence=customer_evidence(basket, clusters.astype(str)),
        bought=basket[["customer_id", "product_id"]],
        neighbours=neighbours,
        available=products["product_id"].astype(str),
        momentum=momentum[["product_id", "momentum_factor"]],
    )
    return score_customers(inputs, depth)
