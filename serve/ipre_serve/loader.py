"""Read the recommendations export (Parquet and its manifest, and the files the manifest lists
beside it: customers with no recent purchase, reorder reminders) from a local path or ``s3://``.

The bytes are read once, hashed, checked against the manifest ``ipre export`` writes beside the
Parquet, and only then parsed: what is served is exactly what was verified.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.parquet as pq

EXPORT_NAME = "recommendations.parquet"
# Written by `ipre export` (ipre/export.py, MANIFEST_FILE) beside the Parquet, renamed last.
MANIFEST_NAME = "recommendations.manifest.json"
# Written by `ipre deploy` into model.tar.gz (ipre/deploy/package.py); its "recommendations"
# entry (sha256, rows) is checked when an archive carries no manifest.
REGISTRY_NAME = "model_registry.json"

# The contract of the `recommendations` table (spec §6 plus weighted_support).
REQUIRED_COLUMNS = (
    "customer_id",
    "recommended_product",
    "cluster_id",
    "segment",
    "l2_category",
    "l3_category",
    "trigger_product",
    "support",
    "weighted_support",
    "confidence",
    "lift",
    "score",
    "recommended_qty",
    "reason",
    "rank",
)


# The columns of `reorder_reminders` (models/marts/reorder) the answers carry, plus the name
# `ipre export` joins; the export holds its is_reminder rows (docs/reorders.md).
REORDER_COLUMNS = (
    "customer_id",
    "product_id",
    "l2_category",
    "reorder_rank",
    "typical_interval_days",
    "days_since_last_purchase",
    "last_purchase_date",
    "expected_next_date",
    "overdue_ratio",
    "usual_quantity",
    "suggested_quantity",
    "due_score",
    "reason",
)


class SourceMissing(Exception):
    """The export is not there (yet); worth retrying."""


class BadExport(Exception):
    """The export is there but unusable; retrying will not help."""


class IntegrityError(Exception):
    """The export does not match its manifest, or is empty: never served."""


@dataclass(frozen=True)
class Export:
    """One verified export: the table, its manifest (None if there is none) and its digest."""

    table: pa.Table
    manifest: dict[str, Any] | None
    sha256: str
    size: int
    # Customers in the master with no purchase in the recency window (the manifest's
    # ``no_recent_purchases`` file; empty for exports without one).
    no_recent: frozenset[str] = frozenset()
    # The reorder reminders (the manifest's ``reorder_reminders`` file); None for exports
    # without one.
    reorders: pa.Table | None = None


def _s3_key(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    key = parsed.path.lstrip("/")
    if not key or key.endswith("/"):
        key = f"{key}{EXPORT_NAME}"
    return parsed.netloc, key


def _s3_get(bucket: str, key: str) -> bytes | None:
    # Imported lazily: local runs and tests of the local path need no AWS SDK.
    import boto3
    from botocore.exceptions import ClientError

    # boto3 honours AWS_ENDPOINT_URL itself (a local mock such as moto on 127.0.0.1).
    try:
        return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as err:
        if err.response.get("Error", {}).get("Code", "") in {"NoSuchKey", "NoSuchBucket", "404"}:
            return None
        raise


def local_path(source: str) -> str:
    """The Parquet file a local source names (a file, ``file://`` URI or model directory)."""
    path = source[len("file://") :] if source.startswith("file://") else source
    return os.path.join(path, EXPORT_NAME) if os.path.isdir(path) else path


def manifest_path(parquet_path: str) -> str:
    return os.path.join(os.path.dirname(parquet_path), MANIFEST_NAME)


def _read_local(source: str) -> tuple[bytes, bytes | None]:
    path = local_path(source)
    # The manifest first: `ipre export` renames the Parquet, then the manifest, so a manifest
    # read before the Parquet is never newer than it (a race shows up as a mismatch, retried).
    try:
        with open(manifest_path(path), "rb") as handle:
            manifest: bytes | None = handle.read()
    except FileNotFoundError:
        manifest = _registry_manifest(os.path.join(os.path.dirname(path), REGISTRY_NAME))
    try:
        with open(path, "rb") as handle:
            return handle.read(), manifest
    except (FileNotFoundError, IsADirectoryError):
        raise SourceMissing(f"{path}: no such file") from None


def _registry_manifest(path: str) -> bytes | None:
    """A manifest built from an older model archive's model_registry.json, if it has one."""
    try:
        with open(path, "rb") as handle:
            registry = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    entry = registry.get("recommendations") if isinstance(registry, dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        return None
    manifest = {"sha256": entry["sha256"], "rows": entry.get("rows"), "from": REGISTRY_NAME}
    return json.dumps(manifest).encode()


def _read_s3(source: str) -> tuple[bytes, bytes | None]:
    bucket, key = _s3_key(source)
    manifest = _s3_get(bucket, f"{os.path.dirname(key)}/{MANIFEST_NAME}".lstrip("/"))
    data = _s3_get(bucket, key)
    if data is None:
        raise SourceMissing(f"{source}: no such object s3://{bucket}/{key}")
    return data, manifest


def _read_sibling(source: str, name: str) -> bytes:
    """A file published beside the Parquet (same directory or S3 prefix)."""
    if source.startswith("s3://"):
        bucket, key = _s3_key(source)
        data = _s3_get(bucket, f"{os.path.dirname(key)}/{name}".lstrip("/"))
    else:
        try:
            with open(os.path.join(os.path.dirname(local_path(source)), name), "rb") as handle:
                data = handle.read()
        except OSError:
            data = None
    if data is None:
        raise IntegrityError(f"{source}: {name}, listed in the manifest, is missing")
    return data


def _verified_sibling(source: str, manifest: dict[str, Any] | None,
                      key: str) -> tuple[str, bytes] | None:  # fmt: skip
    """Name and bytes of the file the manifest lists under ``key``, checked against its
    sha256; None when the manifest lists none (an older export)."""
    entry = None if manifest is None else manifest.get(key)
    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
        return None
    name = os.path.basename(entry["file"])
    data = _read_sibling(source, name)
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise IntegrityError(f"{source}: {name} does not match the manifest's sha256")
    return name, data


def _no_recent(source: str, manifest: dict[str, Any] | None) -> frozenset[str]:
    sibling = _verified_sibling(source, manifest, "no_recent_purchases")
    if sibling is None:
        return frozenset()
    name, data = sibling
    try:
        column = pq.read_table(io.BytesIO(data), columns=["customer_id"]).column("customer_id")
    except (pa.ArrowException, OSError, KeyError) as err:
        raise BadExport(f"{source}: {name} is not a readable customer list ({err})") from err
    return frozenset(str(v) for v in column.to_pylist() if v is not None)


def _reorders(source: str, manifest: dict[str, Any] | None) -> pa.Table | None:
    """The reorder reminders the manifest lists, verified (sha256, rows, columns)."""
    sibling = _verified_sibling(source, manifest, "reorder_reminders")
    if sibling is None:
        return None
    name, data = sibling
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as err:
        raise BadExport(f"{source}: {name} is not a readable Parquet file ({err})") from err
    missing = [c for c in REORDER_COLUMNS if c not in table.column_names]
    if missing:
        raise BadExport(f"{source}: {name} misses columns {missing}")
    rows = (manifest or {})["reorder_reminders"].get("rows")
    if rows is not None and rows != table.num_rows:
        raise IntegrityError(f"{source}: {name} has {table.num_rows} rows, the manifest {rows}")
    return table


def _parse_manifest(source: str, raw: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(raw)
    except ValueError as err:
        raise IntegrityError(f"{source}: manifest is not valid JSON ({err})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("sha256"), str):
        raise IntegrityError(f"{source}: manifest has no sha256")
    return manifest


def check_digest(source: str, manifest: dict[str, Any] | None, digest: str) -> None:
    if manifest is not None and manifest["sha256"] != digest:
        raise IntegrityError(
            f"{source}: sha256 {digest} does not match the manifest's {manifest['sha256']}"
        )


def check_rows(source: str, table: pa.Table, manifest: dict[str, Any] | None,
               allow_empty: bool) -> None:  # fmt: skip
    rows = None if manifest is None else manifest.get("rows")
    if rows is not None and rows != table.num_rows:
        raise IntegrityError(f"{source}: {table.num_rows} rows, the manifest says {rows}")
    if table.num_rows == 0 and not allow_empty:
        raise IntegrityError(f"{source}: the export has no rows (IPRE_ALLOW_EMPTY=1 serves it)")


def load_export(source: str, allow_empty: bool = False) -> Export:
    """The verified export at ``source`` (file, model directory, or ``s3://`` URI)."""
    data, raw_manifest = _read_s3(source) if source.startswith("s3://") else _read_local(source)
    digest = hashlib.sha256(data).hexdigest()
    manifest = None if raw_manifest is None else _parse_manifest(source, raw_manifest)
    check_digest(source, manifest, digest)
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as err:
        raise BadExport(f"{source}: not a readable Parquet file ({err})") from err
    missing = [c for c in REQUIRED_COLUMNS if c not in table.column_names]
    if missing:
        raise BadExport(f"{source}: missing columns {missing}")
    check_rows(source, table, manifest, allow_empty)
    return Export(table, manifest, digest, len(data), _no_recent(source, manifest),
                  _reorders(source, manifest))  # fmt: skip


def read_table(source: str) -> pa.Table:
    """The recommendations table at ``source``, checked against its manifest if it has one."""
    return load_export(source, allow_empty=True).table


def fingerprint(source: str) -> tuple[object, ...] | None:
    """What changes when a new export is published at a local ``source`` (None: not watchable).

    The manifest is renamed into place last, so its identity marks a complete publish; an
    export without a manifest is watched through the Parquet file itself.
    """
    if source.startswith("s3://"):
        return None
    path = local_path(source)
    stats = []
    for name in (manifest_path(path), path):
        try:
            st = os.stat(name)
        except OSError:
            stats.append(None)
            continue
        stats.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(stats)
