"""Loopback benchmark of the IPRE inference server against a naive per-request DataFrame filter.

Starts both servers as subprocesses on free loopback ports over the same synthetic export,
drives each with the same closed-loop client (keep-alive raw sockets, so the client costs little
next to the server) and prints requests/s and p50/p99 latency for single and batch requests,
each server's CPU time per request (user + system of its processes, from /proc: unlike
latency, other load on a shared machine does not inflate it) and how long its threads waited
for a CPU per request (the scheduler's run_delay: the machine's load as the server felt it).
``--repeat N`` alternates the two servers N times, so both see the same machine load.

    PYTHONPATH=. .venv/bin/python bench/serve_bench.py [--customers 477,20000] [--seconds 5]
    PYTHONPATH=. .venv/bin/python bench/serve_bench.py --old-rev 42988fa --concurrency 50

With ``--old-rev REV`` the comparison is against the server as it was at git revision REV
(``serve/`` extracted with ``git archive``; 42988fa is the last stdlib http.server one)
instead of the naive server. The naive server is what the original inference.py did: keep
the DataFrame in memory, then per request filter it by customer and serialise the matching
rows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ipre.params.resolved import default_top_k

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVE = os.path.join(ROOT, "serve", "serve")
# rows per customer of the synthetic export: what a default build exports (dbt_project.yml)
TOP_K = default_top_k()


def write_export(path: str, customers: int, seed: int = 7) -> list[str]:
    """A synthetic export with the contract's columns, TOP_K rows per customer."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    ids = [f"C{n:06d}" for n in range(customers)]
    rows = [
        {
            "customer_id": cid,
            "recommended_product": f"P{rng.randrange(100000):05d}",
            "cluster_id": f"West_Plumbing_{n % 4}",
            "segment": "West_Plumbing",
            "l2_category": "Plumbing",
            "l3_category": "Valves",
            "trigger_product": f"P{rng.randrange(100000):05d}",
            "support": rng.random() / 10,
            "weighted_support": rng.random() / 10,
            "confidence": rng.random(),
            "lift": 1 + 9 * rng.random(),
            "score": rng.random(),
            "recommended_qty": rng.randrange(1, 50),
            "reason": "P00153 -> P00136 (lift=8.67)",
            "rank": rank,
        }
        for n, cid in enumerate(ids)
        for rank in range(1, TOP_K + 1)
    ]
    pq.write_table(pa.Table.from_pylist(rows), path)
    return ids


class NaiveHandler(BaseHTTPRequestHandler):
    """Filter the whole DataFrame per request, as the original inference script did."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # same socket options as the real server: compare the work
    frame = None  # set on the class by naive_server(); read-only afterwards

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        return

    def _one(self, cid: str) -> dict:
        rows = self.frame[self.frame["customer_id"] == cid].sort_values("rank")
        return {"customer_id": cid, "recommendations": rows.to_dict("records")}

    def do_GET(self) -> None:
        self._reply(b'{"status":"ok"}')

    def do_POST(self) -> None:
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if "customer_ids" in payload:
            body = {"results": [self._one(cid) for cid in payload["customer_ids"]]}
        else:
            body = self._one(payload["customer_id"])
        self._reply(json.dumps(body).encode())

    def _reply(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def naive_server(path: str, port: int) -> None:
    import pandas as pd

    NaiveHandler.frame = pd.read_parquet(path)
    ThreadingHTTPServer(("127.0.0.1", port), NaiveHandler).serve_forever()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request_bytes(port: int, payload: dict) -> bytes:
    body = json.dumps(payload).encode()
    head = (
        f"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def exchange(sock: socket.socket, request: bytes) -> int:
    """Send one request and read the whole response; returns the status code."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
    while len(rest) < length:
        rest += sock.recv(max(65536, length - len(rest)))
    return int(head[9:12])


