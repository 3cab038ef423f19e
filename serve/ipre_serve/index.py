"""In-memory index: customer id -> the JSON response bytes (recommendations and reorder
reminders), built once at load.

Serialising at load rather than per request is what makes an answer a dict lookup plus a
socket write (see bench/serve_bench.py for the difference it makes).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

_FLOATS = ("score", "confidence", "lift", "support", "weighted_support")
_STRINGS = ("l2_category", "l3_category", "reason", "trigger_product", "cluster_id", "segment")


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), allow_nan=False).encode()


def _float(value: Any) -> float | None:
    # NaN/inf are not JSON and Apex cannot parse them: a missing measure is null.
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _date(value: Any) -> str | None:
    # A Parquet date arrives as datetime.date: ISO 8601 (YYYY-MM-DD), a Salesforce Date.
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def recommendation(row: Mapping[str, Any]) -> dict[str, Any]:
    """One export row as a response item (field names are valid Apex identifiers)."""
    item: dict[str, Any] = {
        "product_id": _str(row["recommended_product"]),
        # Optional column: exports written before product names were added have none.
        "product_name": _str(row.get("product_name")),
        "rank": _int(row["rank"]),
        "recommended_qty": _int(row["recommended_qty"]),
    }
    item.update({name: _float(row[name]) for name in _FLOATS})
    item.update({name: _str(row[name]) for name in _STRINGS})
    return item


def reorder(row: Mapping[str, Any]) -> dict[str, Any]:
    """One reorder reminder (a row of the reorder_reminders export) as a response item."""
    return {
        "product_id": _str(row["product_id"]),
        "product_name": _str(row.get("product_name")),
        "rank": _int(row["reorder_rank"]),
        "l2_category": _str(row["l2_category"]),
        "typical_interval_days": _float(row["typical_interval_days"]),
        "days_since_last_purchase": _int(row["days_since_last_purchase"]),
        "last_purchase_date": _date(row["last_purchase_date"]),
        "expected_next_date": _date(row["expected_next_date"]),
        "overdue_ratio": _float(row["overdue_ratio"]),
        "usual_quantity": _float(row["usual_quantity"]),
        "suggested_quantity": _int(row["suggested_quantity"]),
        "due_score": _float(row["due_score"]),
        "reason": _str(row["reason"]),
    }


OK = "ok"
NO_RECENT_PURCHASES = "no_recent_purchases"
UNKNOWN_CUSTOMER = "unknown_customer"


def response(customer_id: str, items: list[dict[str, Any]], status: str | None = None,
             reorders: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
    """The response body for one customer: ``status`` ok (recommendations or reorder
    reminders), no_recent_purchases (in the customer master, no purchase in the recency window)
    or unknown_customer; ``known_customer`` (kept for existing callers) is true exactly when
    the status is ok. ``reorders``: the products the customer is due to buy again."""
    reorders = reorders or []
    known = bool(items or reorders)
    return {
        "customer_id": customer_id,
        "known_customer": known,
        "status": status or (OK if known else UNKNOWN_CUSTOMER),
        "recommendations": items,
        "reorders": reorders,
    }


class RecommendationIndex:
    """Pre-serialised responses keyed by customer id; read-only once built."""

    def __init__(self, responses: dict[str, bytes],
                 no_recent: frozenset[str] = frozenset()) -> None:  # fmt: skip
        self._responses = responses
        self._no_recent = no_recent
        # The longest answer for a known id; an unknown id's answer is its id plus this frame.
        self.largest_answer = max((len(v) for v in responses.values()), default=0)

    def __len__(self) -> int:
        return len(self._responses)

    def known(self, customer_id: str) -> bool:
        return customer_id in self._responses

    def single(self, customer_id: str) -> bytes:
        """Response bytes for one customer; an unknown one gets an empty list, not an error."""
        cached = self._responses.get(customer_id)
        if cached is not None:
            return cached
        status = NO_RECENT_PURCHASES if customer_id in self._no_recent else UNKNOWN_CUSTOMER
        return _dumps(response(customer_id, [], status))

    def batch(self, customer_ids: Iterable[str]) -> bytes:
        """``{"count": n, "results": [...]}`` in request order, joined from cached bytes."""
        parts = [self.single(cid) for cid in customer_ids]
        head = b'{"count":%d,"results":[' % len(parts)
        return head + b",".join(parts) + b"]}"

    def batch_limit(self, max_response_bytes: int, max_id_length: int) -> int:
        """Most ids one batch may ask for so the answer stays within ``max_response_bytes``.

        Derived from the data (the longest pre-serialised answer, so from top_k and the
        lengths of names and reasons), never from a constant.
        """
        # The longest id as JSON: characters outside the BMP are escaped to 12 bytes each.
        longest_id = "\U0001f600" * max_id_length
        unknown = len(_dumps(response(longest_id, [], NO_RECENT_PURCHASES)))
        per_id = max(self.largest_answer, unknown) + 1  # the comma between answers
        return max(1, (max_response_bytes - 64) // per_id)


def _by_customer(table: pa.Table | None, item: Any) -> dict[str, list[dict[str, Any]]]:
    """Rows of ``table`` as response items (``item(row)``) per customer, ordered by rank."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in [] if table is None else table.to_pylist():
        if row["customer_id"] is not None:
            grouped.setdefault(str(row["customer_id"]), []).append(item(row))
    for items in grouped.values():
        items.sort(key=lambda x: (x["rank"] is None, x["rank"] or 0))
    return grouped


def build_index(table: pa.Table, no_recent: frozenset[str] = frozenset(),
                reorders: pa.Table | None = None) -> RecommendationIndex:  # fmt: skip
    """Group the export's rows (and reorder reminders) by customer, order each by rank,
    serialise each customer's response."""
    grouped = _by_customer(table, recommendation)
    due = _by_customer(reorders, reorder)
    responses = {
        customer_id: _dumps(response(customer_id, grouped.get(customer_id, []),
                                     reorders=due.get(customer_id)))  # fmt: skip
        for customer_id in {**grouped, **due}
    }
    return RecommendationIndex(responses, frozenset(no_recent.difference(responses)))
