"""Bad input loses nothing: every dirty row the generator plants lands in quarantined_rows
with its reason, and raw = accepted + quarantined for every source."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, build_warehouse

DIRTY_SHARE = 0.08
SELECT = "+quarantined_rows +input_reconciliation +market_basket"

# generator's dirty kind -> (source, reason code in quarantined_rows)
EXACT_REASONS = {
    ("invoices", "null_customer_id"): "missing_customer_id",
    ("invoices", "null_product_id"): "missing_product_id",
    ("invoices", "unparseable_date"): "unparseable_invoice_date",
    ("invoices", "future_date"): "future_invoice_date",
    ("invoices", "non_positive_quantity"): "non_positive_quantity",
    ("invoices", "non_numeric_quantity"): "non_numeric_quantity",
    ("invoices", "duplicate_row"): "duplicate_row",
    ("customers", "null_id"): "missing_customer_id",
    ("customers", "duplicate_row"): "duplicate_row",
    ("products", "null_id"): "missing_product_id",
    ("products", "duplicate_row"): "duplicate_row",
}


@pytest.fixture(scope="module")
def dirty_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dirty") / "data"
    command = [sys.executable, "-m", "ipre.cli", "generate", "--scale", "poc", "--out", str(out)]
    command += ["--dirty-share", str(DIRTY_SHARE), "--seed", "7"]
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
    return out


@pytest.fixture(scope="module")
def dirty_warehouse(dirty_data: Path) -> duckdb.DuckDBPyConnection:
    db_path = build_warehouse(dirty_data, dirty_data.parent / "dirty.duckdb", select=SELECT)
    connection = duckdb.connect(str(db_path), read_only=True)
    yield connection
    connection.close()


def raw_row_count(path: Path) -> int:
    query = f"select count(*) from read_csv('{path}', all_varchar = true, header = true)"
    return duckdb.sql(query).fetchall()[0][0]


def reason_counts(connection: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    rows = connection.sql(
        "select source_name, reason_code, count(*) from quarantined_rows group by all"
    ).fetchall()
    return {(source, reason): count for source, reason, count in rows}


def test_raw_rows_equal_accepted_plus_quarantined(dirty_warehouse, dirty_data: Path) -> None:
    rows = dirty_warehouse.sql(
        "select source_name, raw_rows, accepted_rows, quarantined_rows from input_reconciliation"
    ).fetchall()
    assert {row[0] for row in rows} == {"customers", "products", "invoices", "feedback"}
    for source, raw, accepted, quarantined in rows:
        assert raw == raw_row_count(dirty_data / f"{source}.csv"), source
        assert raw == accepted + quarantined, source
    stored = dirty_warehouse.sql(
        "select source_name, count(*) from quarantined_rows group by all"
    ).fetchall()
    counted = {source: quarantined for source, _, _, quarantined in rows if quarantined}
    assert dict(stored) == counted


def test_every_planted_dirty_row_is_quarantined_with_its_reason(
    dirty_warehouse, dirty_data: Path
) -> None:
    truth = json.loads((dirty_data / "ground_truth.json").read_text())["dirty_rows"]
    counts = reason_counts(dirty_warehouse)
    planted = sum(truth["invoices"].values())
    assert planted > 100, "the dirty input should be deliberately dirty"
    for (source, kind), reason in EXACT_REASONS.items():
        assert counts.get((source, reason), 0) == truth[source][kind], (source, kind)
    # unknown ids: the planted ones, plus lines of masters that were themselves quarantined
    for kind in ("unknown_customer_id", "unknown_product_id"):
        assert counts.get(("invoices", kind), 0) >= truth["invoices"][kind]


def test_quarantined_rows_keep_the_raw_row(dirty_warehouse) -> None:
    rows = dirty_warehouse.sql(
        "select raw_row from quarantined_rows where reason_code = 'non_numeric_quantity'"
    ).fetchall()
    assert rows
    assert all("quantity=" in row[0] and "invoice_id=" in row[0] for row in rows)


def test_unreadable_stock_is_out_of_stock(dirty_warehouse) -> None:
    rows = dirty_warehouse.sql(
        "select in_stock from staging.stg_erp__products where in_stock_unreadable"
    ).fetchall()
    assert rows, "the generator plants unreadable in_stock values"
    assert all(row[0] is False for row in rows)


def test_market_basket_uses_only_accepted_rows(dirty_warehouse) -> None:
    leaked = dirty_warehouse.sql(
        """
        select count(*) from market_basket
        where customer_id not in (
            select customer_id from staging.stg_erp__customers where quarantine_reason is null
        )
        or product_id not in (
            select product_id from staging.stg_erp__products where quarantine_reason is null
        )
        """
    ).fetchall()[0][0]
    assert leaked == 0
    in_window = dirty_warehouse.sql(
        "select sum(quantity) from intermediate.int_invoice_lines_in_scope"
    ).fetchall()[0][0]
    in_basket = dirty_warehouse.sql("select sum(total_quantity) from market_basket").fetchall()
    assert in_basket[0][0] == pytest.approx(in_window)


def test_pipeline_builds_without_feedback(dirty_data: Path) -> None:
    db_path = build_warehouse(
        dirty_data,
        dirty_data.parent / "no_feedback.duckdb",
        vars={"feedback_path": "none"},
        select="+input_reconciliation",
    )
    with duckdb.connect(str(db_path), read_only=True) as connection:
        row = connection.sql(
            "select raw_rows, accepted_rows from input_reconciliation"
            " where source_name = 'feedback'"
        ).fetchall()
    assert row == [(0, 0)]
