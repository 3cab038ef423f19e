"""The item-to-item model alone, on a dataset's invoices: quality, reach, time and memory.

    .venv/bin/python bench/item_models.py --invoices FILE [--customers FILE] --cutoff DATE
        [--max-products 5000,2000] [--horizon-days 90]

History: the accepted lines (customer, positive quantity and price) dated on or before the
cutoff; each customer's segment is its region (customers file) when given. Targets: each
customer's first-time purchases in the horizon after the cutoff. Each customer is recommended
the five products with the largest summed product_neighbours weight over its purchases and
segment (no momentum, no stock or feedback rules): the similarity model on its own, so that
two ways of fitting it can be compared on the same footing. Prints one line per
similarity_max_products value: products modelled, distinct recommended, ndcg@5, hit@5, fit
seconds and the fit's peak memory (tracemalloc).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
from scipy import sparse

from ipre.similarity.ease import NeighbourParams, eligible_products, product_neighbours

K = 5


def read_lines(invoices: str, customers: str | None, cutoff: date, horizon: int):
    connection = duckdb.connect()
    reader = "read_parquet('{}')" if invoices.endswith(".parquet") else (
        "read_csv('{}', header = true, all_varchar = true)"
    )
    lines = connection.sql(
        f"""
        select distinct customer_id, product_id, try_cast(invoice_date as date) as day
        from {reader.format(invoices)}
        where customer_id is not null and product_id is not null
          and try_cast(quantity as double) > 0
          and try_cast(invoice_date as date) <= date '{cutoff + timedelta(days=horizon)}'
        """
    ).df()
    history = lines[lines["day"] <= pd.Timestamp(cutoff)][["customer_id", "product_id"]]
    future = lines[lines["day"] > pd.Timestamp(cutoff)][["customer_id", "product_id"]]
    history = history.drop_duplicates()
    side = None
    if customers:
        regions = connection.sql(
            "select customer_id, region as segment from "
            + (reader.format(customers) if customers.endswith(".parquet") else
               f"read_csv('{customers}', header = true)")
        ).df()
        side = history[["customer_id"]].drop_duplicates().merge(regions, on="customer_id")
    return history, future.drop_duplicates(), side


def targets(history: pd.DataFrame, future: pd.DataFrame) -> dict[str, set[str]]:
    seen = set(zip(history["customer_id"], history["product_id"], strict=True))
    known = set(history["customer_id"])
    out: dict[str, set[str]] = {}
    for customer, product in zip(future["customer_id"], future["product_id"], strict=True):
        if customer in known and (customer, product) not in seen:
            out.setdefault(customer, set()).add(product)
    return out


def recommend(history, side, table, customers) -> dict[str, list[str]]:
    evidence = history.assign(evidence_kind="product").rename(columns={"product_id": "evidence_id"})
    if side is not None:
        parts = side.rename(columns={"segment": "evidence_id"}).assign(evidence_kind="segment")
        evidence = pd.concat([evidence, parts], ignore_index=True)
    keys = sorted(set(zip(table["evidence_kind"], table["evidence_id"], strict=True)))
    key_index = pd.MultiIndex.from_tuples(keys)
    table_keys = pd.MultiIndex.from_frame(table[["evidence_kind", "evidence_id"]])
    products = sorted(set(table["neighbour_product_id"]))
    product_index = pd.Index(products)
    weights = sparse.csr_matrix(
        (
            table["weight"].to_numpy(),
            (
                key_index.get_indexer(table_keys),
                product_index.get_indexer(table["neighbour_product_id"]),
            ),
        ),
        shape=(len(keys), len(products)),
    )
    evidence = evidence[evidence["customer_id"].isin(set(customers))]
    evidence_keys = pd.MultiIndex.from_frame(evidence[["evidence_kind", "evidence_id"]])
    column = key_index.get_indexer(evidence_keys)
    evidence, column = evidence[column >= 0], column[column >= 0]
    row = pd.Index(customers).get_indexer(evidence["customer_id"])
    has = sparse.csr_matrix((np.ones(len(row)), (row, column)), shape=(len(customers), len(keys)))
    bought = history[history["customer_id"].isin(set(customers))]
    at = product_index.get_indexer(bought["product_id"])
    rows = pd.Index(customers).get_indexer(bought["customer_id"])
    seen = sparse.csr_matrix(
        (np.ones(int((at >= 0).sum())), (rows[at >= 0], at[at >= 0])),
        shape=(len(customers), len(products)),
    )
    out = {}
    for start in range(0, len(customers), 1024):
        scores = (has[start : start + 1024] @ weights).toarray()
        scores[seen[start : start + 1024].toarray() > 0] = -np.inf
        scores[scores <= 0] = -np.inf
        # the K best by score, ties by product id (columns are in id order)
        best = np.argpartition(-scores, K, axis=1)[:, : K * 4] if len(products) > K * 4 else None
        for i, customer in enumerate(customers[start : start + 1024]):
            pool = best[i] if best is not None else np.arange(len(products))
            threshold = np.sort(scores[i, pool])[::-1][min(K, len(pool)) - 1]
            pool = np.union1d(pool, np.flatnonzero(scores[i] == threshold))
            order = pool[np.lexsort((pool, -scores[i, pool]))][:K]
            out[customer] = [products[j] for j in order if np.isfinite(scores[i, j])]
    return out


def metrics(lists: dict[str, list[str]], truth: dict[str, set[str]]) -> tuple[float, float]:
    ndcg, hit = [], []
    for customer, wanted in truth.items():
        got = lists.get(customer, [])
        gains = [1.0 / np.log2(rank + 2) for rank, p in enumerate(got) if p in wanted]
        ideal = sum(1.0 / np.log2(rank + 2) for rank in range(min(len(wanted), K)))
        ndcg.append(sum(gains) / ideal)
        hit.append(1.0 if gains else 0.0)
    return float(np.mean(ndcg)), float(np.mean(hit))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", required=True)
    parser.add_argument("--customers")
    parser.add_argument("--cutoff", required=True, type=date.fromisoformat)
    parser.add_argument("--horizon-days", type=int, default=90)
    parser.add_argument("--max-products", default="5000")
    args = parser.parse_args()
    history, future, side = read_lines(
        args.invoices, args.customers, args.cutoff, args.horizon_days
    )
    truth = targets(history, future)
    customers = sorted(truth)
    eligible = len(eligible_products(history, NeighbourParams()))
    print(f"cutoff {args.cutoff}: {len(history):,} pairs, {eligible:,} products bought by 2+, "
          f"{len(customers):,} customers with targets")
    for cap in [int(value) for value in args.max_products.split(",")]:
        params = NeighbourParams(max_products=cap)
        tracemalloc.start()
        started = time.perf_counter()
        table = product_neighbours(history, params, side)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**30
        tracemalloc.stop()
        modelled = table["neighbour_product_id"].nunique()
        print(f"max_products {cap:>6}: modelled {modelled:,}, fit {seconds:.1f} s, "
              f"peak {peak:.2f} GiB", flush=True)
        lists = recommend(history, side, table, customers)
        ndcg, hit = metrics(lists, truth)
        recommended = len({p for got in lists.values() for p in got})
        print(f"max_products {cap:>6}: recommended {recommended:,}, "
              f"ndcg@5 {ndcg:.4f}, hit@5 {hit:.4f}", flush=True)


if __name__ == "__main__":
    main()
