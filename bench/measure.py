"""Run a command as a child process and measure its wall time and peak resident memory.

Peak memory is GNU time's "Maximum resident set size" (`/usr/bin/time -f %M`): the largest
resident set of the process (for dbt-duckdb that is dbt itself: DuckDB and the Python model
run inside it). Without /usr/bin/time it falls back to wait4(2)'s ru_maxrss, which Linux
carries over from the parent at fork and exec, so it is only right when the parent is small.
An optional cap kills the child when its resident memory passes it, so that a library that
runs out of memory is reported as such instead of taking the machine down.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

POLL_SECONDS = 0.1
# The resident-memory timeline keeps one sample (the largest) per this many seconds.
TIMELINE_SECONDS = 0.5
GNU_TIME = "/usr/bin/time"


@dataclass(frozen=True)
class Measured:
    """Outcome of one measured child process."""

    command: list[str]
    exit_code: int
    wall_s: float
    peak_rss_mb: float
    killed: str | None  # "memory_cap" or "timeout" when the harness stopped it
    # (epoch seconds, MiB): the polled resident memory, the largest per TIMELINE_SECONDS;
    # not in as_dict (bench.build turns it into each stage's peak)
    rss_timeline: tuple[tuple[float, float], ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.killed is None

    def as_dict(self) -> dict[str, object]:
        return {
            item.name: getattr(self, item.name) for item in fields(self)
            if item.name != "rss_timeline"
        }  # fmt: skip


def peak_between(
    timeline: tuple[tuple[float, float], ...], start: float, end: float
) -> float | None:
    """The largest sample of a timeline taken from start to end (epoch seconds), None when
    no sample fell in that span (a stage shorter than the sampling interval)."""
    inside = [mb for at, mb in timeline if start <= at <= end]
    return max(inside) if inside else None


def current_rss_mb(pid: int) -> float:
    """Resident memory of a live process and its children in MiB (0 when it is gone)."""
    total = 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(current_rss_mb(int(child)) for child in children)


def run_measured(
    command: list[str],
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
    memory_cap_mb: float | None = None,
    timeout_s: float | None = None,
) -> Measured:
    """Run command to completion (stdout and stderr to log_path) and measure it."""
    log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115
    with tempfile.NamedTemporaryFile("r", suffix=".maxrss") as maxrss:
        timed = _with_gnu_time(command, maxrss.name)
        start = time.perf_counter()
        child = subprocess.Popen(
            timed, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        killed, observed_mb, timeline = None, 0.0, Timeline()
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            now_mb = current_rss_mb(child.pid)
            observed_mb = max(observed_mb, now_mb)
            timeline.add(time.time(), now_mb)
            killed = killed or _limit_reached(child.pid, start, memory_cap_mb, timeout_s)
            if killed:
                os.killpg(child.pid, signal.SIGKILL)
            time.sleep(POLL_SECONDS)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        peak_kib = _gnu_time_peak(maxrss.name) if timed is not command else usage.ru_maxrss
    if log_path:
        log.close()
    peak_mb = max(peak_kib / 1024, observed_mb)
    return Measured(command, child.returncode, wall, peak_mb, killed, timeline.samples())


class Timeline:
    """Polled samples bucketed by TIMELINE_SECONDS, the largest of each bucket kept."""

    def __init__(self) -> None:
        self._buckets: dict[int, tuple[float, float]] = {}

    def add(self, at: float, mb: float) -> None:
        bucket = int(at // TIMELINE_SECONDS)
        if mb >= self._buckets.get(bucket, (at, -1.0))[1]:
            self._buckets[bucket] = (at, mb)

    def samples(self) -> tuple[tuple[float, float], ...]:
        return tuple(self._buckets[bucket] for bucket in sorted(self._buckets))


def _with_gnu_time(command: list[str], output: str) -> list[str]:
    if shutil.which(GNU_TIME) is None:
        return command
    return [GNU_TIME, "-f", "%M", "-o", output, *command]


def _gnu_time_peak(output: str) -> int:
    """Peak KiB from GNU time's output file (its last line; 0 if it was killed)."""
    lines = [line for line in Path(output).read_text().splitlines() if line.strip().isdigit()]
    return int(lines[-1]) if lines else 0


def _limit_reached(
    pid: int, start: float, memory_cap_mb: float | None, timeout_s: float | None
) -> str | None:
    if memory_cap_mb is not None and current_rss_mb(pid) > memory_cap_mb:
        return "memory_cap"
    if timeout_s is not None and time.perf_counter() - start > timeout_s:
        return "timeout"
    return None
