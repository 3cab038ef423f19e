"""`ipre check`: each alert threshold, breached on its own, fails the check naming the metric;
a healthy build passes. Runs are the session build's real pipeline_runs row, altered."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ipre.monitoring import check
from ipre.monitoring.verdict import HEALTHY

# a build within every alert threshold
HEALTHY_VALUES: dict[str, Any] = {
    "acceptance_rate": 0.55, "coverage": 1.0, "customers_below_top_k_share": 0.01,
    "min_silhouette": 0.35, "association_rules_generated": 1600.0, "is_as_of": False,
}


@pytest.fixture(scope="module")
def real_run(published_sample: tuple[Path, Path]) -> dict[str, Any]:
    """The session build's pipeline_runs row, with the warehouse it comes from."""
    with duckdb.connect(str(published_sample[0]), read_only=True) as con:
        cursor = con.execute("select * from pipeline_runs order by run_started_at desc limit 1")
        names = [column[0] for column in cursor.description]
        row = dict(zip(names, cursor.fetchone(), strict=True))
    return {**row, "_source": published_sample[0]}


def warehouse(path: Path, template: dict[str, Any], *changes: dict[str, Any]) -> Path:
    """A warehouse whose pipeline_runs (the real table's schema) holds one row per change set,
    oldest first: the real row with HEALTHY_VALUES and the changes applied."""
    row = {k: v for k, v in template.items() if k != "_source"}
    with duckdb.connect(str(path)) as con:
        source = str(template["_source"]).replace("'", "''")
        con.execute(f"attach '{source}' as source (read_only)")
        con.execute("create table pipeline_runs as select * from source.pipeline_runs limit 0")
        con.execute("detach source")
        for number, change in enumerate(changes):
            values = {**row, **HEALTHY_VALUES, **change, "run_id": f"run-{number}",
                      "run_started_at": row["run_started_at"] + timedelta(hours=number)}
            names = list(values)
            con.execute(
                f"insert into pipeline_runs ({', '.join(names)}) "
                f"values ({', '.join('?' for _ in names)})",
                [values[name] for name in names],
            )
    return path


def run_check(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
              *extra: str) -> tuple[int, str, dict[str, Any]]:
    report = tmp_path / "check.json"
    code = check.main(["--db", str(db), "--json", str(report), "--vars", "{}", *extra])
    return code, capsys.readouterr().out, json.loads(report.read_text())


def test_healthy_build_passes(real_run, tmp_path, capsys) -> None:
    db = warehouse(tmp_path / "w.duckdb", real_run, {}, {})
    code, out, verdict = run_check(db, tmp_path, capsys)
    assert code == 0, out
    assert verdict["status"] == HEALTHY and verdict["breaches"] == []
    assert verdict["previous_run_id"] == "run-0"
    assert "Healthy" in out and "BREACH" not in out


BREACHES = {
    # metric named in the output: (change to the latest run, words in the message)
    "acceptance_rate": ({"acceptance_rate": 0.39}, "Acceptance rate is 39.0%, below"),
    "coverage": ({"coverage": 0.94}, "is 94.0%, below the alert level 95.0%"),
    "customers_below_top_k_share": (
        {"customers_below_top_k_share": 0.06}, "6.0%, above the alert level 5.0%"),
    "silhouette": ({"min_silhouette": 0.2, "min_silhouette_segment": "West_HVAC"},
                   "the lowest is 0.200 (West_HVAC), not above the alert level 0.2"),
    "association_rules_generated": (
        {"association_rules_generated": 100.0}, "100, not above the alert level 100"),
}


@pytest.mark.parametrize("metric", sorted(BREACHES))
def test_each_threshold_breach_fails_naming_the_metric(
    metric: str, real_run, tmp_path, capsys
) -> None:
    change, words = BREACHES[metric]
    db = warehouse(tmp_path / "w.duckdb", real_run, change)
    code, out, verdict = run_check(db, tmp_path, capsys)
    assert code == 1
    assert [b["metric"] for b in verdict["breaches"]] == [metric]
    assert f"Needs attention: {metric}." in out
    assert words in out
    assert "BREACH  " + verdict["breaches"][0]["message"] in out


