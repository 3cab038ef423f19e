"""Helpers for the serve tests: a contract-shaped Parquet fixture and the real server process."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "serve" / "serve"

# The `recommendations` table contract, in column order, with the types the pipeline writes.
SCHEMA = pa.schema([
    ("customer_id", pa.string()), ("recommended_product", pa.string()),
    ("cluster_id", pa.string()), ("segment", pa.string()), ("l2_category", pa.string()),
    ("l3_category", pa.string()), ("trigger_product", pa.string()), ("support", pa.float64()),
    ("weighted_support", pa.float64()), ("confidence", pa.float64()), ("lift", pa.float64()),
    ("score", pa.float64()), ("recommended_qty", pa.int64()), ("reason", pa.string()),
    ("rank", pa.int64()),
])  # fmt: skip


def fixture_rows(customers: int = 6, per_customer: int = 5) -> list[dict[str, Any]]:
    """Rows shaped like the export: rule-based recommendations first, then fallbacks."""
    rows = []
    for c in range(customers):
        for rank in range(1, per_customer + 1):
            fallback = rank > 3
            rows.append({
                "customer_id": f"C{c:05d}", "recommended_product": f"P{100 + c * 10 + rank:05d}",
                "cluster_id": f"West_Plumbing_{c % 3}", "segment": "West_Plumbing",
                "l2_category": "Plumbing", "l3_category": "Valves",
                "trigger_product": "fallback" if fallback else f"P{c:05d}",
                "support": None if fallback else 0.05 + rank / 100,
                "weighted_support": None if fallback else 0.04 + rank / 100,
                "confidence": float("nan") if fallback else 0.6 - rank / 20,
                "lift": None if fallback else 8.5 - rank, "score": round(1 - rank / 10, 3),
                "recommended_qty": 2 * rank,
                "reason": "fallback: popular in segment" if fallback else f"P{c:05d} → P{rank}",
                "rank": rank,
            })  # fmt: skip
    return rows


def write_fixture(path: str | Path, rows: list[dict[str, Any]] | None = None) -> Path:
    """Write the rows (default: ``fixture_rows()``) as the contract-shaped Parquet export."""
    rows = fixture_rows() if rows is None else rows
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # published atomically, as `ipre export` does: a server polling the path must never see
    # half a file (the first load of a broken export stops the server, by design)
    partial = path.with_name(f".{path.name}.partial")
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), partial)
    os.replace(partial, path)
    return path


# The reorder_reminders export (ipre export: is_reminder rows plus product_name), the columns
# the server reads.
REORDER_SCHEMA = pa.schema([
    ("customer_id", pa.string()), ("product_id", pa.string()), ("l2_category", pa.string()),
    ("reorder_rank", pa.int64()), ("typical_interval_days", pa.float64()),
    ("days_since_last_purchase", pa.int64()), ("last_purchase_date", pa.date32()),
    ("expected_next_date", pa.date32()), ("overdue_ratio", pa.float64()),
    ("usual_quantity", pa.float64()), ("suggested_quantity", pa.int32()),
    ("due_score", pa.float64()), ("is_reminder", pa.bool_()), ("reason", pa.string()),
    ("product_name", pa.string()),
])  # fmt: skip


def reorder_rows(customers: tuple[str, ...] = ("C00001", "C00003"), per_customer: int = 2,
                 tag: str = "R") -> list[dict[str, Any]]:  # fmt: skip
    """Reminder rows shaped like the export, listed worst rank first (the server orders them)."""
    import datetime as dt

    rows = []
    for c, customer_id in enumerate(customers):
        for rank in range(per_customer, 0, -1):
            interval = 14.0 * (rank + c)
            rows.append({
                "customer_id": customer_id, "product_id": f"{tag}{c}{rank:03d}",
                "l2_category": "Plumbing", "reorder_rank": rank,
                "typical_interval_days": interval, "days_since_last_purchase": 30 + rank,
                "last_purchase_date": dt.date(2026, 1, 20) - dt.timedelta(days=rank),
                "expected_next_date": dt.date(2026, 2, 3), "overdue_ratio": 1.5 + rank / 10,
                "usual_quantity": 2.5 * rank, "suggested_quantity": 3 * rank,
                "due_score": round(0.9 - rank / 10, 6), "is_reminder": True,
                "reason": f"bought on 4 days, every {interval} days; last {30 + rank} days ago",
                "product_name": None if rank == 2 else f"Fitting {tag}{rank}",
            })  # fmt: skip
    return rows


def expected_reorders(rows: list[dict[str, Any]], customer_id: str) -> list[dict[str, Any]]:
    """What the response's ``reorders`` should hold for ``customer_id``, from the rows."""
    mine = sorted((r for r in rows if r["customer_id"] == customer_id),
                  key=lambda r: r["reorder_rank"])  # fmt: skip
    names = ("product_id", "product_name", "rank", "l2_category", "typical_interval_days",
             "days_since_last_purchase", "last_purchase_date", "expected_next_date",
             "overdue_ratio", "usual_quantity", "suggested_quantity", "due_score", "reason")
    items = []
    for row in mine:
        item = {**row, "rank": row["reorder_rank"]}
        for day in ("last_purchase_date", "expected_next_date"):
            item[day] = item[day].isoformat()
        items.append({name: _num(item[name]) for name in names})
    return items


MANIFEST = "recommendations.manifest.json"


