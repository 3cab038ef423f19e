"""Shared fixtures: a generated dataset and warehouses built from it by dbt.

`generated_data` runs the project's generator once per session; `build_warehouse` runs dbt on
any data directory into any DuckDB file, so a test module can build the warehouses it needs
(with its own vars and selection) and reuse them across its tests via a module fixture.

Parallel runs (`make pytest`: pytest-xdist, `-n 2 --dist loadscope`): the tests of a module
run on one worker, so a module fixture (its dbt builds) is built once. Session fixtures are
built once per run, not once per worker: the first worker to need one builds it in a folder
all workers share, under a file lock (`built_once`); the others wait and reuse it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"
RAW_FILES = ("customers", "products", "invoices", "feedback")


class WarehouseBuildError(RuntimeError):
    """dbt exited non-zero; the message holds the tail of its output."""


def generate_dataset(out_dir: Path, scale: str = "poc", seed: int | None = None) -> Path:
    """Write the generator's raw CSVs and ground_truth.json into out_dir."""
    command = [sys.executable, "-m", "ipre.cli", "generate"]
    command += ["--scale", scale, "--out", str(out_dir)]
    if seed is not None:
        command += ["--seed", str(seed)]
    subprocess.run(command, check=True, env=_env_with_pythonpath(), capture_output=True, text=True)
    return out_dir


def dataset_vars(data_dir: Path) -> dict[str, str]:
    """The four *_path vars pointing at the generated files."""
    return {f"{name}_path": str(data_dir / f"{name}.csv") for name in RAW_FILES}


def build_warehouse(
    data_dir: Path,
    db_path: Path,
    vars: Mapping[str, object] | None = None,
    select: str | None = None,
    command: str = "run",
    extra_args: Sequence[str] = (),
) -> Path:
    """Run `dbt <command>` on the files in data_dir into the DuckDB file db_path.

    vars override the dataset paths and any project var; select is a dbt selection string
    (e.g. "+association_rules +similar_products"). Returns db_path.
    """
    work = db_path.parent / f"{db_path.stem}_dbt"
    all_vars = {**dataset_vars(data_dir), **dict(vars or {})}
    args = [str(DBT), command, "--vars", json.dumps(all_vars)]
    if select:
        args += ["--select", *select.split()]
    args += list(extra_args)
    env = _env_with_pythonpath()
    env.update(
        IPRE_DUCKDB_PATH=str(db_path),
        IPRE_DUCKDB_TEMP_DIRECTORY=str(work / "spill"),
        DBT_PROJECT_DIR=str(ROOT),
        DBT_PROFILES_DIR=str(ROOT),
        DBT_TARGET_PATH=str(work / "target"),
        DBT_LOG_PATH=str(work / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-60:])
        raise WarehouseBuildError(f"dbt {command} failed ({result.returncode}):\n{tail}")
    return db_path


def rebuild_copy(
    source_db: Path,
    data_dir: Path,
    db_path: Path,
    vars: Mapping[str, object] | None = None,
    select: str | None = None,
) -> Path:
    """Copy a built warehouse and rebuild only `select` in the copy with other vars.

    Much faster than a full build when the changed vars only affect the selected models
    (their parents, e.g. customer_clusters, are reused as built in source_db).
    """
    shutil.copyfile(source_db, db_path)
    return build_warehouse(data_dir, db_path, vars=vars, select=select)


def _env_with_pythonpath() -> dict[str, str]:
    """os.environ with the project root first on PYTHONPATH (for `ipre` in dbt Python models)."""
    env = dict(os.environ)
    existing = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) if not existing else f"{ROOT}{os.pathsep}{existing}"
    return env


def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder common to every xdist worker of this run (the session's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    # each worker's basetemp is <run>/popen-gwN: its parent is the run's, shared by all
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared"


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str,
               build: Callable[[Path], Path]) -> Path:  # fmt: skip
    """build(folder) run once per test run for `name`, whichever worker asks first; the
    others wait for it and get the same result. A build that raised is retried by the next."""
    folder = shared_dir(tmp_path_factory) / name
    folder.parent.mkdir(parents=True, exist_ok=True)
    done = folder.parent / f"{name}.done"
    with _exclusive(folder.parent / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            done.write_text(str(build(folder)))
    return Path(done.read_text())


@pytest.fixture(scope="session")
def generated_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A poc-scale generated dataset (seeded, so identical on every run), shared by the run."""
    return built_once(tmp_path_factory, "generated", lambda dir: generate_dataset(dir / "data"))


@pytest.fixture(scope="session")
def ground_truth(generated_data: Path) -> dict[str, object]:
    return json.loads((generated_data / "ground_truth.json").read_text())


ASSOCIATION_SELECT = "+association_rules +similar_products"


@pytest.fixture(scope="session")
def association_warehouse(generated_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DuckDB file with the association marts (and their parents) built with default vars;
    read it read-only (rebuild_copy for other vars): every worker shares the one file."""
    return built_once(
        tmp_path_factory,
        "association_warehouse",
        lambda folder: build_warehouse(
            generated_data, folder / "default.duckdb", select=ASSOCIATION_SELECT
        ),
    )


def ipre_build(
    db: Path, export_dir: Path, vars: Mapping[str, object] | None = None,
    dbt_args: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """`ipre build` of the bundled sample (plus vars) into db, in a subprocess with its own dbt
    target, logs and spill dirs under db's folder."""
    work = db.parent / "work"
    env = dict(os.environ)
    env.update(
        DBT_PROJECT_DIR=str(ROOT),
        DBT_PROFILES_DIR=str(ROOT),
        DBT_TARGET_PATH=str(work / "target"),
        DBT_LOG_PATH=str(work / "logs"),
        IPRE_DUCKDB_TEMP_DIRECTORY=str(work / "spill"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env.pop("IPRE_VARS", None)
    env.pop("IPRE_VARS_FILE", None)
    command = [sys.executable, "-m", "ipre.cli", "build", "--db", str(db)]
    command += ["--export-dir", str(export_dir), "--vars", json.dumps(dict(vars or {}))]
    if dbt_args:
        command += ["--", *dbt_args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


# The run history a published warehouse had before the session's build: one build recorded by
# an older pipeline_runs (fewer columns). The full build starts from an empty file, so the row
# survives only if `ipre build` carries the history over and the model appends to it.
EARLIER_RUN_SQL = """
create table main.pipeline_runs as select
    'earlier-run' as run_id, timestamp '2026-01-05 06:00:00' as run_started_at,
    date '2026-01-04' as reference_date, false as is_as_of, date '2026-01-04' as last_invoice_date,
    'spec' as ranking_method, 'earlier' as vars_hash, '{}' as vars_json, 5 as top_k,
    0.99::double as coverage, 1500::double as association_rules_generated
"""


@pytest.fixture(scope="session")
def published_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bundled sample built once by `ipre build` on top of a warehouse holding an earlier
    run (EARLIER_RUN_SQL), and its export dir. Read-only for tests: copy it to change it."""
    import duckdb

    def build(base: Path) -> Path:
        db, export_dir = base / "ipre.duckdb", base / "export"
        with duckdb.connect(str(db)) as con:
            con.execute(EARLIER_RUN_SQL)
        result = ipre_build(db, export_dir)
        assert result.returncode == 0, result.stderr[-3000:]
        return base

    base = built_once(tmp_path_factory, "published_sample", build)
    return base / "ipre.duckdb", base / "export"
