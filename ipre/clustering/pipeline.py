"""Cluster every segment of market_basket and lay the result out as the customer_clusters table.

Segments are independent, so they are fitted side by side (largest first, for load balance) in
threads: KMeans and the silhouette run in compiled code that releases the GIL, and threads avoid
the process start-up and the copying of the basket that made worker processes no faster than one
process on the 2-core target (bench/cluster_bench.py). Every fit is seeded and limited to one
OpenMP/BLAS thread, so the output does not depend on the number of workers: same input and
parameters give the same table, row for row.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from ipre.clustering.features import GROUP_ORDER, RFM_COLUMNS
from ipre.clustering.fit import SegmentFit, fit_segment
from ipre.clustering.params import ClusterParams
from ipre.cores import default_jobs

BASKET_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "segment",
    "total_quantity",
    "l2_category",
    "brand",
    "functionality",
    *RFM_COLUMNS,
)
SEGMENT_COLUMNS: tuple[str, ...] = (
    "n_customers",
    "k",
    "k_rule",
    "silhouette",
    "quality",
    "inertia_by_k",
    "fit_params",
)
ID_COLUMNS: tuple[str, ...] = ("customer_id", "segment", "cluster_id", "cluster_number")
# The basket's category columns: few distinct values over millions of rows, read as pandas
# categoricals (codes) rather than one string per row.
CATEGORY_COLUMNS: tuple[str, ...] = ("segment", "l2_category", "brand", "functionality")
# Below this many basket rows, a thread pool costs more than it saves.
PARALLEL_MIN_ROWS = 50_000


def basket_frame(basket: pa.Table) -> pd.DataFrame:
    """market_basket's BASKET_COLUMNS from Arrow as pandas, the category columns dictionary
    encoded: at 10M lines (5.3M rows) the frame takes 0.4 GiB less, and the clusters are the
    same (every order the fit depends on is sorted by value, not by code)."""
    basket = basket.select(list(BASKET_COLUMNS))
    for name in CATEGORY_COLUMNS:
        position = basket.schema.get_field_index(name)
        basket = basket.set_column(position, name, pc.dictionary_encode(basket.column(name)))
    return basket.to_pandas()


def fit_all(
    basket: pd.DataFrame, params: ClusterParams, n_jobs: int | None = None
) -> list[SegmentFit]:
    """Fit every segment; results sorted by segment name. ``n_jobs`` None = one worker per core
    on large inputs, in-process on small ones; an explicit value is always honoured."""
    basket = basket.loc[:, list(BASKET_COLUMNS)]
    rows = basket.groupby("segment", sort=True).indices
    # Largest first, ties by name; each segment's rows are copied out only when its fit
    # starts (the pool takes the generator lazily), not all at once before the first.
    parts = sorted(sorted(rows), key=lambda segment: -len(rows[segment]))
    jobs = n_jobs if n_jobs is not None else default_jobs()
    if n_jobs is None and len(basket) < PARALLEL_MIN_ROWS:
        jobs = 1
    # The limit is process-wide: set once around the pool so no thread's exit can lift it.
    with threadpool_limits(limits=1):
        fits = Parallel(n_jobs=jobs, backend="threading")(
            delayed(fit_segment)(str(segment), basket.take(rows[segment]), params)
            for segment in parts
        )
    return sorted(fits, key=lambda fit: fit.segment)


def feature_sort_key(column: str) -> tuple[int, str]:
    group = "rfm" if column in RFM_COLUMNS else column.split("__", 1)[0]
    return GROUP_ORDER.index(group), column


def segment_row(fit: SegmentFit, params: ClusterParams) -> dict[str, object]:
    return {
        "n_customers": len(fit.features),
        "k": fit.k,
        "k_rule": fit.k_rule,
        "silhouette": fit.silhouette,
        "quality": fit.quality,
        "inertia_by_k": json.dumps({str(k): v for k, v in sorted(fit.inertias.items())}),
        "fit_params": params.to_json(),
    }


def segment_head(fit: SegmentFit, params: ClusterParams) -> pd.DataFrame:
    """The segment's customers with their cluster and the segment's fit facts."""
    n = len(fit.features)
    ids = {
        "customer_id": fit.features.index.to_numpy(),
        "segment": [fit.segment] * n,
        "cluster_id": [f"{fit.segment}_{label}" for label in fit.labels],
        "cluster_number": fit.labels.astype("int64"),
    }
    facts = {name: [value] * n for name, value in segment_row(fit, params).items()}
    return pd.DataFrame(ids | facts)


def feature_matrix(fits: list[SegmentFit], features: list[str]) -> np.ndarray:
    """Every segment's features stacked in one matrix of the union of columns, 0.0 where a
    category does not occur in the segment. Filled in place: a concat of the segments'
    frames, its fillna and astype held three copies (at 10M lines, 259k customers)."""
    position = {name: column for column, name in enumerate(features)}
    values = np.zeros((sum(len(fit.features) for fit in fits), len(features)))
    start = 0
    for fit in fits:
        columns = [position[name] for name in fit.features.columns]
        values[start : start + len(fit.features), columns] = fit.features.to_numpy()
        start += len(fit.features)
    return values


def customer_clusters(fits: list[SegmentFit], params: ClusterParams) -> pd.DataFrame:
    """One row per customer: ids, cluster, segment-level fit facts, then the union of features
    (0.0 where a category does not occur in the customer's segment, which is its true share)."""
    if not fits:
        return empty_frame()
    features = sorted(
        set().union(*(fit.features.columns for fit in fits)), key=feature_sort_key
    )
    types = column_types(features)
    head = pd.concat([segment_head(fit, params) for fit in fits], ignore_index=True)
    head = head[[*ID_COLUMNS, *SEGMENT_COLUMNS]].astype(
        {name: types[name] for name in (*ID_COLUMNS, *SEGMENT_COLUMNS)}
    )
    values = pd.DataFrame(feature_matrix(fits, features), columns=features, copy=False)
    return pd.concat([head, values], axis=1)


def column_types(features: list[str]) -> dict[str, str]:
    types = {
        "customer_id": "string",
        "segment": "string",
        "cluster_id": "string",
        "cluster_number": "int64",
        "n_customers": "int64",
        "k": "int64",
        "k_rule": "string",
        "silhouette": "Float64",
        "quality": "string",
        "inertia_by_k": "string",
        "fit_params": "string",
    }
    return types | dict.fromkeys(features, "float64")


def empty_frame() -> pd.DataFrame:
    columns = [*ID_COLUMNS, *SEGMENT_COLUMNS]
    return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in column_types([]).items()})[
        columns
    ]


def cluster_customers(
    basket: pd.DataFrame, params: ClusterParams, n_jobs: int | None = None
) -> tuple[pd.DataFrame, list[SegmentFit]]:
    """Entry point shared by the dbt model and the artifact export."""
    fits = fit_all(basket, params, n_jobs)
    return customer_clusters(fits, params), fits
