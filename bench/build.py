"""Build one scale's warehouse with dbt and read back what each stage took and produced.

`dbt build --exclude-resource-type unit_test --exclude-resource-type test` builds seeds and
models (the pipeline); `dbt test --exclude-resource-type unit_test` then runs the data tests
on the built warehouse, timed separately. Each scale has its own warehouse file, target path,
log path and spill directory under bench/work/<scale>/, so runs never touch ./ipre.duckdb or
./target. BENCH_DBT_EXCLUDE (a dbt selection, e.g. "recommendations_ranked+") leaves models
out of both steps; BENCH_PROFILES_DIR points dbt at another profiles.yml.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from bench.measure import Measured, peak_between, run_measured
from bench.scales import ROOT, dataset_vars

DBT = Path(sys.executable).parent / "dbt"
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test", "--exclude-resource-type", "test"]
TEST_ARGS = ["test", "--exclude-resource-type", "unit_test"]


@dataclass(frozen=True)
class ScaleWork:
    """Where one scale's run keeps its files."""

    root: Path

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    def target(self, step: str) -> Path:
        return self.root / f"target_{step}"


def dbt_env(work: ScaleWork, step: str) -> dict[str, str]:
    """Environment for one dbt step of one scale: its own warehouse, target, logs and spill."""
    env = dict(os.environ)
    env.update(
        DBT_PROJECT_DIR=str(ROOT),
        DBT_PROFILES_DIR=os.environ.get("BENCH_PROFILES_DIR", str(ROOT)),
        PYTHONPATH=str(ROOT),
        IPRE_DUCKDB_PATH=str(work.warehouse),
        IPRE_DUCKDB_TEMP_DIRECTORY=env.get("IPRE_DUCKDB_TEMP_DIRECTORY", str(work.root / "spill")),
        DBT_TARGET_PATH=str(work.target(step)),
        DBT_LOG_PATH=str(work.root / f"logs_{step}"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return env


def run_dbt(work: ScaleWork, data_dir: Path, step: str, args: list[str]) -> Measured:
    """One dbt step, killed past BENCH_BUILD_TIMEOUT_S or BENCH_BUILD_MEMORY_CAP_MB."""
    command = [str(DBT), *args, "--vars", json.dumps(dataset_vars(data_dir))]
    exclude = os.environ.get("BENCH_DBT_EXCLUDE", "").split()
    if exclude:
        command += ["--exclude", *exclude]
    return run_measured(
        command,
        env=dbt_env(work, step),
        log_path=work.root / f"dbt_{step}.log",
        memory_cap_mb=float(os.environ.get("BENCH_BUILD_MEMORY_CAP_MB", "20000")),
        timeout_s=float(os.environ.get("BENCH_BUILD_TIMEOUT_S", "1800")),
    )


def build_scale(work: ScaleWork, data_dir: Path, with_tests: bool) -> dict[str, object]:
    """Fresh warehouse, `dbt build` (pipeline), then optionally `dbt test` (data tests)."""
    shutil.rmtree(work.root, ignore_errors=True)
    work.root.mkdir(parents=True)
    build = run_dbt(work, data_dir, "build", BUILD_ARGS)
    result: dict[str, object] = {
        "build": build.as_dict(),
        "excluded": os.environ.get("BENCH_DBT_EXCLUDE", ""),
        "profiles_dir": dbt_env(work, "build")["DBT_PROFILES_DIR"],
        "dbt_elapsed_s": dbt_elapsed(work.target("build")),
        "stages": stage_results(work, data_dir, build.rss_timeline),
    }
    if with_tests and build.ok:
        tests = run_dbt(work, data_dir, "test", TEST_ARGS)
        result["tests"] = {**tests.as_dict(), **test_summary(work.target("test"))}
    return result


def stage_results(
    work: ScaleWork, data_dir: Path, timeline: tuple[tuple[float, float], ...] = ()
) -> list[dict[str, object]]:
    """One entry per model and seed of the build: time, status, rows in and out, and the
    build's peak resident memory while the stage ran (dbt runs two models at a time, so a
    peak is shared by the stages that overlapped it)."""
    target = work.target("build")
    results_path = target / "run_results.json"
    if not results_path.exists():
        return []
    manifest = json.loads((target / "manifest.json").read_text())
    results = json.loads(results_path.read_text())["results"]
    counts = relation_counts(work.warehouse, manifest, data_dir)
    stages = []
    for item in results:
        node = manifest["nodes"].get(item["unique_id"], {})
        parents = node.get("depends_on", {}).get("nodes", [])
        stages.append({
            "name": node.get("name", item["unique_id"]),
            "unique_id": item["unique_id"],
            "materialized": node.get("config", {}).get("materialized"),
            "status": item["status"],
            "seconds": round(item["execution_time"], 3),
            "rows_out": counts.get(item["unique_id"]),
            "rows_in": _sum_known(counts.get(parent) for parent in parents),
            "peak_rss_mb": _stage_peak(item, timeline),
        })
    return stages


def _stage_peak(item: dict, timeline: tuple[tuple[float, float], ...]) -> float | None:
    """Peak MiB of the build while the node executed (run_results' execute timing, UTC)."""
    span = [timing for timing in item.get("timing", []) if timing.get("name") == "execute"]
    if not span or not span[0].get("started_at") or not span[0].get("completed_at"):
        return None
    start, end = (_epoch(span[0][key]) for key in ("started_at", "completed_at"))
    peak = peak_between(timeline, start, end)
    return round(peak, 1) if peak is not None else None


def _epoch(stamp: str) -> float:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def dbt_elapsed(target: Path) -> float | None:
    """dbt's own elapsed time (the run, without process start-up and parsing)."""
    path = target / "run_results.json"
    return json.loads(path.read_text())["elapsed_time"] if path.exists() else None


def _sum_known(values: object) -> int | None:
    known = [value for value in values if value is not None]  # type: ignore[union-attr]
    return sum(known) if known else None


def relation_counts(warehouse: Path, manifest: dict, data_dir: Path) -> dict[str, int]:
    """Row count of every built model and seed, and of every file source."""
    counts: dict[str, int] = {}
    if not warehouse.exists():
        return counts
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set threads = 2")
        con.execute("set memory_limit = '4GB'")
        for unique_id, node in manifest["nodes"].items():
            if node["resource_type"] in ("model", "seed"):
                relation = f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'
                counts[unique_id] = _count(con, f"select count(*) from {relation}")
        for unique_id, source in manifest.get("sources", {}).items():
            path = data_dir / f"{source['name']}.parquet"
            if path.exists():
                counts[unique_id] = _count(con, f"select count(*) from read_parquet('{path}')")
    return {key: value for key, value in counts.items() if value is not None}


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int | None:
    """count(*) of a relation; None past BENCH_COUNT_TIMEOUT_S (a view recomputes its SQL)."""
    timer = threading.Timer(float(os.environ.get("BENCH_COUNT_TIMEOUT_S", "30")), con.interrupt)
    timer.start()
    try:
        return int(con.execute(sql).fetchone()[0])
    except (duckdb.Error, RuntimeError):
        return None
    finally:
        timer.cancel()


def test_summary(target: Path) -> dict[str, object]:
    """Data tests run and how many did not pass, with the slowest ones."""
    path = target / "run_results.json"
    if not path.exists():
        return {}
    results = json.loads(path.read_text())["results"]
    failed = [item["unique_id"] for item in results if item["status"] not in ("pass", "success")]
    slowest = sorted(results, key=lambda item: -item["execution_time"])[:5]
    return {
        "tests_run": len(results),
        "tests_not_passed": failed,
        "slowest_tests": [
            [item["unique_id"], round(item["execution_time"], 2)] for item in slowest
        ],
    }
