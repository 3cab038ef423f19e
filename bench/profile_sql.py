"""Profile one compiled dbt model with DuckDB's JSON profiler: the slowest operators.

Usage:
    PYTHONPATH=. python -m bench.profile_sql WAREHOUSE.duckdb target/compiled/.../model.sql
Materializes the compiled SELECT into a temp table of a read-only connection (nothing is
written to the warehouse) with the project's DuckDB settings and
prints the operators that took longest, with their output cardinality.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import duckdb

from bench.settings import duckdb_settings


def operator_rows(node: dict, depth: int = 0) -> list[tuple[float, int, int, str, str]]:
    """(seconds, rows, depth, name, extra) of every operator in a profile tree."""
    extra = node.get("extra_info") or {}
    detail = " ".join(
        f"{key}={value}" for key, value in extra.items() if not key.startswith("Estimated")
    ).replace("\n", " ")
    rows = [(
        float(node.get("timing", 0.0)), int(node.get("intermediate_rows", 0)),
        depth, str(node.get("type", "")), detail[:150],
    )]
    for child in node.get("children", []):
        rows += operator_rows(child, depth + 1)
    return rows


def profile(db_path: Path, sql: str, settings: dict[str, str]) -> dict:
    """Run sql once with JSON profiling on; return the profile tree."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "profile.json"
        con = duckdb.connect(str(db_path), read_only=True, config=settings)
        con.execute("pragma enable_profiling = 'json'")
        con.execute(f"pragma profiling_output = '{out}'")
        con.execute(f"create temp table profiled as {sql}")
        con.close()
        return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("compiled_sql", type=Path)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--memory-limit", help="instead of the build's (bench.settings)")
    args = parser.parse_args()
    settings = duckdb_settings()
    if args.memory_limit:
        settings["memory_limit"] = args.memory_limit
    tree = profile(args.warehouse, args.compiled_sql.read_text(), settings)
    system = tree["system"]
    print(
        f"total {tree['query']['total_time']:.2f}s, peak buffer memory "
        f"{system['peak_buffer_memory'] / 2**30:.2f} GiB, spilled "
        f"{system['peak_temp_dir_size'] / 2**30:.2f} GiB"
    )
    rows = [row for root in tree["operator"] for row in operator_rows(root)]
    rows = sorted(rows, reverse=True)[: args.top]
    for seconds, cardinality, depth, name, detail in rows:
        print(f"{seconds:8.2f}s {cardinality:>13,} d{depth:<3} {name:<22} {detail}")


if __name__ == "__main__":
    main()
