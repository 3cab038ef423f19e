"""Shared fixtures: a generated dataset and warehouses built from it by dbt.

`generated_data` runs the project's generator once per session; `build_warehouse` runs dbt on
any data directory into any DuckDB file, so a test module can build the warehouses it needs
(with its own vars and selection) and reuse them across its tests via a module fixture.

Parallel runs (`make pytest`: pytest-xdist, `-n 2 --dist loadscope`): the tests of a module
run on one worker, so a module fixture (its dbt builds) is built once. Session fixtures are
built once per run, not once per worker: the first worker to need one builds it in a folder
all workers share, under a file lock (`built_once`); the others wait and reuse it.

dbt runs in the worker's own process (`dbtRunner`), parsing the project once per run and set
of parse-time vars (PARSE_TIME_VARS: the first worker to need a set parses it into the run's
shared folder) and reusing that manifest for every later build; a full parse costs 10-20 s,
the selected models often less. IPRE_TEST_DBT_SUBPROCESS=1
runs every dbt command in a subprocess instead, as the CLI runs it (to rule the in-process
runner out when a build misbehaves).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
    args = [command, "--vars", json.dumps(all_vars)]
    if select:
        args += ["--select", *select.split()]
    args += list(extra_args)
    env = {
        "IPRE_DUCKDB_PATH": str(db_path),
        "IPRE_DUCKDB_TEMP_DIRECTORY": str(work / "spill"),
        "DBT_PROJECT_DIR": str(ROOT),
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    if in_process():
        code, output = _dbt_in_process(args, all_vars, env, db_path, work)
    else:
        full_env = {**_env_with_pythonpath(), **env}
        result = subprocess.run(
            [str(DBT), *args], cwd=ROOT, env=full_env, capture_output=True, text=True
        )
        code, output = result.returncode, result.stdout + result.stderr
    if code != 0:
        tail = "\n".join(output.splitlines()[-60:])
        raise WarehouseBuildError(f"dbt {command} failed ({code}):\n{tail}")
    return db_path


def in_process() -> bool:
    """dbt runs in this process unless IPRE_TEST_DBT_SUBPROCESS=1."""
    return os.environ.get("IPRE_TEST_DBT_SUBPROCESS", "") != "1"


# Vars that dbt renders while parsing, so that a manifest holds their values: the YAML under
# models/ and python_models/ renders them into data test arguments, model configs (the
# Python models read theirs from the config), source relations (<entity>_relation) and unit
# tests' `enabled:` (<entity>_path); raw_input_kind (macros/raw_input.sql) picks each
# raw_file_<entity> model's ref or source from <entity>_path and <entity>_relation; a negative
# window_days stops the parse (models/intermediate/basket/int_basket_window.sql). Every other
# var is only read when a model is compiled for a run, with that run's --vars. A manifest is reused
# for a build only if these vars have the values it was parsed with (parse_key);
# test_dbt_in_process.py fails when the project's YAML renders a var missing here.
ENTITY_PATH_VARS = tuple(f"{name}_path" for name in RAW_FILES)
PARSE_TIME_VARS = (
    *ENTITY_PATH_VARS,
    *(f"{name}_relation" for name in RAW_FILES),
    "top_k", "recency_cutoff_days", "reorder_min_purchases", "reorder_horizon_days",
    "reorder_max_overdue", "reorder_top_k", "max_k", "min_cluster_customers", "elbow_threshold",
    "feature_groups", "random_state", "n_init", "similarity_l2_ratio", "similarity_neighbours",
    "similarity_max_products", "similarity_min_customers", "similarity_tail_regressors",
    "calibration_reserve", "ranker_candidates", "ranker_min_customers", "ranker_training_cutoffs",
    "ranker_guard",
    "ranking_method", "window_days",
)  # fmt: skip
# The DuckDB file dbt writes during an in-process build: dbt-duckdb names the database after
# the file, and the manifest holds that name (each node's database), so every build uses this
# name and the file is moved to (and back from) the test's path around the build.
IN_PROCESS_DB_NAME = "warehouse.duckdb"
_UNSET = object()


def parse_key(all_vars: Mapping[str, object]) -> tuple[object, ...]:
    """What of the vars a parse depends on. A *_path var counts as empty, none or a file
    (the parse only sees which; its file is read at run time), every other parse-time var by
    its value."""
    key: list[object] = []
    for name in PARSE_TIME_VARS:
        value = all_vars.get(name, _UNSET)
        if name in ENTITY_PATH_VARS and value is not _UNSET:
            text = str(value).strip()
            value = text if text in ("", "none") else "<file>"
        key.append(json.dumps(value, sort_keys=True, default=str) if value is not _UNSET else None)
    return tuple(key)


# parse_key -> the pickled manifest a parse with such vars produced, for this worker
_MANIFESTS: dict[tuple[object, ...], bytes] = {}
# how this worker's in-process invocations went: parses, reuses of this worker's manifest,
# manifests another worker parsed
DBT_STATS = {"parses": 0, "reuses": 0, "shared": 0}
# the run's folder of parsed manifests, shared by the workers (set by share_parsed_manifests)
_SHARED_MANIFESTS: Path | None = None


@contextmanager
def _process_state(env: Mapping[str, str]) -> Iterator[None]:
    """os.environ updated with env, the project root as cwd and first on sys.path, restored
    afterwards (the tests of a worker run one after another)."""
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved_path = list(sys.path)
    os.environ.update(env)
    os.chdir(ROOT)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        sys.path[:] = saved_path


def _close_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in the process after an invocation,
    so the file is complete and free for the test (and the next build) to open."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if environment is not None:
            environment.close()


def _invoke(args: list[str], manifest: object | None, output: list[str]) -> tuple[int, object]:
    """dbtRunner(manifest).invoke(args); appends the console's lines to output. Returns the
    CLI's exit code (0, 1 for failed nodes, 2 for an error) and the result."""
    from dbt.cli.main import dbtRunner

    def collect(event: object) -> None:
        info = event.info  # type: ignore[attr-defined]
        if info.level in ("info", "warn", "error") and info.msg:
            output.append(f"{info.ts.ToDatetime():%H:%M:%S}  {info.msg}")

    try:
        result = dbtRunner(manifest=manifest, callbacks=[collect]).invoke(args)  # type: ignore[arg-type]
    finally:
        _close_duckdb()
    if result.exception is not None:
        output.append(str(result.exception))
    code = 0 if result.success else (2 if result.exception is not None else 1)
    return code, result.result


