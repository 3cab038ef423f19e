"""EASE columns for the products beyond the dense model: ridge regressions on a neighbourhood.

The dense EASE inverse (ipre.similarity.ease) covers the `similarity_max_products` most bought
products and the side columns (segments, clusters). Every other product bought by at least
`similarity_min_customers` customers (the tail) still gets an EASE column: EASE's column j is
the ridge regression of product j's purchases on every other column, with the diagonal
constraint B_jj = 0, so

    B_Nj = (G_NN + λI)⁻¹ G_Nj

restricted to a neighbourhood N of j is the same regression over fewer regressors: the
`regressors` products most often bought together with j (co-purchase counts, ties by column)
plus every side column, with the same λ as the dense model. A regressor that is never bought
with j and is outside N would get a weight only through its correlation with N; that is what
the restriction gives up (fsSLIM, Ning & Karypis 2011, makes the same trade).

Cost grows with the co-purchases, not with the square of the catalogue: the Gram rows are
computed in blocks of columns (one block in memory), each product keeps its `row_keep` largest
co-purchase counts, and each tail product solves one system of at most regressors + sides.
Between two dense-model products G is read from the dense Gram matrix; a pair with a tail
product is read from the tail product's kept row (a tail product with more than `row_keep`
co-purchased products loses its smallest counts: they are read as 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_limits

from ipre.cores import default_jobs, in_threads, ranges

# Gram entries per block of columns held in memory at once (about 12 bytes each)
BLOCK_ENTRIES = 16_000_000
# co-purchase counts kept per tail product (at least similarity_tail_regressors)
ROW_KEEP = 256


@dataclass(frozen=True)
class GramRows:
    """Each column's largest co-purchase counts, largest first (ties by column): column
    index (-1 where a row has fewer) and count."""

    index: np.ndarray
    count: np.ndarray


@dataclass(frozen=True)
class TailInputs:
    """X split as the model needs it: the products' binary columns (customers × products),
    the side columns (customers × sides), which products are in the dense model (their
    position there, -1 for the tail), and the dense Gram matrix over dense products + sides
    (dense products only, in that order)."""

    products: sparse.csc_matrix
    sides: sparse.csc_matrix
    dense_position: np.ndarray
    dense_gram: np.ndarray

    def side_products(self) -> sparse.csc_matrix:
        """sides × products co-occurrence counts."""
        return (self.sides.T @ self.products).tocsc()

    def side_gram(self) -> np.ndarray:
        """sides × sides co-occurrence counts over every customer of the tail model."""
        return (self.sides.T @ self.sides).toarray().astype(np.float64)


def column_blocks(cost: np.ndarray, budget: int = BLOCK_ENTRIES) -> list[tuple[int, int]]:
    """Consecutive column ranges whose summed cost stays within the budget (at least one
    column each)."""
    blocks: list[tuple[int, int]] = []
    start, total = 0, 0
    for column, value in enumerate(cost.tolist()):
        if column > start and total + value > budget:
            blocks.append((start, column))
            start, total = column, 0
        total += value
    if start < len(cost):
        blocks.append((start, len(cost)))
    return blocks


def gram_rows(products: sparse.csc_matrix, rows: np.ndarray, keep: int) -> GramRows:
    """For each product in `rows`, its `keep` largest co-purchase counts with other products
    (G = XᵀX off the diagonal), computed a block of rows at a time."""
    by_customer = products.tocsr()
    by_product = products.T.tocsr()
    basket_sizes = np.diff(by_customer.indptr).astype(np.int64)
    cost = (by_product[rows] @ basket_sizes).astype(np.int64)
    index = np.full((len(rows), keep), -1, dtype=np.int32)
    count = np.zeros((len(rows), keep), dtype=np.float32)
    from ipre.similarity.neighbourhood_kernel import keep_largest  # numba: only when needed

    def keep_block(bounds: tuple[int, int]) -> None:
        start, stop = bounds
        block = (by_product[rows[start:stop]] @ by_customer).tocsr()
        block.sort_indices()
        keep_largest(
            block.indptr.astype(np.int64), block.indices.astype(np.int64),
            block.data.astype(np.float32), rows[start:stop].astype(np.int64), keep, start,
            index, count,
        )  # fmt: skip

    # each block writes its own rows: the result is the same on any number of threads
    in_threads(keep_block, column_blocks(cost), default_jobs())
    return GramRows(index=index, count=count)


def tail_weights(
    inputs: TailInputs, tail: np.ndarray, l2: float, regressors: int, row_keep: int
) -> sparse.coo_matrix:
    """EASE columns of the tail products over (products, then sides) rows: a sparse
    (products + sides) × products matrix with nonzeros in the tail products' columns only."""
    n_products, n_sides = inputs.products.shape[1], inputs.sides.shape[1]
    shape = (n_products + n_sides, n_products)
    if not len(tail):
        return sparse.coo_matrix(shape)
    rows = gram_rows(inputs.products, tail, max(row_keep, regressors))
    row_of = np.full(n_products + 1, -1, dtype=np.int64)
    row_of[tail] = np.arange(len(tail))
    side_products = inputs.side_products()
    side_products.sort_indices()
    sizes = np.minimum((rows.index >= 0).sum(axis=1), regressors)
    sizes += np.diff(side_products.indptr)[tail]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    evidence = np.empty(offsets[-1], dtype=np.int64)
    weights = np.empty(offsets[-1], dtype=np.float64)
    from ipre.similarity.neighbourhood_kernel import solve_tail  # numba: only when needed

    arguments = (
        tail.astype(np.int64), rows.index, rows.count, regressors, row_of,
        np.append(inputs.dense_position, -1).astype(np.int64), inputs.dense_gram,
        np.asarray(inputs.products.sum(axis=0)).ravel().astype(np.float64),
        side_products.indptr.astype(np.int64), side_products.indices.astype(np.int64),
        side_products.data.astype(np.float64), inputs.side_gram(), float(l2), offsets,
        evidence, weights,
    )  # fmt: skip
    jobs = default_jobs()
    # small systems: BLAS threads would only wait on each other; the cores take a range of
    # tail products each instead (each product's system is solved alone: the same result)
    with threadpool_limits(limits=1, user_api="blas"):
        in_threads(lambda bounds: solve_tail(*arguments, *bounds), ranges(len(tail), jobs), jobs)
    columns = np.repeat(tail.astype(np.int64), sizes)
    return sparse.coo_matrix((weights, (evidence, columns)), shape=shape)
