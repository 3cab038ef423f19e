"""Read the recommendations export (Parquet) from a local path or an ``s3://`` URI."""

from __future__ import annotations

import io
import os
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.parquet as pq

EXPORT_NAME = "recommendations.parquet"

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


class SourceMissing(Exception):
    """The export is not there (yet); worth retrying."""


class BadExport(Exception):
    """The export is there but unusable; retrying will not help."""


def _s3_bytes(uri: str) -> bytes:
    # Imported lazily: local runs and tests of the local path need no AWS SDK.
    import boto3
    from botocore.exceptions import ClientError

    parsed = urlparse(uri)
    key = parsed.path.lstrip("/")
    if not key or key.endswith("/"):
        key = f"{key}{EXPORT_NAME}"
    # boto3 honours AWS_ENDPOINT_URL itself (a local mock such as moto on 127.0.0.1).
    client = boto3.client("s3")
    try:
        return client.get_object(Bucket=parsed.netloc, Key=key)["Body"].read()
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code in {"NoSuchKey", "NoSuchBucket", "404"}:
            raise SourceMissing(f"{uri}: {code}") from err
        raise


def _local_path(source: str) -> str:
    path = source[len("file://") :] if source.startswith("file://") else source
    return os.path.join(path, EXPORT_NAME) if os.path.isdir(path) else path


def read_table(source: str) -> pa.Table:
    """The recommendations table at ``source`` (file, model directory, or ``s3://`` URI)."""
    if source.startswith("s3://"):
        data: str | io.BytesIO = io.BytesIO(_s3_bytes(source))
    else:
        data = _local_path(source)
        if not os.path.isfile(data):
            raise SourceMissing(f"{data}: no such file")
    try:
        table = pq.read_table(data)
    except (pa.ArrowException, OSError) as err:
        raise BadExport(f"{source}: not a readable Parquet file ({err})") from err
    missing = [c for c in REQUIRED_COLUMNS if c not in table.column_names]
    if missing:
        raise BadExport(f"{source}: missing columns {missing}")
    return table
