"""Inputs that are warehouse tables (var <entity>_relation, docs/inputs.md): an attached DuckDB
database holding an ERP's sales lines under its own column names, read through the dbt
source, mapped, staged and quarantined as a file is. (On Spark, `make test-spark` reads the
seeds as catalog tables through the same vars: tests/python/test_spark_equality.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import ROOT
from export_variants import SAMPLE_DIR, SAMPLE_INVOICES

SELECT = ["+input_reconciliation", "+quarantined_rows"]


def profiles_with_attached(folder: Path, erp_db: Path) -> Path:
    """The project's profiles.yml plus dbt-duckdb's attach of the ERP database, as users add it."""
    profiles = yaml.safe_load((ROOT / "profiles.yml").read_text(encoding="utf-8"))
    output = profiles["ipre"]["outputs"]["duckdb"]
    output["attach"] = [{"path": str(erp_db), "alias": "erp", "read_only": True}]
    (folder / "profiles.yml").write_text(yaml.safe_dump(profiles), encoding="utf-8")
    return folder


def run_dbt(folder: Path, vars: dict[str, object], name: str) -> subprocess.CompletedProcess[str]:
    db_path = folder / f"{name}.duckdb"
    env = {**os.environ, "IPRE_DUCKDB_PATH": str(db_path), "DBT_PROJECT_DIR": str(ROOT),
           "DBT_PROFILES_DIR": str(folder), "DBT_TARGET_PATH": str(folder / f"{name}_target"),
           "DBT_LOG_PATH": str(folder / f"{name}_logs"),
           "IPRE_DUCKDB_TEMP_DIRECTORY": str(folder / f"{name}_spill"),
           "PYTHONPATH": str(ROOT), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}  # fmt: skip
    command = [str(Path(sys.executable).parent / "dbt"), "run", "--vars", json.dumps(vars),
               "--select", *SELECT]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("relations")
    erp_db = folder / "erp.duckdb"
    with duckdb.connect(str(erp_db)) as con:
        con.execute("create schema sales")
        # the sample's lines, typed as an ERP keeps them (dates as timestamps where they parse),
        # under ERP names; the masters as they are
        con.execute(
            "create table sales.order_lines as select invoice_id as OrderNo,"
            " invoice_date as OrderDate, customer_id as CustomerID, product_id as ItemCode,"
            " quantity as Qty from read_csv(?, all_varchar = true)", [str(SAMPLE_INVOICES)]
        )
        for master in ("customers", "products"):
            con.execute(f"create table main.{master} as select * from read_csv(?, all_varchar=1)",
                        [str(SAMPLE_DIR / f"raw_{master}.csv")])  # fmt: skip
    return profiles_with_attached(folder, erp_db)


def test_tables_of_an_attached_database_build_like_the_files(folder: Path) -> None:
    vars = {"invoices_relation": "erp.sales.order_lines",
            "customers_relation": "erp.main.customers",
            "products_relation": "erp.main.products", "feedback_path": "none",
            "invoices_columns": {"invoice_id": "OrderNo", "product_id": "ItemCode",
                                 "invoice_date": "OrderDate", "quantity": "Qty"}}  # fmt: skip
    result = run_dbt(folder, vars, "relations")
    assert result.returncode == 0, result.stdout[-3000:]
    with duckdb.connect(str(folder / "relations.duckdb"), read_only=True) as con:
        rows = con.sql(
            "select source_name, raw_rows, accepted_rows, quarantined_rows"
            " from input_reconciliation order by source_name"
        ).fetchall()
        lineage = con.sql(
            "select count(*) from staging.raw_file_invoices where customer_id is not null"
        ).fetchall()
    assert rows == [("customers", 505, 500, 5), ("feedback", 0, 0, 0),
                    ("invoices", 3000, 2970, 30), ("products", 303, 300, 3)]  # fmt: skip
    assert lineage[0][0] > 2900


def test_a_relation_that_does_not_exist_names_the_var(folder: Path) -> None:
    result = run_dbt(folder, {"invoices_relation": "erp.sales.missing_lines"}, "missing")
    assert result.returncode != 0
    assert "invoices relation 'erp.sales.missing_lines' (var invoices_relation) does not exist" in (
        result.stdout
    )
