"""`ipre export`: publish the warehouse's outputs as files the serving side reads.

* ``recommendations`` -> ``<export dir>/recommendations.parquet`` (what serve/ loads), with
  ``product_name`` joined from ``stg_erp__products`` (the dbt contracts are unchanged)
* customers in the master (``stg_erp__customers``) but not in ``market_basket`` (no purchase
  in the recency window) -> ``<export dir>/no_recent_purchases.parquet``, so the endpoint can
  tell them apart from ids it has never heard of
* its manifest -> ``<export dir>/recommendations.manifest.json``: sha256, bytes, rows,
  customers, top_k, the build (id, time, vars), every var as used (params) and the export
  time; serve/ verifies the Parquet against it and serves nothing that does not match
* ``feedback_summary`` -> ``<export dir>/feedback_summary.json`` (spec §4.6 shape)
* ``reorder_reminders`` (rows with is_reminder, with ``product_name``) ->
  ``<export dir>/reorder_reminders.parquet``, when the warehouse has the table
  (docs/reorders.md); the manifest lists it (sha256, rows, customers, most per customer) and
  serve/ verifies it and answers each customer's reminders beside the recommendations

The warehouse is opened read-only and each file is written to a temporary name in the target
directory and then renamed over the old one (``os.replace``), so a reader never sees a
half-written file. The manifest is renamed into place after the Parquet it describes, so a
reader that finds a manifest finds its Parquet (a reader between the two renames sees a
mismatch, which the server treats as "not yet"). The serving container never opens the DuckDB
file itself: DuckDB's file lock would collide with a running ``dbt build``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from ipre.params.resolved import built_top_k, resolve
from ipre.ranker.artifact import ranker_summary, read_ranker_row

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RECOMMENDATIONS_FILE = "recommendations.parquet"
FEEDBACK_SUMMARY_FILE = "feedback_summary.json"
NO_RECENT_FILE = "no_recent_purchases.parquet"
# serve/ipre_serve/loader.py reads it under the same name (MANIFEST_NAME).
MANIFEST_FILE = "recommendations.manifest.json"
MANIFEST_VERSION = 1
# The export's rows: the recommendations table plus each product's name (one per product id;
# quarantined product rows carry no usable name).
EXPORT_QUERY = """
select r.*, p.product_name
from recommendations as r
left join (
    select product_id, min(product_name) as product_name
    from {products}
    where quarantine_reason is null
    group by product_id
) as p on p.product_id = r.recommended_product
order by r.customer_id, r.rank
"""
REORDER_REMINDERS_FILE = "reorder_reminders.parquet"
# The reminders (is_reminder rows) plus each product's name, as in EXPORT_QUERY.
REORDER_QUERY = """
select r.*, p.product_name
from reorder_reminders as r
left join (
    select product_id, min(product_name) as product_name
    from {products}
    where quarantine_reason is null
    group by product_id
) as p on p.product_id = r.product_id
where r.is_reminder
order by r.customer_id, r.reorder_rank
"""
RATE_COLUMNS = (
    "acceptance_rate",
    "high_rate",
    "medium_positive_rate",
    "medium_negative_rate",
    "medium_no_signal_rate",
    "low_rate",
)


def default_db_path() -> Path:
    """The warehouse: $IPRE_DUCKDB_PATH, else ipre.duckdb at the project root (not the cwd)."""
    return Path(os.environ.get("IPRE_DUCKDB_PATH") or PROJECT_ROOT / "ipre.duckdb")


def default_export_dir() -> Path:
    """Where exports go: $IPRE_EXPORT_DIR, else export/ at the project root."""
    return Path(os.environ.get("IPRE_EXPORT_DIR") or PROJECT_ROOT / "export")


def write_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary path next to ``target``, then rename it to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        tmp.chmod(0o644)  # mkstemp creates 0600; the serving side may run as another user
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _relation(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """``schema.name`` of a table or view in the warehouse (dbt puts staging in a schema)."""
    row = con.execute(
        "select table_schema from information_schema.tables where table_name = ? "
        "order by table_schema = 'main' desc limit 1",
        [name],
    ).fetchone()
    return f'"{row[0]}"."{name}"' if row else None


def export_query(con: duckdb.DuckDBPyConnection) -> str:
    products = _relation(con, "stg_erp__products")
    if products is None:  # a warehouse without staging (tests, old builds): names are null
        return (
            "select *, null::varchar as product_name from recommendations "
            "order by customer_id, rank"
        )
    return EXPORT_QUERY.format(products=products)


def no_recent_query(con: duckdb.DuckDBPyConnection) -> str:
    customers = _relation(con, "stg_erp__customers")
    basket = _relation(con, "market_basket")
    if customers is None or basket is None:  # nothing to tell apart: an empty list
        return "select null::varchar as customer_id where false"
    return (
        f"select distinct customer_id from {customers} where quarantine_reason is null "
        f"and customer_id is not null and customer_id not in (select customer_id from {basket}) "
        "order by customer_id"
    )


def export_no_recent(con: duckdb.DuckDBPyConnection, target: Path) -> dict[str, Any]:
    """Write the customers with no recent purchase; returns their entry in the manifest."""
    entry: dict[str, Any] = {"file": target.name}

    def write(tmp: Path) -> None:
        path = str(tmp).replace("'", "''")
        con.execute(f"copy ({no_recent_query(con)}) to '{path}' (format parquet)")
        entry.update(sha256=sha256_file(tmp), rows=pq.ParquetFile(tmp).metadata.num_rows)

    write_atomically(target, write)
    return entry


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    try:
        row = con.execute(sql).fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def build_record(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The last build in ``ipre_build_log`` (ipre/build.py): its id, times and vars."""
    try:
        row = con.execute(
            "select started_at, finished_at, vars_json, full_build from ipre_build_log "
            "order by finished_at desc limit 1"
        ).fetchone()
    except duckdb.CatalogException:
        row = None
    if row is None:
        return {"build_id": None, "built_at": None, "vars": None, "full_build": None}
    started, finished, vars_json, full_build = row
    return {
        # The build's start time identifies it (one build per warehouse at a time: build.lock).
        "build_id": started.strftime("%Y%m%dT%H%M%S.%f"),
        "built_at": finished.isoformat(),
        "vars": json.loads(vars_json) if vars_json else {},
        "full_build": bool(full_build),
    }


