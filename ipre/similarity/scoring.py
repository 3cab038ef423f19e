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
import pyarrow as pa
from scipy import sparse

from ipre.cores import default_jobs, in_threads
from ipre.similarity.coded import distinct, positions
from ipre.similarity.ease import PRODUCT
from ipre.similarity.evidence_kernel import EVIDENCE_PER_ROW, explain, in_rows
from ipre.similarity.ranking_kernel import best_per_row

UNITS = 10**12
CHUNK_CUSTOMERS = 2048
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
    # repeats are dropped where the evidence becomes a matrix (customer_evidence_matrix)
    return combined.dropna().astype(str)


def score_customers(inputs: ScoringInputs, depth: int) -> pd.DataFrame:
    """The best `depth` candidates per customer (OUTPUT_COLUMNS), by customer then rank."""
    neighbours = inputs.neighbours
    if neighbours.empty or depth < 1:
        return empty_scores()
    keys = neighbours[["evidence_kind", "evidence_id"]].drop_duplicates()
    keys = keys.sort_values(["evidence_kind", "evidence_id"]).astype(str)
    is_product_evidence = (keys["evidence_kind"] == PRODUCT).to_numpy()
    evidence_names = keys["evidence_id"].to_numpy()
    products = np.array(sorted(neighbours["neighbour_product_id"].astype(str).unique()))
    units = np.round(neighbours["weight"].to_numpy(dtype=np.float64) * UNITS).astype(np.int64)
    rows = evidence_positions(
        neighbours["evidence_kind"].astype(str), neighbours["evidence_id"].astype(str), keys
    )
    cols = positions(neighbours["neighbour_product_id"].astype(str), products)
    weights = sparse.csr_matrix(
        (units, (rows, cols)), shape=(len(keys), len(products)), dtype=np.int64
    )
    weights.eliminate_zeros()
    weights.sort_indices()

    evidence = inputs.evidence
    customers = np.array(sorted(evidence["customer_id"].unique()))
    has = customer_evidence_matrix(evidence, customers, keys)
    bought_cols = positions(inputs.bought["product_id"].astype(str), products)
    bought_rows = positions(inputs.bought["customer_id"].astype(str), customers)
    keep = (bought_cols >= 0) & (bought_rows >= 0)
    bought = sparse.csr_matrix(
        (np.ones(int(keep.sum()), dtype=bool), (bought_rows[keep], bought_cols[keep])),
        shape=(len(customers), len(products)),
    )
    available = positions(products, inputs.available.astype(str).unique()) >= 0
    momentum = (
        inputs.momentum.astype({"product_id": str})
        .set_index("product_id")["momentum_factor"]
        .reindex(products)
        .fillna(1.0)
        .to_numpy(dtype=np.float64)
    )
    def scored(bounds: tuple[int, int]) -> pd.DataFrame:
        start, stop = bounds
        chunk = score_chunk(
            has[start:stop], bought[start:stop], weights, is_product_evidence, available,
            momentum, depth,
        )  # fmt: skip
        return chunk.assign(row=chunk["row"] + start)

    # chunks of customers on every core (the kernels release the GIL), concatenated in order
    frames = in_threads(scored, chunks(len(customers)), default_jobs())
    if not frames:
        return empty_scores()
    table = pd.concat(frames, ignore_index=True)
    table = table.assign(
        customer_id=taken(customers, table["row"]),
        recommended_product=taken(products, table["col"]),
        **{
            f"evidence_{n}": taken(evidence_names, table[f"evidence_{n}"])
            for n in range(1, EVIDENCE_PER_ROW + 1)
        },
    )
    return table.loc[:, list(OUTPUT_COLUMNS)].reset_index(drop=True)


def chunks(n_customers: int) -> list[tuple[int, int]]:
    return [
        (start, min(start + CHUNK_CUSTOMERS, n_customers))
        for start in range(0, n_customers, CHUNK_CUSTOMERS)
    ]


def customer_evidence_matrix(
    evidence: pd.DataFrame, customers: np.ndarray, keys: pd.DataFrame
) -> sparse.csr_matrix:
    """customers × evidence (the rows of keys), 1 where the customer has it (once, however
    often the input repeats it); evidence no neighbour list knows is left out."""
    column = evidence_positions(evidence["evidence_kind"], evidence["evidence_id"], keys)
    row = positions(evidence["customer_id"], customers)
    known = (column >= 0) & (row >= 0)
    cells = distinct(row[known] * len(keys) + column[known])
    return sparse.csr_matrix(
        (np.ones(len(cells), dtype=np.int64), (cells // len(keys), cells % len(keys))),
        shape=(len(customers), len(keys)),
    )


def evidence_positions(kinds: pd.Series, ids: pd.Series, keys: pd.DataFrame) -> np.ndarray:
    """The row of keys (evidence_kind, evidence_id; sorted by kind) of each (kind, id), -1
    where absent: one lookup per kind, each kind's keys being contiguous."""
    found = np.full(len(ids), -1, dtype=np.int64)
    kinds = kinds.to_numpy()
    key_kinds = keys["evidence_kind"].to_numpy()
    key_ids = keys["evidence_id"].to_numpy()
    for kind in pd.unique(key_kinds):
        of_kind = np.flatnonzero(kinds == kind)
        first = int(np.argmax(key_kinds == kind))
        where = positions(ids.iloc[of_kind], key_ids[key_kinds == kind])
        found[of_kind] = np.where(where >= 0, where + first, -1)
    return found


def taken(names: np.ndarray, indexes: pd.Series) -> pd.Series:
    """names[i] for each index, missing for -1, as text."""
    index = indexes.to_numpy()
    picked = pa.array(names.astype(object)).take(pa.array(np.where(index < 0, 0, index)))
    text = pd.Series(picked.to_numpy(zero_copy_only=False), dtype="str", index=indexes.index)
    return text.where(index >= 0, None)


def score_chunk(
    has: sparse.csr_matrix,
    bought: sparse.csr_matrix,
    weights: sparse.csr_matrix,
    is_product_evidence: np.ndarray,
    available: np.ndarray,
    momentum: np.ndarray,
    depth: int,
) -> pd.DataFrame:
    """One chunk of customers: rows of the kept candidates with their evidence. The product
    stays sparse (one entry per customer × product some evidence points to), so the work
    grows with purchases × neighbours, not with customers × catalogue."""
    total = (has @ weights).tocoo()
    rows, cols, units = total.row.astype(np.int64), total.col.astype(np.int64), total.data
    bought = bought.tocsr()
    bought.sort_indices()
    positive = (units > 0) & available[cols]
    rows, cols, units = rows[positive], cols[positive], units[positive]
    eligible = ~in_rows(bought.indptr, bought.indices, rows, cols)
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
    weights: sparse.csr_matrix,
    is_product_evidence: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each kept (row, col): the evidence indexes of the customer's purchases with the
    largest positive weights towards the product (ties by evidence index; -1 where there are
    fewer), the number of purchases with a positive weight, and the segment and cluster part
    of the evidence (in units). ``weights``: evidence × product, sorted indices."""
    has = has.tocsr()
    return explain(
        has.indptr, has.indices, weights.indptr, weights.indices, weights.data,
        is_product_evidence, rows, cols,
    )  # fmt: skip


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
