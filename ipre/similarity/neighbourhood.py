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


def largest_counts(columns: np.ndarray, values: np.ndarray, keep: int) -> np.ndarray:
    """Positions of the `keep` largest values, largest first, ties by column."""
    if len(values) > keep:
        threshold = np.partition(values, len(values) - keep)[len(values) - keep]
        above = np.flatnonzero(values > threshold)
        tied = np.flatnonzero(values == threshold)
        tied = tied[np.argsort(columns[tied], kind="stable")][: keep - len(above)]
        chosen = np.concatenate([above, tied])
    else:
        chosen = np.arange(len(values))
    return chosen[np.lexsort((columns[chosen], -values[chosen]))]


def gram_rows(products: sparse.csc_matrix, rows: np.ndarray, keep: int) -> GramRows:
    """For each product in `rows`, its `keep` largest co-purchase counts with other products
    (G = XᵀX off the diagonal), computed a block of rows at a time."""
    by_customer = products.tocsr()
    by_product = products.T.tocsr()
    basket_sizes = np.diff(by_customer.indptr).astype(np.int64)
    cost = (by_product[rows] @ basket_sizes).astype(np.int64)
    index = np.full((len(rows), keep), -1, dtype=np.int32)
    count = np.zeros((len(rows), keep), dtype=np.float32)
    for start, stop in column_blocks(cost):
        block = (by_product[rows[start:stop]] @ by_customer).tocsr()
        block.sort_indices()
        for offset in range(stop - start):
            row = start + offset
            begin, end = block.indptr[offset], block.indptr[offset + 1]
            columns, values = block.indices[begin:end], block.data[begin:end]
            off_diagonal = columns != rows[row]
            columns, values = columns[off_diagonal], values[off_diagonal]
            chosen = largest_counts(columns, values, keep)
            index[row, : len(chosen)] = columns[chosen]
            count[row, : len(chosen)] = values[chosen]
    return GramRows(index=index, count=count)


def tail_weights(
    inputs: TailInputs, tail: np.ndarray, l2: float, regressors: int, row_keep: int
) -> sparse.coo_matrix:
    """EASE columns of the tail products over (products, then sides) rows: a sparse
    (products + sides) × products matrix with nonzeros in the tail products' columns only."""
    n_products = inputs.products.shape[1]
    rows = gram_rows(inputs.products, tail, max(row_keep, regressors))
    lookup = Lookup(
        rows=rows,
        row_of=np.full(n_products + 1, -1, dtype=np.int64),
        position=np.full(n_products + 1, -1, dtype=np.int64),
        side_position=np.full(inputs.sides.shape[1], -1, dtype=np.int64),
        diagonal=np.asarray(inputs.products.sum(axis=0)).ravel().astype(np.float64),
        side_products=inputs.side_products(),
        side_gram=inputs.side_gram(),
    )
    lookup.row_of[tail] = np.arange(len(tail))
    out_rows: list[np.ndarray] = []
    out_cols: list[np.ndarray] = []
    out_weights: list[np.ndarray] = []
    # small systems: BLAS threads would only wait on each other (measured 4x slower)
    with threadpool_limits(limits=1, user_api="blas"):
        solve_all(inputs, lookup, tail, l2, regressors, (out_rows, out_cols, out_weights))
    shape = (n_products + inputs.sides.shape[1], n_products)
    if not out_rows:
        return sparse.coo_matrix(shape)
    return sparse.coo_matrix(
        (np.concatenate(out_weights), (np.concatenate(out_rows), np.concatenate(out_cols))),
        shape=shape,
    )


