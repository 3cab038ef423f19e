"""Planted complementary bundles: 2-3 products of a trade that its customers buy together.

Each bundle belongs to one archetype of one trade (its customers buy it most often) and is
bought within days by customers of that trade, often on the same invoice. The association
step should rediscover them; ground_truth.json lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ipre.generate.catalogue import Catalogue
from ipre.generate.params import Params
from ipre.generate.taxonomy import L2_NAMES, N_ARCHETYPES_PER_TRADE, TRADES

MAX_BUNDLE_SIZE = 3
TRIPLE_SHARE = 0.35  # the rest of the bundles are pairs


@dataclass(frozen=True)
class Bundles:
    members: np.ndarray  # int32 [n_bundles, 3] product indices, -1 padded
    size: np.ndarray  # int8 number of members
    per_archetype: int  # bundle b belongs to archetype b // per_archetype

    @property
    def count(self) -> int:
        return int(self.size.size)

    def archetype(self) -> np.ndarray:
        return np.arange(self.count) // self.per_archetype


def _pick(weights: np.ndarray, fallback: np.ndarray, rng: np.random.Generator) -> int:
    # Tiny catalogues can exhaust a department; then any trade product will do.
    w = weights if weights.sum() > 0 else fallback
    return int(rng.choice(w.size, p=w / w.sum()))


def _one_bundle(
    cat: Catalogue,
    arch_w: np.ndarray,
    trade_mask: np.ndarray,
    focus_mask: np.ndarray,
    used: np.ndarray,
    size: int,
    rng: np.random.Generator,
) -> list[int]:
    """First member from the archetype's focus departments, the others from other L3s of the
    trade (complements, e.g. pipe + cement), all in stock so they can be recommended."""
    # sqrt flattens popularity: bundles are mid-sellers, not only the top products.
    base = np.sqrt(arch_w) * cat.in_stock * ~used * trade_mask
    members = [_pick(base * focus_mask, base, rng)]
    while len(members) < size:
        other_l3 = ~np.isin(cat.l3, cat.l3[members])
        members.append(_pick(base * other_l3, base, rng))
    return members


def plant_bundles(
    params: Params, cat: Catalogue, weights: np.ndarray, rng: np.random.Generator
) -> Bundles:
    per = params.bundles_per_archetype
    l2_names = np.array(L2_NAMES)
    members = np.full((len(TRADES) * N_ARCHETYPES_PER_TRADE * per, MAX_BUNDLE_SIZE), -1)
    sizes = np.where(rng.random(members.shape[0]) < TRIPLE_SHARE, 3, 2)
    b = 0
    for t, trade in enumerate(TRADES):
        trade_l2 = np.isin(l2_names, [name for name, _ in trade.l2_weights])[cat.l2]
        used = np.zeros(cat.size, dtype=bool)  # bundles of one trade do not share products
        for k, arch in enumerate(trade.archetypes):
            focus = np.isin(l2_names, arch.focus)[cat.l2]
            for _ in range(per):
                row = weights[t * N_ARCHETYPES_PER_TRADE + k]
                chosen = _one_bundle(cat, row, trade_l2, focus, used, int(sizes[b]), rng)
                members[b, : len(chosen)] = chosen
                used[chosen] = True
                b += 1
    return Bundles(members=members.astype(np.int32), size=sizes.astype(np.int8), per_archetype=per)


def planted_pairs(bundles: Bundles) -> list[tuple[int, int, int]]:
    """(bundle, product a, product b) for every unordered pair inside every bundle."""
    pairs = []
    for b in range(bundles.count):
        m = bundles.members[b, : bundles.size[b]].tolist()
        pairs += [(b, m[i], m[j]) for i in range(len(m)) for j in range(i + 1, len(m))]
    return pairs
