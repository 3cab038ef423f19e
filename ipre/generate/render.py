"""Turn numeric invoice lines into the raw text columns, one chunk at a time.

All raw invoice columns are strings, as an export would deliver them: dates carry mixed
timezone notations and dirty rows put text where numbers belong. Rendering goes through
small dictionaries (days, minutes, offsets) and Arrow `take`, so 10M rows stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ipre.generate.calendar import DAY, epoch
from ipre.generate.dirty import INVOICE_KINDS, KIND_COLUMN, InvoiceDirt
from ipre.generate.invoices import Lines
from ipre.generate.params import Params

INVOICE_COLUMNS = ("invoice_id", "invoice_date", "customer_id", "product_id", "quantity")
INVOICE_SCHEMA = pa.schema([(name, pa.string()) for name in INVOICE_COLUMNS])
# Timestamp notations per invoice: mostly naive UTC, some 'Z', some local time with offset.
STYLE_SUFFIX = ("", "Z", "+01:00", "+02:00", "-05:00", "+05:30", "-08:00")
STYLE_OFFSET_MIN = (0, 0, 60, 120, -300, 330, -480)
STYLE_P = (0.8, 0.1, 0.02, 0.02, 0.02, 0.02, 0.02)


def date_styles(n_invoices: int, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(len(STYLE_SUFFIX), n_invoices, p=STYLE_P).astype(np.int8)


@dataclass(frozen=True)
class InvoiceRenderer:
    lines: Lines
    styles: np.ndarray  # int8 per invoice number
    dirt: InvoiceDirt
    customer_ids: pa.Array
    product_ids: pa.Array
    params: Params

    def _dates(self, invoice: np.ndarray) -> pa.Array:
        style = self.styles[invoice]
        local = self.lines.invoice_ts[invoice] + np.array(STYLE_OFFSET_MIN)[style] * 60
        first_day = self.params.start_date - timedelta(days=2)
        n_days = (self.params.end_date - first_day).days + 3
        days = pa.array([(first_day + timedelta(days=d)).isoformat() for d in range(n_days)])
        minutes = pa.array([f"T{m // 60:02d}:{m % 60:02d}:00" for m in range(1440)])
        rel = local - epoch(first_day)
        return pc.binary_join_element_wise(
            days.take(pa.array(rel // DAY)),
            minutes.take(pa.array((rel % DAY) // 60)),
            pa.array(STYLE_SUFFIX).take(pa.array(style)),
            "",
        )

    def _ids(self, invoice: np.ndarray) -> pa.Array:
        width = max(7, len(str(self.lines.invoice_ts.size)))
        digits = pc.utf8_lpad(pc.cast(pa.array(invoice + 1), pa.string()), width, "0")
        return pc.binary_join_element_wise("INV", digits, "")

    def _sources(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Line positions to render (a duplicate row renders its predecessor) and the dirty
        rows inside this chunk."""
        lo, hi = np.searchsorted(self.dirt.rows, [start, stop])
        rows, kinds = self.dirt.rows[lo:hi], self.dirt.kind[lo:hi]
        src = np.arange(start, stop)
        dup = rows[kinds == INVOICE_KINDS.index("duplicate_row")]
        src[dup - start] -= 1
        return src, np.arange(lo, hi), rows - start

    def _apply_dirt(
        self, columns: dict[str, pa.Array], picks: np.ndarray, positions: np.ndarray
    ) -> None:
        """Overwrite the dirty cells of this chunk (columns is the chunk's local dict)."""
        for column in ("invoice_date", "customer_id", "product_id", "quantity"):
            hit = [
                i
                for i, d in enumerate(picks.tolist())
                if KIND_COLUMN.get(INVOICE_KINDS[self.dirt.kind[d]]) == column
            ]
            if not hit:
                continue
            mask = np.zeros(len(columns[column]), dtype=bool)
            mask[positions[hit]] = True
            values = pa.array([self.dirt.values[picks[i]] for i in hit], pa.string())
            columns[column] = pc.replace_with_mask(columns[column], pa.array(mask), values)

    def chunk(self, start: int, stop: int) -> pa.Table:
        src, picks, positions = self._sources(start, stop)
        invoice = self.lines.invoice[src]
        columns = {
            "invoice_id": self._ids(invoice),
            "invoice_date": self._dates(invoice),
            "customer_id": self.customer_ids.take(pa.array(self.lines.customer[src])),
            "product_id": self.product_ids.take(pa.array(self.lines.product[src])),
            "quantity": pc.cast(pa.array(self.lines.quantity[src]), pa.string()),
        }
        self._apply_dirt(columns, picks, positions)
        return pa.table(columns, schema=INVOICE_SCHEMA)
