"""Purchases and sides as integer codes: the similarity model never looks strings up again.

Ids are factorised once, sorted, so code order is id order and every "ties by product id" rule
is a comparison of integers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

SIDE_KINDS = ("segment", "cluster")


@dataclass(frozen=True)
class Coded:
    """The purchases (one row per customer × product) and the customers' sides (segment,
    cluster) as integer codes; ids are sorted, so code order is id order."""

    customer: np.ndarray
    product: np.ndarray
    product_ids: np.ndarray
    side_customer: np.ndarray
    side_column: np.ndarray
    side_keys: list[tuple[str, str]]
    customers: int


def coded(pairs: pd.DataFrame, side: pd.DataFrame | None) -> Coded:
    pairs = pairs[["customer_id", "product_id"]].dropna()
    customer, customer_ids = sorted_codes(pairs["customer_id"])
    product, product_ids = sorted_codes(pairs["product_id"])
    key = distinct(customer.astype(np.int64) * len(product_ids) + product)
    customer, product = np.divmod(key, max(len(product_ids), 1))
    side_customer, side_value = [], []
    for kind in SIDE_KINDS:
        if side is None or kind not in side.columns:
            continue
        part = side[["customer_id", kind]].dropna()
        at = positions(as_text(part["customer_id"]), customer_ids)
        values = as_text(part[kind])
        side_customer.append(at[at >= 0])
        labels = [f"{kind}\x00{value}" for value in values[at >= 0]]
        side_value.append(np.array(labels, dtype=object))
    if side_customer:
        value_code, keys = pd.factorize(np.concatenate(side_value), sort=True)
        key = distinct(np.concatenate(side_customer) * len(keys) + value_code)
        side_rows, side_column = np.divmod(key, len(keys))
        side_keys = [tuple(text.split("\x00", 1)) for text in keys]
    else:
        side_rows = side_column = np.zeros(0, dtype=np.int64)
        side_keys = []
    return Coded(customer, product, np.asarray(product_ids, dtype=object), side_rows,
                 side_column, side_keys, len(customer_ids))  # fmt: skip


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort: numpy's hashed unique was 10x slower on 5M keys)."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def sorted_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize(values as text, sort=True) by Arrow: the codes, and the distinct ids in
    order (UTF-8 byte order is code-point order, the order Python sorts str in). pandas took
    4 s of the 10M-line model turning Arrow strings into Python objects first."""
    text = arrow_text(as_text(values) if values.dtype == object else values.astype(str))
    ids = pc.unique(text)
    ids = ids.take(pc.array_sort_indices(ids))
    return positions(text, ids), ids.to_numpy(zero_copy_only=False).astype(object)


def arrow_text(values: pd.Series | np.ndarray) -> pa.Array:
    array = pa.array(values)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string()) if not pa.types.is_large_string(array.type) else array


def positions(
    values: pd.Series | np.ndarray | pa.Array, universe: np.ndarray | pa.Array
) -> np.ndarray:
    """The index of each value in universe, -1 where absent. Arrow's hash lookup: pandas'
    get_indexer first turns Arrow strings into Python objects (measured: 25 of the scoring
    stage's 86 s at 10M lines)."""
    values = values if isinstance(values, pa.Array) else arrow_text(values)
    universe = universe if isinstance(universe, pa.Array) else arrow_text(universe)
    found = pc.index_in(values, value_set=universe)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def members(codes: np.ndarray, chosen: np.ndarray, size: int) -> np.ndarray:
    """Which codes are among `chosen` (codes below `size`)."""
    table = np.zeros(size, dtype=bool)
    table[chosen] = True
    return table[codes]


def as_text(values: pd.Series) -> np.ndarray:
    return values.astype(str).to_numpy(dtype=object)


def coded_matrix(rows: np.ndarray, columns: np.ndarray, width: int) -> sparse.csr_matrix:
    """Binary matrix with a 1 at each (row, column); rows are customer codes."""
    height = int(rows.max()) + 1 if len(rows) else 0
    return sparse.csr_matrix(
        (np.ones(len(rows)), (rows, columns)), shape=(height, width)
    )


