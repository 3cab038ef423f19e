"""Per-segment feature matrix for customer clustering (spec §4.2 "Feature Matrix", §7.1).

Groups, always laid out in this canonical order whatever order the var lists them in:

* ``l2_qty``, ``brand``, ``functionality``: share of the customer's total_quantity per category
  value, one column ``{group}__{value}`` per value seen in the segment. Each group's row sums to 1.
  A missing or blank value is the category ``unknown``: it keeps the row summing to 1, and a
  customer buying mostly unknown-brand items is itself a pattern. A group with no data at all in a
  segment (e.g. every brand unknown) therefore yields one constant ``brand__unknown`` column of
  1.0, which StandardScaler maps to 0: it contributes nothing to distances, so the fit equals the
  fit without that group (tested).
* ``rfm``: rfm_recency_score, rfm_frequency_score, rfm_monetary_score (customer level; a null
  score counts as 0).

Negative quantities (returns) are clipped at 0 before shares are taken; a customer whose clipped
total is 0 gets a row of zeros for that group, since there is no mix to describe.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

PROPORTION_GROUPS: dict[str, str] = {
    "l2_qty": "l2_category",
    "brand": "brand",
    "functionality": "functionality",
}
RFM_COLUMNS: tuple[str, ...] = ("rfm_recency_score", "rfm_frequency_score", "rfm_monetary_score")
GROUP_ORDER: tuple[str, ...] = ("l2_qty", "brand", "functionality", "rfm")
UNKNOWN = "unknown"


def parse_feature_groups(spec: str | Sequence[str]) -> tuple[str, ...]:
    """Parse the ``feature_groups`` var into canonical order; reject unknown or empty lists."""
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    chosen = {name.strip().lower() for name in names if name and name.strip()}
    unknown = chosen - set(GROUP_ORDER)
    if unknown or not chosen:
        raise ValueError(
            f"feature_groups must be a non-empty subset of {GROUP_ORDER}, got {sorted(unknown)}"
        )
    return tuple(group for group in GROUP_ORDER if group in chosen)


def slug(value: object) -> str:
    """Column-safe category name; blank or null becomes 'unknown'. Values that slug alike pool."""
    text = "" if value is None or pd.isna(value) else str(value)
    cleaned = re.sub(r"[^0-9a-z]+", "_", text.strip().lower()).strip("_")
    return cleaned or UNKNOWN


def customer_codes(basket: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """Each row's position in the sorted distinct customer ids, and those ids."""
    codes, customers = pd.factorize(basket["customer_id"], sort=True)
    return codes, pd.Index(customers, name="customer_id")


def proportion_features(
    basket: pd.DataFrame, group: str, customers: tuple[np.ndarray, pd.Index] | None = None
) -> pd.DataFrame:
    """Shares of clipped total_quantity per category value; index customer_id, sorted columns."""
    rows, index = customers if customers is not None else customer_codes(basket)
    # Slug the distinct values only: per-row regexes dominated the run time on large inputs.
    codes, values = pd.factorize(basket[PROPORTION_GROUPS[group]])
    slugs = [slug(value) for value in values] + [UNKNOWN]
    present = sorted(set(slugs[:-1]) | ({UNKNOWN} if (codes < 0).any() else set()))
    column = {key: position for position, key in enumerate(present)}
    keys = np.array([column.get(key, -1) for key in slugs], dtype=np.int64)[codes]
    quantity = basket["total_quantity"].astype("float64").fillna(0.0).clip(lower=0.0).to_numpy()
    # One dense customer x value matrix per segment, as a pivot would make, in one bincount:
    # a per-segment groupby and unstack cost more than the fit on small segments.
    flat = np.bincount(
        rows * len(present) + keys, weights=quantity, minlength=len(index) * len(present)
    )
    wide = flat.reshape(len(index), len(present))
    totals = wide.sum(axis=1)
    # Divide only where there is a mix; a zero total keeps its row of zeros.
    shares = wide / np.where(totals > 0, totals, 1.0)[:, None]
    return pd.DataFrame(shares, index=index, columns=[f"{group}__{key}" for key in present])


def rfm_features(
    basket: pd.DataFrame, customers: tuple[np.ndarray, pd.Index] | None = None
) -> pd.DataFrame:
    """Customer-level RFM scores (repeated per row upstream, so max is the value itself)."""
    rows, index = customers if customers is not None else customer_codes(basket)
    scores = np.full((len(index), len(RFM_COLUMNS)), np.nan)
    values = basket[list(RFM_COLUMNS)].astype("float64").to_numpy()
    for position in range(len(RFM_COLUMNS)):
        np.fmax.at(scores[:, position], rows, values[:, position])
    return pd.DataFrame(np.nan_to_num(scores, nan=0.0), index=index, columns=list(RFM_COLUMNS))


def build_features(basket: pd.DataFrame, groups: Sequence[str]) -> pd.DataFrame:
    """Feature matrix for one segment: one row per customer (sorted), columns grouped in order."""
    customers = customer_codes(basket)
    parts = [
        rfm_features(basket, customers)
        if group == "rfm"
        else proportion_features(basket, group, customers)
        for group in parse_feature_groups(groups)
    ]
    return pd.concat(parts, axis=1)
