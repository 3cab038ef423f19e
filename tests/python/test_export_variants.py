"""Bring your own export (issue 21): each variant of the sample's invoice lines builds through
`ipre inspect … --write v.yml` and the vars it wrote, with no hand edit, and reconciles line
for line with the sample file itself; then the formats the variants do not cover (decimal
commas in quantities, float ids, masters derived from the lines, stray encodings, the share
rule, ambiguous dates, a bad mapping).

Each build runs only the models that read and check the inputs (SELECT): the reader, staging
and quarantine are what these tests are about.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import ROOT, WarehouseBuildError, build_warehouse
from export_variants import SAMPLE_DIR, SAMPLE_INVOICES, VARIANTS, write_variant

SELECT = "+input_reconciliation +quarantined_rows"
MASTERS = {
    "customers_path": str(SAMPLE_DIR / "raw_customers.csv"),
    "products_path": str(SAMPLE_DIR / "raw_products.csv"),
    "feedback_path": "none",
}


def reconciled(db_path: Path) -> tuple[tuple[int, int, int], Counter[str]]:
    """(raw, accepted, quarantined) invoice lines and the quarantine reasons' counts."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        counts = con.sql(
            "select raw_rows, accepted_rows, quarantined_rows from input_reconciliation"
            " where source_name = 'invoices'"
        ).fetchall()[0]
        reasons = con.sql(
            "select reason_code, count(*) from quarantined_rows where source_name = 'invoices'"
            " group by reason_code"
        ).fetchall()
    assert counts is not None
    return (counts[0], counts[1], counts[2]), Counter(dict(reasons))


def build(folder: Path, name: str, vars: dict[str, object], select: str = SELECT) -> Path:
    return build_warehouse(folder, folder / f"{name}.duckdb", vars=vars, select=select)


def build_error(folder: Path, name: str, vars: dict[str, object], select: str = SELECT) -> str:
    with pytest.raises(WarehouseBuildError) as failure:
        build(folder, name, vars, select)
    return str(failure.value)


