"""The bundled sample's invoice lines as real exports change them, one change each (issue 21):
ERP headers, headers with spaces, US and German dates, `;` with decimal commas, ids padded
with spaces, a CRLF file with LF lines appended, one 5 MB field. Shared by the build tests."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "seeds" / "sample"
SAMPLE_INVOICES = SAMPLE_DIR / "raw_invoices.csv"
REAL_DIR = ROOT.parent / "shared" / "data" / "online-retail-2009-2010"
REAL_RAW = REAL_DIR / "raw" / "online_retail_II.csv.gz"


def sample_rows() -> list[list[str]]:
    """The header and every line of the sample's invoices, as fields."""
    with SAMPLE_INVOICES.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def render(rows: list[list[str]], delimiter: str = ",", line_end: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=line_end).writerows(rows)
    return out.getvalue()


def _redated(render_date: Callable[[datetime], str]) -> str:
    rows = sample_rows()
    for row in rows[1:]:
        # the sample's planted bad dates stay as they are
        with contextlib.suppress(ValueError):
            row[1] = render_date(datetime.fromisoformat(row[1]))
    return render(rows)


def _headed(header: list[str]) -> str:
    return render([header] + sample_rows()[1:])


def _decimal_commas() -> str:
    rows = sample_rows()
    # a price with a decimal comma on every line, as European spreadsheets write it
    rows[0].append("unit_price")
    for row in rows[1:]:
        # by product, so that the sample's duplicated lines stay duplicates
        code = sum(map(ord, row[3]))
        row.append(f"{code % 50 + 1},{code % 100:02d}")
    return render(rows, delimiter=";")


def _padded_ids() -> str:
    rows = sample_rows()
    for row in rows[1:]:
        row[2], row[3] = f" {row[2]} ", f"  {row[3]} " if row[3] else row[3]
    return render(rows)


def _mixed_line_ends() -> str:
    rows = sample_rows()
    return render(rows[:-3], line_end="\r\n") + render(rows[-3:])


def _one_huge_field() -> str:
    rows = sample_rows()
    # an export's free-text column: 5 MB on one line, a column the engine does not read
    rows[0].append("note")
    for number, row in enumerate(rows[1:]):
        row.append("x" * (5 << 20) if number == 10 else "")
    return render(rows)


VARIANTS: dict[str, Callable[[], str]] = {
    "erp_headers": lambda: _headed(["InvoiceNo", "InvoiceDate", "CustomerID", "StockCode",
                                    "Quantity"]),
    "spaced_headers": lambda: _headed(["Invoice ID", "Invoice Date", "Customer ID", "Product ID",
                                       "Quantity"]),
    "us_dates": lambda: _redated(lambda when: f"{when.month}/{when.day}/{when.year} {when:%H:%M}"),
    "german_dates": lambda: _redated(lambda when: f"{when:%d.%m.%Y}"),
    "semicolons_decimal_commas": _decimal_commas,
    "padded_ids": _padded_ids,
    "mixed_line_ends": _mixed_line_ends,
    "one_5mb_field": _one_huge_field,
}


def write_variant(name: str, folder: Path) -> Path:
    path = folder / f"{name}.csv"
    path.write_bytes(VARIANTS[name]().encode("utf-8"))
    return path
