"""`make bench`: the full pipeline at several data scales, timed stage by stage.

For each scale of BENCH_SCALES (default poc,50k,1M; also 10M, or "all"): generate the data
once (cached under bench/data/<scale>/), build it into its own warehouse
(bench/data/work/<scale>/) with `dbt build` minus tests, then time `dbt test` (data tests)
separately, the floor (one DuckDB scan + group by customer × product), and at 50k and 1M the
association stage against mlxtend and efficient-apriori. Prints tables and writes
bench/results/<scale>[-<BENCH_LABEL>].json. BENCH_TESTS=0 skips the data tests;
BENCH_ASSOCIATION=0 the library comparison; BENCH_DBT_EXCLUDE leaves models out (bench/build.py).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.build import ScaleWork, build_scale
from bench.catalogue_coverage import catalogue_coverage
from bench.compare import compare_association
from bench.machine import machine_info
from bench.measure import run_measured
from bench.report import print_scale
from bench.scales import DATA_ROOT, ROOT, ensure_data, invoice_lines, selected_scales

RESULTS = ROOT / "bench" / "results"
ASSOCIATION_SCALES = ("50k", "1M")


def run_floor(data_dir: Path, work: ScaleWork) -> dict[str, object]:
    out = work.root / "floor.json"
    command = [sys.executable, "-m", "bench.floor", str(data_dir / "invoices.parquet"), str(out)]
    measured = run_measured(command, env={**os.environ, "PYTHONPATH": str(ROOT)})
    result: dict[str, object] = {"peak_rss_mb": measured.peak_rss_mb}
    if measured.ok:
        result.update(json.loads(out.read_text()))
    return result


def bench_scale(scale: str) -> dict[str, object]:
    data_dir = ensure_data(scale)
    work = ScaleWork(DATA_ROOT / "work" / scale)
    result: dict[str, object] = {
        "scale": scale,
        "invoice_lines": invoice_lines(data_dir),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
    }
    result.update(build_scale(work, data_dir, os.environ.get("BENCH_TESTS", "1") != "0"))
    result["floor"] = run_floor(data_dir, work)
    result["coverage"] = catalogue_coverage(work.warehouse)
    wants_association = os.environ.get("BENCH_ASSOCIATION", "1") != "0"
    if scale in ASSOCIATION_SCALES and wants_association and result["build"]["exit_code"] == 0:
        result["association"] = compare_association(
            work.warehouse, work.target("build"), work.root / "association"
        )
    return result


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    failed = []
    for scale in selected_scales():
        print(f"== bench {scale}", flush=True)
        result = bench_scale(scale)
        label = os.environ.get("BENCH_LABEL", "")
        result["label"] = label
        name = f"{scale}-{label}" if label else scale
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        print_scale(result)
        if result["build"]["exit_code"] != 0:
            failed.append(scale)
    if failed:
        print(f"dbt build failed at {failed}: see bench/data/work/<scale>/dbt_build.log")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
