"""The lineage does not depend on the vars: staging always reads raw_file_<entity>, which holds
the named file or the bundled sample's seed (docs/inputs.md)."""

from __future__ import annotations

from pathlib import Path

from conftest import parsed_manifest

STAGING = ("stg_erp__customers", "stg_erp__products", "stg_erp__invoices", "stg_crm__feedback")


def upstream(tmp_path: Path, vars: dict[str, str]) -> dict[str, list[str]]:
    """Each staging model's direct parents in the manifest `dbt parse` makes with these vars."""
    nodes = parsed_manifest(vars, tmp_path).nodes
    return {name: sorted(nodes[f"model.ipre.{name}"].depends_on.nodes) for name in STAGING}


def test_staging_reads_the_same_models_with_or_without_input_files(tmp_path: Path) -> None:
    sample = upstream(tmp_path / "sample", {})
    files = upstream(tmp_path / "files", {
        "customers_path": "/data/customers.csv", "products_path": "/data/products.csv",
        "invoices_path": "/data/invoices.csv.gz", "feedback_path": "none",
    })  # fmt: skip
    assert files == sample
    entity = {"stg_erp__customers": "customers", "stg_erp__products": "products",
              "stg_erp__invoices": "invoices", "stg_crm__feedback": "feedback"}  # fmt: skip
    for name, parents in sample.items():
        assert f"model.ipre.raw_file_{entity[name]}" in parents, (name, parents)
        assert not any(parent.startswith("seed.ipre.raw_") for parent in parents), parents
