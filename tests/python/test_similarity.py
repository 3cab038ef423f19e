"""ipre.similarity: the EASE closed form, side information, pruning and determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from ipre.similarity import NeighbourParams, neighbours_from_basket, product_neighbours
from ipre.similarity.ease import ease_weights, modelled_products

PAIRS = pd.DataFrame(
    [
        ("c1", "A"),
        ("c1", "B"),
        ("c2", "A"),
        ("c2", "B"),
        ("c3", "A"),
        ("c3", "B"),
        ("c4", "C"),
        ("c4", "D"),
        ("c5", "C"),
        ("c5", "D"),
        ("c6", "A"),
        ("c6", "C"),
        ("c7", "B"),
        ("c8", "E"),
    ],
    columns=["customer_id", "product_id"],
)


def direct_ease(matrix: np.ndarray, l2: float) -> np.ndarray:
    """Steck (2019), eq. 8, written out independently: B = I - P diag(1/diag(P))."""
    precision = np.linalg.inv(matrix.T @ matrix + l2 * np.eye(matrix.shape[1]))
    weights = np.eye(matrix.shape[1]) - precision @ np.diag(1.0 / np.diag(precision))
    np.fill_diagonal(weights, 0.0)
    return weights


def test_closed_form_matches_a_direct_computation() -> None:
    rng = np.random.default_rng(7)
    dense = (rng.random((40, 9)) < 0.3).astype(float)
    l2 = 2.5 * np.diag(dense.T @ dense).mean()
    ours = ease_weights(sparse.csr_matrix(dense), 2.5)
    np.testing.assert_allclose(ours, direct_ease(dense, l2), atol=1e-12)


def test_l2_scales_with_the_mean_product_count_only() -> None:
    rng = np.random.default_rng(3)
    dense = (rng.random((30, 6)) < 0.4).astype(float)
    with_side = np.hstack([dense, np.ones((30, 1))])  # a side column bought by everyone
    l2 = 4.0 * np.diag(dense.T @ dense).mean()
    ours = ease_weights(sparse.csr_matrix(with_side), 4.0, scale_columns=6)
    np.testing.assert_allclose(ours, direct_ease(with_side, l2), atol=1e-12)


def test_an_obvious_pair_is_each_others_first_neighbour() -> None:
    table = product_neighbours(PAIRS, NeighbourParams(l2_ratio=0.5, neighbours=2))
    first = table[table["neighbour_rank"] == 1].set_index("evidence_id")["neighbour_product_id"]
    assert first["A"] == "B" and first["B"] == "A"
    assert first["C"] == "D" and first["D"] == "C"
    top = table[(table["evidence_id"] == "A") & (table["neighbour_product_id"] == "B")]
    assert float(top["weight"].iloc[0]) > 0


def test_rare_products_are_left_out_and_the_cap_keeps_the_most_bought() -> None:
    assert "E" not in modelled_products(PAIRS, NeighbourParams(min_customers=2))
    assert modelled_products(PAIRS, NeighbourParams(max_products=2)) == ["A", "B"]
    table = product_neighbours(PAIRS, NeighbourParams(min_customers=2))
    assert "E" not in set(table["evidence_id"]) | set(table["neighbour_product_id"])


def test_each_evidence_keeps_its_largest_weights_ranked() -> None:
    table = product_neighbours(PAIRS, NeighbourParams(l2_ratio=0.5, neighbours=2))
    assert table.groupby("evidence_id").size().max() <= 2
    for _, group in table.groupby("evidence_id"):
        magnitudes = group.sort_values("neighbour_rank")["weight"].abs().to_numpy()
        assert list(magnitudes) == sorted(magnitudes, reverse=True)
        assert list(group.sort_values("neighbour_rank")["neighbour_rank"]) == list(
            range(1, len(group) + 1)
        )
    assert (table["weight"] != 0).all()
    products = table[table["evidence_kind"] == "product"]
    assert (products["evidence_id"] != products["neighbour_product_id"]).all()


def test_segment_side_information_points_to_what_the_segment_buys() -> None:
    basket = PAIRS.assign(
        segment=PAIRS["customer_id"].map(lambda c: "north" if c in {"c4", "c5", "c6"} else "south")
    )
    clusters = pd.DataFrame({"customer_id": sorted(PAIRS["customer_id"].unique())})
    clusters["cluster_id"] = clusters["customer_id"].map(lambda c: "k0")
    table = neighbours_from_basket(basket, clusters, NeighbourParams(l2_ratio=0.5, neighbours=4))
    north = table[(table["evidence_kind"] == "segment") & (table["evidence_id"] == "north")]
    best = north.sort_values("neighbour_rank")["neighbour_product_id"].iloc[0]
    assert best in {"C", "D"}
    assert set(table["evidence_kind"]) <= {"product", "segment", "cluster"}
    # side columns are never recommended
    assert not set(table["neighbour_product_id"]) & {"north", "south", "k0"}


def test_same_input_gives_the_same_table_in_any_row_order() -> None:
    params = NeighbourParams(l2_ratio=1.0, neighbours=3)
    first = product_neighbours(PAIRS, params)
    shuffled = PAIRS.sample(frac=1.0, random_state=11).reset_index(drop=True)
    pd.testing.assert_frame_equal(first, product_neighbours(shuffled, params))


@pytest.mark.parametrize("pairs", [PAIRS.iloc[:0], PAIRS[PAIRS["product_id"] == "A"]])
def test_too_little_data_gives_an_empty_table(pairs: pd.DataFrame) -> None:
    table = product_neighbours(pairs, NeighbourParams())
    assert table.empty
    assert list(table.columns) == [
        "evidence_kind",
        "evidence_id",
        "neighbour_product_id",
        "weight",
        "neighbour_rank",
    ]


def test_params_from_dbt_strings() -> None:
    params = NeighbourParams.from_strings(
        {
            "similarity_l2_ratio": "3.0",
            "similarity_neighbours": "50",
            "similarity_max_products": "5000",
            "similarity_min_customers": "2",
            "similarity_tail_regressors": "40",
        }
    )
    assert params == NeighbourParams(3.0, 50, 5000, 2, 40)


# --- customer_similarity_scores (ipre.similarity.scoring) -------------------------------------

NEIGHBOURS = pd.DataFrame(
    [
        ("product", "A", "X", 0.3),
        ("product", "B", "X", 0.2),
        ("product", "A", "Y", 0.4),
        ("product", "B", "Y", -0.3),
        ("product", "A", "B", 0.5),
        ("product", "A", "OUT", 0.9),
        ("segment", "S", "Z", 0.05),
        ("product", "A", "W", 0.000000000001),
        ("product", "B", "W", -0.000000000001),
    ],
    columns=["evidence_kind", "evidence_id", "neighbour_product_id", "weight"],
)


def score(depth: int = 10, momentum: dict[str, float] | None = None) -> pd.DataFrame:
    from ipre.similarity.scoring import scores_from_tables

    basket = pd.DataFrame(
        {"customer_id": ["C1", "C1"], "product_id": ["A", "B"], "segment": ["S", "S"]}
    )
    clusters = pd.DataFrame({"customer_id": ["C1"], "cluster_id": ["S_0"]})
    products = pd.DataFrame({"product_id": ["A", "B", "X", "Y", "Z", "W"]})
    factors = pd.DataFrame(
        list((momentum or {}).items()), columns=["product_id", "momentum_factor"]
    )
    return scores_from_tables(basket, clusters, NEIGHBOURS, products, factors, depth)


def test_scores_sum_evidence_times_momentum() -> None:
    table = score(momentum={"Y": 2.0}).set_index("recommended_product")
    # X: 0.3 + 0.2; Y: (0.4 - 0.3) x 2; Z from the segment only; B bought, OUT not available;
    # W: +1e-12 - 1e-12 = 0 exactly (units), so no candidate
    assert list(table.index) == ["X", "Y", "Z"]
    assert table.loc["X", "evidence_score"] == 0.5 and table.loc["X", "similarity_score"] == 0.5
    assert table.loc["Y", "evidence_score"] == 0.1 and table.loc["Y", "similarity_score"] == 0.2
    assert table.loc["Z", "group_evidence_score"] == 0.05
    assert list(table["similarity_rank"]) == [1, 2, 3]
    assert list(table["supporting_purchases"]) == [2, 1, 0]
    assert (table.loc["X", "evidence_1"], table.loc["X", "evidence_2"]) == ("A", "B")
    assert table.loc["Y", "evidence_1"] == "A" and pd.isna(table.loc["Y", "evidence_2"])
    assert pd.isna(table.loc["Z", "evidence_1"])


def test_depth_keeps_the_best_and_breaks_ties_by_product_id() -> None:
    assert list(score(depth=1)["recommended_product"]) == ["X"]
    tied = score(depth=2, momentum={"Y": 5.0})  # Y: 0.1 x 5 = 0.5, tied with X
    assert list(tied["recommended_product"]) == ["X", "Y"]
    assert list(score(depth=1, momentum={"Y": 5.0})["recommended_product"]) == ["X"]


def test_ranking_depth_follows_the_method() -> None:
    from ipre.similarity.scoring import ranking_depth

    assert ranking_depth("5", "5", "similarity") == 10
    assert ranking_depth(5, 5, "spec") == 5


def test_scores_are_the_same_on_any_number_of_threads(monkeypatch) -> None:
    # customer chunks are scored on every core and concatenated in order
    from ipre.similarity.scoring import scores_from_tables

    rng = np.random.default_rng(3)
    customers = [f"C{n:03d}" for n in range(120)]
    products = [f"P{n:02d}" for n in range(30)]
    pairs = {(c, products[p]) for c in customers for p in rng.choice(30, size=4, replace=False)}
    basket = pd.DataFrame(sorted(pairs), columns=["customer_id", "product_id"]).assign(
        segment=lambda f: "S" + f.customer_id.str[-1]
    )
    clusters = basket[["customer_id"]].drop_duplicates().assign(cluster_id="K")
    neighbours = pd.DataFrame(
        [("product", a, b, round(float(rng.normal()), 3)) for a in products for b in products
         if a != b and rng.random() < 0.3],
        columns=["evidence_kind", "evidence_id", "neighbour_product_id", "weight"],
    )  # fmt: skip
    available = pd.DataFrame({"product_id": products})
    momentum = pd.DataFrame({"product_id": products, "momentum_factor": rng.uniform(0.5, 2, 30)})
    monkeypatch.setattr("ipre.similarity.scoring.CHUNK_CUSTOMERS", 7)
    tables = []
    for jobs in (1, 2, 5):
        monkeypatch.setattr("ipre.similarity.scoring.default_jobs", lambda jobs=jobs: jobs)
        tables.append(scores_from_tables(basket, clusters, neighbours, available, momentum, 5))
    assert tables[0]["customer_id"].nunique() == 120
    for other in tables[1:]:
        pd.testing.assert_frame_equal(tables[0], other, check_exact=True)
