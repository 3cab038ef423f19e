"""History before the cutoff and the first-time purchases after it (the evaluation targets).

A line is (customer_id, product_id, invoice_date) of an accepted invoice. A product is a
target for a customer when the customer bought it in (T, T + horizon] and never on or before
T, over the whole accepted history (not only the pipeline's recency window).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from ipre.evaluation.split import Split

Line = tuple[str, str, date]


def bought_before(lines: Iterable[Line], split: Split) -> dict[str, frozenset[str]]:
    """Customer -> every product bought on or before the cutoff."""
    seen: dict[str, set[str]] = defaultdict(set)
    for customer, product, day in lines:
        if split.is_history(day):
            seen[customer].add(product)
    return {customer: frozenset(products) for customer, products in seen.items()}


def first_time_targets(lines: Iterable[Line], split: Split) -> dict[str, frozenset[str]]:
    """Customer -> products bought in the horizon and never before; customers without any
    such product are absent."""
    materialised = list(lines)
    history = bought_before(materialised, split)
    found: dict[str, set[str]] = defaultdict(set)
    for customer, product, day in materialised:
        if split.is_horizon(day) and product not in history.get(customer, frozenset()):
            found[customer].add(product)
    return {customer: frozenset(products) for customer, products in found.items()}