def wait_ready(port: int, timeout: float = 60.0) -> None:
    ping = f"GET /ping HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                if exchange(sock, ping) == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server on {port} not ready")


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def drive(port: int, requests: list[bytes], seconds: float, concurrency: int,
          rate: float = 0.0, at_end: Callable[[], None] | None = None) -> Result:  # fmt: skip
    """``concurrency`` keep-alive connections. Closed loop (``rate`` 0): each sends back to back.
    Open loop: together they send ``rate`` requests/s on a fixed schedule, and latency counts
    from the scheduled time (a late send is the server's delay too: no coordinated omission).
    ``at_end`` runs once every connection has sent its last request, before any closes (a
    thread-per-connection server still has its threads then).
    """
    stop_at = time.perf_counter() + seconds
    per_thread: list[tuple[list[float], int]] = []
    interval = concurrency / rate if rate else 0.0
    finished, release = threading.Barrier(concurrency + 1), threading.Event()

    def worker(seed: int) -> None:
        rng, latencies, errors = random.Random(seed), [], 0
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            due = time.perf_counter() + interval * seed / concurrency
            while time.perf_counter() < stop_at:
                if interval:
                    pause = due - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                started = due if interval else time.perf_counter()
                errors += exchange(sock, rng.choice(requests)) != 200
                latencies.append((time.perf_counter() - started) * 1000)
                due += interval
            finished.wait()
            release.wait()
        per_thread.append((latencies, errors))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    finished.wait()
    elapsed = time.perf_counter() - started
    if at_end is not None:
        at_end()
    release.set()
    for thread in threads:
        thread.join()
    latencies = [ms for lat, _ in per_thread for ms in lat]
    return Result(len(latencies), elapsed, latencies, sum(e for _, e in per_thread))