def manifest_for(path: str | Path, **extra: Any) -> dict[str, Any]:
    """A manifest as ``ipre export`` writes it, for the Parquet at ``path``."""
    path = Path(path)
    rows = pq.ParquetFile(path).metadata.num_rows
    return {"format_version": 1, "file": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "bytes": path.stat().st_size, "rows": rows, "top_k": 5,
            "build_id": "20260201T100000.000000", "built_at": "2026-02-01T10:05:00",
            "vars": {}, "exported_at": "2026-02-01T10:06:00", **extra}  # fmt: skip


def _replace(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def publish(directory: str | Path, rows: list[dict[str, Any]] | None = None,
            flip: bool = False, no_recent: list[str] | None = None,
            reorders: list[dict[str, Any]] | None = None) -> Path:  # fmt: skip
    """Publish an export as ``ipre export`` does: the customers with no recent purchase and the
    reorder reminders (if given), the Parquet, then the manifest, each renamed into place.
    ``flip``: two bytes of the Parquet flipped after the manifest was computed."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    staged = write_fixture(directory / ".staged.parquet", rows)
    manifest = manifest_for(staged, file="recommendations.parquet")
    if no_recent is not None:
        side = directory / "no_recent_purchases.parquet"
        pq.write_table(pa.table({"customer_id": pa.array(no_recent, pa.string())}), side)
        manifest["no_recent_purchases"] = {"file": side.name, "rows": len(no_recent),
                                           "sha256": hashlib.sha256(side.read_bytes()).hexdigest()}
    if reorders is not None:
        manifest["reorder_reminders"] = _publish_reorders(directory, reorders)
    data = bytearray(staged.read_bytes())
    staged.unlink()
    if flip:
        middle = len(data) // 2
        data[middle] ^= 0xFF
        data[middle + 1] ^= 0xFF
    _replace(directory / "recommendations.parquet", bytes(data))
    _replace(directory / MANIFEST, json.dumps(manifest).encode())
    return directory / "recommendations.parquet"


def _publish_reorders(directory: Path, rows: list[dict[str, Any]]) -> dict[str, Any]:
    staged = directory / ".staged_reorders.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=REORDER_SCHEMA), staged)
    data = staged.read_bytes()
    staged.unlink()
    _replace(directory / "reorder_reminders.parquet", data)
    customers = {r["customer_id"] for r in rows}
    per_customer = [sum(r["customer_id"] == c for r in rows) for c in customers]
    return {"file": "reorder_reminders.parquet", "sha256": hashlib.sha256(data).hexdigest(),
            "rows": len(rows), "customers": len(per_customer),
            "max_per_customer": max(per_customer, default=0)}  # fmt: skip


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One whole HTTP response from ``sock``: the server may write head and body separately."""
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response.status, dict(response.getheaders()), response.read()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """The real ``serve/serve`` program in a subprocess, as SageMaker or `make serve` runs it."""

    def __init__(self, proc: subprocess.Popen, log_path: str, port: int) -> None:
        self.proc, self.log_path, self.port = proc, log_path, port

    def log(self) -> str:
        return Path(self.log_path).read_text()

    def request(
        self, method: str, path: str, body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:  # fmt: skip
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=dict(headers or {}))
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"null")
        finally:
            conn.close()

    def invoke(self, payload: Any, content_type: str = "application/json") -> tuple[int, Any]:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return self.request("POST", "/invocations", body, {"Content-Type": content_type})

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.request("GET", "/ping")[0] == 200:
                return
            time.sleep(0.05)
        raise AssertionError(f"server not ready:\n{self.log()}")

    def stop(self) -> int:
        """SIGTERM, as SageMaker does; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=10)


def _wait_listening(proc: subprocess.Popen, log_path: str, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(r"listening on [\d.]+:(\d+)", Path(log_path).read_text())
        if match:
            return int(match.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    raise AssertionError(f"server did not start:\n{Path(log_path).read_text()}")


@contextmanager
def running_server(
    env: Mapping[str, str], cwd: str | Path | None = None
) -> Iterator[ServerProcess]:
    """Start ``serve/serve`` (gunicorn) on a loopback port (``IPRE_PORT=0`` unless env sets one).

    Two workers by default, as on the 2-core machines the endpoint is sized for, so tests see
    the multi-process behaviour (each worker loads and reloads on its own).
    """
    full_env = {**os.environ, "IPRE_HOST": "127.0.0.1", "IPRE_PORT": "0",
                "MODEL_SERVER_WORKERS": "2", **env}  # fmt: skip
    with tempfile.NamedTemporaryFile(prefix="ipre-serve-", suffix=".log") as log:
        proc = subprocess.Popen(
            [sys.executable, str(SERVE)], env=full_env, cwd=cwd or tempfile.gettempdir(),
            stdout=log, stderr=log,
        )  # fmt: skip
        try:
            yield ServerProcess(proc, log.name, _wait_listening(proc, log.name))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


def expected_items(rows: list[dict[str, Any]], customer_id: str) -> list[dict[str, Any]]:
    """What the response should hold for ``customer_id``, computed from the rows directly."""
    mine = sorted((r for r in rows if r["customer_id"] == customer_id), key=lambda r: r["rank"])
    return [_item(r) for r in mine]


def _num(value: Any) -> Any:
    return None if value is None or value != value else value  # NaN -> null


def _item(row: dict[str, Any]) -> dict[str, Any]:
    item = {"product_id": row["recommended_product"], "product_name": row.get("product_name")}
    for name in ("rank", "recommended_qty"):
        item[name] = None if row[name] is None else int(row[name])
    for name in ("score", "confidence", "lift", "support", "weighted_support"):
        item[name] = _num(row[name])
    for name in ("l2_category", "l3_category", "reason", "trigger_product", "cluster_id",
                 "segment"):  # fmt: skip
        item[name] = None if row[name] is None else str(row[name])
    return item