def manifest_document(con: duckdb.DuckDBPyConnection, parquet: Path, rows: int,
                      exported_at: datetime) -> dict[str, Any]:  # fmt: skip
    """What the serving side checks (sha256, rows) and shows (/info) about one export."""
    top_k = built_top_k(con)
    customers = _scalar(con, "select count(distinct customer_id) from recommendations")
    build = build_record(con)
    return {
        "format_version": MANIFEST_VERSION,
        "file": parquet.name,
        "sha256": sha256_file(parquet),
        "bytes": parquet.stat().st_size,
        "rows": rows,
        "customers": int(customers or 0),
        "top_k": top_k,
        **build,
        # every var as this build used it (dbt_project.yml defaults, then the build's vars):
        # evaluation, benchmarks and the serving side read parameters from here
        "params": resolve(build["vars"]),
        "exported_at": exported_at.replace(tzinfo=None).isoformat(timespec="seconds"),
    }


def export_recommendations(con: duckdb.DuckDBPyConnection, target: Path,
                           reminders: dict[str, Any] | None = None) -> int:  # fmt: skip
    """Write the recommendations (with product names) as Parquet, ordered by customer and rank,
    then its manifest beside it; returns the rows written. ``reminders``: the manifest entry
    of the reorder reminders already written beside it (``export_reorder_reminders``)."""
    query = export_query(con)
    no_recent = export_no_recent(con, target.with_name(NO_RECENT_FILE))
    manifest: dict[str, Any] = {}

    def write(tmp: Path) -> None:
        path = str(tmp).replace("'", "''")
        con.execute(f"copy ({query}) to '{path}' (format parquet)")
        # Hashed from the temporary file, before the rename: the manifest describes these bytes.
        rows = int(pq.ParquetFile(tmp).metadata.num_rows)
        manifest.update(manifest_document(con, tmp, rows, datetime.now(UTC)))
        manifest["file"] = target.name
        manifest["no_recent_purchases"] = no_recent
        if reminders is not None:
            manifest["reorder_reminders"] = reminders
        ranker = read_ranker_row(con)
        if ranker is not None:
            # which learned model ranked this export (ipre/ranker/artifact.py)
            manifest["ranker"] = ranker_summary(ranker)

    write_atomically(target, write)
    text = json.dumps(manifest, indent=2, allow_nan=False) + "\n"
    write_atomically(target.with_name(MANIFEST_FILE), lambda tmp: tmp.write_text(text))
    return int(manifest["rows"])


def reorder_query(con: duckdb.DuckDBPyConnection) -> str | None:
    """The reminders to export, or None when the warehouse has no reorder_reminders table."""
    if _relation(con, "reorder_reminders") is None:
        return None
    products = _relation(con, "stg_erp__products")
    if products is None:  # a warehouse without staging (tests, old builds): names are null
        return (
            "select *, null::varchar as product_name from reorder_reminders where is_reminder "
            "order by customer_id, reorder_rank"
        )
    return REORDER_QUERY.format(products=products)


