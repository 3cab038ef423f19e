"""Paired bootstrap intervals for the difference of two models over the same customers.

For per-customer values a_i (e.g. the engine's NDCG@5) and b_i (the best baseline's) of the
same customers, the difference is mean(a - b). Customers are resampled with replacement
BOOTSTRAP_RESAMPLES times with a fixed seed (numpy's PCG64), and the 2.5 % and 97.5 %
percentiles of the resampled means give the 95 % interval. Pairing keeps each customer's two
values together, so the interval reflects how consistently one model beats the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 12
BOOTSTRAP_LEVEL = 0.95
BOOTSTRAP_CHUNK = 100  # resamples drawn at a time (memory: chunk × customers indices)


@dataclass(frozen=True)
class PairedInterval:
    delta: float  # mean(a - b) over the customers
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def paired_bootstrap(
    a: Sequence[float],
    b: Sequence[float],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = BOOTSTRAP_LEVEL,
) -> PairedInterval:
    """mean(a - b) and its percentile interval over customer resamples."""
    if len(a) != len(b) or len(a) == 0:
        raise ValueError("need two equally long, non-empty sequences of per-customer values")
    diffs = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = np.empty(resamples, dtype=np.float64)
    for start in range(0, resamples, BOOTSTRAP_CHUNK):
        size = min(BOOTSTRAP_CHUNK, resamples - start)
        picks = rng.integers(0, len(diffs), size=(size, len(diffs)))
        means[start : start + size] = diffs[picks].mean(axis=1)
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(means, [tail, 100.0 - tail])
    return PairedInterval(float(diffs.mean()), float(low), float(high))
