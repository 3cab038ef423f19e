"""The lineage does not depend on the vars: staging always reads raw_file_<entity>, which holds
the named file or the bundled sample's seed (docs/inputs.md)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import DBT, ROOT

STAGING = ("stg_erp__customers", "stg_erp__products", "stg_erp__invoices", "stg_crm__feedback")


def upstream(tmp_path: Path, vars: dict[str, str]) -> dict[str, list[str]]:
    """Each staging model's direct parents, from `dbt ls` on a parse with these vars."""
    env = {**os.environ, "DBT_TARGET_PATH": str(tmp_path / "target"),
           "DBT_LOG_PATH": str(tmp_path / "logs")}
    command = [str(DBT), "ls", "-q", "--resource-type", "model", "--output", "json",
               "--output-keys", "name depends_on", "--select", " ".join(STAGING),
               "--vars", json.dumps(vars)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {row["name"]: sorted(row["depends_on"]["nodes"]) for row in rows}


def test_staging_reads_the_same_models_with_or_without_input_files(tmp_path: Path) -> None:
    sample = upstream(tmp_path / "sample", {})
    files = upstream(tmp_path / "files", {
        "customers_path": "/data/customers.csv", "products_path": "/data/products.csv",
        "invoices_path": "/data/invoices.csv.gz", "feedback_path": "none",
    })
    assert sorted(sample) == sorted(STAGING)
    assert files == sample
    entity = {"stg_erp__customers": "customers", "stg_erp__products": "products",
              "stg_erp__invoices": "invoices", "stg_crm__feedback": "feedback"}
    for name, parents in sample.items():
        assert f"model.ipre.raw_file_{entity[name]}" in parents, (name, parents)
        assert not any(parent.startswith("seed.ipre.raw_") for parent in parents), parents
