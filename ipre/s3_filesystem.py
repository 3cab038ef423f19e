"""A read-only ``s3://`` filesystem for DuckDB, built on fsspec and boto3.

DuckDB's httpfs extension cannot be installed here (extensions download from a host these
machines cannot reach), so raw inputs on S3 are read through DuckDB's Python filesystem hook
instead: ``conn.register_filesystem(S3ReadOnlyFileSystem())`` makes ``read_csv('s3://b/k.csv')``,
``read_parquet('s3://b/k.parquet')`` and globs such as ``s3://b/prefix/*.parquet`` work.

Configuration comes from the environment as for any boto3 program: AWS_ENDPOINT_URL (a local
S3-compatible server such as MinIO or moto), AWS_REGION or AWS_DEFAULT_REGION, and credentials
(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, or an instance role). The boto3 client is
created on first use, so registering the filesystem makes no network call and costs nothing
for runs that never touch S3. Files are read in blocks with ranged GetObject requests.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime
from typing import Any

from fsspec.spec import AbstractBufferedFile, AbstractFileSystem

BLOCK_SIZE = 8 * 2**20
_MISSING_CODES = {"404", "NoSuchKey", "NoSuchBucket", "NotFound"}
_DENIED_CODES = {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}


def make_s3_client() -> Any:
    """A boto3 S3 client configured from the environment (endpoint, region, credentials)."""
    import boto3  # imported here: connecting to DuckDB must not pay for it

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    return boto3.session.Session().client("s3", region_name=region, endpoint_url=endpoint or None)


def _uri(bucket: str, key: str = "") -> str:
    return f"s3://{bucket}/{key}" if key else f"s3://{bucket}"


def translate_error(error: Exception, bucket: str, key: str = "") -> Exception:
    """An OSError naming the S3 URI for a botocore error; other errors are returned unchanged."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    uri = _uri(bucket, key)
    if isinstance(error, NoCredentialsError):
        return PermissionError(
            f"{uri}: no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        )
    if isinstance(error, EndpointConnectionError):
        return ConnectionError(f"{uri}: cannot reach the S3 endpoint: {error}")
    if not isinstance(error, ClientError):
        return error
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code in _MISSING_CODES:
        what = "no such bucket" if code == "NoSuchBucket" else "no such object or prefix"
        return FileNotFoundError(f"{uri}: {what}")
    if code in ("412", "PreconditionFailed"):
        return OSError(f"{uri}: the object changed while it was being read")
    if code in _DENIED_CODES:
        return PermissionError(f"{uri}: access denied by S3 ({code})")
    return OSError(f"{uri}: S3 error {code}: {error}")


def _is_missing(error: Exception) -> bool:
    from botocore.exceptions import ClientError

    if not isinstance(error, ClientError):
        return False
    return str(error.response.get("Error", {}).get("Code", "")) in _MISSING_CODES


class S3ReadOnlyFileSystem(AbstractFileSystem):
    """Read-only fsspec filesystem for ``s3://bucket/key`` paths (``s3a://`` too)."""

    protocol = ("s3", "s3a")
    root_marker = ""
    # Not cached by fsspec: each instance reads the environment when it first needs a client.
    cachable = False

    def __init__(self, client: Any = None, block_size: int = BLOCK_SIZE, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = client
        self._client_lock = threading.Lock()
        # HEAD results per object: DuckDB asks for a file's size and mtime on every open.
        self._heads: dict[tuple[str, str], dict[str, Any]] = {}
        self.block_size = block_size

    @property
    def client(self) -> Any:
        """The boto3 client, created from the environment on first use."""
        with self._client_lock:
            if self._client is None:
                self._client = make_s3_client()
            return self._client

    def split_path(self, path: str) -> tuple[str, str]:
        """(bucket, key) of an s3:// URI or a protocol-less 'bucket/key' path."""
        bucket, _, key = self._strip_protocol(path).partition("/")
        if not bucket:
            raise ValueError(f"{path!r}: an S3 path needs a bucket (s3://bucket/key)")
        return bucket, key

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        bucket, key = self.split_path(path)
        if not key:
            return self._bucket_info(bucket)
        if (bucket, key) in self._heads:
            return dict(self._heads[bucket, key])
        try:
            head = self.client.head_object(Bucket=bucket, Key=key)
        except Exception as error:
            if not _is_missing(error):
                raise translate_error(error, bucket, key) from error
        else:
            self._heads[bucket, key] = _file_entry(bucket, key, head["ContentLength"], head)
            return dict(self._heads[bucket, key])
        if self._has_prefix(bucket, key.rstrip("/") + "/"):
            return _dir_entry(bucket, key.rstrip("/"))
        raise FileNotFoundError(f"{_uri(bucket, key)}: no such object or prefix")

    def _bucket_info(self, bucket: str) -> dict[str, Any]:
        try:
            self.client.head_bucket(Bucket=bucket)
        except Exception as error:
            raise translate_error(error, bucket) from error
        return _dir_entry(bucket, "")

    def _has_prefix(self, bucket: str, prefix: str) -> bool:
        try:
            listed = self.client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
        except Exception as error:
            raise translate_error(error, bucket, prefix) from error
        return bool(listed.get("KeyCount") or listed.get("Contents"))

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        bucket, key = self.split_path(path)
        prefix = key.rstrip("/") + "/" if key else ""
        entries = self._list(bucket, prefix)
        if not entries and key:
            entries = [self.info(path)]  # a file, or FileNotFoundError
        elif not entries:
            self._bucket_info(bucket)  # an empty bucket lists as [], a missing one raises
        return entries if detail else [entry["name"] for entry in entries]

    def _list(self, bucket: str, prefix: str, delimiter: str = "/") -> list[dict[str, Any]]:
        """Objects under prefix, and with delimiter "/" the common prefixes ("directories")."""
        entries: list[dict[str, Any]] = []
        request = {"Bucket": bucket, "Prefix": prefix}
        if delimiter:
            request["Delimiter"] = delimiter
        pages = self.client.get_paginator("list_objects_v2").paginate(**request)
        try:
            for page in pages:
                for common in page.get("CommonPrefixes", []):
                    entries.append(_dir_entry(bucket, common["Prefix"].rstrip("/")))
                for obj in page.get("Contents", []):
                    if obj["Key"] != prefix:  # skip a "folder" marker object
                        entries.append(_file_entry(bucket, obj["Key"], obj["Size"], obj))
        except Exception as error:
            raise translate_error(error, bucket, prefix) from error
        return entries

    def find(self, path: str, maxdepth: int | None = None, withdirs: bool = False,
             detail: bool = False, **kwargs: Any) -> Any:  # fmt: skip
        """Everything under path in one flat listing (used by glob); S3 errors are raised."""
        bucket, key = self.split_path(path)
        prefix = key.rstrip("/") + "/" if key else ""
        found: dict[str, dict[str, Any]] = {}
        for entry in self._list(bucket, prefix, delimiter=""):
            depth = entry["name"].count("/") - (bucket + "/" + prefix).count("/") + 1
            if maxdepth is None or depth <= maxdepth:
                found[entry["name"]] = entry
            if withdirs:
                found.update(_parent_dirs(entry["name"], bucket + "/" + prefix, maxdepth))
        if not found and key and self.isfile(path):
            found[f"{bucket}/{key}"] = self.info(path)
        names = sorted(found)
        return {name: found[name] for name in names} if detail else names

    def glob(self, path: str, maxdepth: int | None = None, **kwargs: Any) -> list[str]:
        """Objects matching the pattern; prefixes (S3's "directories") are left out."""
        kwargs.pop("detail", None)
        matches = super().glob(path, maxdepth=maxdepth, detail=True, **kwargs)
        return [name for name, info in matches.items() if info.get("type") != "directory"]

    def invalidate_cache(self, path: str | None = None) -> None:
        """Forget cached object metadata (all of it, or that of one path)."""
        if path is None:
            self._heads.clear()
        else:
            self._heads.pop(self.split_path(path), None)

    def exists(self, path: str, **kwargs: Any) -> bool:
        """False only when missing: denied access or no endpoint raise (fsspec would hide them)."""
        try:
            self.info(path)
        except FileNotFoundError:
            return False
        return True

    def modified(self, path: str) -> datetime:
        info = self.info(path)
        if "LastModified" not in info:
            raise IsADirectoryError(f"{path}: a prefix has no modification time")
        return info["LastModified"]

    def _open(self, path: str, mode: str = "rb", block_size: int | None = None,
              autocommit: bool = True, cache_options: dict | None = None,
              **kwargs: Any) -> S3ReadFile:  # fmt: skip
        if mode != "rb":
            raise PermissionError(f"{path}: this S3 filesystem is read-only (mode {mode!r})")
        return S3ReadFile(self, path, block_size=block_size or self.block_size,
                          cache_options=cache_options, **kwargs)  # fmt: skip


class S3ReadFile(AbstractBufferedFile):
    """A file on S3 read through ranged GetObject requests (buffered by fsspec's cache)."""

    fs: S3ReadOnlyFileSystem

    def __init__(self, fs: S3ReadOnlyFileSystem, path: str, **kwargs: Any) -> None:
        kwargs.setdefault("cache_type", "readahead")
        super().__init__(fs, path, mode="rb", **kwargs)
        self.bucket, self.key = fs.split_path(path)
        self.etag = self.details.get("ETag")

    def _fetch_range(self, start: int, end: int) -> bytes:
        if start >= end:
            return b""
        request: dict[str, Any] = {
            "Bucket": self.bucket, "Key": self.key, "Range": f"bytes={start}-{end - 1}",
        }  # fmt: skip
        if self.etag:
            request["IfMatch"] = self.etag  # fail rather than mix two versions of the file
        try:
            response = self.fs.client.get_object(**request)
        except Exception as error:
            self.fs.invalidate_cache(self.path)  # the next open sees the object as it is now
            raise translate_error(error, self.bucket, self.key) from error
        return response["Body"].read()


def _file_entry(bucket: str, key: str, size: int, meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": f"{bucket}/{key}",
        "size": size,
        "type": "file",
        "LastModified": meta.get("LastModified"),
        "ETag": meta.get("ETag"),
    }


def _parent_dirs(name: str, root: str, maxdepth: int | None) -> dict[str, dict[str, Any]]:
    """Directory entries for the prefixes between root (ending in "/") and the object name."""
    parts = name[len(root) :].split("/")[:-1]
    dirs: dict[str, dict[str, Any]] = {}
    for depth in range(1, len(parts) + 1):
        if maxdepth is not None and depth > maxdepth:
            break
        bucket, _, key = (root + "/".join(parts[:depth])).partition("/")
        dirs[f"{bucket}/{key}"] = _dir_entry(bucket, key)
    return dirs


def _dir_entry(bucket: str, key: str) -> dict[str, Any]:
    return {"name": f"{bucket}/{key}" if key else bucket, "size": 0, "type": "directory"}
