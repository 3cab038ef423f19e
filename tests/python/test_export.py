"""`ipre export`: atomic writes, default paths, the Parquet and the feedback_summary.json shape."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ipre import export
from ipre.params.resolved import manifest_params, resolve

SUMMARY_ROWS = """
insert into feedback_summary values
  ('overall', 'overall', 4, 1.0, 0.5, 0.25, 0.25, 0.0, 0.0, 0.75, 0.05, 0.08,
   'Acceptance rate=0.75. Holding thresholds.', date '2026-02-20'),
  ('segment', 'West_Plumbing', 4, 1.0, 0.5, 0.25, 0.25, 0.0, 0.0, 0.75, null, null, null,
   date '2026-02-20'),
  ('l2_category', 'Plumbing', 4, 1.0, 0.5, 0.25, 0.25, 0.0, 0.0, 0.75, null, null, null,
   date '2026-02-20'),
  ('reason_code', 'good_fit', 3, 0.75, 0.67, 0.33, 0.0, 0.0, 0.0, 1.0, null, null, null,
   date '2026-02-20'),
  ('reason_code', '(none)', 1, 0.25, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, null, null, null,
   date '2026-02-20')
"""


def make_warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("""
            create table recommendations as
            select * from (values
                ('C2', 'P9', 'S_0', 'S', 'L2', 'L3', 'fallback', null, null, null, null,
                 0.1, 2, 'Category-affinity fallback: L2 affinity=0.00', 1),
                ('C1', 'P2', 'S_0', 'S', 'L2', 'L3', 'P1', 0.1, 0.09, 0.5, 2.0,
                 0.4, 3, 'P1 → P2 (support=0.100, confidence=0.500, lift=2.00)', 1)
            ) as t(customer_id, recommended_product, cluster_id, segment, l2_category,
                   l3_category, trigger_product, support, weighted_support, confidence, lift,
                   score, recommended_qty, reason, rank)
        """)
        con.execute("""
            create table feedback_summary (
                scope varchar, scope_value varchar, feedback_count bigint, feedback_share double,
                high_rate double, medium_positive_rate double, medium_negative_rate double,
                medium_no_signal_rate double, low_rate double, acceptance_rate double,
                suggested_min_confidence double, suggested_score_cutoff double,
                rationale varchar, reference_date date)
        """)
        con.execute(SUMMARY_ROWS)
    return path


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return make_warehouse(tmp_path / "w.duckdb")


def test_export_writes_parquet_and_json(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    assert export.main(["--db", str(warehouse), "--out", str(out)]) == 0
    table = pd.read_parquet(out / "recommendations.parquet")
    assert table.customer_id.tolist() == ["C1", "C2"]  # ordered by customer, rank
    assert list(table.columns[-2:]) == ["rank", "product_name"]  # no staging here: null names
    assert table.product_name.isna().all()
    document = json.loads((out / "feedback_summary.json").read_text())
    assert set(document) == {"generated_at", "reference_date", "overall", "by_segment",
                             "by_l2_category", "reason_code_distribution",
                             "threshold_suggestions"}
    assert document["overall"]["acceptance_rate"] == 0.75
    assert document["by_segment"]["West_Plumbing"]["feedback_count"] == 4
    assert document["reason_code_distribution"]["(none)"] == {"count": 1, "share": 0.25}
    assert document["threshold_suggestions"] == {
        "MIN_CONFIDENCE": 0.05, "SCORE_CUTOFF": 0.08,
        "rationale": "Acceptance rate=0.75. Holding thresholds.",
    }
    assert sorted(p.name for p in out.iterdir()) == ["feedback_summary.json",
                                                     "no_recent_purchases.parquet",
                                                     "recommendations.manifest.json",
                                                     "recommendations.parquet"]


def test_export_uses_environment_defaults(warehouse: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPRE_DUCKDB_PATH", str(warehouse))
    monkeypatch.setenv("IPRE_EXPORT_DIR", str(tmp_path / "env_out"))
    monkeypatch.chdir(tmp_path)
    assert export.main([]) == 0
    assert (tmp_path / "env_out" / "recommendations.parquet").is_file()


def test_defaults_resolve_from_the_package_not_the_cwd(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IPRE_DUCKDB_PATH", raising=False)
    monkeypatch.delenv("IPRE_EXPORT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    root = Path(export.__file__).resolve().parent.parent
    assert export.default_db_path() == root / "ipre.duckdb"
    assert export.default_export_dir() == root / "export"


def test_missing_warehouse_fails_cleanly(tmp_path: Path) -> None:
    assert export.main(["--db", str(tmp_path / "absent.duckdb"), "--out", str(tmp_path)]) == 1


def test_atomic_write_keeps_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        export.write_atomically(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary left behind


def test_atomic_write_replaces_and_is_readable(tmp_path: Path) -> None:
    target = export.write_atomically(tmp_path / "new" / "x.json",
                                     lambda tmp: tmp.write_text("{}"))
    assert target.read_text() == "{}"
    assert target.stat().st_mode & 0o777 == 0o644


def test_summary_document_requires_overall_row() -> None:
    with pytest.raises(ValueError):
        export.summary_document([], datetime.now(UTC))


def test_manifest_describes_the_parquet(warehouse: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table ipre_build_log (started_at timestamp, finished_at timestamp, "
                    "vars_json varchar, dbt_args varchar, full_build boolean)")
        con.execute("insert into ipre_build_log values ('2026-02-01 10:00:00', "
                    "'2026-02-01 10:05:00', '{\"top_k\": 2}', '', true)")
        con.execute("create table pipeline_health as select 'top_k' as metric, 2.0 as metric_value")
    out = tmp_path / "export"
    assert export.main(["--db", str(warehouse), "--out", str(out)]) == 0
    manifest = json.loads((out / export.MANIFEST_FILE).read_text())
    parquet = out / "recommendations.parquet"
    assert manifest["sha256"] == hashlib.sha256(parquet.read_bytes()).hexdigest()
    assert manifest["bytes"] == parquet.stat().st_size
    assert (manifest["rows"], manifest["customers"], manifest["top_k"]) == (2, 2, 2)
    assert manifest["build_id"] == "20260201T100000.000000"
    assert manifest["built_at"] == "2026-02-01T10:05:00" and manifest["vars"] == {"top_k": 2}
    assert manifest["file"] == "recommendations.parquet" and manifest["exported_at"]
    # every var as used: the build's override, dbt_project.yml's default for the others
    assert manifest["params"] == resolve({"top_k": 2})
    assert manifest["params"]["top_k"] == 2 and manifest["params"]["min_lift"] == 1.2
    assert manifest_params(out / export.MANIFEST_FILE) == manifest["params"]


def test_manifest_without_build_log_falls_back(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    assert export.main(["--db", str(warehouse), "--out", str(out)]) == 0
    manifest = json.loads((out / export.MANIFEST_FILE).read_text())
    assert manifest["build_id"] is None and manifest["top_k"] == 1  # max(rank)


def test_product_names_are_joined_without_duplicating_rows(warehouse: Path,
                                                           tmp_path: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema staging")
        con.execute("""
            create table staging.stg_erp__products as select * from (values
                ('P2', 'Valve 2', null), ('P9', 'Tap 9', null), ('P9', 'broken', 'bad row'),
                ('P2', 'Valve 2', null)
            ) as t(product_id, product_name, quarantine_reason)
        """)
    out = tmp_path / "export"
    assert export.main(["--db", str(warehouse), "--out", str(out)]) == 0
    table = pd.read_parquet(out / "recommendations.parquet")
    assert table.product_name.tolist() == ["Valve 2", "Tap 9"] and len(table) == 2


def test_serving_side_reads_the_manifest_under_the_same_name() -> None:
    loader = (Path(export.__file__).parent.parent / "serve" / "ipre_serve" / "loader.py")
    assert f'MANIFEST_NAME = "{export.MANIFEST_FILE}"' in loader.read_text()


def test_customers_without_recent_purchases_are_exported(warehouse: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema staging")
        con.execute("""
            create table staging.stg_erp__customers as select * from (values
                ('C1', null), ('C3', null), ('C4', 'bad row'), ('C3', null)
            ) as t(customer_id, quarantine_reason)
        """)
        con.execute("create table market_basket as select 'C1' as customer_id")
    out = tmp_path / "export"
    assert export.main(["--db", str(warehouse), "--out", str(out)]) == 0
    assert pd.read_parquet(out / export.NO_RECENT_FILE).customer_id.tolist() == ["C3"]
    entry = json.loads((out / export.MANIFEST_FILE).read_text())["no_recent_purchases"]
    data = (out / export.NO_RECENT_FILE).read_bytes()
    assert entry == {"file": export.NO_RECENT_FILE, "rows": 1,
                     "sha256": hashlib.sha256(data).hexdigest()}
def test_export_writes_the_reorder_reminders(warehouse: Path, tmp_path: Path) -> None:
    """Only is_reminder rows, by customer and reorder_rank; absent table = nothing written."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("""
            create table reorder_reminders as
            select * from (values
                ('C2', 'P1', 1, true), ('C1', 'P3', 2, true), ('C1', 'P4', 3, false),
                ('C1', 'P2', 1, true)
            ) as t(customer_id, product_id, reorder_rank, is_reminder)
        """)
    out = tmp_path / "export"
    assert export.main(["--db", str(warehouse), "--out", str(out)]) == 0
    table = pd.read_parquet(out / "reorder_reminders.parquet")
    assert list(zip(table.customer_id, table.product_id, strict=True)) == [
        ("C1", "P2"), ("C1", "P3"), ("C2", "P1")
    ]
    assert "product_name" in table.columns  # null here: the warehouse has no staging
    entry = json.loads((out / export.MANIFEST_FILE).read_text())["reorder_reminders"]
    data = (out / "reorder_reminders.parquet").read_bytes()
    assert entry == {"file": "reorder_reminders.parquet", "rows": 3, "customers": 2,
                     "max_per_customer": 2, "sha256": hashlib.sha256(data).hexdigest()}
    with duckdb.connect(str(tmp_path / "none.duckdb")) as con:
        assert export.export_reorder_reminders(con, tmp_path / "x.parquet") is None
    assert not (tmp_path / "x.parquet").exists()
