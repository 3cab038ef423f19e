"""The compiled evidence pass of customer_similarity_scores against a plain-Python reading of
its definition, on random sparse data with many ties (ipre/similarity/evidence_kernel.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from ipre.similarity.evidence_kernel import EVIDENCE_PER_ROW, explain, in_rows


def random_case(seed: int) -> tuple[sparse.csr_matrix, sparse.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_customers, n_evidence, n_products = 30, 40, 25
    has = sparse.random(n_customers, n_evidence, density=0.3, random_state=rng, format="csr")
    has.data[:] = 1
    # few distinct weights, some negative: ties and non-positive weights are common
    weights = sparse.random(n_evidence, n_products, density=0.4, random_state=rng, format="csr")
    weights.data = rng.integers(-2, 4, size=weights.nnz).astype(np.int64)
    weights.eliminate_zeros()
    weights.sort_indices()
    is_product = rng.random(n_evidence) < 0.8
    return has.astype(np.int64), weights, is_product


def expected(has, weights, is_product, row, col):  # type: ignore[no-untyped-def]
    dense = weights.toarray()
    items = has[row].indices
    group = sum(int(dense[item, col]) for item in items if not is_product[item])
    positive = [(int(dense[item, col]), int(item)) for item in items
                if is_product[item] and dense[item, col] > 0]  # fmt: skip
    best = [item for _, item in sorted(positive, key=lambda pair: (-pair[0], pair[1]))]
    best = (best + [-1] * EVIDENCE_PER_ROW)[:EVIDENCE_PER_ROW]
    return best, len(positive), group


@pytest.mark.parametrize("seed", range(5))
def test_explain_follows_its_definition(seed: int) -> None:
    has, weights, is_product = random_case(seed)
    rng = np.random.default_rng(100 + seed)
    rows = rng.integers(0, has.shape[0], size=200).astype(np.int64)
    cols = rng.integers(0, weights.shape[1], size=200).astype(np.int64)
    evidence, supporting, group = explain(
        has.indptr, has.indices, weights.indptr, weights.indices, weights.data, is_product,
        rows, cols,
    )  # fmt: skip
    for p, (row, col) in enumerate(zip(rows, cols, strict=True)):
        best, count, total = expected(has, weights, is_product, row, col)
        assert evidence[p].tolist() == best
        assert supporting[p] == count
        assert group[p] == total
    assert (supporting > EVIDENCE_PER_ROW).any(), "no pair with more evidence than it keeps"


def test_in_rows_finds_exactly_the_stored_cells() -> None:
    rng = np.random.default_rng(7)
    pattern = sparse.random(20, 50, density=0.2, random_state=rng, format="csr")
    pattern.sort_indices()
    rows = rng.integers(0, 20, size=500).astype(np.int64)
    cols = rng.integers(0, 50, size=500).astype(np.int64)
    stored = set(zip(*pattern.nonzero(), strict=True))
    found = in_rows(pattern.indptr, pattern.indices, rows, cols)
    assert found.tolist() == [(r, c) in stored for r, c in zip(rows, cols, strict=True)]
    assert found.any() and not found.all()