def _processes(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [pid, *(int(p) for p in children.stdout.split())]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its live children (gunicorn's workers), from /proc."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for proc in _processes(pid):
        try:
            with open(f"/proc/{proc}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run_queue_seconds(pid: int) -> float:
    """Time the threads of ``pid`` and its children spent runnable but waiting for a CPU
    (the scheduler's run_delay, /proc/<pid>/task/<tid>/schedstat): what other load costs."""
    total = 0.0
    for proc in _processes(pid):
        try:
            tasks = os.listdir(f"/proc/{proc}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{proc}/task/{task}/schedstat") as handle:
                    total += int(handle.read().split()[1]) / 1e9
            except (OSError, IndexError, ValueError):
                continue
    return total


@dataclass(frozen=True)
class Measured:
    """One run and the server's CPU and run-queue wait, in microseconds per request."""

    result: Result
    cpu_us: float
    wait_us: float


def measured(proc: subprocess.Popen, port: int, requests: list[bytes],
             args: argparse.Namespace) -> Measured:  # fmt: skip
    """One run against ``port``; the result, the server's CPU microseconds per request (less
    noisy than latency on a shared machine: other processes do not inflate it) and how long
    its threads waited for a CPU per request (the machine's load, seen by this server)."""
    cpu, wait = cpu_seconds(proc.pid), run_queue_seconds(proc.pid)
    end: list[float] = []

    def snapshot() -> None:
        end.extend((cpu_seconds(proc.pid), run_queue_seconds(proc.pid)))

    result = drive(port, requests, args.seconds, args.concurrency, args.rate, snapshot)
    cpu, wait = end[0] - cpu, end[1] - wait
    count = max(1, result.requests)
    return Measured(result, cpu / count * 1e6, wait / count * 1e6)


def start(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(argv, env={**os.environ, **env}, stderr=subprocess.DEVNULL)


def scenarios(port: int, ids: list[str], batch: int) -> dict[str, list[bytes]]:
    rng = random.Random(1)
    singles = [request_bytes(port, {"customer_id": rng.choice(ids)}) for _ in range(500)]
    batches = [
        request_bytes(port, {"customer_ids": rng.sample(ids, min(batch, len(ids)))})
        for _ in range(50)
    ]
    return {"single": singles, f"batch{batch}": batches}


def old_serve(rev: str, workdir: str) -> str:
    """``serve/serve`` as of git revision ``rev``, extracted under ``workdir``."""
    target = os.path.join(workdir, f"serve-{rev}")
    os.makedirs(target, exist_ok=True)
    archive = subprocess.run(["git", "-C", ROOT, "archive", rev, "serve"], check=True,
                             capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", target], input=archive, check=True)
    return os.path.join(target, "serve", "serve")


def bench_size(customers: int, args: argparse.Namespace, workdir: str) -> list[str]:
    path = os.path.join(workdir, f"recs_{customers}.parquet")
    ids = write_export(path, customers)
    ours_port, naive_port = free_port(), free_port()
    env = {"IPRE_RECOMMENDATIONS_URI": path, "IPRE_HOST": "127.0.0.1"}
    if args.old_rev:
        other = start([sys.executable, old_serve(args.old_rev, workdir)],
                      {**env, "IPRE_PORT": str(naive_port)})  # fmt: skip
    else:
        other = start([sys.executable, __file__, "--naive-server", path, str(naive_port)], {})
    ours_env = {**env, "IPRE_PORT": str(ours_port), **dict(v.split("=", 1) for v in args.env)}
    procs = [start([sys.executable, SERVE], ours_env), other]
    lines = []
    try:
        wait_ready(ours_port)
        wait_ready(naive_port)
        warm_up(ours_port, naive_port, ids, args)
        for _ in range(args.repeat):
            for name in scenarios(ours_port, ids, args.batch):
                if args.only and name != args.only:
                    continue
                ours = measured(procs[0], ours_port,
                                scenarios(ours_port, ids, args.batch)[name], args)  # fmt: skip
                naive = measured(other, naive_port,
                                 scenarios(naive_port, ids, args.batch)[name], args)  # fmt: skip
                lines.append(row(customers, name, ours, naive))
        if not args.old_rev:
            ours_us, naive_us = answer_cost_us(path, ids)
            lines.append(
                f"| {customers:>7} | answer only, no HTTP: ipre {ours_us:.2f} us vs naive "
                f"{naive_us:.0f} us = {naive_us / ours_us:,.0f}x | | | | | | | | | | | | | |"
            )
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
    return lines


def warm_up(ours_port: int, other_port: int, ids: list[str], args: argparse.Namespace) -> None:
    """Drive both servers unmeasured for ``--warmup`` seconds: a fresh server's first second
    pays one-off costs (every worker's first connections, thread pools growing, code paths run
    for the first time) that a server in service paid long ago."""
    if args.warmup <= 0:
        return
    for port in (ours_port, other_port):
        requests = scenarios(port, ids, args.batch)["single"]
        drive(port, requests, args.warmup, args.concurrency, args.rate)


def answer_cost_us(path: str, ids: list[str], n: int = 2000) -> tuple[float, float]:
    """Microseconds per single answer without HTTP: index lookup vs DataFrame filter + dumps."""
    import pandas as pd

    sys.path.insert(0, os.path.join(ROOT, "serve"))
    from ipre_serve.index import build_index
    from ipre_serve.loader import read_table

    index, handler = build_index(read_table(path)), NaiveHandler.__new__(NaiveHandler)
    NaiveHandler.frame = pd.read_parquet(path)
    sample = random.Random(3).choices(ids, k=n)
    started = time.perf_counter()
    for cid in sample:
        index.single(cid)
    ours = (time.perf_counter() - started) / n * 1e6
    started = time.perf_counter()
    for cid in sample[: n // 10]:
        json.dumps(handler._one(cid))
    return ours, (time.perf_counter() - started) / (n // 10) * 1e6


def row(customers: int, name: str, ours_run: Measured, naive_run: Measured) -> str:
    ours, naive = ours_run.result, naive_run.result
    return (
        f"| {customers:>7} | {name:<9} | {ours.rps:>8.0f} | {ours.pct(0.5):>6.2f} | "
        f"{ours.pct(0.99):>6.2f} | {ours_run.cpu_us:>5.0f} | {ours_run.wait_us:>5.0f} | "
        f"{naive.rps:>8.0f} | {naive.pct(0.5):>7.2f} | {naive.pct(0.99):>7.2f} | "
        f"{naive_run.cpu_us:>5.0f} | {naive_run.wait_us:>5.0f} | "
        f"{ours.rps / naive.rps:>6.1f}x | {ours.errors + naive.errors} | "
        f"{os.getloadavg()[0]:.1f} |"
    )


HEADER = (
    "| customers | request | ipre req/s | p50 ms | p99 ms | CPU us/req | wait us/req "
    "| naive req/s | p50 ms | p99 ms | CPU us/req | wait us/req | speed-up | non-200 "
    "| load avg |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", default="477,20000", help="comma-separated export sizes")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each run")
    parser.add_argument("--concurrency", type=int, default=4, help="keep-alive connections")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="open loop: total requests/s (default 0: closed loop)")
    parser.add_argument("--warmup", type=float, default=1.0,
                        help="seconds each server is driven, unmeasured, before the runs")
    parser.add_argument("--only", default=None, help="run only this scenario (single, batch100)")
    parser.add_argument("--batch", type=int, default=100, help="ids per batch request")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds per size, each running both servers in turn")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the IPRE server (e.g. MODEL_SERVER_THREADS=16)")
    parser.add_argument(
        "--old-rev", default=None, help="compare with serve/ at this git revision, not naive"
    )
    parser.add_argument(
        "--naive-server", nargs=2, metavar=("PARQUET", "PORT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.naive_server:
        naive_server(args.naive_server[0], int(args.naive_server[1]))
        return 0
    mode = f"open loop at {args.rate:g} req/s" if args.rate else "closed loop"
    print(f"{os.cpu_count()} CPUs, {args.concurrency} connections, {mode}, "
          f"{args.seconds:g}s per run after {args.warmup:g}s of warm-up")
    print(HEADER.replace("naive", f"old@{args.old_rev}") if args.old_rev else HEADER)
    with tempfile.TemporaryDirectory() as workdir:
        for customers in (int(n) for n in args.customers.split(",")):
            for line in bench_size(customers, args, workdir):
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
