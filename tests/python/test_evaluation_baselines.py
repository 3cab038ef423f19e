"""Split, targets and the three baselines on tiny hand-computed cases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ipre.evaluation.baselines import (
    History,
    jaccard_similarity,
    popularity_global,
    popularity_segment,
    sar_item_item,
)
from ipre.evaluation.runner import ModelLists, format_rows, source_shares
from ipre.evaluation.split import Split, default_cutoff
from ipre.evaluation.targets import bought_before, first_time_targets
from ipre.params.check import parse_vars

T = date(2025, 1, 10)


def day(offset: int) -> date:
    return T + timedelta(days=offset)


def test_split_bounds_and_default_cutoff() -> None:
    split = Split(T, 30)
    assert split.is_history(T) and not split.is_horizon(T)
    assert split.is_horizon(day(1)) and split.is_horizon(day(30))
    assert not split.is_horizon(day(31))
    assert default_cutoff(date(2026, 2, 20)) == date(2025, 11, 22)
    with pytest.raises(ValueError):
        Split(T, 0)


def test_targets_are_first_time_purchases_in_the_horizon() -> None:
    lines = [
        ("c1", "p1", T),  # on the cutoff: history
        ("c1", "p1", day(5)),  # bought again: not a target
        ("c1", "p2", day(1)),  # first time: target
        ("c1", "p4", day(30)),  # last day of the horizon: target
        ("c1", "p3", day(31)),  # after the horizon
        ("c2", "p1", day(-400)),  # only history: c2 has no target
        ("c3", "p1", day(2)),  # a product c1 knew is still new for c3
    ]
    split = Split(T, 30)
    assert first_time_targets(lines, split) == {"c1": {"p2", "p4"}, "c3": {"p1"}}
    assert bought_before(lines, split) == {"c1": {"p1"}, "c2": {"p1"}}


@pytest.fixture
def history() -> History:
    """c1, c2 in segment A; c3, c4 in B. c4 bought p5 before the window (not in affinity)."""
    affinity = {
        "c1": {"p1": 2.0, "p2": 1.0},
        "c2": {"p1": 1.0, "p3": 1.0},
        "c3": {"p4": 1.0, "p2": 1.0},
        "c4": {"p4": 1.0},
    }
    bought = {c: frozenset(products) for c, products in affinity.items()}
    bought = {**bought, "c4": frozenset({"p4", "p5"})}
    return History(
        segment_of={"c1": "A", "c2": "A", "c3": "B", "c4": "B"},
        affinity=affinity,
        bought=bought,
        in_stock=frozenset({"p1", "p2", "p3", "p4", "p5"}),
    )


def test_global_popularity_breaks_ties_by_id(history: History) -> None:
    # customers per product: p1 2, p2 2, p4 2, p3 1 -> p1, p2, p4, p3
    assert popularity_global(history, 2) == {
        "c1": ["p4", "p3"],
        "c2": ["p2", "p4"],
        "c3": ["p1", "p3"],
        "c4": ["p1", "p2"],
    }


def test_segment_popularity_then_global(history: History) -> None:
    # A: p1 (2), p2 (1; global 2), p3 (1; global 1), p4 (0; global 2)
    # B: p4 (2), p2 (1), p1 (0; global 2), p3 (0; global 1)
    assert popularity_segment(history, 2) == {
        "c1": ["p3", "p4"],
        "c2": ["p2", "p4"],
        "c3": ["p1", "p3"],
        "c4": ["p2", "p1"],
    }


def test_out_of_stock_products_are_never_recommended(history: History) -> None:
    no_p3 = History(history.segment_of, history.affinity, history.bought, history.in_stock - {"p3"})
    lists = [*popularity_global(no_p3, 5).values(), *sar_item_item(no_p3, 5).values()]
    assert all("p3" not in products for products in lists)


def test_jaccard_over_customer_level_co_purchase(history: History) -> None:
    from ipre.evaluation.baselines import affinity_matrix

    matrix, _, products = affinity_matrix(history)
    similarity = jaccard_similarity((matrix > 0).astype(float).tocsr()).toarray()
    at = {p: i for i, p in enumerate(products)}
    assert similarity[at["p1"], at["p2"]] == pytest.approx(1 / 3)  # 1 / (2 + 2 - 1)
    assert similarity[at["p1"], at["p3"]] == pytest.approx(1 / 2)  # 1 / (2 + 1 - 1)
    assert similarity[at["p2"], at["p4"]] == pytest.approx(1 / 3)
    assert similarity[at["p3"], at["p4"]] == 0.0
    assert similarity[at["p4"], at["p4"]] == 1.0


def test_sar_scores_affinity_times_similarity(history: History) -> None:
    # c1: p3 = 2 * 1/2 = 1, p4 = 1 * 1/3; c2: p2 = 1/3 (p4 scores 0: left out)
    assert sar_item_item(history, 5) == {
        "c1": ["p3", "p4"],
        "c2": ["p2"],
        "c3": ["p1"],
        "c4": ["p2"],
    }


def test_source_shares_over_the_top_k() -> None:
    model = ModelLists("engine", {"c1": ["a", "b", "c"]}, {"c1": [False, True, True], "c2": [True]})
    assert source_shares(model, ["c1", "c2"], 2) == (pytest.approx(1 / 3), pytest.approx(2 / 3))
    assert source_shares(ModelLists("sar", {}), ["c1"], 2) == (None, None)


def test_parse_vars_and_table() -> None:
    assert parse_vars("{min_lift: 1.5, invoices_path: /x.csv}") == {
        "min_lift": 1.5,
        "invoices_path": "/x.csv",
    }
    assert parse_vars("") == {}
    text = format_rows([{"model": "engine", "n_customers": 3, "hit_rate_at_5": 0.5}])
    assert "engine" in text and "0.5000" in text
