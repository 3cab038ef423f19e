"""bench/serve_bench.py still runs end to end: both servers answer every request with 200."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_serve_bench_prints_a_row_per_run_without_errors() -> None:
    argv = ["--customers", "40", "--seconds", "0.5", "--warmup", "0.2", "--concurrency", "2",
            "--only", "single", "--repeat", "2"]  # fmt: skip
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "serve_bench.py"), *argv], check=True,
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout  # fmt: skip
    rows = [line for line in out.splitlines() if line.startswith("|      40")]
    runs = [row for row in rows if "| single " in row]
    assert len(runs) == 2 and len(rows) == 3  # two runs and the no-HTTP answer cost
    for run in runs:
        cells = [cell.strip() for cell in run.strip("|").split("|")]
        assert float(cells[2]) > 0 and float(cells[7]) > 0  # both servers answered
        assert cells[13] == "0"  # non-200 answers
