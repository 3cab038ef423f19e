"""Account-manager feedback (spec 3.4) on plausible recommendations: products bought in the
customer's segment (region x end_use) that the customer itself has not bought."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pyarrow as pa

from ipre.generate.affinity import sample_products
from ipre.generate.catalogue import Catalogue
from ipre.generate.customers import Customers
from ipre.generate.invoices import Lines
from ipre.generate.params import Params
from ipre.generate.taxonomy import L2_NAMES, TRADES

RATINGS = ("High", "Medium", "Low")
NEGATIVE_CODES = ("not_relevant", "wrong_category", "price_too_high", "already_stocked")
POSITIVE_CODES = ("good_fit", "customer_interested", "reorder_planned")
DRAWS_PER_CUSTOMER = 12  # oversampling; bought / off-segment draws are discarded
MAX_ITEMS = 5
FEEDBACK_WINDOW_DAYS = 120


def _keys(a: np.ndarray, b: np.ndarray, n_b: int) -> np.ndarray:
    return a.astype(np.int64) * n_b + b


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    # Sort-based on purpose: numpy's hash-based unique is ~10x slower on 10M int64 keys.
    keys = np.sort(keys)
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))]


def _member(keys: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    pos = np.minimum(np.searchsorted(sorted_set, keys), sorted_set.size - 1)
    return sorted_set[pos] == keys


def _candidates(
    params: Params, cust: Customers, lines: Lines, cdf: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    n_p = params.n_products
    chosen = np.sort(
        rng.choice(cust.size, round(params.feedback_customer_share * cust.size), replace=False)
    )
    customer = np.repeat(chosen, DRAWS_PER_CUSTOMER)
    product = sample_products(cdf, n_p, cust.archetype[customer], rng)
    segment = cust.region.astype(np.int64) * len(TRADES) + cust.trade
    bought = _sorted_unique(_keys(lines.customer, lines.product, n_p))
    in_segment = _sorted_unique(_keys(segment[lines.customer], lines.product, n_p))
    keep = ~_member(_keys(customer, product, n_p), bought)
    keep &= _member(_keys(segment[customer], product, n_p), in_segment)
    customer, product = customer[keep], product[keep]
    _, first = np.unique(_keys(customer, product, n_p), return_index=True)
    first.sort()
    customer, product = customer[first], product[first]
    # Keep the first 1..MAX_ITEMS distinct candidates of each customer.
    starts = np.searchsorted(customer, customer)
    limit = rng.integers(1, MAX_ITEMS + 1, cust.size)[customer]
    keep = np.arange(customer.size) - starts < limit
    return customer[keep], product[keep]


def _focus_matrix() -> np.ndarray:
    """Archetype x L2: is the department one of the archetype's focus departments?"""
    names = np.array(L2_NAMES)
    return np.array([np.isin(names, a.focus) for t in TRADES for a in t.archetypes])


def _ratings(focus: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Recommendations in the account's own focus departments land better."""
    u = rng.random(focus.size)
    high, medium = np.where(focus, 0.5, 0.25), np.where(focus, 0.35, 0.4)
    return np.where(u < high, 0, np.where(u < high + medium, 1, 2))


def _reasons_and_sentiments(
    rating: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Reason code is mandatory for Medium/Low. Many Medium rows carry no sentiment, so the
    weight resolution has to infer it from the reason code."""
    n = rating.size
    u, v = rng.random(n), rng.random(n)
    pos = np.array(POSITIVE_CODES, dtype=object)[rng.integers(0, len(POSITIVE_CODES), n)]
    neg = np.array(NEGATIVE_CODES, dtype=object)[rng.integers(0, len(NEGATIVE_CODES), n)]
    high, low = rating == 0, rating == 2
    reason = np.select(
        [high, low, u < 0.3, u < 0.6],
        [np.where(u < 0.6, pos, None), neg, pos, neg],
        np.where(v < 0.5, pos, neg),
    )
    sentiment = np.select(
        [high, low, u < 0.3, u < 0.6],
        [
            np.where(v < 0.5, "positive", None),
            np.where(u < 0.6, "negative", None),
            "positive",
            "negative",
        ],
        None,
    )
    return reason, sentiment


def build_feedback(
    params: Params,
    cust: Customers,
    cat: Catalogue,
    lines: Lines,
    cdf: np.ndarray,
    rng: np.random.Generator,
) -> pa.Table:
    customer, product = _candidates(params, cust, lines, cdf, rng)
    rating = _ratings(_focus_matrix()[cust.archetype[customer], cat.l2[product]], rng)
    reasons, sentiments = _reasons_and_sentiments(rating, rng)
    age = rng.integers(0, FEEDBACK_WINDOW_DAYS, rating.size).tolist()
    return pa.table(
        {
            "customer_id": [f"C{c + 1:05d}" for c in customer.tolist()],
            "product_id": [f"P{p + 1:05d}" for p in product.tolist()],
            "rating": [RATINGS[r] for r in rating.tolist()],
            "reason_code": pa.array(reasons.tolist(), pa.string()),
            "sentiment": pa.array(sentiments.tolist(), pa.string()),
            "feedback_date": [(params.end_date - timedelta(days=d)).isoformat() for d in age],
        }
    )
