"""Fast stable argsort for non-negative integer keys.

Packing (key, position) into one int64 and sorting values is several times faster than
np.argsort(kind="stable") on 10M rows, and equal keys stay in position order.
"""

from __future__ import annotations

import numpy as np


def stable_argsort(key: np.ndarray) -> np.ndarray:
    n = key.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    pos_bits = max(1, int(n - 1).bit_length())
    if int(key.min()) < 0 or int(key.max()) >= 1 << (63 - pos_bits):
        return np.argsort(key, kind="stable")
    packed = (key.astype(np.int64) << pos_bits) | np.arange(n, dtype=np.int64)
    packed.sort()
    return packed & ((1 << pos_bits) - 1)