def _dbt_in_process(
    args: list[str], all_vars: Mapping[str, object], env: Mapping[str, str], db_path: Path,
    work: Path,
) -> tuple[int, str]:  # fmt: skip
    """`dbt <args>` (args hold `--vars <all_vars as JSON>`) in this process into db_path,
    reusing this worker's manifest for the parse-time vars; returns the exit code and the
    console output."""
    vars_json = args[args.index("--vars") + 1]
    work.mkdir(parents=True, exist_ok=True)
    built = work / IN_PROCESS_DB_NAME
    moves = [(db_path, built), (_wal(db_path), _wal(built))]
    for path, alias in moves:
        if path.exists():
            os.replace(path, alias)
    output: list[str] = []
    try:
        with _process_state({**env, "IPRE_DUCKDB_PATH": str(built)}):
            key = parse_key(all_vars)
            if key not in _MANIFESTS:
                code = _load_or_parse(key, vars_json, output)
                if code != 0:
                    return code, "\n".join(output)
            else:
                DBT_STATS["reuses"] += 1
            # a fresh copy for each invocation: a run compiles into its manifest's nodes
            code, _ = _invoke(args, pickle.loads(_MANIFESTS[key]), output)
            return code, "\n".join(output)
    finally:
        for path, alias in moves:
            if alias.exists():
                os.replace(alias, path)


def _load_or_parse(key: tuple[object, ...], vars_json: str, output: list[str]) -> int:
    """Put the manifest for key in _MANIFESTS: another worker's, from the run's shared folder,
    or parsed here (and left there for the others); returns the parse's exit code. A parse
    costs 10-20 s and both workers often need the same vars, so each set is parsed once a run."""
    if _SHARED_MANIFESTS is None:  # outside a pytest session (the fixture did not run)
        return _parse_into_cache(key, vars_json, output, None)
    digest = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16]
    path = _SHARED_MANIFESTS / f"{digest}.pickle"
    with _exclusive(path.with_suffix(".lock")):
        if path.exists():
            _MANIFESTS[key] = path.read_bytes()
            DBT_STATS["shared"] += 1
            return 0
        return _parse_into_cache(key, vars_json, output, path)


def _parse_into_cache(
    key: tuple[object, ...], vars_json: str, output: list[str], path: Path | None
) -> int:
    code, manifest = _invoke(["parse", "--vars", vars_json], None, output)
    if code != 0:
        return code
    _MANIFESTS[key] = pickle.dumps(manifest)
    DBT_STATS["parses"] += 1
    if path is not None:
        path.write_bytes(_MANIFESTS[key])
    return 0


