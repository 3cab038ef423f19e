"""The tail products' systems, built and solved in one compiled loop (numba).

Measured reason for compiling (docs/ranking.md): the same loop in numpy spends about 1.2 ms per
tail product on some thirty small-array operations (a 200,000-product catalogue has 180,000
tail products: 3.6 minutes), where the arithmetic itself is tens of microseconds.
`cache=True` keeps the compiled code beside this file, so a build compiles it once. Both
kernels release the GIL (`nogil=True`): ipre.similarity.neighbourhood runs them on every core,
each call on its own range of rows, so the result does not depend on the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def solve_tail(
    tail, kept_index, kept_count, regressors, row_of, dense_position, dense_gram, diagonal,
    side_indptr, side_indices, side_data, side_gram, l2, offsets, out_rows, out_weights,
    first, last,
):  # fmt: skip
    """For each tail product t in [first, last): its neighbourhood (the first `regressors`
    products of its kept row, in column order) and the sides bought with it, G_NN + λI and
    G_Nj, and the solution written to out_rows / out_weights[offsets[t]:offsets[t + 1]]
    (rows: product columns, then n_products + side)."""
    n_products = len(diagonal)
    position = np.full(n_products + 1, -1, np.int64)
    side_position = np.full(side_gram.shape[0], -1, np.int64)
    width = kept_index.shape[1]
    for t in range(first, last):
        product = tail[t]
        m = 0
        for k in range(min(regressors, width)):
            if kept_index[t, k] < 0:
                break
            m += 1
        order = np.argsort(kept_index[t, :m], kind="mergesort")
        neighbourhood = kept_index[t, :m][order].astype(np.int64)
        begin, end = side_indptr[product], side_indptr[product + 1]
        side_order = np.argsort(side_indices[begin:end], kind="mergesort")
        sides = side_indices[begin:end][side_order].astype(np.int64)
        n_sides = len(sides)
        n = m + n_sides
        gram = np.zeros((n, n))
        target = np.empty(n)
        for i in range(m):
            position[neighbourhood[i]] = i
            target[i] = kept_count[t, order[i]]
        for s in range(n_sides):
            side_position[sides[s]] = s
            target[m + s] = side_data[begin + side_order[s]]
        # pairs with a tail product, from its kept row (either row of a pair: the larger)
        for i in range(m):
            row = row_of[neighbourhood[i]]
            if row < 0:
                continue
            for k in range(width):
                column = kept_index[row, k]
                if column < 0:
                    break
                j = position[column]
                if j >= 0 and kept_count[row, k] > gram[i, j]:
                    gram[i, j] = kept_count[row, k]
                    gram[j, i] = kept_count[row, k]
        # pairs of dense-model products, exact
        for i in range(m):
            a = dense_position[neighbourhood[i]]
            if a >= 0:
                for j in range(m):
                    b = dense_position[neighbourhood[j]]
                    if b >= 0:
                        gram[i, j] = dense_gram[a, b]
            gram[i, i] = diagonal[neighbourhood[i]]
        # products × sides and sides × sides
        for i in range(m):
            column = neighbourhood[i]
            for q in range(side_indptr[column], side_indptr[column + 1]):
                s = side_position[side_indices[q]]
                if s >= 0:
                    gram[m + s, i] = side_data[q]
                    gram[i, m + s] = side_data[q]
        for s in range(n_sides):
            for r in range(n_sides):
                gram[m + s, m + r] = side_gram[sides[s], sides[r]]
        for i in range(m):
            position[neighbourhood[i]] = -1
        for s in range(n_sides):
            side_position[sides[s]] = -1
        for i in range(n):
            gram[i, i] += l2
        weights = np.linalg.solve(gram, target)
        start = offsets[t]
        for i in range(m):
            out_rows[start + i] = neighbourhood[i]
        for s in range(n_sides):
            out_rows[start + m + s] = n_products + sides[s]
        for i in range(n):
            out_weights[start + i] = weights[i]


@njit(cache=True, nogil=True)
def keep_largest(indptr, indices, data, own, keep, start, out_index, out_count):  # fmt: skip
    """For each row r of a CSR block (columns sorted), its `keep` largest values other than
    column own[r], largest first, ties by column, written to out_*[start + r]."""
    for r in range(len(indptr) - 1):
        columns = indices[indptr[r] : indptr[r + 1]]
        values = data[indptr[r] : indptr[r + 1]]
        mask = columns != own[r]
        columns = columns[mask]
        values = values[mask]
        n = len(values)
        chosen = np.arange(n)
        if n > keep:
            threshold = np.partition(values, n - keep)[n - keep]
            chosen = np.empty(keep, np.int64)
            m = 0
            for i in range(n):
                if values[i] > threshold:
                    chosen[m] = i
                    m += 1
            for i in range(n):
                if m < keep and values[i] == threshold:
                    chosen[m] = i
                    m += 1
        # chosen is in column order within each value group: a stable sort by -value
        # leaves ties by column
        order = np.argsort(-values[chosen], kind="mergesort")
        for k in range(len(chosen)):
            out_index[start + r, k] = columns[chosen[order[k]]]
            out_count[start + r, k] = values[chosen[order[k]]]
