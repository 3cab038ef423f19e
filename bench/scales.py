"""Benchmark scales, their generated data (cached under bench/data/) and the dbt vars for them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_ROOT = ROOT / "bench" / "data"
RAW_FILES = ("customers", "products", "invoices", "feedback")

# Generator arguments per scale (the named scales are the spec's POC and 50k datasets).
SCALES: dict[str, list[str]] = {
    "poc": ["--scale", "poc"],
    "50k": ["--scale", "50k"],
    "1M": ["--lines", "1000000"],
    "10M": ["--lines", "10000000"],
    # a distributor's catalogue (issue 22): the 10M lines over 200k products, opt-in
    "10M-200k": ["--lines", "10000000", "--products", "200000"],
    # a large distributor's three years on one machine (issue 22), opt-in
    "30M": ["--lines", "30000000"],
}
DEFAULT_SCALES = ("poc", "50k", "1M")


def selected_scales(value: str | None = None) -> list[str]:
    """Scales named by BENCH_SCALES (comma-separated; "all" = every scale), in SCALES order."""
    raw = value if value is not None else os.environ.get("BENCH_SCALES", "")
    if not raw.strip():
        return list(DEFAULT_SCALES)
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if names == ["all"]:
        return list(SCALES)
    unknown = sorted(set(names) - set(SCALES))
    if unknown:
        raise SystemExit(f"unknown BENCH_SCALES {unknown}; choose from {list(SCALES)} or all")
    return [name for name in SCALES if name in names]


def ensure_data(scale: str, data_root: Path = DATA_ROOT) -> Path:
    """The scale's generated Parquet files, generated once (seeded, so always the same data)."""
    out = data_root / scale
    if (out / "ground_truth.json").exists() and all(
        (out / f"{name}.parquet").exists() for name in RAW_FILES
    ):
        return out
    partial = data_root / f".{scale}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    command = [sys.executable, "-m", "ipre.cli", "generate", *SCALES[scale]]
    command += ["--out", str(partial), "--format", "parquet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, check=True, env=env, cwd=ROOT)
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)
    return out


def dataset_vars(data_dir: Path) -> dict[str, str]:
    """The four *_path vars pointing at a scale's Parquet files."""
    return {f"{name}_path": str(data_dir / f"{name}.parquet") for name in RAW_FILES}


def invoice_lines(data_dir: Path) -> int:
    """Raw invoice lines of a scale (read from the Parquet footer)."""
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(data_dir / "invoices.parquet").metadata.num_rows)
