"""`ipre build`: check the vars, build the warehouse into a new file, publish it atomically.

1. Preflight (``ipre check-vars``): unknown vars, values outside their domain and unusable
   input files fail here, in well under a second, before dbt starts.
2. A lock file ``<warehouse>.lock`` (flock) makes a second concurrent build of the same
   warehouse fail at once with a clear message instead of racing.
3. ``dbt build`` runs with ``IPRE_DUCKDB_PATH`` pointing at a new file
   ``.<name>.build-<pid>.duckdb`` next to the published one, and a spill directory of its own
   (removed afterwards). A full build starts from an empty file (no dead space from the old
   tables) holding only the history tables (``pipeline_runs``) copied from the published one,
   so the incremental model appends to them; a partial build (``-- --select ...``) starts from
   a copy of the published warehouse (its write-ahead log folded in), since the unselected
   models' tables come from it.
4. Only when dbt exits 0 (every model built and every error-severity test passed): tables of
   the published warehouse the build did not create (``eval_metrics``, ``ipre_build_log``, ...)
   are copied in, the build is logged in ``ipre_build_log``, and the new file is checkpointed
   and renamed over the published one with ``os.replace`` (same directory, so the rename is
   atomic); then the export is rewritten (``ipre export``, itself atomic). On any failure the
   new file is deleted: the previous warehouse and the export are byte-identical.

Readers are never blocked: they open the published file (read-only connections keep reading
the old file through the swap, new connections see the new one). See docs/operations.md.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ipre.export import default_db_path, default_export_dir
from ipre.params.check import VarsError, add_vars_arguments, load_vars, preflight, report

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILD_LOG_TABLE = "ipre_build_log"
PROG = "ipre build"
# Incremental models that keep one row per build: a full build into an empty file starts from
# the published rows, so the history survives every rebuild (docs/monitoring.md).
HISTORY_TABLES = ("pipeline_runs",)
SELECTION_ARGS = {"-s", "--select", "--exclude", "--selector", "--resource-type", "--models", "-m"}


class BuildError(RuntimeError):
    """The build did not publish; the message says why."""


def say(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def wal_path(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def temp_db_path(db: Path, pid: int | None = None) -> Path:
    return db.with_name(f".{db.name}.build-{pid or os.getpid()}.duckdb")


@contextlib.contextmanager
def build_lock(db: Path, wait: bool = False) -> Iterator[None]:
    """Hold an exclusive flock on <db>.lock; fail at once if another build holds it.

    flock is released by the kernel when the process exits, so a killed build never leaves a
    stale lock. The file itself stays (deleting it would let two builds lock different files).
    wait=True blocks until the lock is free instead: for short writers to the published
    warehouse (e.g. `ipre evaluate` replacing eval_metrics), so they never write during a build.
    """
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            if not wait:
                raise BuildError(
                    f"another build of {db} is running (lock {path}, held by {holder}); "
                    "wait for it to finish"
                ) from None
            say(f"waiting for the build holding {path} ({holder}) to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def remove_db_files(db: Path) -> None:
    for path in (db, wal_path(db)):
        path.unlink(missing_ok=True)


def remove_stale_temps(db: Path) -> None:
    """Temp copies left by killed builds (we hold the lock, so none is in use)."""
    for path in db.parent.glob(f".{db.name}.build-*.duckdb*"):
        path.unlink(missing_ok=True)


def fingerprint(db: Path) -> tuple[Any, ...]:
    """(inode, size, mtime) of the warehouse and its WAL: changes if anyone writes to it."""
    out: list[Any] = []
    for path in (db, wal_path(db)):
        try:
            st = path.stat()
            out.append((st.st_ino, st.st_size, st.st_mtime_ns))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


def assert_no_writer(db: Path) -> None:
    """Fail if another process holds the warehouse open read-write (DuckDB's file lock)."""
    import duckdb

    if not db.exists():
        return
    try:
        duckdb.connect(str(db), read_only=True).close()
    except duckdb.Error as err:
        raise BuildError(
            f"the warehouse {db} is open for writing by another process ({err}); "
            "close that connection (readers should open it read_only) and retry"
        ) from None


def checkpoint(db: Path) -> None:
    """Fold the WAL into the database file, so the file alone is the whole warehouse."""
    import duckdb

    with duckdb.connect(str(db)) as con:
        con.execute("checkpoint")
    if wal_path(db).exists() and wal_path(db).stat().st_size > 0:
        raise BuildError(f"{wal_path(db)} still holds changes after a checkpoint")
    wal_path(db).unlink(missing_ok=True)


def is_partial(dbt_args: tuple[str, ...]) -> bool:
    """True when the dbt arguments select only some nodes."""
    return any(
        arg in SELECTION_ARGS or arg.split("=", 1)[0] in SELECTION_ARGS for arg in dbt_args
    )


def carry_over(published: Path, temp: Path) -> list[str]:
    """Copy into temp the tables of the published warehouse that this build did not create
    (eval_metrics, ipre_build_log, ...), so a full build into a fresh file keeps them."""
    import duckdb

    if not published.exists():
        return []
    copied = []
    with duckdb.connect(str(temp)) as con:
        (catalog,) = con.execute("select current_database()").fetchone() or ("",)
        built = set(
            con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_catalog = ?",
                [catalog],
            ).fetchall()
        )
        path = str(published).replace("'", "''")
        con.execute(f"attach '{path}' as ipre_previous (read_only)")
        previous = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'ipre_previous' and table_type = 'BASE TABLE' order by all"
        ).fetchall()
        for schema, name in previous:
            if (schema, name) in built:
                continue
            con.execute(f'create schema if not exists "{catalog}"."{schema}"')
            con.execute(
                f'create table "{catalog}"."{schema}"."{name}" as '
                f'select * from ipre_previous."{schema}"."{name}"'
            )
            copied.append(f"{schema}.{name}")
        con.execute("detach ipre_previous")
        con.execute("checkpoint")
    return copied


