"""dbt runs into the evaluation warehouses, and the DuckDB reads and writes of the evaluation.

dbt runs as a subprocess (the `dbt` next to this interpreter) with IPRE_DUCKDB_PATH pointing
at the evaluation's own DuckDB file and its target, logs and spill directories under the
evaluation directory, so the main warehouse and target/ are never touched by these builds.
Reads use read-only connections; `write_eval_metrics` opens the main warehouse only for the
time of one statement, after every dbt run has finished.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ipre.evaluation.baselines import History
from ipre.evaluation.split import Split
from ipre.evaluation.targets import Line, bought_before

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FALLBACK_TRIGGER = "fallback"  # trigger_product of fallback rows in the recommendation marts


class DbtError(RuntimeError):
    """dbt exited non-zero; the message holds the tail of its output."""


def dbt_executable() -> str:
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_env(db_path: Path) -> dict[str, str]:
    """os.environ pointed at db_path, with dbt's files next to it (<stem>_dbt/)."""
    work = db_path.parent / f"{db_path.stem}_dbt"
    env = dict(os.environ)
    pythonpath = env.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), pythonpath) if p)
    env.setdefault("DBT_PROJECT_DIR", str(PROJECT_ROOT))
    env.setdefault("DBT_PROFILES_DIR", str(PROJECT_ROOT))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.update(
        IPRE_DUCKDB_PATH=str(db_path),
        IPRE_DUCKDB_TEMP_DIRECTORY=str(work / "spill"),
        DBT_TARGET_PATH=str(work / "target"),
        DBT_LOG_PATH=str(work / "logs"),
    )
    return env


def run_dbt(args: Sequence[str], db_path: Path, dbt_vars: Mapping[str, Any]) -> None:
    """`dbt <args> --vars <dbt_vars>` into db_path; raises DbtError on failure."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    command = [dbt_executable(), *args, "--vars", json.dumps(dict(dbt_vars), default=str)]
    env = dbt_env(db_path)
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        raise DbtError(f"{' '.join(command[1:3])} failed ({result.returncode}):\n{tail}")


def remove_database(db_path: Path) -> None:
    for path in (db_path, db_path.with_name(db_path.name + ".wal")):
        path.unlink(missing_ok=True)


def copy_database(source: Path, target: Path) -> None:
    remove_database(target)
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))


def connect_read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Read-only connection; s3:// inputs behind the staging views read as in dbt."""
    from ipre.s3_filesystem import S3ReadOnlyFileSystem

    con = duckdb.connect(str(db_path), read_only=True)
    con.register_filesystem(S3ReadOnlyFileSystem())
    return con


def last_invoice_date(con: duckdb.DuckDBPyConnection) -> date:
    row = con.execute("select last_invoice_date from intermediate.int_reference_date").fetchone()
    if row is None or row[0] is None:
        raise ValueError("no accepted invoice: cannot place a cutoff")
    return row[0]


def reference_date(con: duckdb.DuckDBPyConnection) -> date:
    row = con.execute("select reference_date from intermediate.int_reference_date").fetchone()
    assert row is not None
    return row[0]


# The catalogue a model may recommend from: accepted, in stock, not an excluded product
# (postage, fees: the excluded_products var), as the build's own candidates are.
RECOMMENDABLE_PRODUCTS_SQL = """
    select product_id from staging.stg_erp__products
    where quarantine_reason is null and in_stock and not is_excluded
"""


def accepted_lines(con: duckdb.DuckDBPyConnection) -> list[Line]:
    """(customer, product, invoice_date) of every accepted invoice line, whatever its date,
    except lines of excluded products: nobody can recommend or be credited with those."""
    sql = """
        select lines.customer_id, lines.product_id, lines.invoice_date
        from intermediate.int_invoices_validated as lines
        inner join staging.stg_erp__products as products
            on lines.product_id = products.product_id
        where
            lines.quarantine_reason is null
            and products.quarantine_reason is null
            and not products.is_excluded
    """
    return [(str(c), str(p), d) for c, p, d in con.execute(sql).fetchall()]


def load_history(con: duckdb.DuckDBPyConnection, lines: list[Line], split: Split) -> History:
    """What the as-of build knows: market_basket, the in-stock catalogue, pre-cutoff purchases."""
    basket = con.execute(
        "select customer_id, segment, product_id, purchase_frequency from market_basket"
    ).fetchall()
    segment_of: dict[str, str] = {}
    affinity: dict[str, dict[str, float]] = {}
    for customer, segment, product, frequency in basket:
        segment_of[customer] = segment
        affinity.setdefault(customer, {})[product] = float(frequency)
    in_stock = con.execute(RECOMMENDABLE_PRODUCTS_SQL).fetchall()
    return History(
        segment_of=segment_of,
        affinity=affinity,
        bought=bought_before(lines, split),
        in_stock=frozenset(str(p) for (p,) in in_stock),
    )


def load_engine(
    con: duckdb.DuckDBPyConnection, table: str
) -> tuple[dict[str, list[str]], dict[str, list[bool]]]:
    """A recommendation mart as customer -> products by rank, and -> is-fallback flags."""
    if table not in {"recommendations", "recommendations_ranked"}:
        raise ValueError(f"not a recommendation mart: {table}")
    rows = con.execute(
        f"select customer_id, recommended_product, trigger_product = ? from {table}"
        " order by customer_id, rank, recommended_product",
        [FALLBACK_TRIGGER],
    ).fetchall()
    products: dict[str, list[str]] = {}
    fallback: dict[str, list[bool]] = {}
    for customer, product, is_fallback in rows:
        products.setdefault(customer, []).append(product)
        fallback.setdefault(customer, []).append(bool(is_fallback))
    return products, fallback


def recency_cutoff_days(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("select recency_cutoff_days from intermediate.int_reference_date").fetchone()
    assert row is not None
    return int(row[0])


DUCKDB_TYPES = {
    pa.string(): "varchar",
    pa.int64(): "bigint",
    pa.int32(): "integer",
    pa.float64(): "double",
    pa.date32(): "date",
    pa.timestamp("us"): "timestamp",
}


def write_eval_metrics(db_path: Path, rows: pa.Table) -> None:
    """Append rows to eval_metrics in the main warehouse (a short-lived connection).

    The table keeps every run (history). It is created on first use; a table of an older
    schema gets the missing columns added (null in its old rows), and rows are inserted by
    column name, so columns only the old table has stay and are null in the new rows.
    Holds the build lock (waiting for a running `ipre build` to finish), so the write never
    lands between a build's copy of the warehouse and its swap (docs/operations.md).
    """
    from ipre.build import build_lock

    db_path.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(db_path.resolve(), wait=True), duckdb.connect(str(db_path)) as con:
        con.register("eval_metrics_rows", rows)
        exists = con.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = 'main' and table_name = 'eval_metrics'"
        ).fetchone()
        if not exists or not exists[0]:
            con.execute("create table main.eval_metrics as select * from eval_metrics_rows")
            return
        present = {
            str(name).lower()
            for (name,) in con.execute(
                "select column_name from information_schema.columns"
                " where table_schema = 'main' and table_name = 'eval_metrics'"
            ).fetchall()
        }
        for field in rows.schema:
            if field.name.lower() not in present:
                con.execute(
                    f'alter table main.eval_metrics add column "{field.name}"'
                    f" {DUCKDB_TYPES[field.type]}"
                )
        con.execute("insert into main.eval_metrics by name select * from eval_metrics_rows")