def parsed_manifest(all_vars: Mapping[str, object], work: Path) -> Any:
    """The manifest `dbt parse --vars <all_vars>` makes (through the run's cache; work holds
    its target and logs): for tests about the project's graph, which need no build."""
    env = {
        "IPRE_DUCKDB_PATH": str(work / IN_PROCESS_DB_NAME),
        "DBT_PROJECT_DIR": str(ROOT),
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    key, output = parse_key(all_vars), []
    with _process_state(env):
        if key not in _MANIFESTS and _load_or_parse(key, json.dumps(dict(all_vars)), output):
            raise WarehouseBuildError("dbt parse failed:\n" + "\n".join(output[-60:]))
    return pickle.loads(_MANIFESTS[key])


def _wal(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".wal")


def _evaluation_run_dbt(args: Sequence[str], db_path: Path, dbt_vars: Mapping[str, Any]) -> None:
    """ipre.evaluation.warehouse.run_dbt with dbt in this process: the same command, env,
    files and error."""
    from ipre.evaluation import warehouse

    db_path.parent.mkdir(parents=True, exist_ok=True)
    command = [*args, "--vars", json.dumps(dict(dbt_vars), default=str)]
    work = db_path.parent / f"{db_path.stem}_dbt"
    code, output = _dbt_in_process(command, dbt_vars, warehouse.dbt_env(db_path), db_path, work)
    if code != 0:
        tail = "\n".join(output.splitlines()[-40:])
        raise warehouse.DbtError(f"{' '.join(command[0:2])} failed ({code}):\n{tail}")


if in_process():  # before the test modules import it (test_evaluation_asof imports run_dbt)
    import ipre.evaluation.warehouse as _evaluation_warehouse

    _evaluation_warehouse.run_dbt = _evaluation_run_dbt


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


@pytest.fixture(scope="session", autouse=True)
def share_parsed_manifests(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The workers' in-process parses go to (and come from) one folder of the run."""
    global _SHARED_MANIFESTS
    folder = shared_dir(tmp_path_factory) / "manifests"
    folder.mkdir(parents=True, exist_ok=True)
    _SHARED_MANIFESTS = folder


@pytest.fixture(scope="session")
def generated_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A poc-scale generated dataset (seeded, so identical on every run), shared by the run."""
    return built_once(tmp_path_factory, "generated", lambda dir: generate_dataset(dir / "data"))


@pytest.fixture(scope="session")
def ground_truth(generated_data: Path) -> dict[str, object]:
    return json.loads((generated_data / "ground_truth.json").read_text())


# customer_clusters: the oracle joins the baskets to it (a view over int_customer_clusters,
# which association_rules reads)
ASSOCIATION_SELECT = "+association_rules +similar_products customer_clusters"


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
    dbt_args: Sequence[str] = (), unit_tests: bool = False,
) -> subprocess.CompletedProcess[str]:
    """`ipre build` of the bundled sample (plus vars) into db, with its own dbt target, logs
    and spill dirs under db's folder: in this process with the in-process dbt (its output as a
    subprocess's), or in a subprocess when IPRE_TEST_DBT_SUBPROCESS=1."""
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
    if unit_tests:
        command.append("--unit-tests")
    if dbt_args:
        command += ["--", *dbt_args]
    if in_process():
        return _ipre_build_in_process(command, env, work)
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def _ipre_build_in_process(
    command: list[str], env: Mapping[str, str], work: Path
) -> subprocess.CompletedProcess[str]:
    """`python -m ipre.cli build ...` as ipre.build.main in this process, its dbt build
    through _dbt_in_process; stdout and stderr captured as the subprocess's would be."""
    import contextlib
    import io
    import traceback

    from ipre import build

    stdout, stderr = io.StringIO(), io.StringIO()
    real_run = subprocess.run

    def run(args: object, *positional: Any, **options: Any) -> object:
        if not (isinstance(args, list) and args and args[0] == build.dbt_executable()):
            return real_run(args, *positional, **options)  # type: ignore[call-overload]
        dbt_env = options.get("env") or dict(os.environ)
        vars_json = args[args.index("--vars") + 1]
        code, output = _dbt_in_process(
            args[1:], json.loads(vars_json), dbt_env, Path(dbt_env["IPRE_DUCKDB_PATH"]),
            work / "dbt",
        )  # fmt: skip
        print(output, flush=True)  # dbt's console, on the build's stdout as in a subprocess
        return subprocess.CompletedProcess(args, code)

    with _process_state({}), contextlib.ExitStack() as stack:
        os.environ.clear()
        os.environ.update(env)
        stack.enter_context(contextlib.redirect_stdout(stdout))
        stack.enter_context(contextlib.redirect_stderr(stderr))
        subprocess.run = run  # type: ignore[assignment]
        try:
            code = build.main(command[command.index("build") + 1 :])
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
        except Exception:
            traceback.print_exc()
            code = 1
        finally:
            subprocess.run = real_run  # type: ignore[assignment]
    return subprocess.CompletedProcess(command, code, stdout.getvalue(), stderr.getvalue())


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
    """The bundled sample built once by `ipre build --unit-tests` on top of a warehouse holding
    an earlier run (EARLIER_RUN_SQL), and its export dir: every dbt data and unit test of the
    default build runs here (test_dbt_tests.py reads their results), which is why `make test`
    has no separate `make dbt-test`. Read-only for tests: copy it to change it."""
    import duckdb

    def build(base: Path) -> Path:
        db, export_dir = base / "ipre.duckdb", base / "export"
        with duckdb.connect(str(db)) as con:
            con.execute(EARLIER_RUN_SQL)
        result = ipre_build(db, export_dir, unit_tests=True)
        assert result.returncode == 0, result.stderr[-3000:]
        return base

    base = built_once(tmp_path_factory, "published_sample", build)
    return base / "ipre.duckdb", base / "export"