def test_falling_rule_count_against_the_previous_build_fails(real_run, tmp_path, capsys) -> None:
    db = warehouse(tmp_path / "w.duckdb", real_run, {"association_rules_generated": 1600.0},
                   {"association_rules_generated": 1200.0})
    code, out, verdict = run_check(db, tmp_path, capsys)
    assert code == 1
    assert [b["metric"] for b in verdict["breaches"]] == ["association_rules_generated_drop"]
    assert "1,200 against 1,600 in the previous build" in out and "a fall of 25.0%" in out
    # within the allowed share when the var says so
    code, _, _ = run_check(db, tmp_path, capsys, "--vars", "{alert_max_drop_share: 0.3}")
    assert code == 0


def test_falling_coverage_fails_and_an_as_of_build_is_not_compared(
    real_run, tmp_path, capsys
) -> None:
    db = warehouse(tmp_path / "w.duckdb", real_run, {"coverage": 1.0}, {"coverage": 0.75})
    code, _, verdict = run_check(db, tmp_path, capsys, "--vars", "{alert_min_coverage: 0.5}")
    assert code == 1 and [b["metric"] for b in verdict["breaches"]] == ["coverage_drop"]
    backtest = warehouse(tmp_path / "b.duckdb", real_run, {"coverage": 1.0},
                         {"coverage": 0.75, "is_as_of": True})
    code, _, verdict = run_check(backtest, tmp_path, capsys, "--vars", "{alert_min_coverage: 0.5}")
    assert code == 0 and verdict["previous_run_id"] is None


def test_a_build_on_other_input_files_is_not_compared(real_run, tmp_path, capsys) -> None:
    """Switching one warehouse from the sample to a customer's files is no fall in rules."""
    real_files = json.dumps({"invoices_path": "/data/invoices.csv.gz"})
    db = warehouse(tmp_path / "w.duckdb", real_run,
                   {"association_rules_generated": 1600.0},
                   {"association_rules_generated": 900000.0, "vars_json": real_files},
                   {"association_rules_generated": 1200.0})  # fmt: skip
    code, _, verdict = run_check(db, tmp_path, capsys)  # the sample again: against run-0
    assert code == 1 and verdict["previous_run_id"] == "run-0"
    assert [b["metric"] for b in verdict["breaches"]] == ["association_rules_generated_drop"]
    db = warehouse(tmp_path / "x.duckdb", real_run,
                   {"association_rules_generated": 1600.0},
                   {"association_rules_generated": 1200.0, "vars_json": real_files})  # fmt: skip
    code, _, verdict = run_check(db, tmp_path, capsys)
    assert code == 0 and verdict["previous_run_id"] is None


def test_thresholds_are_the_builds_vars_unless_overridden(real_run, tmp_path, capsys) -> None:
    recorded = {**json.loads(real_run["vars_json"]), "alert_min_acceptance_rate": 0.6}
    db = warehouse(tmp_path / "w.duckdb", real_run, {"vars_json": json.dumps(recorded)})
    code, out, _ = run_check(db, tmp_path, capsys)
    assert code == 1 and "below the alert level 60.0%" in out
    code, _, _ = run_check(db, tmp_path, capsys, "--vars", "{alert_min_acceptance_rate: 0.5}")
    assert code == 0


def test_no_feedback_is_not_judged(real_run, tmp_path, capsys) -> None:
    db = warehouse(tmp_path / "w.duckdb", real_run, {"acceptance_rate": None})
    code, out, _ = run_check(db, tmp_path, capsys)
    assert code == 0 and "no feedback in the window: not judged" in out


def test_no_build_or_bad_var_exits_2(real_run, tmp_path, capsys) -> None:
    assert check.main(["--db", str(tmp_path / "absent.duckdb")]) == 2
    db = warehouse(tmp_path / "w.duckdb", real_run, {})
    code = check.main(["--db", str(db), "--vars", "{alert_min_coverage: 2}"])
    assert code == 2
    assert "alert_min_coverage" in capsys.readouterr().err


def test_the_sample_build_needs_attention_for_its_silhouettes(
    published_sample: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    """The bundled sample's expected warning (README): a few small segments cluster poorly."""
    code, out, verdict = run_check(published_sample[0], tmp_path, capsys)
    assert code == 1
    assert [b["metric"] for b in verdict["breaches"]] == ["silhouette"]
    assert "have poor cluster separation" in out
