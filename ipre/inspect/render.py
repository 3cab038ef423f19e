"""The printout of `ipre inspect`: one section per input, then the masters and the verdict."""

from __future__ import annotations

from ipre.inspect.inspection import Inspection
from ipre.inspect.spec import normalise, spec_columns

EXAMPLE_WIDTH = 160
DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}


def section(inspection: Inspection) -> list[str]:
    kind = inspection.file_format + (", gzip" if inspection.gzipped else "")
    lines = [
        f"{inspection.entity}: {inspection.path} ({kind}, {inspection.lines:,} data lines, "
        f"read in {inspection.seconds:.1f} s)"
    ]
    lines += reading(inspection)
    lines += columns(inspection)
    lines += date_lines(inspection)
    lines += [f"  {note}" for note in notes(inspection)]
    lines += reason_lines(inspection)
    return lines


def reading(inspection: Inspection) -> list[str]:
    if inspection.file_format == "xlsx":
        return ["  Excel: the first sheet, read as CSV; no delimiter, encoding or line ends to set"]
    if inspection.encoding is None:
        return ["  Parquet: no delimiter, encoding or line ends to set"]
    scan = inspection.scan
    encoding = inspection.encoding
    why = {
        "utf-8": "every line is valid UTF-8",
        "utf-16": "UTF-16 byte-order mark",
    }.get(encoding, f"{scan.foreign_lines:,} lines are not UTF-8, guessed from their bytes"
          if scan else "")  # fmt: skip
    lines = [f"  encoding: {encoding} ({why})"]
    if scan and scan.examples and encoding not in ("utf-8", "utf-16"):
        number, raw = scan.examples[0]
        lines.append(f"    e.g. line {number}: {raw[:EXAMPLE_WIDTH]!r}")
    lines.append(f"  delimiter: {DELIMITER_NAMES.get(inspection.delimiter or '', '?')}")
    if scan and scan.mixed_line_ends:
        lines.append(
            f"  line ends: mixed, {scan.crlf:,} CRLF and {scan.lf:,} LF (DuckDB's strict reader "
            "stops at the change; inspect read an LF copy, the build reads them as LF)"
        )
    elif scan:
        lines.append(f"  line ends: {'CRLF' if scan.crlf else 'LF'}")
    return lines


def columns(inspection: Inspection) -> list[str]:
    match = inspection.match
    lines = ["  columns (spec <- file):"]
    for spec in spec_columns(inspection.entity):
        if spec not in match.found:
            continue
        name = match.found[spec]
        how = "  proposed (a common ERP name)" if spec in match.proposed else ""
        lines.append(f"    {spec:<14} <- {name}{how}")
    used = set(match.found.values())
    unused = [name for name in inspection.header if name not in used]
    if unused:
        lines.append(f"    not used: {', '.join(unused)}")
    missing = match.missing_required
    lines.append(f"  required columns missing: {', '.join(missing) if missing else 'none'}")
    if inspection.repeated_names:
        names = ", ".join(inspection.repeated_names)
        lines.append(f"  warning: column names repeated once normalised: {names}")
    return lines


def date_lines(inspection: Inspection) -> list[str]:
    lines = []
    for finding in inspection.dates:
        share = f"{finding.parsed:,} of {finding.distinct:,} distinct values"
        if finding.ambiguous:
            text = f"ambiguous, candidates {', '.join(finding.ambiguous)} ({share})"
        elif finding.iso:
            text = f"ISO ({share}; no format var needed)"
        elif finding.format:
            text = f"{finding.format} ({share})"
        else:
            text = "no format found"
        lines.append(f"  dates in {finding.column}: {text}")
        if finding.example and not finding.ambiguous:
            lines.append(f"    e.g. not a date: {finding.example!r}")
    return lines


def notes(inspection: Inspection) -> list[str]:
    has_numbers = any(spec in inspection.match.found for spec in ("quantity", "unit_price"))
    found = [f"decimal separator: {inspection.decimal_separator!r}"] if has_numbers else []
    for spec, example in inspection.float_ids.items():
        name, integer = inspection.match.found[spec], example.split(".")[0]
        found.append(f"{name} holds ids written as floats ({example}): read as {integer}")
    return found


def reason_lines(inspection: Inspection) -> list[str]:
    if not inspection.reasons:
        return ["  quarantine: no line"]
    width = max(len(count.reason) for count in inspection.reasons)
    lines = ["  quarantine (first reason per line, as the build applies them):"]
    for count in inspection.reasons:
        example = count.example.replace("\n", " ")[:EXAMPLE_WIDTH]
        lines.append(f"    {count.reason:<{width}}  {count.lines:>9,}  e.g. {example}")
    return lines


def derived_masters(invoices: Inspection, masters: list[str]) -> list[str]:
    """Which invoice line columns feed the masters derived from the lines."""
    from ipre.inspect.spec import CUSTOMER_ATTRIBUTES, PRODUCT_ATTRIBUTES

    attributes = {
        "customers": ("customer_id", *CUSTOMER_ATTRIBUTES),
        "products": ("product_id", *PRODUCT_ATTRIBUTES),
    }
    lines = []
    for master in masters:
        fed = [
            spec if normalise(spec) == normalise(invoices.match.found[spec])
            else f"{spec} from {invoices.match.found[spec]}"
            for spec in attributes[master] if spec in invoices.match.found
        ]  # fmt: skip
        lacking = [spec for spec in attributes[master] if spec not in invoices.match.found]
        lines.append(
            f"{master}: no file given, so the master is derived from the invoice lines "
            f"({master}_path: none): {', '.join(fed)}"
            + (f"; not in the lines (left empty): {', '.join(lacking)}" if lacking else "")
        )
    return lines
