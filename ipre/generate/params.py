"""Generator parameters: one frozen value object derived from the CLI scale options."""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass
from datetime import date

import numpy as np

# Fixed reference (last) date: the data never depends on the wall clock.
END_DATE = date(2026, 2, 20)
START_DATE = date(2023, 2, 21)  # three years of history, inclusive of END_DATE
MAX_LINES = 100_000_000  # a large distributor: issue 22
MIN_LINES = 1_000
PARQUET_ABOVE_LINES = 1_000_000

# (lines, customers, products) of the named scales; the spec's POC and 50k datasets.
SCALES: dict[str, tuple[int, int, int]] = {
    "poc": (3_000, 500, 300),
    "50k": (50_000, 5_000, 5_463),
}


@dataclass(frozen=True)
class Params:
    seed: int
    scale: str  # "poc", "50k" or "lines"
    n_lines: int
    n_customers: int
    n_products: int
    dirty_share: float
    bundles_per_archetype: int
    bundle_share: float = 0.25  # share of lines that come from planted bundle purchases
    repeat_share: float = 0.35  # share of base lines that re-buy the account's own repertoire
    base_lines_per_invoice: float = 1.8
    out_of_stock_share: float = 0.05
    feedback_customer_share: float = 0.3
    start_date: date = START_DATE
    end_date: date = END_DATE

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["start_date"] = self.start_date.isoformat()
        data["end_date"] = self.end_date.isoformat()
        return data


def sizes_for_lines(n_lines: int) -> tuple[int, int]:
    """Customers and products grow sub-linearly with lines, anchored on the 50k scale."""
    ratio = n_lines / SCALES["50k"][0]
    customers = max(60, int(SCALES["50k"][1] * ratio**0.75))
    products = max(150, int(SCALES["50k"][2] * ratio**0.5))
    return customers, products


MIN_PRODUCTS, MAX_PRODUCTS = 150, 1_000_000


def make_params(
    scale: str | None, lines: int | None, seed: int, dirty_share: float,
    products: int | None = None,
) -> Params:  # fmt: skip
    """products: the catalogue size, instead of the one that grows with the lines (a
    distributor's catalogue: 50k-500k products with the same Zipf-like long tail)."""
    if scale is not None:
        n_lines, n_customers, n_products = SCALES[scale]
    else:
        if lines is None or not MIN_LINES <= lines <= MAX_LINES:
            raise ValueError(f"--lines must be between {MIN_LINES:,} and {MAX_LINES:,}")
        n_lines = lines
        n_customers, n_products = sizes_for_lines(lines)
    if products is not None:
        if not MIN_PRODUCTS <= products <= MAX_PRODUCTS:
            raise ValueError(f"--products must be between {MIN_PRODUCTS:,} and {MAX_PRODUCTS:,}")
        n_products = products
    if not 0.0 <= dirty_share <= 0.2:
        raise ValueError("--dirty-share must be between 0 and 0.2")
    return Params(
        seed=seed,
        scale=scale or "lines",
        n_lines=n_lines,
        n_customers=n_customers,
        n_products=n_products,
        dirty_share=dirty_share,
        # More products leave room for more distinct bundles without crowding the catalogue.
        bundles_per_archetype=max(1, min(8, n_products // 1300)),
    )


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per concern, so changing one concern leaves others intact."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])
