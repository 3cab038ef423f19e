"""Dirty rows: the malformed records a real export contains, so staging has work to do.

Invoice dirt corrupts existing lines in place (the file keeps exactly --lines rows); customer
and product dirt appends a few bad rows (null id, exact duplicate) and garbles some in_stock
values. Every corruption is counted by kind for ground_truth.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

INVOICE_KINDS: tuple[str, ...] = (
    "null_customer_id",
    "unknown_customer_id",
    "null_product_id",
    "unknown_product_id",
    "unparseable_date",
    "future_date",
    "non_positive_quantity",
    "non_numeric_quantity",
    "duplicate_row",
)
# Which output column each kind replaces (duplicates copy the whole previous row instead).
KIND_COLUMN: dict[str, str] = {
    "null_customer_id": "customer_id",
    "unknown_customer_id": "customer_id",
    "null_product_id": "product_id",
    "unknown_product_id": "product_id",
    "unparseable_date": "invoice_date",
    "future_date": "invoice_date",
    "non_positive_quantity": "quantity",
    "non_numeric_quantity": "quantity",
}
BAD_DATES = ("not a date", "2025-13-45T10:00:00", "31/02/2024 25:61", "2024-02-30", "yesterday")
BAD_QUANTITIES = ("abc", "two", "1O", "5 pcs", "#VALUE!")
STOCK_ALT = {True: ("yes", "1"), False: ("no", "0")}
STOCK_GARBAGE = ("maybe", "tbd", "?", "in stock soon", "-")


@dataclass(frozen=True)
class InvoiceDirt:
    rows: np.ndarray  # int64 line positions, sorted
    kind: np.ndarray  # int8 index into INVOICE_KINDS
    values: tuple[str | None, ...]  # replacement for the kind's column, aligned with rows

    def counts(self) -> dict[str, int]:
        found = np.bincount(self.kind, minlength=len(INVOICE_KINDS))
        return dict(zip(INVOICE_KINDS, found.tolist(), strict=True))


def _split_evenly(total: int, parts: int) -> np.ndarray:
    return np.array([total // parts + (1 if i < total % parts else 0) for i in range(parts)])


def _replacement(
    kind: str, ts: int, n_customers: int, n_products: int, rng: np.random.Generator
) -> str | None:
    if kind.startswith("null_"):
        return None
    if kind == "unknown_customer_id":
        return f"C{n_customers + 1 + int(rng.integers(0, 900)):05d}"
    if kind == "unknown_product_id":
        return f"P{n_products + 1 + int(rng.integers(0, 900)):05d}"
    if kind == "unparseable_date":
        return BAD_DATES[int(rng.integers(0, len(BAD_DATES)))]
    if kind == "future_date":
        when = datetime.fromtimestamp(ts, UTC)
        return when.replace(year=2099, day=min(when.day, 28)).strftime("%Y-%m-%dT%H:%M:%S")
    if kind == "non_positive_quantity":
        return str(-int(rng.integers(0, 6)))
    return BAD_QUANTITIES[int(rng.integers(0, len(BAD_QUANTITIES)))]


def plan_invoice_dirt(
    line_ts: np.ndarray,
    share: float,
    n_customers: int,
    n_products: int,
    rng: np.random.Generator,
) -> InvoiceDirt:
    """Pick disjoint odd positions (so a duplicate's predecessor is clean) away from the last
    rows (so the reference date stays max(clean invoice_date))."""
    n_lines = line_ts.size
    n_dirty = min(round(share * n_lines), (n_lines - 2) // 2)
    rows = np.sort(1 + 2 * rng.choice((n_lines - 2) // 2, n_dirty, replace=False))
    kind = rng.permutation(
        np.repeat(np.arange(len(INVOICE_KINDS)), _split_evenly(n_dirty, len(INVOICE_KINDS)))
    )
    values = tuple(
        _replacement(INVOICE_KINDS[k], int(line_ts[r]), n_customers, n_products, rng)
        for r, k in zip(rows.tolist(), kind.tolist(), strict=True)
    )
    return InvoiceDirt(rows=rows.astype(np.int64), kind=kind.astype(np.int8), values=values)


def _bad_row_count(n_rows: int, share: float) -> int:
    return 0 if share <= 0 else max(2, round(share * n_rows))


def _append_bad_rows(
    table: pa.Table, id_column: str, share: float, rng: np.random.Generator
) -> tuple[pa.Table, dict[str, int]]:
    """Append rows with a null id (copied attributes) and exact duplicates of real rows."""
    n_bad = _bad_row_count(table.num_rows, share)
    n_null, n_dup = (n_bad + 1) // 2, n_bad // 2
    picks = rng.choice(table.num_rows, n_bad, replace=False)
    nulls = table.take(pa.array(picks[:n_null]))
    nulls = nulls.set_column(
        nulls.schema.get_field_index(id_column), id_column, pa.nulls(n_null, pa.string())
    )
    dups = table.take(pa.array(picks[n_null:]))
    out = pa.concat_tables([table, nulls, dups])
    return out, {"null_id": n_null, "duplicate_row": n_dup}


def dirty_customers(
    table: pa.Table, share: float, rng: np.random.Generator
) -> tuple[pa.Table, dict[str, int]]:
    return _append_bad_rows(table, "customer_id", share, rng)


def _garble_stock(
    table: pa.Table, share: float, rng: np.random.Generator
) -> tuple[pa.Table, dict[str, int]]:
    """yes/no/1/0 (parseable but non-canonical) and plain garbage in in_stock."""
    n = _bad_row_count(table.num_rows, share)
    rows = rng.choice(table.num_rows, n, replace=False)
    stock = table.column("in_stock").to_pylist()
    n_alt = (n + 1) // 2
    for i, r in enumerate(rows.tolist()):
        options = STOCK_ALT[stock[r] == "true"] if i < n_alt else STOCK_GARBAGE
        stock[r] = options[int(rng.integers(0, len(options)))]
    column = table.schema.get_field_index("in_stock")
    table = table.set_column(column, "in_stock", pa.array(stock, pa.string()))
    return table, {"in_stock_alt_format": n_alt, "in_stock_garbage": n - n_alt}


def dirty_products(
    table: pa.Table, share: float, rng: np.random.Generator
) -> tuple[pa.Table, dict[str, int]]:
    table, stock_counts = _garble_stock(table, share, rng)
    table, row_counts = _append_bad_rows(table, "product_id", share, rng)
    return table, {**row_counts, **stock_counts}
