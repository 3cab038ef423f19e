"""Elbow rule for choosing k (spec §4.2, §7.2) and the silhouette quality bands.

Reading of the spec's rule, fixed here once for the whole project:

* ``inertias`` maps k -> KMeans inertia for k = 1, 2, ..., where inertia at k = 1 is the total
  sum of squares of the (scaled) feature matrix around its mean. That is what "inertia[k-1]"
  means when k = 2, so the rule can judge whether even a second cluster is worth having.
* ``drop(k) = (inertia[k-1] - inertia[k]) / inertia[k-1]`` for k = 2..max_k. When
  ``inertia[k-1]`` is 0 the points are already perfectly described, so the drop counts as 0.
* The spec says "select first k where drop(k) < threshold %". The step *into* that k was not worth
  it, so the elbow (the last k that still paid off) is ``k - 1``. This is the usual elbow reading
  and the only one that can yield a single cluster, which the POC reports (1-8 clusters).
  Example: drops of 40 %, 25 %, 6 % at k = 2, 3, 4 with a 10 % threshold give k = 3.
* When no tried k meets the rule, every step still paid off and the largest k tried is returned.
"""

from __future__ import annotations

from collections.abc import Mapping

GOOD_SILHOUETTE = 0.5
ACCEPTABLE_SILHOUETTE = 0.2


def relative_drop(previous: float, current: float) -> float:
    """Relative inertia drop from k-1 to k; 0 when there was nothing left to explain."""
    if previous <= 0.0:
        return 0.0
    return (previous - current) / previous


def elbow_k(inertias: Mapping[int, float], threshold_pct: float) -> tuple[int, str]:
    """Return (k, rule) for consecutive ``inertias`` {1: tss, 2: ..., ...}.

    ``rule`` is ``"elbow"`` when the drop rule fired and ``"max_k"`` when it never did (the
    largest k in ``inertias`` is then returned). See the module docstring for the reading.
    """
    ks = sorted(inertias)
    if not ks or ks != list(range(1, len(ks) + 1)):
        raise ValueError(f"inertias must cover k = 1..n consecutively, got {ks}")
    for k in ks[1:]:
        if relative_drop(inertias[k - 1], inertias[k]) < threshold_pct / 100.0:
            return k - 1, "elbow"
    return ks[-1], "max_k"


def quality_label(silhouette: float | None) -> str | None:
    """Spec bands: good > 0.5, acceptable 0.2-0.5 (inclusive), poor < 0.2; None if undefined."""
    if silhouette is None:
        return None
    if silhouette > GOOD_SILHOUETTE:
        return "good"
    if silhouette >= ACCEPTABLE_SILHOUETTE:
        return "acceptable"
    return "poor"
