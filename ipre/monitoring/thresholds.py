"""The alert thresholds: dbt vars alert_* (dbt_project.yml), as the judged build ran with them,
optionally overridden for one check (`ipre check --vars`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ipre.params.check import project_vars
from ipre.params.domains import DOMAINS, DomainError

ALERT_PREFIX = "alert_"


@dataclass(frozen=True)
class Thresholds:
    min_acceptance_rate: float
    min_coverage: float
    max_below_top_k_share: float
    min_silhouette: float
    min_association_rules: int
    max_drop_share: float


def alert_vars(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """The alert_* vars: dbt_project.yml defaults, then each layer on top, domain-checked."""
    merged = {k: v for k, v in project_vars().items() if k.startswith(ALERT_PREFIX)}
    for layer in layers:
        merged.update({k: v for k, v in layer.items() if k.startswith(ALERT_PREFIX)})
    checked = {}
    for name, value in merged.items():
        try:
            checked[name] = DOMAINS[name].check(value)
        except DomainError as err:
            raise DomainError(f"{name}: {err}") from None
    return checked


def thresholds(*layers: Mapping[str, Any]) -> Thresholds:
    values = alert_vars(*layers)
    return Thresholds(
        **{name.removeprefix(ALERT_PREFIX): value for name, value in values.items()}
    )
