"""Product catalogue: products spread over all L3 sub-categories, with brands, prices, stock."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ipre.generate.params import Params
from ipre.generate.taxonomy import L2_CATEGORIES

# Flattened L3 table: one entry per sub-category across all L2 departments.
L3_L2: np.ndarray = np.array([i for i, c in enumerate(L2_CATEGORIES) for _ in c.l3], dtype=np.int16)
L3_NAMES: tuple[str, ...] = tuple(name for c in L2_CATEGORIES for name, _ in c.l3)
L3_FUNCTIONALITY: tuple[str, ...] = tuple(func for c in L2_CATEGORIES for _, func in c.l3)


@dataclass(frozen=True)
class Catalogue:
    l2: np.ndarray  # int16 index into L2_CATEGORIES
    l3: np.ndarray  # int16 index into L3_NAMES
    brand: np.ndarray  # int8 index into the product's L2 brand list
    price: np.ndarray  # float64, rounded to cents
    in_stock: np.ndarray  # bool
    popularity: np.ndarray  # float64, Zipf-like weight within the catalogue

    @property
    def size(self) -> int:
        return int(self.l2.size)


def build_catalogue(params: Params, rng: np.random.Generator) -> Catalogue:
    n, n_l3 = params.n_products, len(L3_NAMES)
    if n < n_l3:
        raise ValueError(f"need at least {n_l3} products, one per L3 category")
    # Every L3 gets one product; the rest is spread unevenly so some aisles are deeper.
    depth = rng.gamma(2.0, 1.0, n_l3)
    counts = 1 + rng.multinomial(n - n_l3, depth / depth.sum())
    l3 = np.repeat(np.arange(n_l3, dtype=np.int16), counts)
    l2 = L3_L2[l3]
    base = np.array([c.base_price for c in L2_CATEGORIES])[l2]
    l3_factor = rng.lognormal(0.0, 0.4, n_l3)[l3]
    price = np.maximum(0.5, np.round(base * l3_factor * rng.lognormal(0.0, 0.35, n), 2))
    in_stock = np.ones(n, dtype=bool)
    in_stock[rng.choice(n, round(params.out_of_stock_share * n), replace=False)] = False
    # Zipf-like popularity on a random ranking: a few best sellers, a long tail.
    rank = rng.permutation(n) + 1
    return Catalogue(
        l2=l2,
        l3=l3,
        brand=rng.integers(0, 5, n).astype(np.int8),
        price=price,
        in_stock=in_stock,
        popularity=1.0 / rank**0.9,
    )


def product_ids(n: int) -> list[str]:
    return [f"P{i:05d}" for i in range(1, n + 1)]


def brand_names(cat: Catalogue) -> list[str]:
    return [
        L2_CATEGORIES[g].brands[b] for g, b in zip(cat.l2.tolist(), cat.brand.tolist(), strict=True)
    ]


def products_table(cat: Catalogue, rng: np.random.Generator) -> pa.Table:
    brands = brand_names(cat)
    # Model codes like "KX-340" make names distinct enough to tell products apart.
    letters = rng.integers(0, 26, (cat.size, 2)) + ord("A")
    numbers = rng.integers(100, 1000, cat.size)
    names = [
        f"{b} {L3_NAMES[t]} {chr(x)}{chr(y)}-{m}"
        for b, t, (x, y), m in zip(
            brands, cat.l3.tolist(), letters.tolist(), numbers.tolist(), strict=True
        )
    ]
    return pa.table(
        {
            "product_id": product_ids(cat.size),
            "product_name": names,
            "brand": brands,
            "l2_category": [L2_CATEGORIES[g].name for g in cat.l2.tolist()],
            "l3_category": [L3_NAMES[t] for t in cat.l3.tolist()],
            "functionality": [L3_FUNCTIONALITY[t] for t in cat.l3.tolist()],
            "in_stock": np.where(cat.in_stock, "true", "false").tolist(),
            "unit_price": cat.price,
        }
    )
