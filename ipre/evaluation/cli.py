"""`ipre evaluate`: score the engine, its ablations and four baselines on a temporal holdout.

Rebuilds the pipeline as of a cutoff (default: horizon days before the last accepted invoice),
or as of each of --cutoffs in turn (a rolling backtest), into its own warehouse under
--eval-dir, scores each in-scope customer's top 5 against the products first bought in
(cutoff, cutoff + horizon], prints the table, a line on who wins against the best baseline,
and appends the rows to eval_metrics in the main warehouse (--db, default $IPRE_DUCKDB_PATH
or ipre.duckdb), labelled with --dataset.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from ipre.evaluation.reorders import reorder_line
from ipre.evaluation.runner import (
    EvaluationConfig,
    EvaluationResult,
    format_rows,
    run_backtest,
    summary_line,
    winner_line,
)
from ipre.evaluation.split import DEFAULT_HORIZON_DAYS, parse_date
from ipre.evaluation.warehouse import PROJECT_ROOT, DbtError
from ipre.params.check import VarsError, add_vars_arguments, load_vars


def default_main_db() -> Path:
    return Path(os.environ.get("IPRE_DUCKDB_PATH") or PROJECT_ROOT / "ipre.duckdb")


def parse_cutoffs(text: str) -> tuple[date, ...]:
    """Comma-separated YYYY-MM-DD dates, in the order given; empty means none."""
    try:
        return tuple(parse_date(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"--cutoffs: {error}") from error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ipre evaluate", description=__doc__)
    parser.add_argument("--cutoff", type=parse_date, help="cutoff date T (YYYY-MM-DD)")
    parser.add_argument(
        "--cutoffs",
        type=parse_cutoffs,
        default=(),
        help="a rolling backtest: comma-separated cutoff dates, each a full as-of build",
    )
    parser.add_argument(
        "--horizon-days",
        type=int,
        default=DEFAULT_HORIZON_DAYS,
        help="days after the cutoff whose first-time purchases are the targets",
    )
    parser.add_argument(
        "--dataset",
        default=None,
        help="label of the input data in eval_metrics (default: 'sample' without input"
        " paths, else the folder of invoices_path)",
    )
    add_vars_arguments(parser)
    parser.add_argument(
        "--eval-dir",
        type=Path,
        default=PROJECT_ROOT / "target" / "eval",
        help="folder of the as-of warehouses (default: target/eval)",
    )
    parser.add_argument(
        "--db", type=Path, default=None, help="warehouse eval_metrics goes to (default: warehouse)"
    )
    return parser


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.cutoff and args.cutoffs:
        parser.error("give --cutoff or --cutoffs, not both")
    try:
        dbt_vars = load_vars(args.vars, args.vars_file)
    except VarsError as error:
        parser.error(str(error))
    config = EvaluationConfig(
        eval_dir=args.eval_dir.resolve(),
        main_db=(args.db or default_main_db()).resolve(),
        dbt_vars=dbt_vars,
        cutoff=args.cutoff,
        horizon_days=args.horizon_days,
        cutoffs=args.cutoffs,
        dataset=args.dataset,
    )
    try:
        results = run_backtest(config)
    except (DbtError, ValueError) as error:
        print(f"ipre evaluate: {error}", file=sys.stderr)
        return 1
    for result in results:
        print_result(result)
    if results[0].run is not None:
        print(f"\nrun {results[0].run.run_id}, dataset {results[0].run.dataset}")
    for result in results:
        print(winner_line(result.rows) or f"no comparison at {result.split.cutoff}")
        print(reorder_line(result.rows) or f"no reorder reminders at {result.split.cutoff}")
    if len(results) > 1:
        print(summary_line(results) or "no comparison")
    return 0


def print_result(result: EvaluationResult) -> None:
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
    choice = result.lambda_choice
    if choice is not None:
        grid = ", ".join(
            f"{lam:g}: {'-' if v is None else f'{v:.4f}'}"
            for lam, v in choice.ndcg_by_lambda.items()
        )
        print(
            f"ease λ = {choice.lam:g}, chosen on the validation cutoff {choice.validation_cutoff}"
            f" ({choice.n_customers} customers; ndcg@5 by λ: {grid})"
        )
    if result.seconds is not None:
        print(f"this cutoff took {result.seconds:.0f} s")
    print(format_rows(result.rows))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