def seed_history(published: Path, temp: Path) -> list[str]:
    """Copy the history tables (HISTORY_TABLES, schema main) of the published warehouse into
    the empty temp file, so the build's incremental models append to the published history."""
    import duckdb

    if not published.exists():
        return []
    copied = []
    with duckdb.connect(str(temp)) as con:
        path = str(published).replace("'", "''")
        con.execute(f"attach '{path}' as ipre_previous (read_only)")
        present = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_catalog = "
                "'ipre_previous' and table_schema = 'main' and table_type = 'BASE TABLE'"
            ).fetchall()
        }
        for name in HISTORY_TABLES:
            if name in present:
                con.execute(f'create table main."{name}" as select * from ipre_previous."{name}"')
                copied.append(name)
        con.execute("detach ipre_previous")
        con.execute("checkpoint")
    return copied


def copy_published(published: Path, temp: Path) -> None:
    """Copy the published warehouse (and its WAL, if any) to temp and checkpoint the copy."""
    remove_db_files(temp)
    if not published.exists():
        return
    shutil.copyfile(published, temp)
    if wal_path(published).exists():
        shutil.copyfile(wal_path(published), wal_path(temp))
    checkpoint(temp)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(temp: Path, published: Path, before: tuple[Any, ...]) -> None:
    """Atomically replace the published warehouse with temp, unless someone wrote to it."""
    assert_no_writer(published)
    if fingerprint(published) != before:
        raise BuildError(
            f"the warehouse {published} was written by another process during the build; "
            "not replaced (rerun the build)"
        )
    with temp.open("rb+") as handle:
        os.fsync(handle.fileno())
    # A WAL left next to the published file was copied and folded into temp at the start (the
    # fingerprint proves it has not changed since); it must not be replayed on the new file.
    wal_path(published).unlink(missing_ok=True)
    os.replace(temp, published)
    fsync_dir(published.parent)


@dataclass
class BuildOptions:
    vars_text: str
    db: Path
    export_dir: Path
    unit_tests: bool = False
    export: bool = True
    dbt_args: tuple[str, ...] = ()
    vars_file: str | None = ""  # "" = none; None = $IPRE_VARS_FILE (params.check.load_vars)


def dbt_executable() -> str:
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else (shutil.which("dbt") or "dbt")


def dbt_command(options: BuildOptions, overrides: dict[str, Any]) -> list[str]:
    command = [dbt_executable(), "build", "--vars", json.dumps(overrides, default=str)]
    if not options.unit_tests:
        command += ["--exclude-resource-type", "unit_test"]
    return command + list(options.dbt_args)


