"""`ipre` command line: one sub-command per module, each exposing `main(argv) -> int`."""

from __future__ import annotations

import importlib
import sys

# Sub-command -> module holding its `main(argv: list[str]) -> int`.
COMMANDS: dict[str, str] = {
    "generate": "ipre.generate.cli",
    "summary": "ipre.summary",
    "export": "ipre.export",
    "export-artifacts": "ipre.clustering.artifacts_cli",
    "deploy": "ipre.deploy.cli",
    "evaluate": "ipre.evaluation.cli",
    "check-vars": "ipre.params.check",
    "build": "ipre.build",
    "inspect": "ipre.inspect.cli",
    "check": "ipre.monitoring.check",
    "report": "ipre.report.cli",
}
# One line per sub-command for `ipre --help` (each command's own --help says the rest).
DESCRIPTIONS: dict[str, str] = {
    "build": "check the vars, build into a copy of the warehouse, swap it in on success, export",
    "check": "judge the last build against the alert vars and the previous one; exit 1 on a breach",
    "check-vars": "check dbt vars (names, allowed values, input files) without building",
    "deploy": "register the export as a SageMaker model package and roll out the endpoint",
    "evaluate": "rebuild as of a cutoff and score the engine against baselines (eval_metrics)",
    "export": "write recommendations.parquet, its manifest and feedback_summary.json atomically",
    "export-artifacts": "write the clustering model.tar.gz (one KMeans model per segment)",
    "inspect": "read your own exports with DuckDB and propose the vars that build them",
    "generate": "write seeded synthetic raw inputs (customers, products, invoices, feedback)",
    "report": "write the Sales Leader report, one self-contained HTML file (report/index.html)",
    "summary": "print a summary of the built warehouse (volumes, quality, feedback, health)",
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"  {name.ljust(width)}  {DESCRIPTIONS[name]}" for name in sorted(COMMANDS)]
    return (
        "usage: ipre <command> [options]   (ipre <command> --help for its options)\n"
        "commands:\n" + "\n".join(lines)
    )


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(usage())
        return 0
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(f"ipre: unknown command {command!r}\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[command])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
