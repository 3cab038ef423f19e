"""`ipre evaluate`: score the engine, its ablations and three baselines on a temporal holdout.

Rebuilds the pipeline as of a cutoff (default: horizon days before the last accepted invoice)
into its own warehouse under --eval-dir, scores each in-scope customer's top 5 against the
products first bought in (cutoff, cutoff + horizon], prints the table and replaces the table
eval_metrics in the main warehouse (--db, default $IPRE_DUCKDB_PATH or ipre.duckdb).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from ipre.evaluation.runner import EvaluationConfig, format_rows, run_evaluation
from ipre.evaluation.split import DEFAULT_HORIZON_DAYS, parse_date
from ipre.evaluation.warehouse import PROJECT_ROOT, DbtError


def default_main_db() -> Path:
    return Path(os.environ.get("IPRE_DUCKDB_PATH") or PROJECT_ROOT / "ipre.duckdb")


def parse_vars(text: str) -> dict[str, Any]:
    """dbt-style --vars: a YAML (or JSON) mapping; empty means none."""
    loaded = yaml.safe_load(text) if text.strip() else {}
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise argparse.ArgumentTypeError(f"--vars must be a mapping, got {text!r}")
    return loaded


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ipre evaluate", description=__doc__)
    parser.add_argument("--cutoff", type=parse_date, help="cutoff date T (YYYY-MM-DD)")
    parser.add_argument("--horizon-days", type=int, default=DEFAULT_HORIZON_DAYS)
    parser.add_argument("--vars", type=parse_vars, default={}, help="dbt vars (YAML mapping)")
    parser.add_argument("--eval-dir", type=Path, default=PROJECT_ROOT / "target" / "eval")
    parser.add_argument("--db", type=Path, default=None, help="main warehouse for eval_metrics")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    config = EvaluationConfig(
        eval_dir=args.eval_dir.resolve(),
        main_db=(args.db or default_main_db()).resolve(),
        dbt_vars=args.vars,
        cutoff=args.cutoff,
        horizon_days=args.horizon_days,
    )
    try:
        result = run_evaluation(config)
    except (DbtError, ValueError) as error:
        print(f"ipre evaluate: {error}", file=sys.stderr)
        return 1
    split = result.split
    print(
        f"\ncutoff {split.cutoff}, horizon ({split.cutoff}, {split.horizon_end}],"
        f" last accepted invoice {result.last_invoice_date}"
    )
    if split.horizon_end > result.last_invoice_date:
        print("warning: the horizon runs past the last invoice; recall is understated")
    print(
        f"customers with first-time purchases in the horizon but outside the as-of scope"
        f" (no history in the window): {result.customers_with_targets_out_of_scope}"
    )
    print(format_rows(result.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
