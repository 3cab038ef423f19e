"""Build parameters as a build uses them: dbt_project.yml's defaults overlaid with its vars.

dbt_project.yml (``vars:``) is the one definition of every var and its default. What a build
actually used is written by ``ipre export`` into the manifest (``params``: every var, default
or overridden) and by the build itself into the warehouse (``pipeline_health`` holds
``top_k``). Evaluation, benchmarks, export and the serving side read a var's value from here,
never from a literal of their own, so ``VARS='{top_k: 10}'`` reaches all of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from ipre.params.check import project_vars


def resolve(overrides: Mapping[str, Any] | None = None, project: Path | None = None) -> dict:
    """Every var of dbt_project.yml with the value a build with these overrides uses."""
    return {**project_vars(project), **dict(overrides or {})}


def default_top_k() -> int:
    """top_k as dbt_project.yml declares it (a build without a top_k override)."""
    return int(resolve()["top_k"])


def built_top_k(con: duckdb.DuckDBPyConnection) -> int | None:
    """The top_k a built warehouse was built with: pipeline_health records the var; a
    warehouse without that metric falls back to the deepest rank of recommendations."""
    for sql in (
        "select metric_value from pipeline_health where metric = 'top_k'",
        "select max(rank) from recommendations",
    ):
        try:
            row = con.execute(sql).fetchone()
        except duckdb.CatalogException:
            continue
        if row and row[0] is not None:
            return int(row[0])
    return None


def manifest_params(manifest_file: Path) -> dict[str, Any]:
    """The params (every var as used) recorded in an export manifest; {} for an older one."""
    document = json.loads(manifest_file.read_text(encoding="utf-8"))
    return dict(document.get("params") or {})
