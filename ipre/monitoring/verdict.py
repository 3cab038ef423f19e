"""The verdict on a build: each alert check in words, healthy or needs attention.

One code path for `ipre check`, the `ipre summary` footer and the report. Metric names are the
spec's §11 metrics as pipeline_health names them; thresholds are the alert_* vars.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ipre.monitoring.runs import Run
from ipre.monitoring.thresholds import Thresholds

HEALTHY = "healthy"
NEEDS_ATTENTION = "needs attention"


@dataclass(frozen=True)
class Check:
    """One alert check: passed is None when the build has no value to judge."""

    metric: str
    value: float | None
    threshold: float
    rule: str
    threshold_var: str
    passed: bool | None
    message: str


@dataclass(frozen=True)
class Verdict:
    run: Run
    previous: Run | None
    checks: list[Check] = field(default_factory=list)

    @property
    def breaches(self) -> list[Check]:
        return [check for check in self.checks if check.passed is False]

    @property
    def status(self) -> str:
        return NEEDS_ATTENTION if self.breaches else HEALTHY

    def headline(self) -> str:
        if not self.breaches:
            return "Healthy: every alert check passed."
        names = ", ".join(dict.fromkeys(check.metric for check in self.breaches))
        return f"Needs attention: {names}."

    def as_json(self) -> dict[str, Any]:
        keys = ("run_id", "run_started_at", "reference_date", "is_as_of", "vars_hash")
        return {
            "status": self.status.replace(" ", "_"),
            "headline": self.headline(),
            "run": {key: _plain(self.run.get(key)) for key in keys},
            "previous_run_id": self.previous["run_id"] if self.previous else None,
            "breaches": [asdict(check) for check in self.breaches],
            "checks": [asdict(check) for check in self.checks],
        }


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def pct(value: float) -> str:
    return f"{value:.1%}"


def count(value: float) -> str:
    return f"{value:,.0f}"


def judge(run: Run, previous: Run | None, limits: Thresholds) -> Verdict:
    """Every alert check of the build, in the order of spec §11."""
    checks = [
        _minimum(run, "acceptance_rate", limits.min_acceptance_rate, "alert_min_acceptance_rate",
                 "Acceptance rate", pct, missing="no feedback in the window: not judged"),
        _minimum(run, "coverage", limits.min_coverage, "alert_min_coverage",
                 "Coverage (in-scope customers with a recommendation)", pct),
        _maximum(run, "customers_below_top_k_share", limits.max_below_top_k_share,
                 "alert_max_below_top_k_share",
                 f"Customers with fewer than {run.get('top_k')} recommendations", pct),
        _silhouette(run, limits.min_silhouette),
        _above(run, "association_rules_generated", limits.min_association_rules,
               "alert_min_association_rules", "Association rules generated", count),
        _drop(run, previous, "association_rules_generated", limits.max_drop_share,
              "Association rules", count),
        _drop(run, previous, "coverage", limits.max_drop_share, "Coverage", pct),
    ]
    return Verdict(run=run, previous=previous, checks=checks)


def _value(run: Run, metric: str) -> float | None:
    value = run.get(metric)
    return None if value is None else float(value)


def _minimum(run: Run, metric: str, low: float, var: str, label: str,
             fmt: Callable[[float], str], missing: str = "not measured: not judged") -> Check:
    value = _value(run, metric)
    if value is None:
        return Check(metric, None, low, ">=", var, None, f"{label}: {missing}.")
    ok = value >= low
    words = "at or above" if ok else "below"
    message = f"{label} is {fmt(value)}, {words} the alert level {fmt(low)} ({var})."
    return Check(metric, value, low, ">=", var, ok, message)


def _maximum(run: Run, metric: str, high: float, var: str, label: str,
             fmt: Callable[[float], str]) -> Check:
    value = _value(run, metric)
    if value is None:
        return Check(metric, None, high, "<=", var, None, f"{label}: not measured: not judged.")
    ok = value <= high
    words = "within" if ok else "above"
    message = f"{label}: {fmt(value)}, {words} the alert level {fmt(high)} ({var})."
    return Check(metric, value, high, "<=", var, ok, message)


def _above(run: Run, metric: str, low: float, var: str, label: str,
           fmt: Callable[[float], str]) -> Check:
    value = _value(run, metric)
    if value is None:
        return Check(metric, None, low, ">", var, None, f"{label}: not measured: not judged.")
    ok = value > low
    words = "above" if ok else "not above"
    message = f"{label}: {fmt(value)}, {words} the alert level {fmt(low)} ({var})."
    return Check(metric, value, low, ">", var, ok, message)


def _silhouette(run: Run, low: float) -> Check:
    var = "alert_min_silhouette"
    value = _value(run, "min_silhouette")
    if value is None:
        message = "Silhouette: no segment has two clusters or more: not judged."
        return Check("silhouette", None, low, ">", var, None, message)
    ok = value > low
    scored, below = run.get("segments_scored"), run.get("segments_below_silhouette")
    if ok:
        message = f"Silhouette: every segment is above {low:g} (lowest {value:.3f})."
    else:
        message = (
            f"Silhouette: {below} of the {scored} segments with two clusters or more have "
            f"poor cluster separation; the lowest is {value:.3f} "
            f"({run.get('min_silhouette_segment')}), not above the alert level {low:g} ({var})."
        )
    return Check("silhouette", value, low, ">", var, ok, message)


def _drop(run: Run, previous: Run | None, metric: str, share: float, label: str,
          fmt: Callable[[float], str]) -> Check:
    var, name = "alert_max_drop_share", f"{metric}_drop"
    now = _value(run, metric)
    before = None if previous is None else _value(previous, metric)
    if now is None or not before:
        message = f"{label}: no previous build of the same kind to compare with: not judged."
        return Check(name, None, share, "<=", var, None, message)
    fall = max(0.0, (before - now) / before)
    ok = fall <= share
    message = (
        f"{label}: {fmt(now)} against {fmt(before)} in the previous build "
        f"({previous['run_started_at']:%Y-%m-%d %H:%M} UTC), a fall of {fall:.1%}; "
        + ("within" if ok else "more than")
        + f" the allowed {share:.0%} ({var})."
    )
    return Check(name, fall, share, "<=", var, ok, message)