def inspected_vars(invoices: Path, out: Path) -> dict[str, object]:
    """The vars `ipre inspect --write` proposes for the invoices beside the sample masters."""
    command = [sys.executable, "-m", "ipre.cli", "inspect", "--invoices", str(invoices),
               "--customers", MASTERS["customers_path"], "--products", MASTERS["products_path"],
               "--feedback", "none", "--write", str(out)]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return yaml.safe_load(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("variants")


@pytest.fixture(scope="module")
def baseline(folder: Path) -> tuple[tuple[int, int, int], Counter[str]]:
    """The sample's invoices file read as it is."""
    return reconciled(build(folder, "baseline", {**MASTERS, "invoices_path": str(SAMPLE_INVOICES)}))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_each_variant_builds_from_inspects_vars_and_reconciles(
    folder: Path, baseline: tuple[tuple[int, int, int], Counter[str]], variant: str
) -> None:
    path = write_variant(variant, folder)
    vars = inspected_vars(path, folder / f"{variant}.yml")
    assert reconciled(build(folder, variant, vars)) == baseline
    assert baseline[0] == (3000, 2970, 30)


def test_the_mixed_line_ends_build_with_a_plain_path_and_keep_line_numbers(folder: Path) -> None:
    path = write_variant("mixed_line_ends", folder)
    with path.open("ab") as handle:
        handle.write(b'"INV9","2024-01-02","C00001"\r\n')  # too few fields: quarantined
    db_path = build(folder, "mixed_plain", {**MASTERS, "invoices_path": str(path)})
    with duckdb.connect(str(db_path), read_only=True) as con:
        rejected = con.sql(
            "select raw_row from quarantined_rows where reason_code = 'unparseable_line'"
        ).fetchall()
    assert len(rejected) == 1
    assert f"file {path} line 3002: MISSING COLUMNS" in rejected[0][0]


LINES = """Order No;Order Date;Account;Item;Qty;Price;Country;Description
1001;03.01.2024;13085.0;85048;2,5;1.234,50;United Kingdom;GLASS BALL
1001;03.01.2024;13085.0;79323P;1;6,75;United Kingdom;PINK LIGHTS
1002;14.02.2024; 13085 ;85048;3;7,00;United Kingdom;GLASS BALL LIGHTS
1003;15.02.2024;12346.0;85048;1.5;7,00;Iceland;GLASS BALL
1004;16.02.2024;;85048;1;7,00;Iceland;GLASS BALL
"""
WIDE_COLUMNS = {"invoice_id": "Order No", "invoice_date": "Order Date", "customer_id": "Account",
                "product_id": "Item", "quantity": "Qty", "unit_price": "Price",
                "region": "Country", "product_name": "Description"}  # fmt: skip


@pytest.fixture(scope="module")
def wide_export(folder: Path) -> Path:
    """One wide sales-lines file and nothing else: masters derived from its lines."""
    path = folder / "wide.csv"
    path.write_bytes(LINES.encode() + "1005;17.02.2024;12346;22041;1;2,10;Iceland;CAF\xc9\n"
                     .encode("latin-1"))  # fmt: skip
    # feedback with German dates too, detected on their own column
    feedback = folder / "feedback.csv"
    feedback.write_text("Account;Item;Rating;Feedback Date\n13085.0;79323P;High;20.02.2024\n"
                        "12346;79323P;Low;21.02.2024\n")  # fmt: skip
    # no master path: with the user's invoices, masters are derived from them
    vars = {"invoices_path": str(path), "invoices_columns": WIDE_COLUMNS, "decimal_separator": ",",
            "customers_path": "", "products_path": "", "feedback_path": str(feedback),
            "feedback_columns": {"customer_id": "Account", "product_id": "Item"}}  # fmt: skip
    return build(folder, "wide", vars, select=SELECT + " +stg_erp__invoices")


def test_a_wide_file_alone_derives_its_masters(wide_export: Path) -> None:
    with duckdb.connect(str(wide_export), read_only=True) as con:
        customers = con.sql(
            "select customer_id, region, end_use from staging.stg_erp__customers order by all"
        ).fetchall()
        products = con.sql(
            "select product_id, product_name, l2_category, in_stock, unit_price"
            " from staging.stg_erp__products order by all"
        ).fetchall()
    # 13085.0, ' 13085 ' and 13085 are one customer; region: the Country of its lines
    assert customers == [("12346", "Iceland", "Unknown"), ("13085", "United Kingdom", "Unknown")]
    # the name most lines give; the median of the positive line prices; in stock
    assert products == [
        ("79323P", "PINK LIGHTS", "Unknown", True, 6.75),
        ("85048", "GLASS BALL", "Unknown", True, 7.0),
    ]


def test_decimal_commas_dates_and_float_ids_read_as_meant(wide_export: Path) -> None:
    with duckdb.connect(str(wide_export), read_only=True) as con:
        lines = con.sql(
            "select invoice_id, invoice_date, customer_id, quantity, quarantine_reason"
            " from intermediate.int_invoices_validated order by raw_row"
        ).fetchall()
        reasons = dict(con.sql(
            "select reason_code, count(*) from quarantined_rows where source_name = 'invoices'"
            " group by all"
        ).fetchall())  # fmt: skip
    accepted = [line[:4] for line in lines if line[4] is None]
    assert ("1001", "2024-01-03", "13085", 2.5) in [
        (line[0], str(line[1]), line[2], line[3]) for line in accepted
    ]
    assert ("1002", "2024-02-14", "13085", 3.0) in [
        (line[0], str(line[1]), line[2], line[3]) for line in accepted
    ]
    # 1.5 with a decimal comma: a point that is no thousands separator is not guessed
    assert reasons == {"non_numeric_quantity": 1, "missing_customer_id": 1, "invalid_encoding": 1}


def test_feedback_dates_and_ids_read_like_the_lines(wide_export: Path) -> None:
    with duckdb.connect(str(wide_export), read_only=True) as con:
        rows = con.sql(
            "select customer_id, product_id, rating, feedback_date, quarantine_reason"
            " from intermediate.int_feedback_validated order by customer_id"
        ).fetchall()
    assert [(row[0], row[1], row[2], str(row[3]), row[4]) for row in rows] == [
        ("12346", "79323P", "Low", "2024-02-21", None),
        ("13085", "79323P", "High", "2024-02-20", None),
    ]


def test_a_line_in_another_encoding_is_quarantined_with_its_reason(wide_export: Path) -> None:
    with duckdb.connect(str(wide_export), read_only=True) as con:
        rows = con.sql(
            "select raw_row from quarantined_rows where reason_code = 'invalid_encoding'"
        ).fetchall()
        reconciliation = con.sql(
            "select raw_rows, accepted_rows, quarantined_rows from input_reconciliation"
            " where source_name = 'invoices'"
        ).fetchall()[0]
    assert len(rows) == 1 and "line 7" in rows[0][0]
    assert reconciliation == (6, 3, 3)


def test_a_mostly_unreadable_input_stops_after_staging_naming_the_var(folder: Path) -> None:
    path = folder / "mostly_bad_dates.csv"
    lines = [f"I{n},week {n},C00001,P00001,1" for n in range(3)] + ["I9,2024-01-02,C00001,P00001,1"]
    path.write_text("invoice_id,invoice_date,customer_id,product_id,quantity\n"
                    + "\n".join(lines) + "\n")  # fmt: skip
    vars = {**MASTERS, "invoices_path": str(path)}
    error = build_error(folder, "bad_dates", vars, select="+int_invoices_validated")
    assert "3 of 4 lines (75.0 %) are quarantined, most as unparseable_invoice_date" in error
    assert "e.g. invoice_id=I0; invoice_date=week 0" in error
    assert "invoice_date_format" in error and "max_quarantined_share (0.5)" in error
    # the share is a var: at 0.8 the same file builds
    build(folder, "bad_dates_allowed", {**vars, "max_quarantined_share": 0.8},
          select="+int_invoices_validated")  # fmt: skip


def test_an_ambiguous_date_column_stops_with_the_candidates(folder: Path) -> None:
    path = folder / "ambiguous.csv"
    path.write_text("invoice_date,customer_id,product_id,quantity\n"
                    "03/01/2024,C00001,P00001,1\n04/02/2024,C00002,P00002,1\n")  # fmt: skip
    vars = {**MASTERS, "invoices_path": str(path)}
    error = build_error(folder, "ambiguous", vars, select="raw_file_invoices stg_erp__invoices")
    assert "ambiguous" in error and "%m/%d/%Y" in error and "%d/%m/%Y" in error
    assert "invoice_date_format" in error
    db_path = build(folder, "ambiguous_set", {**vars, "invoice_date_format": "%d/%m/%Y"},
                    select="raw_file_invoices stg_erp__invoices")  # fmt: skip
    with duckdb.connect(str(db_path), read_only=True) as con:
        dates = con.sql("select invoice_date from staging.stg_erp__invoices order by 1").fetchall()
    assert [str(row[0]) for row in dates] == ["2024-01-03", "2024-02-04"]


def test_a_mapping_to_a_column_the_file_lacks_names_the_var(folder: Path) -> None:
    vars = {**MASTERS, "invoices_path": str(SAMPLE_INVOICES),
            "invoices_columns": {"product_id": "StockCode"}}  # fmt: skip
    error = build_error(folder, "bad_mapping", vars, select="raw_file_invoices")
    assert "invoices_columns maps product_id to 'StockCode', which the" in error
    assert "Its columns: invoice_id, invoice_date" in error


def test_an_explicit_delimiter_var_wins(folder: Path) -> None:
    path = folder / "pipes.csv"
    # as many commas as pipes in the header (detection would take the comma); split by |
    path.write_text("invoice_date|customer_id|product_id|qty, in units, each, total\n"
                    "2024-01-02|C00001|P00001|1\n")  # fmt: skip
    vars = {**MASTERS, "invoices_path": str(path), "invoices_delimiter": "|",
            "invoices_columns": {"quantity": "qty, in units, each, total"}}  # fmt: skip
    db_path = build(folder, "pipes", vars, select="raw_file_invoices")
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.sql("select customer_id, quantity from staging.raw_file_invoices").fetchall()
    assert rows == [("C00001", "1")]
