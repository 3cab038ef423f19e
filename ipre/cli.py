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
    "check": "ipre.monitoring.check",
    "report": "ipre.report.cli",
}


def usage() -> str:
    names = "\n  ".join(sorted(COMMANDS))
    return f"usage: ipre <command> [options]\ncommands:\n  {names}"


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
