"""`ipre check`: judge the latest build against the alert vars and the previous build.

Prints each check (breaches first), writes a JSON for a scheduler (default target/check.json)
and exits 1 when any check fails, 0 when healthy, 2 when there is no build to judge or a var
is invalid. Thresholds: the alert_* vars the judged build ran with, overridden by --vars
(default $IPRE_VARS) on top of --vars-file (default $IPRE_VARS_FILE). docs/monitoring.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import duckdb

from ipre.export import PROJECT_ROOT, default_db_path
from ipre.monitoring.runs import NoRunsError, latest_and_previous, read_runs, run_vars
from ipre.monitoring.thresholds import thresholds
from ipre.monitoring.verdict import Verdict, judge
from ipre.params.check import VarsError, add_vars_arguments, load_vars
from ipre.params.domains import DomainError

PROG = "ipre check"


def default_json_path() -> Path:
    return Path(os.environ.get("DBT_PROJECT_DIR") or PROJECT_ROOT) / "target" / "check.json"


def load_verdict(db: Path, overrides: dict | None = None) -> Verdict:
    """The verdict on the latest build in db (read-only); NoRunsError when there is none."""
    if not db.exists():
        raise NoRunsError(f"warehouse {db} not built yet (run `make build`)")
    with duckdb.connect(str(db), read_only=True) as con:
        runs = read_runs(con)
    latest, previous = latest_and_previous(runs)
    return judge(latest, previous, thresholds(run_vars(latest), overrides or {}))


def render(verdict: Verdict) -> str:
    run = verdict.run
    date = run["reference_date"]
    kind = f"as of {date}" if run["is_as_of"] else f"data up to {date}"
    lines = [
        f"IPRE check — build {run['run_id']} ({run['run_started_at']:%Y-%m-%d %H:%M} UTC, {kind})",
        verdict.headline(),
    ]
    order = {False: 0, True: 1, None: 2}
    for check in sorted(verdict.checks, key=lambda c: order[c.passed]):
        mark = {False: "BREACH", True: "ok", None: "n/a"}[check.passed]
        lines.append(f"  {mark:<6}  {check.message}")
    return "\n".join(lines)


def write_json(path: Path, verdict: Verdict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps(verdict.as_json(), indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(temp, path)  # a scheduler polling the file never reads half of it


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help="warehouse (default: published)")
    parser.add_argument("--json", type=Path, default=None, help="default: target/check.json")
    add_vars_arguments(parser, "alert_* overrides (default: $IPRE_VARS), on top of --vars-file")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        overrides = load_vars(args.vars, args.vars_file)
        verdict = load_verdict(args.db or default_db_path(), overrides)
    except NoRunsError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 2
    except (VarsError, DomainError) as err:
        print(f"{PROG}: invalid alert var: {err}", file=sys.stderr)
        return 2
    print(render(verdict))
    write_json(args.json or default_json_path(), verdict)
    return 1 if verdict.breaches else 0
