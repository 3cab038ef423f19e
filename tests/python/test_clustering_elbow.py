"""Elbow rule on hand-made inertia sequences and the silhouette quality bands (spec §4.2)."""

from __future__ import annotations

import pytest

from ipre.clustering.elbow import elbow_k, quality_label, relative_drop


def curve(*values: float) -> dict[int, float]:
    """Inertias for k = 1, 2, ... in order."""
    return {k: v for k, v in enumerate(values, start=1)}


@pytest.mark.parametrize(
    ("inertias", "expected"),
    [
        # drops 50 %, 40 %, 5 %: the step into k = 4 does not pay off -> elbow at 3
        (curve(100, 50, 30, 28.5), (3, "elbow")),
        # drop into k = 2 is only 5 %: no cluster structure -> one cluster
        (curve(100, 95, 60), (1, "elbow")),
        # every step pays off up to the last k tried -> the last k
        (curve(100, 50, 25, 12.5), (4, "max_k")),
        # exactly 10 % is not "< 10 %": keeps going, then 9 % fires at k = 4
        (curve(100, 90, 81, 73.71), (3, "elbow")),
        # a later small drop does not matter once an earlier one fired (first k)
        (curve(100, 40, 38, 5, 4.9), (2, "elbow")),
        # zero inertia already (perfect fit) counts as no further drop
        (curve(100, 0, 0), (2, "elbow")),
        # k-means local optimum with a rise in inertia is a negative drop -> fires
        (curve(100, 60, 61), (2, "elbow")),
        # only k = 1 known (e.g. a single distinct point)
        (curve(0.0), (1, "max_k")),
    ],
)
def test_elbow_k_on_hand_made_curves(inertias: dict[int, float], expected: tuple[int, str]) -> None:
    assert elbow_k(inertias, 10.0) == expected


def test_threshold_is_a_percentage() -> None:
    inertias = curve(100, 70, 55)  # drops 30 %, ~21 %
    assert elbow_k(inertias, 25.0) == (2, "elbow")
    assert elbow_k(inertias, 20.0) == (3, "max_k")


def test_relative_drop_of_empty_previous_is_zero() -> None:
    assert relative_drop(0.0, 0.0) == 0.0
    assert relative_drop(100.0, 75.0) == pytest.approx(0.25)


def test_inertias_must_be_consecutive_from_one() -> None:
    with pytest.raises(ValueError):
        elbow_k({2: 50.0, 3: 40.0}, 10.0)


@pytest.mark.parametrize(
    ("silhouette", "label"),
    [
        (0.51, "good"),
        (0.5, "acceptable"),
        (0.2, "acceptable"),
        (0.19, "poor"),
        (-0.3, "poor"),
        (None, None),
    ],
)
def test_quality_bands(silhouette: float | None, label: str | None) -> None:
    assert quality_label(silhouette) == label