def export_reorder_reminders(con: duckdb.DuckDBPyConnection,
                             target: Path) -> dict[str, Any] | None:  # fmt: skip
    """Write the reminders (is_reminder rows of reorder_reminders, with product names) as
    Parquet, ordered by customer and reorder_rank; returns their manifest entry (file, sha256,
    rows, customers, the most reminders of one customer), or None when the warehouse has no
    such table (nothing is written then)."""
    query = reorder_query(con)
    if query is None:
        return None
    entry: dict[str, Any] = {"file": target.name}

    def write(tmp: Path) -> None:
        path = str(tmp).replace("'", "''")
        con.execute(f"copy ({query}) to '{path}' (format parquet)")
        customers, most = con.execute(
            f"select count(*), coalesce(max(n), 0) from (select count(*) as n "
            f"from read_parquet('{path}') group by customer_id)"
        ).fetchone() or (0, 0)
        entry.update(sha256=sha256_file(tmp), rows=pq.ParquetFile(tmp).metadata.num_rows,
                     customers=int(customers), max_per_customer=int(most))  # fmt: skip

    write_atomically(target, write)
    return entry


def _rates(row: dict[str, Any]) -> dict[str, Any]:
    rates = {name: row[name] for name in RATE_COLUMNS}
    return {"feedback_count": int(row["feedback_count"]), **rates}


def summary_document(rows: list[dict[str, Any]], generated_at: datetime) -> dict[str, Any]:
    """The §4.6 feedback_summary.json document from the feedback_summary table's rows."""
    by_scope: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        by_scope.setdefault(row["scope"], {})[row["scope_value"]] = row
    overall = by_scope.get("overall", {}).get("overall")
    if overall is None:
        raise ValueError("feedback_summary has no overall row")
    reference_date = overall.get("reference_date")
    return {
        "generated_at": generated_at.replace(microsecond=0, tzinfo=None).isoformat(),
        "reference_date": str(reference_date) if reference_date is not None else None,
        "overall": _rates(overall),
        "by_segment": {k: _rates(v) for k, v in sorted(by_scope.get("segment", {}).items())},
        "by_l2_category": {
            k: _rates(v) for k, v in sorted(by_scope.get("l2_category", {}).items())
        },
        "reason_code_distribution": {
            k: {"count": int(v["feedback_count"]), "share": v["feedback_share"]}
            for k, v in sorted(by_scope.get("reason_code", {}).items())
        },
        "threshold_suggestions": {
            "MIN_CONFIDENCE": overall["suggested_min_confidence"],
            "SCORE_CUTOFF": overall["suggested_score_cutoff"],
            "rationale": overall["rationale"],
        },
    }


def export_feedback_summary(con: duckdb.DuckDBPyConnection, target: Path) -> dict[str, Any]:
    """Write feedback_summary.json; returns the document."""
    cursor = con.execute("select * from feedback_summary order by scope, scope_value")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    document = summary_document(rows, datetime.now(UTC))
    text = json.dumps(document, indent=2, allow_nan=False) + "\n"
    write_atomically(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return document


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ipre export", description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help="DuckDB file (default: warehouse)")
    parser.add_argument("--out", type=Path, default=None, help="export directory")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    db_path = args.db or default_db_path()
    out_dir = args.out or default_export_dir()
    if not db_path.exists():
        print(f"ipre export: no warehouse at {db_path}; run `make build` first", file=sys.stderr)
        return 1
    try:
        with duckdb.connect(str(db_path), read_only=True) as con:
            # Written before the recommendations: the manifest, renamed last, lists it.
            reminders = export_reorder_reminders(con, out_dir / REORDER_REMINDERS_FILE)
            rows = export_recommendations(con, out_dir / RECOMMENDATIONS_FILE, reminders)
            document = export_feedback_summary(con, out_dir / FEEDBACK_SUMMARY_FILE)
    except duckdb.Error as err:
        print(f"ipre export: {err}", file=sys.stderr)
        return 1
    print(f"ipre export: {rows:,} recommendations -> {out_dir / RECOMMENDATIONS_FILE} "
          f"(manifest: {out_dir / MANIFEST_FILE})")
    rationale = document["threshold_suggestions"]["rationale"]
    print(f"ipre export: feedback summary -> {out_dir / FEEDBACK_SUMMARY_FILE} ({rationale})")
    if reminders is None:
        print("ipre export: no reorder_reminders table in the warehouse; reminders not exported")
    else:
        print(f"ipre export: {reminders['rows']:,} reorder reminders -> "
              f"{out_dir / REORDER_REMINDERS_FILE}")
    return 0
