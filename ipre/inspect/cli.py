"""`ipre inspect`: read your own exports and propose the vars that build them.

Reads each input with DuckDB as the build will (no dbt) and prints its delimiter, encoding,
line ends, how its header maps onto the spec's columns (names as they are, or common ERP
names such as StockCode), the date format, the decimal separator and how many lines each
quarantine reason would take. --write saves the vars as YAML for `ipre build --vars-file`
(make build VARS_FILE=...). Exits 0 when a build can go ahead, 1 naming the var to set when
it cannot, 2 on a bad argument.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import yaml

from ipre.inspect import render
from ipre.inspect.inspection import Inspection, inspect_input, loaded_column
from ipre.inspect.known_ids import MASTERS, TOO_MANY, UnknownIds, unknown_ids

PROG = "ipre inspect"
INPUTS = ("invoices", "customers", "products", "feedback")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=Path, required=True, help="the sales-lines export")
    parser.add_argument("--customers", type=Path, help="customer master (default: derived)")
    parser.add_argument("--products", type=Path, help="product master (default: derived)")
    parser.add_argument("--feedback", help="feedback file, or none (the default)")
    parser.add_argument("--write", type=Path, help="save the proposed vars to this YAML file")
    return parser.parse_args(argv)


def given_paths(args: argparse.Namespace) -> dict[str, Path]:
    feedback = None if args.feedback in (None, "", "none") else Path(args.feedback)
    paths = {"invoices": args.invoices, "customers": args.customers, "products": args.products}
    paths["feedback"] = feedback
    return {entity: path for entity, path in paths.items() if path is not None}


def inspect_all(paths: dict[str, Path]) -> tuple[dict[str, Inspection], list[UnknownIds]]:
    with tempfile.TemporaryDirectory(prefix="ipre-inspect-") as scratch, duckdb.connect() as con:
        inspections = {
            entity: inspect_input(con, entity, path, Path(scratch))
            for entity, path in paths.items()
        }
        return inspections, ids_unknown_to_masters(con, inspections)


def ids_unknown_to_masters(
    con: duckdb.DuckDBPyConnection, inspections: dict[str, Inspection]
) -> list[UnknownIds]:
    """For each id of the lines (and feedback) whose master was given: the lines it lacks."""
    found = []
    for entity in ("invoices", "feedback"):
        for column, master in MASTERS.items():
            lines, known = inspections.get(entity), inspections.get(master)
            if lines is None or known is None:
                continue
            if column not in lines.match.found or column not in known.match.found:
                continue
            found.append(unknown_ids(
                con, entity, column, (lines.table, loaded_column(lines, column)),
                (known.table, loaded_column(known, column)),
            ))  # fmt: skip
    return [unknown for unknown in found if unknown.lines > 0]


def shared_vars(inspections: dict[str, Inspection]) -> tuple[dict[str, Any], list[str]]:
    """input_encoding and decimal_separator hold for every input: one value or a problem."""
    found: dict[str, Any] = {}
    problems = []
    encodings = {i.encoding for i in inspections.values() if i.encoding is not None}
    if len(encodings) > 1:
        problems.append(
            f"the inputs are in {' and '.join(sorted(encodings))}, but input_encoding is one "
            "value for all: convert one of them"
        )
    elif encodings and encodings != {"utf-8"}:
        found["input_encoding"] = encodings.pop()
    if any(i.decimal_separator == "," for i in inspections.values()):
        found["decimal_separator"] = ","
    return found, problems


def proposed_vars(inspections: dict[str, Inspection]) -> tuple[dict[str, Any], list[str]]:
    found, problems = shared_vars(inspections)
    for entity in INPUTS:
        if entity in inspections:
            found.update(inspections[entity].vars())
            problems += inspections[entity].problems()
        else:
            found[f"{entity}_path"] = "none"
    return found, problems


def write_vars(path: Path, found: dict[str, Any]) -> None:
    header = "# vars proposed by `ipre inspect`; build with: make build VARS_FILE=" + str(path)
    body = yaml.safe_dump(found, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(header + "\n" + body, encoding="utf-8")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    paths = given_paths(args)
    for entity, path in paths.items():
        if not path.is_file():
            print(f"{PROG}: the {entity} file {str(path)!r} does not exist", file=sys.stderr)
            return 2
    inspections, unknown = inspect_all(paths)
    for inspection in inspections.values():
        print("\n".join(render.section(inspection)) + "\n")
    for ids in unknown:
        print(ids.text())
    absent = [master for master in ("customers", "products") if master not in inspections]
    for line in render.derived_masters(inspections["invoices"], absent):
        print(line)
    if "feedback" not in inspections:
        print("feedback: none given (feedback_path: none)")
    found, problems = proposed_vars(inspections)
    problems += [ids.problem() for ids in unknown if ids.share > TOO_MANY]
    print("\nvars:\n" + yaml.safe_dump(found, sort_keys=False, allow_unicode=True, width=100))
    if args.write:
        write_vars(args.write, found)
        print(f"wrote {args.write}" + (" (incomplete: see below)" if problems else ""))
    if problems:
        print(f"{PROG}: a build cannot go ahead yet:", file=sys.stderr)
        print("\n".join(f"  - {problem}" for problem in problems), file=sys.stderr)
        return 1
    target = f" VARS_FILE={args.write}" if args.write else ""
    print(f"a build can go ahead: make build{target}")
    return 0
