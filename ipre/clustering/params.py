"""Clustering parameters (spec §5 Group C). Defaults mirror the vars in dbt_project.yml."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from ipre.clustering.features import GROUP_ORDER, parse_feature_groups


@dataclass(frozen=True)
class ClusterParams:
    max_k: int = 8
    min_cluster_customers: int = 6
    elbow_threshold: float = 10.0
    feature_groups: tuple[str, ...] = field(default=GROUP_ORDER)
    random_state: int = 42
    n_init: int = 15

    def __post_init__(self) -> None:
        if self.max_k < 1 or self.min_cluster_customers < 1 or self.n_init < 1:
            raise ValueError(f"max_k, min_cluster_customers and n_init must be >= 1: {self}")
        if self.elbow_threshold < 0:
            raise ValueError(f"elbow_threshold must be >= 0, got {self.elbow_threshold}")
        object.__setattr__(self, "feature_groups", parse_feature_groups(self.feature_groups))

    @classmethod
    def from_strings(cls, values: Mapping[str, object | None]) -> ClusterParams:
        """Build from dbt config/CLI values, which arrive as strings (spec §7.5); None = default."""
        given = {key: value for key, value in values.items() if value is not None}
        casts = {
            "max_k": int,
            "min_cluster_customers": int,
            "elbow_threshold": float,
            "random_state": int,
            "n_init": int,
        }
        kwargs: dict[str, object] = {
            key: cast(float(given[key])) if cast is int else cast(given[key])
            for key, cast in casts.items()
            if key in given
        }
        if "feature_groups" in given:
            kwargs["feature_groups"] = parse_feature_groups(str(given["feature_groups"]))
        return cls(**kwargs)  # type: ignore[arg-type]

    def to_json(self) -> str:
        """Stable JSON (sorted keys) stored with the results so an export can refit identically."""
        data = asdict(self)
        data["feature_groups"] = ",".join(self.feature_groups)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ClusterParams:
        return cls.from_strings(json.loads(text))
