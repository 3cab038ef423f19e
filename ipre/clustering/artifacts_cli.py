"""`ipre export-artifacts`: refit the clustering from market_basket and write model.tar.gz.

The export refits with ``cluster_customers`` (the function the dbt model runs) and, by default,
the parameters stored in the warehouse's customer_clusters table, so it reproduces that table;
it then checks that every customer's cluster matches and fails loudly if one does not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import sklearn

import ipre
from ipre.clustering.artifacts import ExtraArtifact, write_artifacts
from ipre.clustering.params import CLUSTER_VARS, ClusterParams
from ipre.clustering.pipeline import BASKET_COLUMNS, cluster_customers
from ipre.ranker.artifact import ranker_members, read_ranker_row

PROJECT_ROOT = Path(ipre.__file__).resolve().parent.parent
# one --flag per clustering var (--max-k, ...), overriding what customer_clusters stored
PARAM_FLAGS = CLUSTER_VARS


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ipre export-artifacts", description=__doc__)
    parser.add_argument("--out", required=True, type=Path, help="path of model.tar.gz to write")
    parser.add_argument(
        "--db",
        # --duckdb: the old spelling, kept working (deprecated); every other command says --db
        "--duckdb",
        dest="db",
        help="warehouse file (default: $IPRE_DUCKDB_PATH or "
        "ipre.duckdb; relative paths are taken from the project root)",
    )
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    for name in PARAM_FLAGS:
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            default=None,
            help=f"override {name} (default: the value customer_clusters was fitted with)",
        )
    return parser.parse_args(argv)


def warehouse_path(given: str | None) -> Path:
    path = Path(given or os.environ.get("IPRE_DUCKDB_PATH") or "ipre.duckdb")
    return path if path.is_absolute() else PROJECT_ROOT / path


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    query = (
        "select count(*) from information_schema.tables"
        " where table_schema = 'main' and table_name = ?"
    )
    return con.execute(query, [name]).fetchall()[0][0] > 0


def read_ranker(path: Path) -> tuple[ExtraArtifact, ...]:
    """The learned ranker of a build with ranking_method learned, packed as it was built."""
    with duckdb.connect(str(path), read_only=True) as con:
        row = read_ranker_row(con)
    if row is None:
        return ()
    members, entry = ranker_members(row)
    return (ExtraArtifact("ranker", members, entry),)


def read_inputs(path: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """market_basket (needed columns) and the built customer_clusters ids, if present."""
    with duckdb.connect(str(path), read_only=True) as con:
        if not table_exists(con, "market_basket"):
            raise SystemExit(f"export-artifacts: no main.market_basket in {path}; run dbt first")
        columns = ", ".join([*BASKET_COLUMNS, "reference_date"])
        basket = con.sql(f"select {columns} from main.market_basket").to_arrow_table().to_pandas()
        built = None
        if table_exists(con, "customer_clusters"):
            query = "select customer_id, cluster_id, fit_params from main.customer_clusters"
            built = con.sql(query).to_arrow_table().to_pandas()
    return basket, built


def stored_params(built: pd.DataFrame | None) -> ClusterParams:
    """Parameters the warehouse's customer_clusters was fitted with (defaults if not built)."""
    if built is None or not len(built):
        return ClusterParams()
    return ClusterParams.from_json(built["fit_params"].iloc[0])


def choose_params(args: argparse.Namespace, stored: ClusterParams) -> ClusterParams:
    overrides = {name: getattr(args, name) for name in PARAM_FLAGS if getattr(args, name)}
    return ClusterParams.from_strings(json.loads(stored.to_json()) | overrides)


def git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def mismatches(table: pd.DataFrame, built: pd.DataFrame) -> int:
    ours = table.set_index("customer_id")["cluster_id"].astype(str)
    theirs = built.set_index("customer_id")["cluster_id"].astype(str)
    joined = pd.concat([ours, theirs], axis=1, keys=["ours", "theirs"])
    return int((joined["ours"] != joined["theirs"]).sum())


def header(params: ClusterParams, basket: pd.DataFrame, source: Path) -> dict:
    dates = basket["reference_date"].dropna()
    return {
        "parameters": json.loads(params.to_json()),
        "data": {
            "source": str(source),
            "table": "main.market_basket",
            "reference_date": str(pd.Timestamp(dates.max()).date()) if len(dates) else None,
            "n_basket_rows": len(basket),
            "n_customers": int(basket["customer_id"].nunique()),
        },
        "code_version": {
            "ipre": ipre.__version__,
            "git_commit": git_commit(),
            # Pickles load reliably only under the scikit-learn that wrote them.
            "scikit_learn": sklearn.__version__,
        },
    }


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if any(arg == "--duckdb" or arg.startswith("--duckdb=") for arg in argv):
        print("ipre export-artifacts: --duckdb is deprecated; use --db", file=sys.stderr)
    source = warehouse_path(args.db)
    basket, built = read_inputs(source)
    stored = stored_params(built)
    params = choose_params(args, stored)
    table, fits = cluster_customers(basket, params, args.jobs)
    # Check against the built table only when it was fitted with the same parameters.
    if built is not None and params == stored:
        bad = mismatches(table, built)
        if bad:
            print(
                f"export-artifacts: {bad} customers differ from customer_clusters; "
                "is the warehouse stale? rerun dbt build",
                file=sys.stderr,
            )
            return 1
    extras = read_ranker(source)
    registry = write_artifacts(fits, table, header(params, basket, source), args.out, extras)
    ranker = f", learned ranker {registry['ranker']['status']}" if "ranker" in registry else ""
    print(f"wrote {args.out}: {len(registry['segments'])} segments, {len(table)} customers{ranker}")
    return 0
