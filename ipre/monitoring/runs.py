"""Reading pipeline_runs: the latest build and the previous build of the same kind."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from ipre.params.domains import DOMAINS

RUNS_TABLE = "pipeline_runs"
# The vars that name a build's input data: builds on other data are not comparable. Feedback
# is left out: adding a feedback file changes acceptance, not what is being recommended from.
DATA_INPUT_VARS = tuple(
    name for name, domain in DOMAINS.items() if domain.kind == "path" and name != "feedback_path"
)
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


def kind(run: Run) -> tuple[Any, ...]:
    """What makes two builds comparable: both current (or both as of an earlier date), on the
    same input files. A backtest is never compared with a current build, nor the bundled
    sample with a customer's data in the same warehouse."""
    built_with = run_vars(run)
    return (bool(run["is_as_of"]), *(built_with.get(name) or "" for name in DATA_INPUT_VARS))


def same_kind(runs: list[Run], latest: Run) -> list[Run]:
    """The builds of ``runs`` comparable with ``latest``, oldest first."""
    return [run for run in runs if kind(run) == kind(latest)]


def latest_and_previous(runs: list[Run]) -> tuple[Run, Run | None]:
    """The last build, and the build before it of the same kind (``kind``)."""
    if not runs:
        raise NoRunsError(f"no build recorded in {RUNS_TABLE} yet (run `make build`)")
    latest = runs[-1]
    earlier = same_kind(runs[:-1], latest)
    return latest, (earlier[-1] if earlier else None)


def run_vars(run: Run) -> dict[str, Any]:
    """The vars a build ran with (vars_json); {} when the row has none."""
    text = run.get("vars_json")
    return dict(json.loads(text)) if text else {}
