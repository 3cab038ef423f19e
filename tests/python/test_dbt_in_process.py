"""The test builds' in-process dbt (tests/python/conftest.py): a manifest parsed once is reused
only for the vars it was parsed with, and a run through it compiles with that run's vars."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from conftest import (
    DBT_STATS,
    PARSE_TIME_VARS,
    RAW_FILES,
    ROOT,
    WarehouseBuildError,
    build_warehouse,
    in_process,
    parse_key,
)

# the folders dbt parses (dbt_project.yml) and the project file itself
PARSED_FOLDERS = ("models", "python_models", "seeds", "tests", "macros", "analyses", "snapshots")
VAR_CALL = re.compile(r"""var\(\s*(?:['"](\w+)['"]|(\w+)\s*~\s*['"](\w+)['"])""")
CONFIG_CALL = re.compile(r"config\((.*?)\)\s*}}", re.S)


def var_names(text: str) -> set[str]:
    """The vars a text reads: var('name'), and var(entity ~ '_suffix') for every entity."""
    names = set()
    for name, _, suffix in VAR_CALL.findall(text):
        names |= {name} if name else {f"{entity}{suffix}" for entity in RAW_FILES}
    return names


def test_every_var_the_yaml_renders_is_a_parse_time_var() -> None:
    # dbt renders YAML (configs, data test arguments, sources, unit tests' enabled) and the
    # config() of models while parsing: a var read there must be part of the manifest's key
    yaml = [ROOT / "dbt_project.yml"]
    code: list[Path] = []
    for folder in PARSED_FOLDERS:
        base = ROOT / folder
        yaml += [*base.rglob("*.yml"), *base.rglob("*.yaml")]
        code += [*base.rglob("*.sql"), *base.rglob("*.py")]
    read = {path: var_names(path.read_text()) for path in yaml}
    for path in code:
        configs = CONFIG_CALL.findall(path.read_text())
        read[path] = set().union(*(var_names(config) for config in configs))
    found = set().union(*read.values())
    assert {"top_k", "invoices_path", "customers_relation", "max_k"} <= found  # the scan works
    missing = {
        str(path.relative_to(ROOT)): sorted(names - set(PARSE_TIME_VARS))
        for path, names in read.items()
        if names - set(PARSE_TIME_VARS)
    }
    assert not missing, f"add these vars to PARSE_TIME_VARS in conftest.py: {missing}"


def test_the_parse_key_sees_only_whether_a_path_is_set() -> None:
    base = {"invoices_path": "/a/invoices.csv", "top_k": 5}
    assert parse_key(base) == parse_key({**base, "invoices_path": " /b/other.csv.gz"})
    assert parse_key(base) == parse_key({**base, "min_lift": 2.5, "as_of_date": "2024-01-01"})
    assert parse_key(base) != parse_key({**base, "invoices_path": ""})
    assert parse_key(base) != parse_key({**base, "invoices_path": "none"})
    assert parse_key(base) != parse_key({**base, "top_k": 6})
    assert parse_key(base) != parse_key({**base, "invoices_relation": "db.main.lines"})
    assert parse_key({"top_k": 5}) != parse_key({})


def reference_date(db_path: Path) -> tuple[object, ...]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        rows = connection.sql(
            "select reference_date::varchar, is_as_of from intermediate.int_reference_date"
        ).fetchall()
    assert len(rows) == 1
    return rows[0]


def test_a_reused_manifest_compiles_with_the_runs_vars(
    generated_data: Path, tmp_path: Path
) -> None:
    select = "+int_reference_date"
    db_path = build_warehouse(generated_data, tmp_path / "latest.duckdb", select=select)
    latest, is_as_of = reference_date(db_path)
    assert is_as_of is False
    reuses = DBT_STATS["reuses"]
    # as_of_date is read at run time only: the same manifest, another reference date
    as_of = build_warehouse(
        generated_data, tmp_path / "as_of.duckdb", vars={"as_of_date": "2025-03-01"},
        select=select,
    )  # fmt: skip
    assert reference_date(as_of) == ("2025-03-01", True)
    assert reference_date(
        build_warehouse(generated_data, tmp_path / "again.duckdb", select=select)
    ) == (latest, False)
    if in_process():
        assert DBT_STATS["reuses"] >= reuses + 2


def test_a_failing_run_through_a_reused_manifest_reports_dbt_error(
    generated_data: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "no_such_invoices.csv"
    with pytest.raises(WarehouseBuildError) as failure:
        build_warehouse(
            generated_data, tmp_path / "missing.duckdb", vars={"invoices_path": str(missing)},
            select="raw_file_invoices",
        )  # fmt: skip
    assert "dbt run failed (1)" in str(failure.value)
    assert str(missing) in str(failure.value)
