"""Customers: region, trade (end_use), archetype within the trade, heavy-tailed activity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ipre.generate.params import Params
from ipre.generate.taxonomy import (
    N_ARCHETYPES_PER_TRADE,
    NAME_PREFIXES,
    NAME_SUFFIXES,
    REGION_WEIGHTS,
    REGIONS,
    TRADES,
)

# Activity is lognormal with the upper tail clipped: the largest account is ~25x the mean,
# big enough to be a "key account" but not so big that its baskets explode pair counts.
SIZE_SIGMA = 1.1
SIZE_Z_CAP = 3.5


@dataclass(frozen=True)
class Customers:
    region: np.ndarray  # int8 index into REGIONS
    trade: np.ndarray  # int8 index into TRADES
    archetype: np.ndarray  # int16 global archetype = trade * 3 + archetype-within-trade
    weight: np.ndarray  # float64 relative purchasing activity (heavy tailed)

    @property
    def size(self) -> int:
        return int(self.region.size)


def _trade_probabilities() -> np.ndarray:
    """Region x trade probabilities: e.g. HVAC and landscaping are over-represented down south."""
    probs = np.array(
        [[t.share * (1.6 if r in t.hot_regions else 1.0) for t in TRADES] for r in REGIONS]
    )
    return probs / probs.sum(axis=1, keepdims=True)


def _sample_rows(probs: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sample one column per entry of `rows` from the probability row it names."""
    cdf = np.cumsum(probs, axis=1)
    cdf[:, -1] = 1.0
    u = rng.random(rows.size)
    return (u[:, None] >= cdf[rows]).sum(axis=1)


def build_customers(params: Params, rng: np.random.Generator) -> Customers:
    n = params.n_customers
    region_p = np.array(REGION_WEIGHTS) / sum(REGION_WEIGHTS)
    region = rng.choice(len(REGIONS), n, p=region_p)
    trade = _sample_rows(_trade_probabilities(), region, rng)
    arch_p = np.array([[a.share for a in t.archetypes] for t in TRADES])
    within = _sample_rows(arch_p, trade, rng)
    z = np.minimum(rng.standard_normal(n), SIZE_Z_CAP)
    return Customers(
        region=region.astype(np.int8),
        trade=trade.astype(np.int8),
        archetype=(trade * N_ARCHETYPES_PER_TRADE + within).astype(np.int16),
        weight=np.exp(SIZE_SIGMA * z),
    )


def customer_ids(n: int) -> list[str]:
    return [f"C{i:05d}" for i in range(1, n + 1)]


def archetype_labels() -> list[str]:
    """Label of each global archetype index, e.g. 'Plumbing/service_repair'."""
    return [f"{t.name}/{a.name}" for t in TRADES for a in t.archetypes]


def customers_table(cust: Customers, rng: np.random.Generator) -> pa.Table:
    prefix = rng.integers(0, len(NAME_PREFIXES), cust.size).tolist()
    word = rng.integers(0, 3, cust.size).tolist()
    suffix = rng.integers(0, len(NAME_SUFFIXES), cust.size).tolist()
    trades = cust.trade.tolist()
    names = [
        f"{NAME_PREFIXES[p]} {TRADES[t].name_words[w]} {NAME_SUFFIXES[s]}"
        for p, t, w, s in zip(prefix, trades, word, suffix, strict=True)
    ]
    return pa.table(
        {
            "customer_id": customer_ids(cust.size),
            "customer_name": names,
            "region": [REGIONS[r] for r in cust.region.tolist()],
            "end_use": [TRADES[t].name for t in trades],
        }
    )
