"""How many threads a compiled or BLAS-free step may use: the cores this process may run on."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def ranges(total: int, parts: int) -> list[tuple[int, int]]:
    """[0, total) cut into at most `parts` consecutive ranges of near-equal length."""
    parts = max(1, min(parts, total))
    bounds = [total * part // parts for part in range(parts + 1)]
    pairs = zip(bounds[:-1], bounds[1:], strict=True)
    return [(start, stop) for start, stop in pairs if stop > start]


def in_threads(work: Callable[[T], R], items: Iterable[T], jobs: int) -> Sequence[R]:
    """work(item) for every item, on `jobs` threads (for work that releases the GIL: numba
    nogil kernels, scipy's sparse products); results in item order."""
    items = list(items)
    if jobs <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(work, items))
