"""Every bench/ module imports as `make bench` runs it (PYTHONPATH = the project root): a
moved helper must not leave the benchmarks broken until someone next runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(f"bench.{path.stem}" for path in (ROOT / "bench").glob("*.py"))


@pytest.mark.parametrize("module", MODULES)
def test_bench_module_imports(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
