"""Reading pipeline_runs: the latest build and the previous build of the same kind."""

from __future__ import annotations

import json
from typing import Any

import duckdb

RUNS_TABLE = "pipeline_runs"
Run = dict[str, Any]


class NoRunsError(RuntimeError):
    """The warehouse has no pipeline_runs row (not built yet, or built before it existed)."""


def has_runs_table(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'main' and table_name = ?",
        [RUNS_TABLE],
    ).fetchone()
    return bool(row and row[0])


def read_runs(con: duckdb.DuckDBPyConnection) -> list[Run]:
    """Every recorded build, oldest first."""
    if not has_runs_table(con):
        return []
    cursor = con.execute(f"select * from main.{RUNS_TABLE} order by run_started_at, run_id")
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def latest_and_previous(runs: list[Run]) -> tuple[Run, Run | None]:
    """The last build, and the build before it of the same kind (as-of or current): a backtest
    as of an earlier date is never compared with a current build."""
    if not runs:
        raise NoRunsError(f"no build recorded in {RUNS_TABLE} yet (run `make build`)")
    latest = runs[-1]
    earlier = [run for run in runs[:-1] if bool(run["is_as_of"]) == bool(latest["is_as_of"])]
    return latest, (earlier[-1] if earlier else None)


def run_vars(run: Run) -> dict[str, Any]:
    """The vars a build ran with (vars_json); {} when the row has none."""
    text = run.get("vars_json")
    return dict(json.loads(text)) if text else {}
