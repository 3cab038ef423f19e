"""`ipre summary`: the §12-style report, and how it copes with a warehouse not built yet."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ipre import summary


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = summary.main(argv)
    return code, capsys.readouterr().out


def test_missing_warehouse_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["--db", str(tmp_path / "absent.duckdb")], capsys)
    assert code == 0
    assert "not built yet" in out


def test_empty_warehouse_lists_every_table_as_not_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    code, out = run(["--db", str(db)], capsys)
    assert code == 0
    assert "input_reconciliation: not built yet" in out
    assert "recommendations, market_basket: not built yet" in out
    assert out.count("not built yet") >= len(summary.MART_TABLES)


def build_small(db: Path) -> Path:
    with duckdb.connect(str(db)) as con:
        con.execute("create table market_basket as select * from (values ('C1'), ('C2'), ('C3'))"
                    " t(customer_id)")
        con.execute("""
            create table recommendations as select * from (values
                ('C1', 'P1', 'T1', 0.5, 1), ('C1', 'P2', 'fallback', 0.1, 2),
                ('C2', 'P3', 'fallback', 0.1, 1), ('C2', 'P4', 'fallback', 0.12, 2)
            ) t(customer_id, recommended_product, trigger_product, score, rank)
        """)
        con.execute("create table pipeline_health as select 'top_k' as metric, 2.0 as metric_value")
        con.execute("""
            create table input_reconciliation as select * from (values
                ('customers', 4, 3, 1), ('invoices', 10, 9, 1)
            ) t(source_name, raw_rows, accepted_rows, quarantined_rows)
        """)
        con.execute("""
            create table quarantined_rows as select * from (values
                ('customers', 'duplicate_row', 'x'), ('invoices', 'unparseable_invoice_date', 'y')
            ) t(source_name, reason_code, raw_row)
        """)
    return db


def test_quality_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["--db", str(build_small(tmp_path / "w.duckdb"))], capsys)
    assert code == 0
    lines = {line.split("  ")[1].strip(): line for line in out.splitlines() if "  " in line[2:]}
    assert "2 / 3 (66.7%)" in lines["Customers covered"]
    assert "1 (33.3%)" in lines["Via similarity or association rules"]
    assert "2 (66.7%)" in lines["Via category-aware fallback"]
    assert "2 (66.7%)" in lines["Customers with exactly 2 recs"]  # top_k read from the build
    assert "0.10 – 0.50" in lines["Score range"]
    assert lines["Distinct score values"].rstrip().endswith("3")
    assert "unparseable_invoice_date" in out
    assert "not built yet" in out  # e.g. association_rules


def test_top_k_option_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["--db", str(build_small(tmp_path / "w.duckdb")), "--top-k", "1"], capsys)
    assert code == 0
    assert "Customers with exactly 1 recs" in out


def test_warns_when_tables_may_come_from_different_builds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = build_small(tmp_path / "w.duckdb")
    _, out = run(["--db", str(db)], capsys)
    assert "not published by `ipre build`" in out
    with duckdb.connect(str(db)) as con:
        con.execute(
            "create table ipre_build_log as select timestamp '2026-01-01 10:00' as started_at, "
            "timestamp '2026-01-01 10:01' as finished_at, '{}' as vars_json, "
            "'--select basket_window' as dbt_args, false as full_build"
        )
    _, out = run(["--db", str(db)], capsys)
    assert "rebuilt only the selected models" in out
    with duckdb.connect(str(db)) as con:
        con.execute(
            "insert into ipre_build_log values (timestamp '2026-01-02 10:00', "
            "timestamp '2026-01-02 10:01', '{}', '', true)"
        )
    _, out = run(["--db", str(db)], capsys)
    lines = out.splitlines()
    assert [line for line in lines if "warning" in line and "quarantined" not in line] == []
    # an input with quarantined lines is always said, with its share and top reason
    expected = "warning: invoices: 10.0% of 10 lines quarantined, most as unparseable_invoice_date"
    assert expected in out


def test_reorder_reminder_volume(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = build_small(tmp_path / "w.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("""
            create table reorder_reminders as select * from (values
                ('C1', 'P1', true, true), ('C1', 'P2', true, false), ('C2', 'P1', false, false)
            ) t(customer_id, product_id, is_due, is_reminder)
        """)
    code, out = run(["--db", str(db)], capsys)
    assert code == 0
    lines = {line.split("  ")[1]: line.split("  ")[-1] for line in out.splitlines()
             if line.startswith("  ") and "  " in line.strip()}
    assert lines["Customer × product rhythms"].strip() == "3 (2 customers)"
    assert lines["Due"].strip() == "2"
    assert lines["Reminders (due, in stock, top k)"].strip() == "1 for 1 customers"


def test_summary_ends_with_verdict_left_out_customers_and_report_path(
    published_sample: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    report = tmp_path / "index.html"
    monkeypatch.setenv("IPRE_REPORT_PATH", str(report))
    code, out = run(["--db", str(published_sample[0])], capsys)
    assert code == 0
    tail = out.rstrip().splitlines()[-5:]
    assert tail[0] == "Verdict (make check; docs/monitoring.md)"
    assert tail[1] == "  Needs attention: silhouette."  # the sample's expected breach (README)
    with duckdb.connect(str(published_sample[0]), read_only=True) as con:
        counts = dict(con.execute(
            "select coverage_status, count(*) from customer_coverage group by all").fetchall())
    assert counts.get("lapsed", 0) > 0  # the sample has lapsed customers (README)
    assert f"{counts['lapsed']:,} lapsed" in tail[3]
    assert f"{counts.get('unknown_segment', 0):,} unknown segment" in tail[3]
    assert tail[4] == "Report: not written (make report)"
    report.write_text("<html></html>")
    code, out = run(["--db", str(published_sample[0])], capsys)
    assert out.rstrip().splitlines()[-1] == f"Report: {report}"