def dbt_env(temp: Path, spill: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DBT_PROJECT_DIR", str(PROJECT_ROOT))
    env.setdefault("DBT_PROFILES_DIR", str(PROJECT_ROOT))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["IPRE_DUCKDB_PATH"] = str(temp)
    env["IPRE_DUCKDB_TEMP_DIRECTORY"] = str(spill)
    return env


def spill_dir(pid: int) -> Path:
    base = os.environ.get("IPRE_DUCKDB_TEMP_DIRECTORY") or str(
        Path(os.environ.get("DBT_PROJECT_DIR") or PROJECT_ROOT) / "target" / "duckdb_spill"
    )
    return Path(base) / f"build-{pid}"


def record_build(temp: Path, overrides: dict[str, Any], options: BuildOptions, started: float):
    """Append this build to ipre_build_log, so `ipre summary` can tell partial builds apart."""
    import duckdb

    partial = is_partial(options.dbt_args)
    with duckdb.connect(str(temp)) as con:
        con.execute(
            f"create table if not exists {BUILD_LOG_TABLE} (started_at timestamp, "
            "finished_at timestamp, vars_json varchar, dbt_args varchar, full_build boolean)"
        )
        con.execute(
            f"insert into {BUILD_LOG_TABLE} values (?, ?, ?, ?, ?)",
            [
                datetime.fromtimestamp(started, UTC).replace(tzinfo=None),
                datetime.now(UTC).replace(tzinfo=None),
                json.dumps(overrides, default=str, sort_keys=True),
                " ".join(options.dbt_args),
                not partial,
            ],
        )
        con.execute("checkpoint")


def unchanged_message(options: BuildOptions, had_warehouse: bool) -> str:
    if had_warehouse:
        return (
            f"build failed; the previous warehouse {options.db} and export {options.export_dir} "
            "are unchanged"
        )
    return f"build failed; no warehouse was published at {options.db} (there was none before)"


def run_build(options: BuildOptions) -> int:
    try:
        result = preflight(options.vars_text, vars_file=options.vars_file)
    except VarsError as err:
        print(report(err, PROG), file=sys.stderr)
        return 2
    for warning in result.warnings:
        say(f"warning: {warning}")
    given = load_vars(options.vars_text, options.vars_file)
    overrides = {name: result.values.get(name, value) for name, value in given.items()}
    if os.environ.get("IPRE_TARGET", "duckdb") != "duckdb":
        say("only the duckdb target is built through `ipre build`; use dbt for other targets")
        return 2
    db = options.db.resolve()
    pid = os.getpid()
    temp = temp_db_path(db, pid)
    spill = spill_dir(pid)
    had_warehouse = db.exists()
    started = time.time()
    try:
        with build_lock(db):
            remove_stale_temps(db)
            assert_no_writer(db)
            before = fingerprint(db)
            partial = is_partial(options.dbt_args)
            if partial:  # the unselected models' tables come from the published warehouse
                copy_published(db, temp)
            else:
                remove_db_files(temp)
                kept = seed_history(db, temp)
                if kept:
                    say(f"history carried into the new file: {', '.join(kept)}")
            say(f"building into {temp} (published warehouse: {db})")
            code = subprocess.run(
                dbt_command(options, overrides), env=dbt_env(temp, spill), check=False
            ).returncode
            if code != 0:
                say(f"dbt build exited with {code}")
                say(unchanged_message(options, had_warehouse))
                return 1
            if not partial:
                kept = carry_over(db, temp)
                if kept:
                    say(f"kept from the previous warehouse: {', '.join(kept)}")
            record_build(temp, overrides, options, started)
            checkpoint(temp)
            publish(temp, db, before)
    except BuildError as err:
        say(str(err))
        say(unchanged_message(options, had_warehouse))
        return 1
    except BaseException:
        say(unchanged_message(options, had_warehouse))
        raise
    finally:
        remove_db_files(temp)
        shutil.rmtree(spill, ignore_errors=True)
    say(f"published {db} ({time.time() - started:.0f} s)")
    if not options.export:
        return 0
    from ipre import export

    code = export.main(["--db", str(db), "--out", str(options.export_dir)])
    if code != 0:
        say(f"the warehouse {db} was published but the export to {options.export_dir} failed")
    return code


def parse_args(argv: list[str]) -> BuildOptions:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=__doc__.splitlines()[0],
        epilog="Arguments after `--` go to dbt build, e.g. -- --select +market_basket",
    )
    add_vars_arguments(parser)
    parser.add_argument("--db", type=Path, default=None, help="warehouse (default: published)")
    parser.add_argument(
        "--export-dir", type=Path, default=None, help="export folder (default: $IPRE_EXPORT_DIR)"
    )
    parser.add_argument("--unit-tests", action="store_true", help="also run dbt unit tests")
    parser.add_argument("--no-export", action="store_true", help="do not rewrite the export")
    args, rest = parser.parse_known_args(argv)
    if rest and rest[0] == "--":
        rest = rest[1:]
    return BuildOptions(
        vars_text=args.vars if args.vars is not None else os.environ.get("IPRE_VARS", "{}"),
        db=args.db or default_db_path(),
        export_dir=args.export_dir or default_export_dir(),
        unit_tests=args.unit_tests,
        export=not args.no_export,
        dbt_args=tuple(rest),
        vars_file=args.vars_file,
    )


def main(argv: list[str]) -> int:
    return run_build(parse_args(argv))
