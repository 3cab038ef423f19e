"""Side by side: the association_rules model against mlxtend and efficient-apriori.

Each engine runs in its own child process (bench/association.py) on the same warehouse, so
its time and peak memory are its own; a memory cap (BENCH_MEMORY_CAP_MB, default 12000) and a
timeout (BENCH_ENGINE_TIMEOUT_S, default 1800) turn an out-of-memory library into a reported
result. Every engine's rules are then checked against the association_rules table with the
oracle's `passes_floors` and `assert_same_rules` (ipre.oracles.association), as the oracle test.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pandas as pd

from bench.association import ENGINES, GROUPS, LIBRARY_ENGINES
from bench.measure import run_measured
from bench.scales import ROOT
from ipre.oracles.association import assert_same_rules, passes_floors, project_vars, read_table

COMPILED = Path("compiled/ipre/models/intermediate/association/int_association_rules.sql")
KEYS = [*GROUPS, "product_a", "product_b"]


def run_engine(engine: str, warehouse: Path, compiled: Path, out: Path) -> dict[str, object]:
    command = [sys.executable, "-m", "bench.association", engine, str(warehouse), str(compiled),
               str(out)]
    measured = run_measured(
        command,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        log_path=out / f"{engine}.log",
        memory_cap_mb=float(os.environ.get("BENCH_MEMORY_CAP_MB", "12000")),
        timeout_s=float(os.environ.get("BENCH_ENGINE_TIMEOUT_S", "1800")),
    )
    result: dict[str, object] = {
        "wall_s": measured.wall_s, "peak_rss_mb": measured.peak_rss_mb,
        "exit_code": measured.exit_code, "killed": measured.killed,
    }
    summary = out / f"{engine}.json"
    if measured.ok and summary.exists():
        result.update(json.loads(summary.read_text()))
    return result


def same_rules(engine: str, rules_path: Path, table: pd.DataFrame) -> tuple[bool, str]:
    """Whether an engine's rules, cut by the exact floors, equal the model's table."""
    rules = pd.read_parquet(rules_path)
    if engine in LIBRARY_ENGINES:
        rules = rules[rules.apply(passes_floors, axis=1, params=project_vars())]
    try:
        assert_same_rules(table, rules, KEYS)
    except AssertionError as error:
        return False, str(error)[:2000]
    return True, f"{len(rules)} rules, same keys, counts and metrics (1e-9)"


def compare_association(warehouse: Path, target: Path, out: Path) -> dict[str, object]:
    """Run every engine, check its rules, and the ratios to the SQL model."""
    out.mkdir(parents=True, exist_ok=True)
    table = read_table(warehouse, "association_rules")
    engines: dict[str, dict[str, object]] = {}
    for engine in ENGINES:
        result = run_engine(engine, warehouse, target / COMPILED, out)
        rules_path = out / f"{engine}.parquet"
        if "mine_s" in result and rules_path.exists():
            result["identical"], result["check"] = same_rules(engine, rules_path, table)
        engines[engine] = result
    return {"table_rules": len(table), "engines": engines, "ratios": ratios(engines)}


def ratios(engines: dict[str, dict[str, object]]) -> dict[str, dict[str, float]]:
    """Each library's mining time, process wall time and peak memory over the SQL model's."""
    base = engines["sql"]
    out: dict[str, dict[str, float]] = {}
    if "mine_s" not in base:
        return out
    for engine in LIBRARY_ENGINES:
        result = engines[engine]
        if "mine_s" in result:
            out[engine] = {
                "mine_time": float(result["mine_s"]) / float(base["mine_s"]),
                "wall_time": float(result["wall_s"]) / float(base["wall_s"]),
                "peak_memory": float(result["peak_rss_mb"]) / float(base["peak_rss_mb"]),
            }
    return out


def main() -> None:
    """Re-run the comparison on a scale's built warehouse and update its result file:
    python -m bench.compare SCALE [RESULT_NAME]."""
    from bench.scales import DATA_ROOT

    scale = sys.argv[1]
    name = sys.argv[2] if len(sys.argv) > 2 else scale
    work = DATA_ROOT / "work" / scale
    result_path = ROOT / "bench" / "results" / f"{name}.json"
    result = json.loads(result_path.read_text())
    result["association"] = compare_association(
        work / "warehouse.duckdb", work / "target_build", work / "association"
    )
    result_path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["association"]["ratios"], indent=2))


if __name__ == "__main__":
    main()