def solve_all(
    inputs: TailInputs,
    lookup: Lookup,
    tail: np.ndarray,
    l2: float,
    regressors: int,
    out: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]],
) -> None:
    """Solve each tail product's system; append its evidence rows, columns and weights."""
    n_products = inputs.products.shape[1]
    rows = lookup.rows
    out_rows, out_cols, out_weights = out
    for t, product in enumerate(tail.tolist()):
        neighbourhood = rows.index[t, :regressors]
        valid = np.flatnonzero(neighbourhood >= 0)
        order = valid[np.argsort(neighbourhood[valid], kind="stable")]
        neighbourhood = neighbourhood[order].astype(np.int64)
        sides, side_target = lookup.sides_of(product)
        gram = neighbourhood_system(inputs, lookup, neighbourhood, sides)
        gram[np.diag_indices_from(gram)] += l2
        target = np.concatenate([rows.count[t, order].astype(np.float64), side_target])
        out_rows.append(np.concatenate([neighbourhood, n_products + sides]))
        out_cols.append(np.full(len(target), product, dtype=np.int64))
        out_weights.append(np.linalg.solve(gram, target))


@dataclass(frozen=True)
class Lookup:
    """What the tail systems read: the kept Gram rows, each product's row there and its
    position in the current neighbourhood (-1 elsewhere; the last slot is a sentinel for the
    -1 padding), each side's position, the products' customer counts and the side counts."""

    rows: GramRows
    row_of: np.ndarray
    position: np.ndarray
    side_position: np.ndarray
    diagonal: np.ndarray
    side_products: sparse.csc_matrix
    side_gram: np.ndarray

    def sides_of(self, product: int) -> tuple[np.ndarray, np.ndarray]:
        """The side columns bought with the product and their counts, in side order (the
        others would enter its column only through correlation: the trade the neighbourhood
        makes for products too)."""
        begin, end = self.side_products.indptr[product], self.side_products.indptr[product + 1]
        sides = self.side_products.indices[begin:end].astype(np.int64)
        order = np.argsort(sides)
        return sides[order], self.side_products.data[begin:end][order].astype(np.float64)


def gathered(indptr: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The stored positions of a compressed matrix's `members` (columns of a CSC), and which
    member each belongs to."""
    begin, end = indptr[members], indptr[members + 1]
    lengths = end - begin
    owner = np.repeat(np.arange(len(members)), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(begin, lengths) + offsets, owner


def neighbourhood_system(
    inputs: TailInputs, lookup: Lookup, neighbourhood: np.ndarray, sides: np.ndarray
) -> np.ndarray:
    """G_NN over a tail product's neighbourhood products (in column order, which keeps the
    reads of the dense Gram matrix in order), then the sides bought with it."""
    size, n_sides = len(neighbourhood), len(sides)
    gram = np.zeros((size + n_sides, size + n_sides), dtype=np.float64)
    # pairs with a tail product, from that product's kept row (symmetrised below)
    lookup.position[neighbourhood] = np.arange(size)
    tail_members = np.flatnonzero(lookup.row_of[neighbourhood] >= 0)
    kept = lookup.rows.index[lookup.row_of[neighbourhood[tail_members]]]
    at = lookup.position[kept]  # the -1 padding reads the sentinel slot: -1
    member, slot = np.nonzero(at >= 0)
    gram[tail_members[member], at[member, slot]] = lookup.rows.count[
        lookup.row_of[neighbourhood[tail_members]]
    ][member, slot]
    lookup.position[neighbourhood] = -1
    gram[:size, :size] = np.maximum(gram[:size, :size], gram[:size, :size].T)
    # pairs of dense-model products from the dense Gram matrix
    dense = inputs.dense_position[neighbourhood]
    in_dense = np.flatnonzero(dense >= 0)
    gram[np.ix_(in_dense, in_dense)] = inputs.dense_gram[np.ix_(dense[in_dense], dense[in_dense])]
    gram[np.arange(size), np.arange(size)] = lookup.diagonal[neighbourhood]
    if n_sides:
        lookup.side_position[sides] = np.arange(n_sides)
        stored, owner = gathered(lookup.side_products.indptr, neighbourhood)
        side_at = lookup.side_position[lookup.side_products.indices[stored]]
        found = side_at >= 0
        values = lookup.side_products.data[stored][found]
        gram[size + side_at[found], owner[found]] = values
        gram[owner[found], size + side_at[found]] = values
        gram[size:, size:] = lookup.side_gram[np.ix_(sides, sides)]
        lookup.side_position[sides] = -1
    return gram
