"""`ipre check-vars`: check every var before any model runs (names, domains, input files).

* an unknown var name fails, with the closest declared names ("did you mean top_k?");
* a value outside its domain (ipre.params.domains.DOMAINS) fails, naming the var and the
  allowed range;
* each input file named by a `<entity>_path` var must exist, be readable and hold a data row
  (ipre.params.files).

Vars come from a YAML vars file (--vars-file, else $IPRE_VARS_FILE) with the --vars string
(else $IPRE_VARS) on top, key by key (load_vars: every command that takes vars uses it).

Every problem is reported at once. Only the standard library, PyYAML and (for Parquet footers)
DuckDB are imported, so the check takes well under a second.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ipre.params.domains import CROSS_CHECKS, DOMAINS, DomainError
from ipre.params.files import InputFileError, check_input

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def project_file() -> Path:
    return Path(os.environ.get("DBT_PROJECT_DIR") or PROJECT_ROOT) / "dbt_project.yml"


def project_vars(path: Path | None = None) -> dict[str, Any]:
    """The vars declared in dbt_project.yml, with their defaults (the single source of names)."""
    data = yaml.safe_load((path or project_file()).read_text(encoding="utf-8")) or {}
    return dict(data.get("vars") or {})


def parse_vars(text: str | None) -> dict[str, Any]:
    """Parse a --vars string the way dbt does (YAML, JSON being a subset); '' = no vars."""
    if text is None or not text.strip():
        return {}
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, ValueError) as err:
        raise VarsError([f"--vars is not valid YAML: {err}"]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise VarsError([f"--vars must be a mapping like '{{top_k: 10}}', got {text!r}"])
    return {str(key): value for key, value in data.items()}


def load_vars(
    vars_text: str | None = None,
    vars_file: str | Path | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The vars file's mapping with the --vars string on top (VARS wins key by key).

    None means "not given": the environment's IPRE_VARS / IPRE_VARS_FILE (set by the Makefile's
    VARS / VARS_FILE); an empty string means none. Raises VarsError naming a bad file.
    """
    env = os.environ if env is None else env
    text = env.get("IPRE_VARS", "{}") if vars_text is None else vars_text
    file = env.get("IPRE_VARS_FILE", "") if vars_file is None else str(vars_file)
    from_file = read_vars_file(Path(file)) if file.strip() else {}
    return {**from_file, **parse_vars(text)}


def read_vars_file(path: Path) -> dict[str, Any]:
    """A vars file: a YAML mapping, parsed as --vars is; fails naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise VarsError([f"vars file {str(path)!r} cannot be read ({reason})"]) from None
    try:
        return parse_vars(text)
    except VarsError as err:
        # parse_vars speaks of --vars; the user has to look at the file instead
        problem = err.problems[0].replace("--vars", "it")
        raise VarsError([f"vars file {str(path)!r}: {problem}"]) from None


def add_vars_arguments(parser: argparse.ArgumentParser, vars_help: str | None = None) -> None:
    """--vars and --vars-file, as every command taking vars reads them (see load_vars)."""
    default_help = (
        "dbt vars, e.g. '{top_k: 10}' (default: $IPRE_VARS, else {}); "
        "on top of --vars-file, key by key"
    )
    parser.add_argument("--vars", default=None, help=vars_help or default_help)
    parser.add_argument(
        "--vars-file",
        default=None,
        help="a YAML file of vars, e.g. written by `ipre inspect --write` "
        "(default: $IPRE_VARS_FILE, else none)",
    )


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text, so a bad date is reported by its var's domain."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class VarsError(ValueError):
    """One or more problems with the vars; str() lists them, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class CheckResult:
    values: dict[str, Any]  # every var, defaults overridden, normalised
    problems: list[str]
    warnings: list[str]


def suggestion(name: str, known: list[str]) -> str:
    """' did you mean x?' for a misspelt var, a spec name (TopK) or a dashed one (top-k)."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().replace("-", "_")
    if snake in known:
        return f"; did you mean {snake}?"
    close = difflib.get_close_matches(snake, known, n=3, cutoff=0.6)
    if not close:
        close = [k for k in known if name.lower() in k or k in name.lower()][:3]
    return f"; did you mean {' or '.join(close)}?" if close else ""


def check_vars(
    overrides: Mapping[str, Any],
    declared: Mapping[str, Any] | None = None,
    check_files: bool = True,
) -> CheckResult:
    """Check overrides against dbt_project.yml's vars and their domains (and the input files)."""
    declared = project_vars() if declared is None else declared
    known = sorted(declared)
    problems: list[str] = []
    warnings: list[str] = []
    for name in overrides:
        if name not in declared:
            problems.append(
                f"unknown var {name!r}{suggestion(name, known)} "
                "(vars are declared in dbt_project.yml, listed in docs/parameters.md)"
            )
    values: dict[str, Any] = {}
    for name, default in declared.items():
        value = overrides.get(name, default)
        domain = DOMAINS.get(name)
        if domain is None:
            warnings.append(f"var {name!r} has no domain in ipre/params/domains.py: not checked")
            values[name] = value
            continue
        source = "" if name in overrides else " (default in dbt_project.yml)"
        try:
            values[name] = domain.check(value)
        except DomainError as err:
            problems.append(f"{name}{source}: {err}")
    for cross_check in CROSS_CHECKS:
        found, noted = cross_check(values)
        problems += found
        warnings += noted
    if check_files:
        problems += file_problems(values)
    return CheckResult(values, problems, warnings)


def file_problems(values: Mapping[str, Any]) -> list[str]:
    problems = []
    for name, domain in DOMAINS.items():
        if domain.kind != "path" or name not in values:
            continue
        path = str(values[name] if values[name] is not None else "").strip()
        if path == "" or (path == "none" and name != "invoices_path"):
            continue  # bundled sample / no feedback file / master derived from the lines
        entity = name.removesuffix("_path")
        fmt = str(values.get(f"{entity}_format") or "auto")
        try:
            check_input(name, path, fmt)
        except InputFileError as err:
            problems.append(str(err))
    return problems


def preflight(
    vars_text: str | None, check_files: bool = True, vars_file: str | Path | None = ""
) -> CheckResult:
    """Parse and check a --vars string (on a vars file); raises VarsError listing every problem.

    vars_file "" (the default) means no file; None means $IPRE_VARS_FILE (see load_vars).
    """
    result = check_vars(load_vars(vars_text or "", vars_file), check_files=check_files)
    if result.problems:
        raise VarsError(result.problems)
    return result


def report(err: VarsError, prog: str = "ipre check-vars") -> str:
    lines = [f"{prog}: {len(err.problems)} problem(s) with the vars; nothing was built:"]
    return "\n".join(lines + [f"  - {p}" for p in err.problems])


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ipre check-vars", description=__doc__.splitlines()[0])
    add_vars_arguments(parser)
    parser.add_argument("--no-files", action="store_true", help="skip the input file checks")
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="regenerate the domain table in docs/parameters.md and macros/generated/",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.write_docs:
        from ipre.params.generate import write_all

        for path in write_all():
            print(f"ipre check-vars: wrote {path}")
        return 0
    text = args.vars if args.vars is not None else os.environ.get("IPRE_VARS", "{}")
    try:
        result = preflight(text, check_files=not args.no_files, vars_file=args.vars_file)
    except VarsError as err:
        print(report(err), file=sys.stderr)
        return 2
    for warning in result.warnings:
        print(f"ipre check-vars: warning: {warning}", file=sys.stderr)
    print(f"ipre check-vars: {len(result.values)} vars OK")
    return 0
