"""Benchmark: cluster 100,000 customers across ~60 segments (issue 3 target: < 30 s on 2 cores).

Builds a synthetic market_basket in memory (vectorised, archetype-driven, ~8 products per
customer), then times ``cluster_customers`` with the default worker count and, with --compare,
with a single worker. Usage: python bench/cluster_bench.py [--customers N] [--segments S]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from ipre.clustering import ClusterParams, cluster_customers
from ipre.cores import default_jobs

N_L2, N_BRANDS, N_FUNCS, N_PRODUCTS, N_ARCHETYPES = 15, 20, 6, 600, 5


def products(rng: np.random.Generator) -> pd.DataFrame:
    l2 = rng.integers(0, N_L2, N_PRODUCTS)
    return pd.DataFrame(
        {
            "l2_category": [f"L2 {i}" for i in l2],
            "brand": [f"Brand {i}" for i in rng.integers(0, N_BRANDS, N_PRODUCTS)],
            "functionality": [f"Func {i % N_FUNCS}" for i in l2],
            "l2_index": l2,
        }
    )


def basket(n_customers: int, n_segments: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    catalogue = products(rng)
    archetype = rng.integers(0, N_ARCHETYPES, n_customers)
    items = rng.integers(4, 13, n_customers)
    owner = np.repeat(np.arange(n_customers), items)
    # 80 % of a customer's picks come from its archetype's three L2 categories.
    preferred = rng.random(len(owner)) < 0.8
    block = (archetype[owner] * 3 + rng.integers(0, 3, len(owner))) % N_L2
    by_l2 = [np.flatnonzero(catalogue["l2_index"].to_numpy() == i) for i in range(N_L2)]
    picks = np.array([rng.choice(by_l2[b]) for b in block])
    picks = np.where(preferred, picks, rng.integers(0, N_PRODUCTS, len(owner)))
    frame = catalogue.iloc[picks].drop(columns="l2_index").reset_index(drop=True)
    frame["customer_id"] = [f"C{i:06d}" for i in owner]
    frame["segment"] = [f"R{i % 12}_E{i % 5}" for i in (owner * 7919 % n_segments)]
    frame["total_quantity"] = rng.integers(1, 100, len(owner)).astype(float)
    for column in ("rfm_recency_score", "rfm_frequency_score", "rfm_monetary_score"):
        frame[column] = rng.random(n_customers)[owner]
    return frame


def timed(frame: pd.DataFrame, n_jobs: int, threshold: float) -> tuple[float, pd.DataFrame]:
    start = time.perf_counter()
    table, _ = cluster_customers(frame, ClusterParams(elbow_threshold=threshold), n_jobs=n_jobs)
    return time.perf_counter() - start, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--segments", type=int, default=60)
    parser.add_argument("--compare", action="store_true", help="also time one worker")
    # 0 never meets the rule, so every k = 2..max_k is fitted: the worst case.
    parser.add_argument("--elbow-threshold", type=float, default=10.0)
    args = parser.parse_args()
    frame = basket(args.customers, args.segments)
    # Wall time on a shared 2-core box depends on what else runs: print the load alongside.
    print(f"load average before the run: {os.getloadavg()[0]:.1f}")
    print(f"{args.customers} customers, {frame['segment'].nunique()} segments, {len(frame)} rows")
    runs = [default_jobs(), 1] if args.compare else [default_jobs()]
    for jobs in runs:
        seconds, table = timed(frame, jobs, args.elbow_threshold)
        ks = table.drop_duplicates("segment")["k"]
        print(
            f"workers={jobs}: {seconds:.1f} s; k per segment min {ks.min()} "
            f"median {ks.median():.0f} max {ks.max()}; {table.shape[1]} columns"
        )


if __name__ == "__main__":
    main()
