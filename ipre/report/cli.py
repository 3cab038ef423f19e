"""`ipre report`: write the Sales Leader report (one self-contained HTML file) from the
warehouse. Default output: report/index.html at the project root ($IPRE_REPORT_PATH)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import duckdb

from ipre.export import PROJECT_ROOT, default_db_path
from ipre.monitoring.runs import NoRunsError

PROG = "ipre report"


def default_report_path() -> Path:
    return Path(os.environ.get("IPRE_REPORT_PATH") or PROJECT_ROOT / "report" / "index.html")


def write(db: Path, out: Path) -> Path:
    """Read db (read-only), render, and rename the page into place (never half-written)."""
    from ipre.report.data import load
    from ipre.report.render import render

    with duckdb.connect(str(db), read_only=True) as con:
        html = render(load(con))
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.tmp")
    temp.write_text(html, encoding="utf-8")
    os.replace(temp, out)
    return out


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help="warehouse (default: published)")
    parser.add_argument("--out", type=Path, default=None, help="default: report/index.html")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    db = args.db or default_db_path()
    if not db.exists():
        print(f"{PROG}: warehouse {db} not built yet (run `make build`)", file=sys.stderr)
        return 2
    try:
        out = write(db, args.out or default_report_path())
    except NoRunsError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 2
    size = out.stat().st_size / 1e6
    print(f"{PROG}: wrote {out} ({size:.1f} MB, self-contained: open it or e-mail it)")
    return 0
