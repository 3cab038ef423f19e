"""ranking_method: spec reproduces the spec's ranking on the bundled sample row for row.

The snapshots in tests/snapshots/ were written from `recommendations` and
`recommendations_ranked` of the sample build before the similarity method existed (commit
c3492a6, the spec's §4.5 rules then the category-aware fallback, then §4.6 calibration). A
build with ranking_method: spec must give the same rows, in the same ranks, with the same
scores and reasons.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import RAW_FILES, build_warehouse

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots"
SAMPLE_VARS = {f"{name}_path": "" for name in RAW_FILES}


@pytest.fixture(scope="module")
def spec_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db_path = tmp_path_factory.mktemp("spec_method") / "spec.duckdb"
    return build_warehouse(
        Path("."),
        db_path,
        vars={**SAMPLE_VARS, "ranking_method": "spec"},
        select="+recommendations +recommendations_ranked",
        command="build",
        extra_args=["--resource-type", "seed", "--resource-type", "model"],
    )


def read_table(db_path: Path, table: str) -> pd.DataFrame:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(f"select * from {table} order by customer_id, rank").df()


@pytest.mark.parametrize("table", ["recommendations", "recommendations_ranked"])
def test_spec_method_reproduces_the_snapshot(spec_warehouse: Path, table: str) -> None:
    expected = pd.read_csv(SNAPSHOTS / f"spec_{table}_sample.csv", dtype=str, keep_default_na=False)
    built = read_table(spec_warehouse, table)
    assert list(built.columns) == list(expected.columns)
    assert len(built) == len(expected)
    mismatches = []
    for column in expected.columns:
        for row, (want, got) in enumerate(zip(expected[column], built[column], strict=True)):
            if not same_value(want, got):
                mismatches.append((row, column, want, got))
    assert not mismatches, f"{len(mismatches)} differences, first: {mismatches[:5]}"


def same_value(want: str, got: object) -> bool:
    """The snapshot's text against the built value: floats to 1e-12 relative, others exactly."""
    if got is None or (isinstance(got, float) and math.isnan(got)):
        return want == ""
    if isinstance(got, float):
        return want != "" and math.isclose(float(want), got, rel_tol=1e-12, abs_tol=1e-15)
    return want == str(got)
