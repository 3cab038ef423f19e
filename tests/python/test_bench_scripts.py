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


def test_catalogue_coverage_counts_what_can_be_recommended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    monkeypatch.syspath_prepend(str(ROOT))  # bench/ is imported as make bench does

    from bench.catalogue_coverage import catalogue_coverage, coverage_line

    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema staging")
        con.execute("create table staging.stg_erp__products as select * from (values"
                    " ('P1', null, false), ('P2', null, false), ('P3', null, true),"
                    " ('P4', 'duplicate_row', false), ('P5', null, false))"
                    " as t(product_id, quarantine_reason, is_excluded)")  # fmt: skip
        con.execute("create table main.market_basket as select * from (values ('C1', 'P1'),"
                    " ('C2', 'P1'), ('C1', 'P2'), ('C2', 'P2'), ('C1', 'P5'))"
                    " as t(customer_id, product_id)")  # fmt: skip
        con.execute("create table main.product_neighbours as select 'P2' as neighbour_product_id")
        con.execute("create table main.recommendations as select * from (values ('C1', 'P2'),"
                    " ('C2', 'P5')) as t(customer_id, recommended_product)")  # fmt: skip
    found = catalogue_coverage(db)
    assert found == {"catalogue": 3, "bought_by_two": 2, "modelled": 1, "recommended": 2,
                     "top10_share": 1.0, "modelled_share": 0.5}  # fmt: skip
    assert "1 modelled (50.0% of those)" in coverage_line(found)
    assert catalogue_coverage(tmp_path / "absent.duckdb") == {}


def test_bench_connections_take_the_profiles_duckdb_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """bench.settings reads its defaults from profiles.yml: every per-query DuckDB setting the
    profile takes from an IPRE_DUCKDB_* variable, with the default written there."""
    import yaml

    from bench.settings import duckdb_settings, profile_defaults

    profile = yaml.safe_load((ROOT / "profiles.yml").read_text(encoding="utf-8"))
    settings = profile["ipre"]["outputs"]["duckdb"]["settings"]
    expected = {name for name, value in settings.items() if "IPRE_DUCKDB_" in str(value)}
    found = profile_defaults()
    assert set(found) == expected
    for name, (variable, default) in found.items():
        assert f"env_var('{variable}', '{default}')" in settings[name]
        monkeypatch.delenv(variable, raising=False)
    assert {name: duckdb_settings()[name] for name in found} == {
        name: default for name, (_, default) in found.items()
    }
    monkeypatch.setenv("IPRE_DUCKDB_MEMORY_LIMIT", "5GB")
    assert duckdb_settings()["memory_limit"] == "5GB"
    with pytest.raises(ValueError, match="profiles.yml"):
        profile_defaults("ipre: {}\n")


CHILD = """
import time
print(time.time(), flush=True)
time.sleep(1.0)
block = bytearray(300 * 2**20)
block[:: 4096] = b"x" * len(block[:: 4096])
print(time.time(), flush=True)
time.sleep(1.0)
print(time.time(), flush=True)
"""


def test_each_stage_gets_the_builds_peak_while_it_ran(tmp_path: Path) -> None:
    """A child that holds 300 MiB only in its second second: the stage spanning that second
    gets that peak, the one before it does not (bench.build reads stages' spans from
    run_results.json, in UTC)."""
    from datetime import UTC, datetime

    from bench.build import _stage_peak
    from bench.measure import run_measured

    log = tmp_path / "child.log"
    measured = run_measured([sys.executable, "-c", CHILD], log_path=log)
    assert measured.ok
    started, allocated, ended = (float(line) for line in log.read_text().split())
    assert "rss_timeline" not in measured.as_dict()

    def stage(start: float, end: float) -> dict:
        stamps = [datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                  for at in (start, end)]  # fmt: skip
        return {"timing": [{"name": "compile"}, {"name": "execute", "started_at": stamps[0],
                                                  "completed_at": stamps[1]}]}  # fmt: skip

    small = _stage_peak(stage(started + 0.2, allocated - 0.2), measured.rss_timeline)
    large = _stage_peak(stage(allocated + 0.2, ended - 0.1), measured.rss_timeline)
    assert small is not None and large is not None
    assert large - small > 250, (small, large)
    assert large <= measured.peak_rss_mb + 1
    assert _stage_peak(stage(ended + 60, ended + 61), measured.rss_timeline) is None
    assert _stage_peak({"timing": []}, measured.rss_timeline) is None
