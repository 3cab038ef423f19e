"""ipre.similarity.neighbourhood: the tail products' EASE columns beyond the dense model."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.linear_model import Ridge

from ipre.similarity import NeighbourParams, product_neighbours
from ipre.similarity.ease import eligible_products, modelled_products
from ipre.similarity.neighbourhood import (
    TailInputs,
    column_blocks,
    gram_rows,
    tail_weights,
)


def random_basket(seed: int, customers: int = 60, products: int = 12, share: float = 0.3):
    rng = np.random.default_rng(seed)
    return (rng.random((customers, products)) < share).astype(float)


def inputs_for(dense: np.ndarray, sides: np.ndarray, head: list[int]) -> TailInputs:
    position = np.full(dense.shape[1], -1, dtype=np.int64)
    position[head] = np.arange(len(head))
    return TailInputs(
        products=sparse.csc_matrix(dense),
        sides=sparse.csc_matrix(sides),
        dense_position=position,
        dense_gram=dense[:, head].T @ dense[:, head],
    )


def test_column_blocks_stay_within_the_budget() -> None:
    assert column_blocks(np.array([3, 3, 3, 10, 1]), budget=6) == [(0, 2), (2, 3), (3, 4), (4, 5)]
    assert column_blocks(np.array([], dtype=np.int64), budget=6) == []


def test_gram_rows_are_the_off_diagonal_co_purchase_counts_in_any_block_size(monkeypatch) -> None:
    dense = random_basket(1)
    gram = dense.T @ dense
    rows = np.array([0, 4, 11])
    for budget in (1, 10**9):
        monkeypatch.setattr("ipre.similarity.neighbourhood.BLOCK_ENTRIES", budget)
        kept = gram_rows(sparse.csc_matrix(dense), rows, keep=4)  # ties among the counts
        for r, product in enumerate(rows):
            expected = np.delete(gram[product], product)
            columns = np.delete(np.arange(12), product)
            order = np.lexsort((columns, -expected))[:4]
            assert kept.index[r].tolist() == columns[order].tolist()
            assert kept.count[r].tolist() == expected[order].tolist()


def test_a_tail_column_is_the_ridge_regression_on_its_neighbourhood() -> None:
    # oracle: scikit-learn's Ridge on the neighbourhood columns, no intercept
    dense = random_basket(2, customers=80, products=14)
    sides = (np.arange(80)[:, None] % 2 == np.arange(2)[None, :]).astype(float)
    head, tail, l2, regressors = [0, 1, 2, 3, 4, 5], np.arange(6, 14), 7.0, 5
    weights = tail_weights(inputs_for(dense, sides, head), tail, l2, regressors, row_keep=20)
    b = weights.toarray()
    gram = dense.T @ dense
    for product in tail:
        others = np.delete(np.arange(14), product)
        counts = np.delete(gram[product], product)
        neighbourhood = others[np.lexsort((others, -counts))][:regressors]
        bought_sides = [s for s in range(2) if sides[:, s] @ dense[:, product] > 0]
        features = np.hstack([dense[:, neighbourhood], sides[:, bought_sides]])
        oracle = Ridge(alpha=l2, fit_intercept=False).fit(features, dense[:, product]).coef_
        rows = np.concatenate([neighbourhood, 14 + np.array(bought_sides, dtype=int)])
        np.testing.assert_allclose(b[rows, product], oracle, atol=1e-10)
        assert np.count_nonzero(b[:, product]) <= len(rows)
    assert np.count_nonzero(b[:, head]) == 0


def test_with_every_column_in_the_neighbourhood_it_is_the_dense_ease_column() -> None:
    dense = random_basket(3, customers=200, products=8, share=0.5)
    assert (dense.T @ dense > 0).all()  # every pair bought together: no regressor left out
    sides = np.ones((200, 1))
    l2 = 5.0
    full = np.hstack([dense, sides])
    precision = np.linalg.inv(full.T @ full + l2 * np.eye(9))
    ease = -precision / np.diag(precision)[np.newaxis, :]
    np.fill_diagonal(ease, 0.0)
    weights = tail_weights(inputs_for(dense, sides, [0, 1, 2]), np.arange(3, 8), l2, 50, 50)
    np.testing.assert_allclose(weights.toarray()[:, 3:8], ease[:, 3:8], atol=1e-10)


def long_tail_pairs(products: int = 400, customers: int = 600, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, products + 1)
    popularity /= popularity.sum()
    rows = []
    for c in range(customers):
        for p in rng.choice(products, size=rng.integers(2, 12), replace=False, p=popularity):
            rows.append((f"c{c:04d}", f"p{p:04d}"))
    return pd.DataFrame(rows, columns=["customer_id", "product_id"]).drop_duplicates()


def test_every_product_bought_by_min_customers_is_modelled_beyond_the_cap() -> None:
    pairs = long_tail_pairs()
    eligible = set(eligible_products(pairs, NeighbourParams()).index)
    capped = product_neighbours(pairs, NeighbourParams(max_products=50))
    assert len(modelled_products(pairs, NeighbourParams(max_products=50))) == 50
    assert len(eligible) > 150
    assert set(capped["neighbour_product_id"]) == eligible
    assert set(capped.loc[capped["evidence_kind"] == "product", "evidence_id"]) <= eligible
    assert capped.groupby(["evidence_kind", "evidence_id"]).size().max() <= 50
    for _, group in capped.groupby(["evidence_kind", "evidence_id"]):
        assert group["neighbour_rank"].tolist() == list(range(1, len(group) + 1))
        magnitudes = group["weight"].abs().to_numpy()
        assert (np.diff(magnitudes) <= 0).all()


def test_the_dense_products_keep_their_weights_towards_dense_products() -> None:
    pairs = long_tail_pairs()
    side = pairs[["customer_id"]].drop_duplicates().assign(segment=lambda f: f.customer_id.str[-1])
    wide = NeighbourParams(max_products=10_000, neighbours=10_000)
    capped_params = NeighbourParams(max_products=50, neighbours=10_000)
    head = set(modelled_products(pairs, capped_params))
    dense_only = product_neighbours(pairs[pairs["product_id"].isin(head)], wide, side)
    capped = product_neighbours(pairs, capped_params, side)
    key = ["evidence_kind", "evidence_id", "neighbour_product_id"]
    towards_head = capped[capped["neighbour_product_id"].isin(head)]
    merged = dense_only.merge(towards_head, on=key, how="outer", suffixes=("_dense", "_capped"))
    pd.testing.assert_series_equal(
        merged["weight_dense"], merged["weight_capped"], check_names=False
    )
    assert len(capped) > len(dense_only) and wide.max_products > len(head)


def test_the_fit_is_deterministic() -> None:
    pairs = long_tail_pairs(seed=8)
    params = NeighbourParams(max_products=40)
    first = product_neighbours(pairs, params)
    second = product_neighbours(pairs.sample(frac=1.0, random_state=1), params)
    key = ["evidence_kind", "evidence_id", "neighbour_rank"]
    pd.testing.assert_frame_equal(
        first.sort_values(key).reset_index(drop=True),
        second.sort_values(key).reset_index(drop=True),
    )


def test_the_fit_is_the_same_on_any_number_of_threads(monkeypatch) -> None:
    # the tail systems and the Gram row blocks are cut into one range per thread
    pairs = long_tail_pairs(seed=9)
    side = pairs[["customer_id"]].drop_duplicates().assign(segment=lambda f: f.customer_id.str[-1])
    params = NeighbourParams(max_products=40)
    monkeypatch.setattr("ipre.similarity.neighbourhood.BLOCK_ENTRIES", 2_000)
    fits = []
    for jobs in (1, 2, 7):
        monkeypatch.setattr("ipre.similarity.neighbourhood.default_jobs", lambda jobs=jobs: jobs)
        fits.append(product_neighbours(pairs, params, side))
    assert len(fits[0]) > 1_000
    for other in fits[1:]:
        pd.testing.assert_frame_equal(fits[0], other, check_exact=True)


def test_a_product_no_evidence_ranks_high_keeps_its_strongest_evidence() -> None:
    # with one neighbour per evidence column most products are nobody's first neighbour;
    # each still keeps its largest positive weight, ranked after the column's first
    pairs = long_tail_pairs(products=120, customers=300, seed=11)
    for cap in (10_000, 30):  # dense only, and dense + tail
        params = NeighbourParams(max_products=cap, neighbours=1)
        table = product_neighbours(pairs, params)
        wide = product_neighbours(pairs, NeighbourParams(max_products=cap, neighbours=10_000))
        positive = set(wide.loc[wide["weight"] > 0, "neighbour_product_id"])
        assert positive <= set(table["neighbour_product_id"])
        extra = table[table["neighbour_rank"] > 1]
        assert len(extra) and extra["neighbour_product_id"].is_unique
        reached = set(table.loc[table["neighbour_rank"] == 1, "neighbour_product_id"])
        assert not set(extra["neighbour_product_id"]) & reached
        strongest = wide[wide["weight"] > 0].groupby("neighbour_product_id")["weight"].max()
        np.testing.assert_array_equal(
            extra["weight"].to_numpy(), strongest[extra["neighbour_product_id"]].to_numpy()
        )
