"""`ipre inspect`: small variants of the sample's invoice lines, each proposing its vars.

No dbt: inspect reads the files with DuckDB, so each test takes a fraction of a second.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from ipre.inspect import cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "seeds" / "sample" / "raw_invoices.csv"
REAL = ROOT.parent / "shared" / "data" / "online-retail-2009-2010" / "raw"
REAL = REAL / "online_retail_II.csv.gz"
SPEC = ["invoice_id", "invoice_date", "customer_id", "product_id", "quantity"]


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def parsed(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None  # the sample's planted bad dates stay as they are


def redate(rows: list[dict[str, str]], render: Callable[[datetime], str]) -> None:
    for row in rows:
        when = parsed(row["invoice_date"])
        if when is not None:
            row["invoice_date"] = render(when)


def write(
    path: Path,
    rows: list[dict[str, str]],
    header: list[str] | None = None,
    delimiter: str = ",",
    line_end: str = "\n",
) -> Path:
    names = header or list(rows[0])
    lines = [delimiter.join(names)]
    lines += [delimiter.join(row[key] for key in rows[0]) for row in rows]
    path.write_bytes((line_end.join(lines) + line_end).encode("utf-8"))
    return path


def inspect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, Any], str]:
    out = tmp_path / "vars.yml"
    code = cli.main([*args, "--write", str(out)])
    captured = capsys.readouterr()
    return code, yaml.safe_load(out.read_text(encoding="utf-8")), captured.out + captured.err


def reasons(text: str) -> dict[str, int]:
    """reason -> lines, from the printout's quarantine table."""
    found = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) > 2 and parts[1].replace(",", "").isdigit() and parts[2] == "e.g.":
            found[parts[0]] = int(parts[1].replace(",", ""))
    return found


def test_the_sample_needs_no_var_but_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, found, text = inspect(tmp_path, capsys, "--invoices", str(SAMPLE))
    assert code == 0
    assert found == {
        "invoices_path": str(SAMPLE),
        "customers_path": "none",
        "products_path": "none",
        "feedback_path": "none",
    }
    counts = reasons(text)
    assert counts["missing_customer_id"] == 4 and counts["duplicate_row"] == 3
    assert counts["non_numeric_quantity"] == 3 and counts["unparseable_invoice_date"] == 3


def test_erp_headers_are_proposed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = ["InvoiceNo", "InvoiceDate", "CustomerID", "StockCode", "Quantity"]
    path = write(tmp_path / "erp.csv", sample_rows(), header)
    code, found, text = inspect(tmp_path, capsys, "--invoices", str(path))
    assert code == 0
    # InvoiceDate and CustomerID already normalise to the spec names: no entry
    assert found["invoices_columns"] == {"product_id": "StockCode", "invoice_id": "InvoiceNo"}
    assert "invoice_date_format" not in found and "invoices_delimiter" not in found
    assert "required columns missing: none" in text


def test_headers_with_spaces_match_as_they_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = ["Invoice ID", "Invoice Date", "Customer ID", "Product-ID", "QUANTITY"]
    path = write(tmp_path / "spaces.csv", sample_rows(), header)
    code, found, _ = inspect(tmp_path, capsys, "--invoices", str(path))
    assert code == 0
    assert "invoices_columns" not in found


def test_us_dates_give_the_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = sample_rows()
    # 2/24/2023 16:55, as US spreadsheets write it
    redate(rows, lambda when: f"{when.month}/{when.day}/{when.year} {when:%H:%M}")
    path = write(tmp_path / "us.csv", rows)
    code, found, text = inspect(tmp_path, capsys, "--invoices", str(path))
    assert code == 0
    assert found["invoice_date_format"] == "%m/%d/%Y %H:%M"
    assert reasons(text)["unparseable_invoice_date"] == 3  # the planted bad dates only


def test_german_dates_give_the_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = sample_rows()
    redate(rows, lambda when: f"{when:%d.%m.%Y}")
    path = write(tmp_path / "de.csv", rows)
    code, found, _ = inspect(tmp_path, capsys, "--invoices", str(path))
    assert code == 0
    assert found["invoice_date_format"] == "%d.%m.%Y"


def test_semicolons_and_decimal_commas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = sample_rows()
    for number, row in enumerate(rows):
        row["unit_price"] = f"{number % 50 + 1},{number % 100:02d}"  # e.g. 3,05
    path = write(tmp_path / "eu.csv", rows, delimiter=";")
    code, found, text = inspect(tmp_path, capsys, "--invoices", str(path))
    assert code == 0
    assert found["invoices_delimiter"] == ";"
    assert found["decimal_separator"] == ","
    assert "non_numeric_unit_price" not in reasons(text)


def test_padded_and_float_ids_are_the_same_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = reasons(inspect(tmp_path, capsys, "--invoices", str(SAMPLE))[2])
    rows = sample_rows()
    for row in rows:
        row["customer_id"] = f"  {row['customer_id']} "
        row["product_id"] = f" {row['product_id']}"
    path = write(tmp_path / "padded.csv", rows)
    code, _, text = inspect(tmp_path, capsys, "--invoices", str(path))
    assert code == 0
    assert reasons(text) == baseline
    # 13085.0 is the id 13085: a line differing only so is a copy
    line = {"invoice_id": "1", "invoice_date": "2024-01-02", "product_id": "P1", "quantity": "2"}
    floats = [{**line, "customer_id": customer} for customer in ("13085", "13085.0")]
    code, _, text = inspect(tmp_path, capsys, "--invoices", str(write(tmp_path / "f.csv", floats)))
    assert code == 0 and reasons(text) == {"duplicate_row": 1}
    assert "read as 13085" in text


