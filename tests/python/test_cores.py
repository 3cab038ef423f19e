"""ipre.cores: ranges cover the work exactly once; threads return results in item order."""

from __future__ import annotations

import threading

import pytest

from ipre.cores import in_threads, ranges


@pytest.mark.parametrize("total", [0, 1, 2, 5, 17, 1000])
@pytest.mark.parametrize("parts", [1, 2, 3, 8])
def test_ranges_cover_every_index_once_in_order(total: int, parts: int) -> None:
    cut = ranges(total, parts)
    covered = [index for start, stop in cut for index in range(start, stop)]
    assert covered == list(range(total))
    assert len(cut) == min(parts, total)
    assert all(stop > start for start, stop in cut)
    lengths = [stop - start for start, stop in cut]
    assert not lengths or max(lengths) - min(lengths) <= 1


def test_in_threads_keeps_item_order_and_uses_threads() -> None:
    seen: set[int] = set()
    barrier = threading.Barrier(2, timeout=10)

    def work(item: int) -> int:
        seen.add(threading.get_ident())
        if item < 2:
            barrier.wait()  # both first items run at once: two threads
        return item * item

    assert in_threads(work, range(6), jobs=2) == [0, 1, 4, 9, 16, 25]
    assert len(seen) == 2
    assert in_threads(lambda item: item + 1, [3, 1, 2], jobs=1) == [4, 2, 3]
