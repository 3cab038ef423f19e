"""Every dbt data and unit test of the default build passes on the bundled sample.

The session's published_sample is built by `ipre build --unit-tests` (conftest.py), so this
reads the results of that build rather than building the sample again (`make dbt-test` does
the same build on its own). The learned ranker's tests run on a learned build
(test_ranking_learned_method.py)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import yaml
from conftest import ROOT


def unit_tests_declared() -> int:
    """Unit tests in the project's yml, but the learned ranker's (enabled only with it)."""
    count = 0
    for path in (ROOT / "models").rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", []):
            count += not (test["model"].startswith("int_ranker") or "learned" in test["model"])
    return count


def test_every_data_and_unit_test_passes(published_sample: tuple[Path, Path]) -> None:
    db, _ = published_sample
    results_path = db.parent / "work" / "target" / "run_results.json"
    results = json.loads(results_path.read_text())["results"]
    kinds = Counter(result["unique_id"].split(".")[0] for result in results)
    failed = [
        (result["unique_id"], result["status"], result.get("message"))
        for result in results
        if result["status"] not in ("pass", "success", "warn", "no-op")
    ]
    assert not failed, failed
    assert kinds["unit_test"] == unit_tests_declared() > 40, kinds
    assert kinds["test"] > 200, kinds