def test_crlf_with_lf_lines_appended(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "mixed.csv", sample_rows(), line_end="\r\n")
    with path.open("ab") as handle:
        handle.write(b"X1,2024-01-02,C00001,P00001,1\nX2,2024-01-02,C00001,P00001,2\n")
        handle.write(b"X3,2024-01-02,C00001,P00001,3\n")
    code, _, text = inspect(tmp_path, capsys, "--invoices", str(path))
    assert code == 0
    assert "line ends: mixed, 3,001 CRLF and 3 LF" in text
    assert "3,003 data lines" in text
    assert "unparseable_line" not in reasons(text)


def test_ambiguous_dates_fail_naming_the_var(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [row for row in sample_rows() if (day := parsed(row["invoice_date"])) and day.day <= 12]
    redate(rows, lambda when: f"{when:%d/%m/%Y}")
    path = write(tmp_path / "ambiguous.csv", rows)
    code, found, text = inspect(tmp_path, capsys, "--invoices", str(path))
    assert code == 1
    assert "invoice_date_format" in text and "ambiguous" in text
    assert "%m/%d/%Y" in text and "%d/%m/%Y" in text
    assert "invoice_date_format" not in found  # not guessed


def test_a_missing_required_column_fails_naming_the_columns_var(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = ["invoice_id", "invoice_date", "customer_id", "article_code_x", "quantity"]
    path = write(tmp_path / "no_product.csv", sample_rows(), header)
    code, _, text = inspect(tmp_path, capsys, "--invoices", str(path))
    assert code == 1
    assert "invoices_columns: {product_id: <the file's column>}" in text


@pytest.mark.skipif(not REAL.exists(), reason="the real Online Retail II export is not here")
def test_the_real_online_retail_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.time()
    code, found, text = inspect(tmp_path, capsys, "--invoices", str(REAL))
    assert time.time() - started < 30  # about 3 s on a quiet machine
    assert code == 0
    assert found["invoices_columns"] == {
        "product_id": "StockCode",
        "invoice_id": "Invoice",
        "unit_price": "Price",
        "product_name": "Description",
        "region": "Country",
    }
    assert found["customers_path"] == "none" and found["products_path"] == "none"
    assert "invoice_date_format" not in found and "input_encoding" not in found
    assert "region from Country" in text and "product_name from Description" in text
    assert "unit_price from Price" in text
    assert reasons(text)["missing_customer_id"] == 107_927


@pytest.mark.parametrize(
    ("name", "codec", "expected"),
    [("Crème brûlée", "latin-1", "latin-1"), ("Café €5 “best”", "cp1252", "cp1252")],
)
def test_text_in_another_encoding_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, codec: str, expected: str
) -> None:
    rows = sample_rows()[:50]
    for row in rows:
        row["product_name"] = name
    path = tmp_path / "encoded.csv"
    path.write_bytes(write(tmp_path / "utf8.csv", rows).read_bytes().decode().encode(codec))
    code, found, text = inspect(tmp_path, capsys, "--invoices", str(path))
    assert code == 0
    assert found["input_encoding"] == expected
    assert "invalid_encoding" not in reasons(text)


def test_malformed_lines_are_the_readers_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "bad.csv", sample_rows())
    with path.open("ab") as handle:
        handle.write(b'X1,2024-01-02,C00001,P00001,1,extra\nX2,"2024-01-02,C00001,P00001,2\n')
    code, _, text = inspect(tmp_path, capsys, "--invoices", str(path))
    assert code == 0
    assert reasons(text)["unparseable_line"] >= 1
    assert "line 3002" in text  # the example names the file's line


def test_parquet_is_read_as_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import duckdb

    path = tmp_path / "lines.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"copy (select invoice_id as OrderID, invoice_date, customer_id, product_id as SKU, "
            f"quantity from read_csv('{SAMPLE}', all_varchar = true)) to '{path}'"
        )
    code, found, _ = inspect(tmp_path, capsys, "--invoices", str(path))
    assert code == 0
    assert found["invoices_columns"] == {"product_id": "SKU", "invoice_id": "OrderID"}


def test_ids_the_masters_do_not_know_are_counted_and_most_stop_the_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    masters = ["--customers", str(SAMPLE.parent / "raw_customers.csv"),
               "--products", str(SAMPLE.parent / "raw_products.csv")]  # fmt: skip
    code, _, text = inspect(tmp_path, capsys, "--invoices", str(SAMPLE), *masters)
    # as the build quarantines them: 4 unknown_customer_id, 3 unknown_product_id
    assert code == 0
    assert "4 of 2,996 lines have a customer_id the customers master does not know" in text
    assert "3 of 2,996 lines have a product_id the products master does not know" in text
    # the master writes C00420, the lines 00420: every line would be quarantined
    rows = sample_rows()
    for row in rows:
        row["customer_id"] = row["customer_id"].removeprefix("C")
    path = write(tmp_path / "no_prefix.csv", rows)
    code, _, text = inspect(tmp_path, capsys, "--invoices", str(path), *masters)
    assert code == 1
    assert "the master writes ids like 'C00001'" in text and "customers_path: none" in text
