"""`ipre build`: a failed build changes nothing; a good one is swapped in atomically.

One full build of the bundled sample (module fixture), then failing and partial builds on top
of it, each `ipre build` with its own dbt target, logs and spill dirs. The builds that fail
inside dbt run in the test's process (conftest.ipre_build: dbt in process, the run's parse
reused); those that hold the warehouse open, and the swap, run in a subprocess, since DuckDB
shares one open database per process and file.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import ipre_build

from ipre import build

ROOT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"
UNCHANGED = "build failed; the previous warehouse"


def run_build(
    db: Path, export_dir: Path, vars: dict | None = None, dbt_args: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    work = db.parent / "work"
    env = dict(os.environ)
    env.update(
        DBT_PROJECT_DIR=str(ROOT),
        DBT_PROFILES_DIR=str(ROOT),
        DBT_TARGET_PATH=str(work / "target"),
        DBT_LOG_PATH=str(work / "logs"),
        IPRE_DUCKDB_TEMP_DIRECTORY=str(work / "spill"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env.pop("IPRE_VARS", None)
    env.pop("IPRE_VARS_FILE", None)
    command = [sys.executable, "-m", "ipre.cli", "build", "--db", str(db)]
    command += ["--export-dir", str(export_dir), "--vars", json.dumps(vars or {})]
    if dbt_args:
        command += ["--", *dbt_args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def table_digests(db: Path) -> dict[str, tuple[int, int]]:
    """(rows, order-independent hash of the rows) of every table in the warehouse."""
    with duckdb.connect(str(db), read_only=True) as con:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE'"
        ).fetchall()
        out = {}
        for schema, name in names:
            row = con.execute(
                f'select count(*), coalesce(sum(hash(t)), 0) from "{schema}"."{name}" t'
            ).fetchone()
            out[f"{schema}.{name}"] = (int(row[0]), int(row[1]))
    return out


def file_digests(*paths: Path) -> dict[str, str]:
    files = [p for path in paths for p in ([path] if path.is_file() else sorted(path.iterdir()))]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture(scope="module")
def published(
    tmp_path_factory: pytest.TempPathFactory, published_sample: tuple[Path, Path]
) -> tuple[Path, Path]:
    """A warehouse built from the bundled sample by `ipre build` (a copy of the session's, so
    the sample is built once), and its export dir."""
    base = tmp_path_factory.mktemp("safe_build")
    db, export_dir = base / "ipre.duckdb", base / "export"
    shutil.copyfile(published_sample[0], db)
    shutil.copytree(published_sample[1], export_dir)
    # a table no build writes (like eval_metrics) must survive every rebuild
    with duckdb.connect(str(db)) as con:
        con.execute("create table eval_metrics as select 42 as answer")
    return db, export_dir


def leftovers(db: Path) -> list[str]:
    names = {p.name for p in db.parent.iterdir()}
    return sorted(n for n in names if n.startswith(f".{db.name}.build-") or n.endswith(".wal"))


def test_first_build_publishes_warehouse_and_export(published: tuple[Path, Path]) -> None:
    db, export_dir = published
    assert {p.name for p in export_dir.iterdir()} == {
        "recommendations.parquet",
        "recommendations.manifest.json",
        "no_recent_purchases.parquet",
        "feedback_summary.json",
        "reorder_reminders.parquet",
    }
    digests = table_digests(db)
    assert digests["main.recommendations"][0] > 0
    assert digests["main.ipre_build_log"][0] == 1
    assert leftovers(db) == []
    assert list((db.parent / "work" / "spill").glob("build-*")) == []


# Inputs that pass the preflight (they exist and have a data row) but fail inside dbt.
FAILING_INPUTS = {
    # a model error: the raw model cannot find the required id column
    "model_error": ("customers_path", "not_a_customer_column,other\n1,2\n", "raw_file_customers"),
    # every invoice line is quarantined (an unknown customer, a bad date): the build stops
    # right after staging (docs/inputs.md, "No riddles"); the masters are the sample's files
    "all_lines_quarantined": (
        "invoices_path",
        "invoice_id,invoice_date,customer_id,product_id,quantity\n"
        "INV1,2023-02-24,NOBODY,P00248,28\nINV2,not-a-date,C00420,P00248,1\n",
        "int_invoices_validated",
    ),
}
# The sample's four files, one of them replaced by each case: the same parse-time vars (four
# paths) as the generated data's builds, so the parse is shared.
SAMPLE_FILES = {
    f"{name}_path": str(ROOT / "seeds" / "sample" / f"raw_{name}.csv")
    for name in ("customers", "products", "invoices", "feedback")
}


@pytest.mark.parametrize("case", sorted(FAILING_INPUTS))
def test_failed_build_leaves_warehouse_and_export_byte_identical(
    published: tuple[Path, Path], tmp_path: Path, case: str
) -> None:
    db, export_dir = published
    tables, files = table_digests(db), file_digests(db, export_dir)
    var, content, failing_node = FAILING_INPUTS[case]
    bad = tmp_path / "input.csv"
    bad.write_text(content)
    result = ipre_build(db, export_dir, vars={**SAMPLE_FILES, var: str(bad)})
    assert result.returncode == 1
    assert f"{UNCHANGED} {db} and export {export_dir} are unchanged" in result.stderr
    assert failing_node in result.stdout  # dbt did run, and failed where expected
    assert table_digests(db) == tables
    assert file_digests(db, export_dir) == files
    assert leftovers(db) == []
    assert list((db.parent / "work" / "spill").glob("build-*")) == []


def test_out_of_range_var_fails_in_preflight_and_changes_nothing(
    published: tuple[Path, Path],
) -> None:
    db, export_dir = published
    files = file_digests(db, export_dir)
    result = run_build(db, export_dir, vars={"top_k": -1})
    assert result.returncode == 2
    assert "top_k: -1 is out of range: must be an integer >= 1" in result.stderr
    assert "dbt" not in result.stdout.lower()
    assert file_digests(db, export_dir) == files


def test_second_concurrent_build_is_refused(published: tuple[Path, Path]) -> None:
    db, export_dir = published
    files = file_digests(db, export_dir)
    with build.lock_path(db).open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run_build(db, export_dir)
    assert result.returncode == 1
    assert "another build of" in result.stderr
    assert UNCHANGED in result.stderr
    assert file_digests(db, export_dir) == files


def test_build_refuses_while_a_writer_holds_the_warehouse(published: tuple[Path, Path]) -> None:
    db, export_dir = published
    with duckdb.connect(str(db)):
        result = run_build(db, export_dir)
    assert result.returncode == 1
    assert "open for writing by another process" in result.stderr


def test_good_build_swaps_atomically_and_readers_keep_reading(
    published: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, export_dir = published
    inode = db.stat().st_ino
    before = table_digests(db)
    with duckdb.connect(str(db), read_only=True) as reader:
        (old_count,) = reader.execute("select count(*) from recommendations").fetchone()
        # a partial build, so the test stays fast: the selected models and their tests (the
        # window's logic is int_basket_window; the mart basket_window is a view over it)
        result = run_build(
            db,
            export_dir,
            vars={"window_days": 14},
            dbt_args=["-s", "int_basket_window", "basket_window"],
        )
        assert result.returncode == 0, result.stderr[-3000:]
        # the open connection still reads the old file, undisturbed by the swap
        assert reader.execute("select count(*) from recommendations").fetchone() == (old_count,)
        (old_window,) = reader.execute("select window_days from basket_window").fetchone()
    assert db.stat().st_ino != inode  # a new file was renamed over the old one
    after = table_digests(db)
    assert after["main.eval_metrics"] == before["main.eval_metrics"]
    assert after["main.recommendations"] == before["main.recommendations"]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select window_days from basket_window").fetchone() == (14,)
        assert con.execute("select count(*) from ipre_build_log").fetchone() == (2,)
    assert old_window != 14
    assert leftovers(db) == []

    from ipre import summary

    assert summary.main(["--db", str(db)]) == 0
    assert "rebuilt only the selected models" in capsys.readouterr().out


def test_dbt_run_directly_rejects_out_of_range_vars(tmp_path: Path) -> None:
    """The on-run-start hook (macros/check_var_domains.sql) for users who call dbt directly."""
    env = dict(os.environ)
    env.update(
        DBT_PROJECT_DIR=str(ROOT),
        DBT_PROFILES_DIR=str(ROOT),
        DBT_TARGET_PATH=str(tmp_path / "target"),
        DBT_LOG_PATH=str(tmp_path / "logs"),
        IPRE_DUCKDB_PATH=str(tmp_path / "direct.duckdb"),
        IPRE_DUCKDB_TEMP_DIRECTORY=str(tmp_path / "spill"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    result = subprocess.run(
        [str(DBT), "run", "-s", "int_reference_date", "--vars",
         "{top_k: -1, min_confidence: 2, feature_groups: 'rfm,x', as_of_date: 'soon'}"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    assert result.returncode != 0
    out = result.stdout
    assert "top_k: -1 is not allowed: must be an integer >= 1" in out
    assert "min_confidence: 2 is not allowed: must be a number in [0, 1]" in out
    assert "feature_groups: rfm,x is not allowed" in out
    assert "as_of_date: soon is not allowed" in out


def test_eval_metrics_writer_waits_for_a_running_build(tmp_path: Path) -> None:
    """`ipre evaluate` writes eval_metrics into the published file under the build lock."""
    import threading
    import time

    import pyarrow as pa

    from ipre.evaluation.warehouse import write_eval_metrics

    db = tmp_path / "ipre.duckdb"
    released: list[float] = []

    def hold_lock() -> None:
        with build.build_lock(db):
            time.sleep(1.0)
            released.append(time.monotonic())

    holder = threading.Thread(target=hold_lock)
    holder.start()
    time.sleep(0.2)
    write_eval_metrics(db, pa.table({"model": ["engine"]}))
    written = time.monotonic()
    holder.join()
    assert released and written >= released[0]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select * from eval_metrics").fetchall() == [("engine",)]


def test_full_build_keeps_tables_it_does_not_create(tmp_path: Path) -> None:
    """carry_over: tables only in the published warehouse (eval_metrics) move to the new file,
    including changes still in the published file's WAL; tables the build made are not touched."""
    published, new = tmp_path / "ipre.duckdb", tmp_path / ".ipre.duckdb.build-1.duckdb"
    with duckdb.connect(str(published)) as con:
        con.execute("create table recommendations as select 'old' as v")
        con.execute("create schema staging")
        con.execute("create table staging.only_old as select 1 as v")
        con.execute("checkpoint")
        con.execute("create table eval_metrics as select 'kept' as v")  # still in the WAL
        shutil.copyfile(published, tmp_path / "snapshot.duckdb")
        shutil.copyfile(build.wal_path(published), tmp_path / "snapshot.duckdb.wal")
    # a published file with a WAL, as left by a crashed writer
    shutil.move(tmp_path / "snapshot.duckdb", published)
    shutil.move(tmp_path / "snapshot.duckdb.wal", build.wal_path(published))
    with duckdb.connect(str(new)) as con:
        con.execute("create table recommendations as select 'new' as v")
    assert sorted(build.carry_over(published, new)) == ["main.eval_metrics", "staging.only_old"]
    with duckdb.connect(str(new), read_only=True) as con:
        assert con.execute("select v from recommendations").fetchall() == [("new",)]
        assert con.execute("select v from eval_metrics").fetchall() == [("kept",)]
        assert con.execute("select v from staging.only_old").fetchall() == [(1,)]
