"""Fit one segment: scale, pick k by the elbow rule, KMeans, silhouette (spec §4.2).

Edge cases, each with the ``k_rule`` it records:

* ``too_few_customers``: fewer than ``min_cluster_customers`` customers -> one cluster.
* ``customers_per_cluster``: no cluster may average fewer than ``min_cluster_customers``
  customers, so k <= n_customers // min_cluster_customers (one cluster below 2 ×
  min_cluster_customers). The spec's own minimum for clustering a segment is applied to each
  cluster: without it the elbow rule never fires on small segments (every split of 9 customers
  removes > 10 % of the inertia) and k runs to one customer per cluster, leaving association
  mining nothing to mine. If the rule never fires below this cap, k = the cap.
* ``distinct_points``: k is capped at the number of distinct feature rows (KMeans cannot make more
  non-empty clusters than distinct points); if the rule never fires below the cap, k = the cap.
* ``elbow``: the rule fired (see ``elbow.py``; k may be 1 when even two clusters explain < t %).
* ``max_k``: the rule never fired up to ``max_k`` -> k = max_k.

Silhouette is null whenever it is undefined (k = 1, or as many clusters as customers). Segments
with more than ``SILHOUETTE_SAMPLE`` customers are scored on a seeded sample to bound the O(n^2)
cost. Cluster numbers are ordered by size (largest = 0, ties by first customer id) so they read the
same way across runs; the fitted centres are permuted to match, so ``predict`` agrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import ThreadpoolController

from ipre.clustering.elbow import elbow_k, quality_label, relative_drop
from ipre.clustering.features import build_features
from ipre.clustering.params import ClusterParams

SILHOUETTE_SAMPLE = 5000


@dataclass(frozen=True)
class SegmentFit:
    segment: str
    features: pd.DataFrame  # index customer_id (sorted), the columns the model uses
    scaler: StandardScaler
    kmeans: KMeans
    labels: np.ndarray
    k: int
    k_rule: str
    inertias: dict[int, float]
    silhouette: float | None

    @property
    def quality(self) -> str | None:
        return quality_label(self.silhouette)


@cache
def threadpools() -> ThreadpoolController:
    """The process's OpenMP/BLAS pools, found once: threadpool_limits looks them up anew on
    every call (8 ms), once per segment. Called after this module imported scikit-learn, so
    its OpenMP runtime is among them."""
    return ThreadpoolController()


def fit_kmeans(x: np.ndarray, k: int, params: ClusterParams) -> KMeans:
    return KMeans(n_clusters=k, random_state=params.random_state, n_init=params.n_init).fit(x)


def total_sum_of_squares(x: np.ndarray) -> float:
    """Inertia of the single cluster k = 1: squared distances to the overall mean."""
    return float(((x - x.mean(axis=0)) ** 2).sum())


def k_cap(x: np.ndarray, params: ClusterParams) -> tuple[int, str]:
    """The largest k worth trying and the rule that sets it (max_k, distinct_points or
    customers_per_cluster), in that order of precedence when several give the same cap."""
    caps = {
        "max_k": params.max_k,
        "distinct_points": len(np.unique(x, axis=0)),
        "customers_per_cluster": len(x) // params.min_cluster_customers,
    }
    cap = min(caps.values())
    return cap, next(rule for rule, value in caps.items() if value == cap)


def elbow_search(x: np.ndarray, params: ClusterParams) -> tuple[int, str, dict[int, float], KMeans]:
    """Fit k = 2.. until the drop rule fires (later k cannot change a 'first k' answer) and
    return the chosen k, its rule, the inertias tried and the chosen fit (reused, not refitted)."""
    inertias = {1: total_sum_of_squares(x)}
    models: dict[int, KMeans] = {}
    cap, cap_rule = k_cap(x, params)
    for k in range(2, cap + 1):
        models[k] = fit_kmeans(x, k, params)
        inertias[k] = float(models[k].inertia_)
        if relative_drop(inertias[k - 1], inertias[k]) < params.elbow_threshold / 100.0:
            break
    k, rule = elbow_k(inertias, params.elbow_threshold)
    if rule == "max_k":
        rule = cap_rule
    return k, rule, inertias, models[k] if k in models else fit_kmeans(x, k, params)


def order_by_size(model: KMeans) -> KMeans:
    """Renumber clusters largest first (ties: lowest first member row) by permuting centres."""
    labels = model.labels_
    sizes = np.bincount(labels, minlength=model.n_clusters)
    first = np.array([np.flatnonzero(labels == c).min() for c in range(model.n_clusters)])
    order = np.lexsort((first, -sizes))
    model.cluster_centers_ = model.cluster_centers_[order]
    model.labels_ = np.argsort(order)[labels]
    return model


def silhouette(x: np.ndarray, labels: np.ndarray, random_state: int) -> float | None:
    n_labels = len(np.unique(labels))
    if n_labels < 2 or n_labels >= len(x):
        return None
    sample = SILHOUETTE_SAMPLE if len(x) > SILHOUETTE_SAMPLE else None
    return float(silhouette_score(x, labels, sample_size=sample, random_state=random_state))


def fit_segment(segment: str, basket: pd.DataFrame, params: ClusterParams) -> SegmentFit:
    """Cluster one segment's market_basket rows. One OpenMP/BLAS thread, so results never depend
    on thread scheduling (OpenMP reductions) and segments can run side by side."""
    features = build_features(basket, params.feature_groups)
    with threadpools().limit(limits=1):
        scaler = StandardScaler().fit(features.to_numpy())
        x = scaler.transform(features.to_numpy())
        if len(x) < params.min_cluster_customers:
            k, rule, inertias = 1, "too_few_customers", {1: total_sum_of_squares(x)}
            model = fit_kmeans(x, 1, params)
        else:
            k, rule, inertias, model = elbow_search(x, params)
        model = order_by_size(model)
        labels = model.predict(x)
        score = silhouette(x, labels, params.random_state)
    return SegmentFit(segment, features, scaler, model, labels, k, rule, inertias, score)
