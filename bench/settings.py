"""DuckDB settings of the bench's own connections: the same IPRE_DUCKDB_* variables and
defaults as profiles.yml, so a standalone query runs as it does inside dbt."""

from __future__ import annotations

import os
import tempfile

DEFAULTS = {
    "threads": ("IPRE_DUCKDB_THREADS", "2"),
    "memory_limit": ("IPRE_DUCKDB_MEMORY_LIMIT", "16GB"),
    "preserve_insertion_order": ("IPRE_DUCKDB_PRESERVE_INSERTION_ORDER", "false"),
}


def duckdb_settings() -> dict[str, str]:
    settings = {name: os.environ.get(env, default) for name, (env, default) in DEFAULTS.items()}
    settings["temp_directory"] = os.environ.get(
        "IPRE_DUCKDB_TEMP_DIRECTORY", os.path.join(tempfile.gettempdir(), "ipre_bench_spill")
    )
    return settings
