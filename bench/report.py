"""Tables and the plot of the benchmark results (bench/results/<scale>.json).

print_scale prints one scale's tables as run_bench finishes it; `python -m bench.report`
prints the Markdown tables of docs/benchmarks.md from every result file and draws
docs/benchmarks.png (time and peak memory against invoice lines, log axes).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from bench.catalogue_coverage import coverage_line
from bench.scales import ROOT, SCALES

RESULTS = ROOT / "bench" / "results"
PLOT = ROOT / "docs" / "benchmarks.png"
TOP_STAGES = 10


def load_results(results: Path = RESULTS) -> list[dict]:
    """Every result file, by scale then label ("" = the full pipeline first)."""
    found = [json.loads(path.read_text()) for path in results.glob("*.json")]
    order = list(SCALES)
    return sorted(found, key=lambda result: (order.index(result["scale"]), result.get("label", "")))


def series(results: list[dict]) -> dict[str, list[dict]]:
    """Results grouped by label, each in scale order."""
    grouped: dict[str, list[dict]] = {}
    for result in results:
        grouped.setdefault(result.get("label", ""), []).append(result)
    return grouped


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _num(value: object, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):,.{digits}f}"


def _gib(mib: object) -> float | None:
    return float(mib) / 1024 if mib else None


def _name(result: dict) -> str:
    label = result.get("label", "")
    return f"{result['scale']} ({label})" if label else result["scale"]


def summary_row(result: dict) -> list[object]:
    build, floor = result["build"], result.get("floor", {})
    tests = result.get("tests", {})
    status = "ok" if build["exit_code"] == 0 else f"FAILED ({build['exit_code']})"
    floor_s = floor.get("seconds")
    ratio = build["wall_s"] / floor_s if floor_s else None
    return [
        _name(result), _num(result["invoice_lines"]), status, _num(build["wall_s"]),
        _num(result.get("dbt_elapsed_s")),
        _num(build["peak_rss_mb"] / 1024, 2), _num(tests.get("wall_s")),
        _num(_gib(tests.get("peak_rss_mb")), 2), _num(floor_s, 2), _num(ratio, 0),
    ]


SUMMARY_HEADER = [
    "scale", "invoice lines", "dbt build", "build wall s", "of which dbt run s",
    "build peak GiB", "data tests s",
    "tests peak GiB", "floor s", "build / floor",
]


def stage_rows(result: dict, top: int = TOP_STAGES) -> list[list[object]]:
    stages = sorted(result["stages"], key=lambda stage: -stage["seconds"])[:top]
    return [
        [stage["name"], stage["materialized"], stage["status"], _num(stage["seconds"], 2),
         _num(stage["rows_in"]), _num(stage["rows_out"]),
         _num(_gib(stage.get("peak_rss_mb")), 2)]
        for stage in stages
    ]


# results written before the per-stage peak have no peak_rss_mb: "–"
STAGE_HEADER = [
    "stage (model)", "materialized", "status", "seconds", "rows in", "rows out",
    "build peak GiB while it ran",
]


def association_rows(result: dict) -> list[list[object]]:
    association = result.get("association")
    if not association:
        return []
    rows = []
    for engine, info in association["engines"].items():
        ratio = association["ratios"].get(engine, {})
        outcome = info.get("killed") or ("ok" if info.get("exit_code") == 0 else "failed")
        rows.append([
            _name(result), engine, outcome, _num(info.get("mine_s"), 2),
            _num(info.get("wall_s"), 2), _num(info["peak_rss_mb"] / 1024, 2),
            _num(ratio.get("mine_time"), 1), _num(ratio.get("peak_memory"), 2),
            {True: "yes", False: "NO"}.get(info.get("identical"), "–"), _num(info.get("rules")),
        ])
    return rows


ASSOCIATION_HEADER = [
    "scale", "engine", "outcome", "mining s", "process wall s", "peak GiB",
    "mining time / SQL", "peak / SQL", "same rules", "rules",
]


def print_scale(result: dict) -> None:
    print(markdown_table(SUMMARY_HEADER, [summary_row(result)]))
    print()
    if "coverage" in result:
        print(coverage_line(result["coverage"]))
        print()
    print(markdown_table(STAGE_HEADER, stage_rows(result)))
    rows = association_rows(result)
    if rows:
        print()
        print(markdown_table(ASSOCIATION_HEADER, rows))
    print(flush=True)


def growth_exponent(results: list[dict], key: str, low: str = "1M", high: str = "10M") -> float:
    """Slope of log(key) against log(invoice lines) between two scales of one series."""
    by_scale = {result["scale"]: result for result in results}
    a, b = by_scale[low], by_scale[high]
    lines = math.log(b["invoice_lines"] / a["invoice_lines"])
    return math.log(float(b["build"][key]) / float(a["build"][key])) / lines


def plot(results: list[dict], path: Path = PLOT) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(11, 4.2))
    for label, runs in series(results).items():
        ok = [run for run in runs if run["build"]["exit_code"] == 0]
        lines = [run["invoice_lines"] for run in ok]
        name = f"dbt build ({label})" if label else "dbt build (full pipeline)"
        time_axis.loglog(lines, [run["build"]["wall_s"] for run in ok], "o-", label=name)
        memory_axis.loglog(
            lines, [run["build"]["peak_rss_mb"] / 1024 for run in ok], "o-", label=name
        )
    floors = sorted({
        (r["invoice_lines"], r["floor"]["seconds"]) for r in results if r["floor"].get("seconds")
    })
    time_axis.loglog(*zip(*floors, strict=True), "s--", label="floor: scan + group by")
    time_axis.axhline(180, color="grey", linestyle=":", label="target at 10M: 180 s")
    time_axis.set(xlabel="invoice lines", ylabel="wall time (s)", title="Time")
    memory_axis.axhline(8, color="grey", linestyle=":", label="target: 8 GB")
    memory_axis.set(xlabel="invoice lines", ylabel="peak resident memory (GiB)", title="Memory")
    for axis in (time_axis, memory_axis):
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    results = load_results()
    print(markdown_table(SUMMARY_HEADER, [summary_row(result) for result in results]))
    for result in results:
        print(f"\n### {_name(result)}\n")
        print(markdown_table(STAGE_HEADER, stage_rows(result)))
    rows = [row for result in results for row in association_rows(result)]
    if rows:
        print("\n" + markdown_table(ASSOCIATION_HEADER, rows))
    for label, runs in series(results).items():
        if {"1M", "10M"} <= {run["scale"] for run in runs}:
            for key in ("wall_s", "peak_rss_mb"):
                exponent = growth_exponent(runs, key)
                print(f"\ngrowth exponent 1M -> 10M, {label or 'full'}, {key}: {exponent:.2f}")
    plot(results)
    print(f"\nplot: {PLOT}")


if __name__ == "__main__":
    main()
