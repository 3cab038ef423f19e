"""Excel .xlsx inputs (issue 21): the first sheet is served to DuckDB as the CSV an export
would have written (ipre/xlsx_filesystem.py), so the build reads a workbook exactly as the
same lines in a CSV, and `ipre inspect` proposes the same vars.

The rendering is tested through the filesystem and DuckDB's CSV reader (fast); one module
fixture builds the sample invoices twice, from the CSV and from a workbook, to compare.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
import yaml
from conftest import build_warehouse

from ipre.inspect import cli
from ipre.params.files import InputFileError, check_input
from ipre.xlsx_filesystem import PREFIX, XlsxAsCsvFileSystem, render_cell

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "seeds" / "sample"
SELECT = "+input_reconciliation +quarantined_rows"
ISO_SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def write_workbook(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    workbook.save(path)
    return path


def served(path: Path) -> bytes:
    return XlsxAsCsvFileSystem().cat_file(PREFIX + str(path))


def read_served(path: Path) -> list[tuple[str | None, ...]]:
    """The served CSV read with the build's quoting: every column text, strict."""
    with duckdb.connect() as con:
        con.register_filesystem(XlsxAsCsvFileSystem())
        source = f"read_csv('{PREFIX}{path}', header = true, all_varchar = true, delim = ',', "
        source += "quote = '\"', escape = '\"', strict_mode = true)"
        return con.sql(f"select * from {source}").fetchall()


def test_cells_render_as_a_csv_export(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "cells.xlsx",
        [
            ["id", "when", "qty", "text", "flag"],
            [13085.0, dt.datetime(2024, 1, 2, 3, 4, 5), 2.5, 'Smith, "Jr"\nline 2', True],
            [7, dt.date(2024, 1, 2), None, "  as is ", False],
            [-0.0, dt.datetime(2024, 1, 2, 0, 0), 0.1, "", None],
        ],
    )
    assert read_served(path) == [
        ("13085", "2024-01-02 03:04:05", "2.5", 'Smith, "Jr"\nline 2', "true"),
        ("7", "2024-01-02", None, "  as is ", "false"),
        ("0", "2024-01-02 00:00:00", "0.1", None, None),
    ]


def test_a_date_shows_its_time_only_when_its_format_does() -> None:
    when = dt.datetime(2024, 3, 1, 17, 30)
    assert render_cell(when, "dd/mm/yyyy") == "2024-03-01"
    assert render_cell(when, 'yyyy-mm-dd" at "') == "2024-03-01"  # a literal 's' is no second
    assert render_cell(when, "m/d/yy h:mm") == "2024-03-01 17:30:00"
    assert render_cell(dt.time(8, 5), None) == "08:05:00"
    assert render_cell(1e-05) == "1e-05"


def test_trailing_empty_rows_and_columns_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "ragged.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (["a", "b", None], ["1", None, None], [None, "2", "3"]):
        sheet.append(row)
    # formatted but blank cells widen the sheet's range, as in a real export
    sheet.cell(row=9, column=6).number_format = "0.00"
    sheet.cell(row=2, column=5).value = ""
    workbook.save(path)
    assert served(path) == b"a,b,\n1,,\n,2,3\n"


def test_the_first_sheet_is_served_not_the_active_one(tmp_path: Path) -> None:
    path = tmp_path / "sheets.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["first"])
    workbook.create_sheet("second").append(["second"])
    workbook.active = 1
    workbook.save(path)
    assert served(path) == b"first\n"


def test_a_rewritten_workbook_is_served_anew_and_globs_list(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "again.xlsx", [["a"], ["1"]])
    assert served(path) == b"a\n1\n"
    write_workbook(path, [["a"], ["1"], ["22"]])
    assert served(path) == b"a\n1\n22\n"
    with duckdb.connect() as con:
        con.register_filesystem(XlsxAsCsvFileSystem())
        files = con.sql(f"select filename, size from read_blob('{PREFIX}{tmp_path}/*.xlsx')")
        assert files.fetchall() == [(f"{PREFIX}{path}", len(b"a\n1\n22\n"))]


