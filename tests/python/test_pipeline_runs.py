"""pipeline_runs: one row appended per build; the history survives a full `ipre build` (which
starts from an empty file), `--full-refresh` and a growing schema; as-of builds say so."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
from conftest import ipre_build

from ipre import build
from ipre.monitoring import check
from ipre.params.check import project_vars


def runs(db: Path) -> list[dict]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute("select * from pipeline_runs order by run_started_at")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_full_build_appends_to_the_published_history(published_sample: tuple[Path, Path]) -> None:
    earlier, latest = runs(published_sample[0])
    # the earlier run, recorded by an older schema, is kept as it was (new columns are null)
    assert (earlier["run_id"], earlier["coverage"], earlier["top_k"]) == ("earlier-run", 0.99, 5)
    assert earlier["customers_in_master"] is None
    assert latest["run_id"] != "earlier-run" and not latest["is_as_of"]
    assert latest["reference_date"] == latest["last_invoice_date"]
    recorded = json.loads(latest["vars_json"])
    assert set(recorded) == set(project_vars())
    assert latest["vars_hash"] == hashlib.md5(latest["vars_json"].encode()).hexdigest()  # noqa: S324
    # every master customer is counted once; the sample's lapsed customers are visible
    statuses = ("in_scope", "lapsed", "never_bought", "unknown_segment")
    parts = [latest[f"customers_{status}_of_master"] for status in statuses]
    assert sum(parts) == latest["customers_in_master"] > latest["customers_in_scope_of_master"]
    assert latest["customers_in_scope_of_master"] == latest["customers_in_scope"]
    assert latest["customers_lapsed_of_master"] > 0
    with duckdb.connect(str(published_sample[0]), read_only=True) as con:
        (rules,) = con.execute("select count(*) from association_rules").fetchone()
        (recs,) = con.execute("select count(*) from recommendations").fetchone()
    assert (latest["association_rules_generated"], latest["recommendation_rows"]) == (rules, recs)


def test_full_refresh_as_of_build_appends_one_row_recorded_as_of(
    published_sample: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    db, export_dir = tmp_path / "ipre.duckdb", tmp_path / "export"
    shutil.copyfile(published_sample[0], db)
    before = runs(db)
    # a partial build, so the test stays fast: the reference date and the history only
    result = ipre_build(
        db, export_dir, vars={"as_of_date": "2026-01-15"},
        dbt_args=["--select", "int_reference_date", "pipeline_runs", "--full-refresh"],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    after = runs(db)
    assert after[: len(before)] == before  # --full-refresh rebuilt nothing of the history
    assert len(after) == len(before) + 1
    latest = after[-1]
    assert latest["is_as_of"] and str(latest["reference_date"]) == "2026-01-15"
    assert json.loads(latest["vars_json"])["as_of_date"] == "2026-01-15"
    # an as-of build is never compared with a current one
    code = check.main(["--db", str(db), "--json", str(tmp_path / "check.json")])
    out = capsys.readouterr().out
    assert "as of 2026-01-15" in out
    verdict = json.loads((tmp_path / "check.json").read_text())
    assert verdict["previous_run_id"] is None
    assert code == (1 if verdict["breaches"] else 0)


def test_seed_history_copies_only_the_history_tables(tmp_path: Path) -> None:
    published, new = tmp_path / "ipre.duckdb", tmp_path / ".ipre.duckdb.build-1.duckdb"
    with duckdb.connect(str(published)) as con:
        con.execute("create table recommendations as select 1 as v")
        con.execute("create table pipeline_runs as select 'r1' as run_id")
    assert build.seed_history(published, new) == ["pipeline_runs"]
    with duckdb.connect(str(new), read_only=True) as con:
        names = {n for (n,) in con.execute("select table_name from information_schema.tables")
                 .fetchall()}
        assert names == {"pipeline_runs"}
        assert con.execute("select run_id from pipeline_runs").fetchall() == [("r1",)]
    assert build.seed_history(tmp_path / "absent.duckdb", tmp_path / "other.duckdb") == []
