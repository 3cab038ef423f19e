"""Synthetic market_basket frames with known customer archetypes, for the clustering tests.

Each archetype prefers a different block of L2 categories (and the brands/functionalities that
come with them); every customer buys a few products drawn mostly from its archetype's block.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

L2 = [f"L2_{i}" for i in range(8)]
BRANDS = [f"Brand {i}" for i in range(6)]
FUNCS = ["Heating", "Cooling", "Water", "Gas"]


def catalogue(n_products: int, rng: np.random.Generator) -> pd.DataFrame:
    l2_idx = np.arange(n_products) % len(L2)
    return pd.DataFrame(
        {
            "product_id": [f"P{i:05d}" for i in range(n_products)],
            "l2_category": [L2[i] for i in l2_idx],
            "brand": [BRANDS[(i + rng.integers(0, 2)) % len(BRANDS)] for i in l2_idx],
            "functionality": [FUNCS[i % len(FUNCS)] for i in l2_idx],
            "l2_index": l2_idx,
        }
    )


def customer_rows(
    customer_id: str, archetype: int, products: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    block = {(2 * archetype) % len(L2), (2 * archetype + 1) % len(L2)}
    in_block = products["l2_index"].isin(block).to_numpy()
    weights = np.where(in_block, 9.0, 1.0)
    n_items = int(rng.integers(3, 9))
    picks = rng.choice(len(products), size=n_items, replace=False, p=weights / weights.sum())
    rows = products.iloc[np.sort(picks)].drop(columns="l2_index").copy()
    rows["customer_id"] = customer_id
    rows["total_quantity"] = rng.integers(1, 200, size=n_items).astype(float)
    return rows


def make_basket(
    segments: dict[str, int], n_archetypes: int = 3, seed: int = 0
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Return (market_basket-like frame, customer_id -> archetype) for {segment: n_customers}."""
    rng = np.random.default_rng(seed)
    products = catalogue(40, rng)
    frames, truth = [], {}
    for segment, n_customers in segments.items():
        for i in range(n_customers):
            customer_id = f"{segment}-C{i:05d}"
            truth[customer_id] = i % n_archetypes
            rows = customer_rows(customer_id, i % n_archetypes, products, rng)
            rows["segment"] = segment
            for column in ("rfm_recency_score", "rfm_frequency_score", "rfm_monetary_score"):
                rows[column] = float(rng.uniform())
            frames.append(rows)
    basket = pd.concat(frames, ignore_index=True)
    basket["reference_date"] = pd.Timestamp("2026-01-31")
    return basket, truth
