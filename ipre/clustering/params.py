"""Clustering parameters (spec §5 Group C): the one list of their names and types.

The names are the dbt vars of dbt_project.yml (whose defaults these mirror, checked by
tests/python/test_clustering_fit.py); ``CLUSTER_VARS`` is derived from the fields, and every
reader (the Spark job, ``ipre export-artifacts`` flags, the tests) takes the list from here.
dbt forces two copies it cannot derive: the model's YAML config and the literal
``dbt.config.get`` calls of python_models/int_customer_clusters.py (a test checks both).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields

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
        kwargs: dict[str, object] = {}
        for name, kind in FIELD_TYPES.items():
            if name not in given:
                continue
            value = given[name]
            if kind == "int":
                # an int var may arrive as "8" or "8.0"
                kwargs[name] = int(float(str(value)))
            elif kind == "float":
                kwargs[name] = float(str(value))
            else:
                kwargs[name] = parse_feature_groups(str(value))
        return cls(**kwargs)  # type: ignore[arg-type]

    def to_json(self) -> str:
        """Stable JSON (sorted keys) stored with the results so an export can refit identically."""
        data = asdict(self)
        data["feature_groups"] = ",".join(self.feature_groups)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ClusterParams:
        return cls.from_strings(json.loads(text))


# Field name -> annotation ("int", "float", "tuple[str, ...]"; annotations are strings here).
FIELD_TYPES: dict[str, str] = {f.name: str(f.type) for f in fields(ClusterParams)}
# The clustering vars, in the order of dbt_project.yml.
CLUSTER_VARS: tuple[str, ...] = tuple(FIELD_TYPES)
