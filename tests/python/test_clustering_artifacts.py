"""model.tar.gz round trip: export from a warehouse file, load, predict, compare (spec §4.2)."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from clustering_fixtures import make_basket

from ipre.clustering import ClusterParams, cluster_customers
from ipre.clustering.artifacts import file_prefixes, load_artifacts, predict_clusters
from ipre.clustering.artifacts_cli import PROJECT_ROOT, main, warehouse_path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """A DuckDB file as dbt leaves it: market_basket plus the customer_clusters it built."""
    basket, _ = make_basket({"EU_Res": 120, "US/Com": 70, "X_Tiny": 4}, seed=21)
    basket.loc[basket["segment"] == "X_Tiny", "brand"] = None
    table, _ = cluster_customers(basket, ClusterParams())
    path = tmp_path_factory.mktemp("wh") / "ipre.duckdb"
    with duckdb.connect(str(path)) as con:
        con.register("basket_df", basket)
        con.execute("create table market_basket as select * from basket_df")
        con.register("table_df", table)
        con.execute("create table customer_clusters as select * from table_df")
    return path, table


@pytest.fixture(scope="module")
def exported(warehouse: tuple[Path, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory):
    path, _ = warehouse
    out = tmp_path_factory.mktemp("art") / "model.tar.gz"
    assert main(["--db", str(path), "--out", str(out), "--jobs", "1"]) == 0
    return out


def test_tar_has_the_spec_layout(exported: Path) -> None:
    with tarfile.open(exported) as tar:
        names = set(tar.getnames())
    expected = {"model_registry.json", "customer_clusters.csv"}
    for prefix in ("EU_Res", "US_Com", "X_Tiny"):
        expected |= {f"{prefix}_kmeans.pkl", f"{prefix}_scaler.pkl", f"{prefix}_columns.json"}
    assert names == expected


def test_registry_describes_every_segment(exported: Path) -> None:
    registry = load_artifacts(exported).registry
    assert set(registry["segments"]) == {"EU_Res", "US/Com", "X_Tiny"}
    tiny = registry["segments"]["X_Tiny"]
    assert (tiny["k"], tiny["silhouette"], tiny["n_customers"]) == (1, None, 4)
    assert registry["parameters"] == json.loads(ClusterParams().to_json())
    assert registry["data"]["reference_date"] == "2026-01-31"
    assert registry["code_version"]["ipre"]


def test_loaded_models_reproduce_customer_clusters_exactly(
    exported: Path, warehouse: tuple[Path, pd.DataFrame]
) -> None:
    artifacts = load_artifacts(exported)
    _, built = warehouse
    csv = artifacts.customer_clusters
    assert csv["customer_id"].tolist() == built["customer_id"].tolist()
    assert (predict_clusters(artifacts, csv) == csv["cluster_id"]).all()
    # Predicting from the warehouse table's own features gives the warehouse's clusters.
    assert (predict_clusters(artifacts, built) == built["cluster_id"]).all()
    features = [c for c in built.columns if "__" in c or c.startswith("rfm_")]
    pd.testing.assert_frame_equal(csv[features], built[features], check_dtype=False)


def test_export_refuses_a_stale_warehouse(
    warehouse: tuple[Path, pd.DataFrame], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = warehouse
    stale = tmp_path / "stale.duckdb"
    stale.write_bytes(path.read_bytes())
    with duckdb.connect(str(stale)) as con:
        con.execute("update customer_clusters set cluster_id = 'EU_Res_7' where segment = 'EU_Res'")
    # the old spelling of --db still works, with a deprecation notice
    assert main(["--duckdb", str(stale), "--out", str(tmp_path / "m.tar.gz")]) == 1
    assert "--duckdb is deprecated; use --db" in capsys.readouterr().err
    assert not (tmp_path / "m.tar.gz").exists()


def test_relative_warehouse_path_is_taken_from_project_root(monkeypatch) -> None:
    monkeypatch.delenv("IPRE_DUCKDB_PATH", raising=False)
    assert warehouse_path(None) == PROJECT_ROOT / "ipre.duckdb"
    monkeypatch.setenv("IPRE_DUCKDB_PATH", "data/x.duckdb")
    assert warehouse_path(None) == PROJECT_ROOT / "data" / "x.duckdb"


def test_file_prefixes_are_safe_and_unique() -> None:
    assert file_prefixes(["a/b", "a b", "c"]) == {"a b": "a_b", "a/b": "a_b~2", "c": "c"}
