"""The reorder-reminder evaluation (ipre.evaluation.reorders) on hand-made cases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ipre.evaluation.reorders import (
    FREQUENT_MODEL,
    RECENT_MODEL,
    REORDER_MODEL,
    PurchaseHistory,
    horizon_from_vars,
    most_frequent,
    most_recent,
    reorder_line,
    repeat_targets,
    score_lists,
    score_reorders,
)
from ipre.evaluation.runner import rows_table
from ipre.evaluation.split import Split

T = date(2025, 6, 30)


def day(offset: int) -> date:
    return T + timedelta(days=offset)


@pytest.fixture
def history() -> PurchaseHistory:
    """c1: p1 on 4 days (last T-40), p2 on 2 days (last T-1), p3 on 4 days (last T-10),
    p4 (out of stock) on 5 days, p5 on 1 day (T-1). A repeated (customer, product, day)
    counts once."""
    days = [
        *(("c1", "p1", day(-d)) for d in (100, 80, 60, 40, 40)),
        *(("c1", "p2", day(-d)) for d in (50, 1)),
        *(("c1", "p3", day(-d)) for d in (70, 50, 30, 10)),
        *(("c1", "p4", day(-d)) for d in (90, 70, 50, 30, 20)),
        ("c1", "p5", day(-1)),
        ("c2", "p1", day(-5)),
    ]
    return PurchaseHistory.from_days(days, in_stock={"p1", "p2", "p3", "p5"})


def test_purchase_history_counts_distinct_days(history: PurchaseHistory) -> None:
    assert history.days["c1"] == {"p1": 4, "p2": 2, "p3": 4, "p4": 5, "p5": 1}
    assert history.last["c1"]["p1"] == day(-40)


def test_frequent_baseline_ties_by_latest_day_then_id(history: PurchaseHistory) -> None:
    # p1 and p3 both 4 days: p3 bought later comes first; p4 is out of stock
    assert most_frequent(history, "c1", 3) == ["p3", "p1", "p2"]
    assert most_frequent(history, "c1", 1) == ["p3"]
    assert most_frequent(history, "nobody", 2) == []


def test_recent_baseline_ties_by_days_then_id(history: PurchaseHistory) -> None:
    # p2 and p5 both last bought T-1: p2 (2 days) before p5 (1 day)
    assert most_recent(history, "c1", 3) == ["p2", "p5", "p3"]


def test_repeat_targets_are_rebuys_in_the_reorder_horizon() -> None:
    lines = [
        ("c1", "p1", day(-30)),
        ("c1", "p1", day(10)),  # re-bought in the horizon: target
        ("c1", "p2", day(-5)),
        ("c1", "p2", day(31)),  # after the 30-day horizon
        ("c1", "p3", day(3)),  # new product: not a repeat
        ("c1", "p4", T),  # on the cutoff: history only
        ("c2", "p9", day(5)),  # nothing before: no repeat target
    ]
    assert repeat_targets(lines, Split(T, 90), 30) == {"c1": frozenset({"p1"})}
    assert repeat_targets(lines, Split(T, 90), 31) == {"c1": frozenset({"p1", "p2"})}


def test_scores_are_means_over_customers_with_a_list() -> None:
    lists = {"c1": ["p1", "p2"], "c2": ["p3"], "c3": [], "c4": ["p5", "p5"]}
    targets = {"c1": frozenset({"p1", "p7", "p8", "p9"}), "c4": frozenset({"p5"})}
    score = score_lists(lists, targets)
    # c1: 1 hit of 2 (recall 1/4); c2: 0 of 1, no targets (no recall); c4: p5 once, 1 of 1
    assert score.n_customers == 3 and score.n_reminders == 4
    assert score.precision == pytest.approx((0.5 + 0.0 + 1.0) / 3)
    assert score.recall == pytest.approx((0.25 + 1.0) / 2)
    assert score.hit_rate == pytest.approx(2 / 3)
    assert score_lists({}, targets).precision is None


def test_score_reorders_gives_baselines_the_same_list_lengths(
    history: PurchaseHistory,
) -> None:
    reminders = {"c1": ["p1", "p2"], "c2": []}
    lines = [
        ("c1", "p1", day(-40)),
        ("c1", "p2", day(-1)),
        ("c1", "p3", day(-10)),
        ("c1", "p1", day(12)),  # the reminder p1 is right
        ("c1", "p3", day(20)),  # frequent's first product is right too
    ]
    rows = score_reorders(reminders, history, lines, Split(T, 90), horizon_days=30)
    by_model = {row["model"]: row for row in rows}
    assert list(by_model) == [REORDER_MODEL, FREQUENT_MODEL, RECENT_MODEL]
    # due: p1, p2 -> 1 hit of 2; frequent: p3, p1 -> 2 of 2; recent: p2, p5 -> 0 of 2
    assert [by_model[m]["precision_at_5"] for m in by_model] == [0.5, 1.0, 0.0]
    assert [by_model[m]["recall_at_5"] for m in by_model] == [0.5, 1.0, 0.0]
    assert all(row["n_customers"] == 1 and row["horizon_days"] == 30 for row in rows)
    table = rows_table(rows)  # the eval_metrics schema; columns that do not apply are null
    assert table.column("ndcg_at_5").null_count == 3


def test_horizon_var_default() -> None:
    assert horizon_from_vars({}) == 30
    assert horizon_from_vars({"reorder_horizon_days": "14"}) == 14


def test_reorder_line(history: PurchaseHistory) -> None:
    lines = [("c1", "p1", day(-40)), ("c1", "p1", day(3))]
    rows = score_reorders({"c1": ["p1"]}, history, lines, Split(T, 90))
    assert reorder_line(rows) == (
        "reorder reminders at 2025-06-30 (1 customers, 30 days): precision due 1.000"
        " vs most frequent 0.000 vs most recent 0.000"
    )
    # scored at the build's top_k (make eval VARS='{top_k: 10}'): the line reads those columns
    at_10 = score_reorders({"c1": ["p1"]}, history, lines, Split(T, 90), k=10)
    assert reorder_line(at_10) == reorder_line(rows)
    assert "precision_at_10" in rows_table(at_10).column_names
    assert reorder_line(score_reorders({}, history, [], Split(T, 90))) is None
    assert reorder_line([]) is None