def test_the_preflight_wants_a_header_and_a_data_row(tmp_path: Path) -> None:
    check_input("invoices_path", str(write_workbook(tmp_path / "ok.xlsx", [["a"], [None], ["1"]])))
    header_only = write_workbook(tmp_path / "header.xlsx", [["a", "b"], [None, None]])
    with pytest.raises(InputFileError, match="no data row"):
        check_input("invoices_path", str(header_only))
    no_extension = tmp_path / "export"  # invoices_format says xlsx
    write_workbook(tmp_path / "export.xlsx", [["a"], ["1"]]).rename(no_extension)
    check_input("invoices_path", str(no_extension), "xlsx")
    not_a_workbook = tmp_path / "export.csv"
    not_a_workbook.write_text("a,b\n1,2\n")
    with pytest.raises(InputFileError, match="Excel workbook .* cannot be read"):
        check_input("invoices_path", str(not_a_workbook), "xlsx")


def sample_as_workbook(path: Path) -> Path:
    """The sample invoices as Excel holds them: dates as dates and quantities as floats
    (13085.0) where the text is one; ids, planted bad values and blanks stay text."""
    with (SAMPLE / "raw_invoices.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return write_workbook(path, [rows[0], *(excel_row(row) for row in rows[1:])])


def excel_row(row: list[str]) -> list[Any]:
    invoice_id, invoice_date, customer_id, product_id, quantity = row
    when: Any = invoice_date
    if ISO_SECONDS.fullmatch(invoice_date) and invoice_date[:4] > "1900":
        with contextlib.suppress(ValueError):  # a planted impossible date stays text
            when = dt.datetime.fromisoformat(invoice_date)
    number = re.fullmatch(r"-?(0|[1-9][0-9]*)", quantity)
    return [invoice_id, when, customer_id, product_id, float(quantity) if number else quantity]


def reconciled(db_path: Path) -> tuple[list[tuple], list[tuple]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        counts = con.sql(
            "select raw_rows, accepted_rows, quarantined_rows from input_reconciliation"
            " where source_name = 'invoices'"
        ).fetchall()
        reasons = con.sql(
            "select reason_code, count(*) from quarantined_rows where source_name = 'invoices'"
            " group by all order by all"
        ).fetchall()
    return counts, reasons


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list, list]]:
    folder = tmp_path_factory.mktemp("xlsx_build")
    masters = {
        "customers_path": str(SAMPLE / "raw_customers.csv"),
        "products_path": str(SAMPLE / "raw_products.csv"),
        "feedback_path": "none",
    }
    inputs = {
        "csv": SAMPLE / "raw_invoices.csv",
        "xlsx": sample_as_workbook(folder / "raw_invoices.xlsx"),
    }
    found = {}
    for kind, path in inputs.items():
        vars = {**masters, "invoices_path": str(path)}
        db_path = build_warehouse(SAMPLE, folder / f"{kind}.duckdb", vars=vars, select=SELECT)
        found[kind] = reconciled(db_path)
    return found


def test_a_workbook_reconciles_as_the_same_lines_in_a_csv(builds: dict) -> None:
    counts, reasons = builds["xlsx"]
    assert (counts, reasons) == builds["csv"]
    assert counts == [(3000, 2970, 30)]  # the sample's planted faults, all still caught
    assert len(reasons) == 9


def test_inspect_proposes_the_vars_for_an_erp_workbook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = ["InvoiceNo", "InvoiceDate", "CustomerID", "StockCode", "Quantity"]
    lines = [
        ["536365", dt.datetime(2010, 12, 1, 8, 26), 17850.0, "85123A", 6.0],
        ["536366", dt.datetime(2010, 12, 13, 8, 28), 13085.0, "22633", 12.0],
    ]
    workbook = write_workbook(tmp_path / "erp.xlsx", [header, *lines])
    # a cp1252 master beside it: the workbook, decoded by openpyxl, votes for no encoding
    customers = tmp_path / "customers.csv"
    customers.write_bytes("customer_id,region,end_use\n17850,Région €,HVAC\n".encode("cp1252"))
    out = tmp_path / "vars.yml"
    code = cli.main(
        ["--invoices", str(workbook), "--customers", str(customers), "--write", str(out)]
    )
    text = capsys.readouterr().out
    found = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert code == 0, text
    assert found["invoices_path"] == str(workbook.resolve())
    assert found["invoices_columns"] == {"product_id": "StockCode", "invoice_id": "InvoiceNo"}
    assert found["input_encoding"] == "cp1252"
    # dates are served as ISO and float ids as integers: nothing to set for either
    assert "invoice_date_format" not in found and "invoices_delimiter" not in found
    assert "13085.0" not in text and "xlsx, 2 data lines" in text
