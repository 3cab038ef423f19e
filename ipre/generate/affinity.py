"""What each customer archetype buys: a probability over products, and a fast sampler."""

from __future__ import annotations

import numpy as np

from ipre.generate.catalogue import Catalogue
from ipre.generate.taxonomy import L2_NAMES, N_ARCHETYPES_PER_TRADE, TRADES

BACKGROUND_L2_WEIGHT = 0.04  # occasional off-trade purchases, so no segment is a pure silo
FOCUS_BOOST = 5.0  # how much more an archetype buys of its focus departments
BRAND_BOOST = 3.0  # each archetype favours one brand slot in every department


def l2_mix() -> np.ndarray:
    """Archetype x L2 shares: trade-typical departments, boosted on the archetype's focus."""
    rows = []
    for trade in TRADES:
        base = np.full(len(L2_NAMES), BACKGROUND_L2_WEIGHT)
        for name, weight in trade.l2_weights:
            base[L2_NAMES.index(name)] += weight
        for arch in trade.archetypes:
            focus = np.isin(np.array(L2_NAMES), arch.focus)
            mix = base * np.where(focus, FOCUS_BOOST, 1.0)
            rows.append(mix / mix.sum())
    return np.array(rows)


def product_weights(cat: Catalogue) -> np.ndarray:
    """Archetype x product probabilities (rows sum to 1)."""
    n_arch = len(TRADES) * N_ARCHETYPES_PER_TRADE
    brand_pref = (np.arange(n_arch) % N_ARCHETYPES_PER_TRADE)[:, None]
    w = cat.popularity[None, :] * np.where(cat.brand[None, :] == brand_pref, BRAND_BOOST, 1.0)
    # Normalise within each (archetype, L2) so the L2 mix alone sets department shares.
    n_l2 = len(L2_NAMES)
    totals = np.zeros((n_arch, n_l2))
    for a in range(n_arch):
        totals[a] = np.bincount(cat.l2, weights=w[a], minlength=n_l2)
    w = w / totals[:, cat.l2] * l2_mix()[:, cat.l2]
    return w / w.sum(axis=1, keepdims=True)


def cumulative(weights: np.ndarray) -> np.ndarray:
    """Row-wise CDF, flattened with row r shifted by r so one searchsorted serves all rows."""
    cdf = np.cumsum(weights, axis=1)
    cdf /= cdf[:, -1:]
    cdf[:, -1] = 1.0
    return (cdf + np.arange(cdf.shape[0])[:, None]).ravel()


def sample_products(
    flat_cdf: np.ndarray, n_products: int, rows: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One product per entry of `rows` (archetype index), drawn from that archetype's row."""
    rows64 = rows.astype(np.int64)
    hit = np.searchsorted(flat_cdf, rng.random(rows.size) + rows64, side="right")
    return np.minimum(hit - rows64 * n_products, n_products - 1).astype(np.int32)
