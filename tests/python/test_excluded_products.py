"""excluded_products (postage, fees, adjustments): the listed products stay in the master and
their invoice lines stay accepted, but no basket, rule, neighbour, recommendation, trigger or
reminder uses them; customers with other purchases still get a full list."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import DBT, ROOT, built_once, ipre_build

# every place a product id can reach the Account Manager or feed a recommendation
PRODUCT_COLUMNS = (
    ("market_basket", "product_id"), ("association_rules", "product_a"),
    ("association_rules", "product_b"), ("similar_products", "product_a"),
    ("similar_products", "product_b"), ("product_neighbours", "neighbour_product_id"),
    ("customer_similarity_scores", "recommended_product"),
    ("recommendations", "recommended_product"), ("recommendations", "trigger_product"),
    ("reorder_reminders", "product_id"),
)  # fmt: skip


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def most_used(db: Path) -> list[str]:
    """The most recommended product, the most used trigger and the most reminded product."""
    return sorted({
        rows(db, f"select {column} from {table} where {column} <> 'segment' group by 1"
                 f" order by count(*) desc, 1 limit 1")[0][0]
        for table, column in (("recommendations", "recommended_product"),
                              ("recommendations", "trigger_product"),
                              ("reorder_reminders", "product_id"))
    })  # fmt: skip


@pytest.fixture(scope="module")
def excluded_build(published_sample: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory):
    default_db = published_sample[0]
    excluded = most_used(default_db)

    def build(base: Path) -> Path:
        db = base / "ipre.duckdb"
        # comma-separated text, as SageMaker and the command line pass a list var
        result = ipre_build(db, base / "export", {"excluded_products": ",".join(excluded)})
        assert result.returncode == 0, result.stderr[-3000:]
        (base / "build.log").write_text(result.stdout + result.stderr)
        return db

    return default_db, built_once(tmp_path_factory, "excluded_products", build), excluded


def test_excluded_products_are_flagged_in_the_master(excluded_build) -> None:
    _, db, excluded = excluded_build
    flagged = rows(db, "select product_id from staging.stg_erp__products where is_excluded")
    assert sorted(p for (p,) in flagged) == excluded


@pytest.mark.parametrize(("table", "column"), PRODUCT_COLUMNS)
def test_excluded_products_reach_no_table(excluded_build, table: str, column: str) -> None:
    _, db, excluded = excluded_build
    listed = ", ".join(f"'{p}'" for p in excluded)
    assert rows(db, f"select count(*) from {table} where {column} in ({listed})")[0][0] == 0


def test_lines_stay_accepted_and_customers_keep_full_lists(excluded_build) -> None:
    """Reconciliation is unchanged (the lines are accepted, just not merchandise); a customer
    who bought only excluded products has no purchase left in scope (served as
    no_recent_purchases), every other customer keeps a full list."""
    default_db, db, excluded = excluded_build
    reconciliation = "select * from input_reconciliation order by source_name"
    assert rows(db, reconciliation) == rows(default_db, reconciliation)
    listed = ", ".join(f"'{p}'" for p in excluded)
    only_excluded = {c for (c,) in rows(default_db, f"""
        select customer_id from intermediate.int_invoice_lines_in_scope group by 1
        having count(*) filter (where product_id not in ({listed})) = 0""")}  # fmt: skip
    assert only_excluded  # the sample has such customers: the case is exercised
    per_customer = "select customer_id, count(*) from recommendations group by 1 order by 1"
    expected = [row for row in rows(default_db, per_customer) if row[0] not in only_excluded]
    assert rows(db, per_customer) == expected


def test_summary_counts_the_excluded_products_and_their_lines(excluded_build, capsys) -> None:
    from ipre import summary

    default_db, db, excluded = excluded_build
    listed = ", ".join(f"'{p}'" for p in excluded)
    sql = ("select count(*) from intermediate.int_invoices_validated"
           f" where quarantine_reason is null and product_id in ({listed})")  # fmt: skip
    lines = rows(default_db, sql)[0][0]
    assert summary.main(["--db", str(db)]) == 0
    assert f"excluded_products: {len(excluded)} products, {lines:,} kept lines" in (
        capsys.readouterr().out
    )
    assert summary.main(["--db", str(default_db)]) == 0
    assert "excluded_products:" not in capsys.readouterr().out


def test_an_id_the_master_does_not_know_is_a_warning(excluded_build, tmp_path: Path) -> None:
    """A typo in excluded_products excludes nothing: the build warns, naming the check."""
    _, db, excluded = excluded_build
    copy = shutil.copyfile(db, tmp_path / "ipre.duckdb")
    env = {**os.environ, "IPRE_DUCKDB_PATH": str(copy), "DBT_PROJECT_DIR": str(ROOT),
           "DBT_PROFILES_DIR": str(ROOT), "DBT_TARGET_PATH": str(tmp_path / "target"),
           "DBT_LOG_PATH": str(tmp_path / "logs")}  # fmt: skip
    check = "assert_excluded_products_are_in_the_master"

    # the build with known ids passed the check (no warning)
    assert re.search(rf"PASS {check} ", (db.parent / "build.log").read_text())
    command = [str(DBT), "test", "--select", check,
               "--vars", json.dumps({"excluded_products": [*excluded, "NO-SUCH-ID"]})]  # fmt: skip
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]  # a warning, not a failure
    assert "WARN=1 ERROR=0" in result.stdout
