"""DuckDB settings of the bench's own connections: the IPRE_DUCKDB_* variables of
profiles.yml with the defaults written there, read from that file (one source for both), so a
standalone query runs as it does inside dbt."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

PROFILES = Path(__file__).resolve().parent.parent / "profiles.yml"
# `name: "{{ env_var('IPRE_DUCKDB_X', 'default') }}"` under the duckdb output's settings
SETTING = re.compile(
    r"^\s+(?P<name>\w+):\s*\"\{\{\s*env_var\('(?P<env>IPRE_DUCKDB_\w+)',\s*'(?P<default>[^']*)'\)"
    r"\s*\}\}\"\s*$",
    re.MULTILINE,
)
# Set once per database in profiles.yml (config_options), not per query: the bench gives
# its connections a spill folder of their own.
NOT_PER_QUERY = {"temp_directory"}


def profile_defaults(text: str | None = None) -> dict[str, tuple[str, str]]:
    """Each DuckDB setting profiles.yml takes from an IPRE_DUCKDB_* variable: (variable,
    default). Fails naming the file when it holds none, rather than guessing defaults."""
    text = PROFILES.read_text(encoding="utf-8") if text is None else text
    found = {
        match["name"]: (match["env"], match["default"])
        for match in SETTING.finditer(text)
        if match["name"] not in NOT_PER_QUERY
    }
    if "memory_limit" not in found:
        raise ValueError(f"{PROFILES}: no IPRE_DUCKDB_MEMORY_LIMIT setting found")
    return found


def duckdb_settings() -> dict[str, str]:
    settings = {
        name: os.environ.get(env, default) for name, (env, default) in profile_defaults().items()
    }
    settings["temp_directory"] = os.environ.get(
        "IPRE_DUCKDB_TEMP_DIRECTORY", os.path.join(tempfile.gettempdir(), "ipre_bench_spill")
    )
    return settings
