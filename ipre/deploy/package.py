"""Build ``model.tar.gz``: what SageMaker unpacks into /opt/ml/model for the server.

Layout: ``recommendations.parquet`` (the export the server loads) with, when ``ipre export``
wrote them beside it, its manifest, ``no_recent_purchases.parquet`` and
``reorder_reminders.parquet`` (the server verifies each against the manifest),
``artifacts/`` (the clustering artifacts, kept with the version they produced) and
``model_registry.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
from datetime import UTC, datetime
from typing import Any

import pyarrow.parquet as pq

EXPORT_NAME = "recommendations.parquet"
REGISTRY_NAME = "model_registry.json"
ARTIFACTS_DIR = "artifacts"
# Published by `ipre export` beside the Parquet (ipre/export.py); packed when present.
EXPORT_SIBLINGS = (
    "recommendations.manifest.json",
    "no_recent_purchases.parquet",
    "reorder_reminders.parquet",
)


def export_siblings(recommendations: str) -> list[str]:
    folder = os.path.dirname(os.path.abspath(recommendations))
    paths = (os.path.join(folder, name) for name in EXPORT_SIBLINGS)
    return [path for path in paths if os.path.isfile(path)]


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _artifact_files(artifacts: str | None) -> list[str]:
    if not artifacts:
        return []
    found = []
    for folder, _, names in os.walk(artifacts):
        found.extend(os.path.join(folder, name) for name in names)
    return sorted(found)


def build_registry(
    recommendations: str, artifacts: str | None, group: str, approval_status: str
) -> dict[str, Any]:
    """The ``model_registry.json`` record: what this version holds and where it came from."""
    metadata = pq.read_metadata(recommendations)
    files = _artifact_files(artifacts)
    return {
        "model_package_group": group,
        "approval_status": approval_status,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "recommendations": {
            "file": EXPORT_NAME,
            "rows": metadata.num_rows,
            "sha256": sha256(recommendations),
        },
        "artifacts": {os.path.relpath(path, artifacts): sha256(path) for path in files}
        if artifacts
        else {},
    }


def pack_archive(
    out_path: str, recommendations: str, artifacts: str | None, registry: dict[str, Any]
) -> str:
    """Write the gzip tarball at ``out_path`` and return it."""
    registry_bytes = json.dumps(registry, indent=2, sort_keys=True).encode()
    registry_path = f"{out_path}.{REGISTRY_NAME}"
    with open(registry_path, "wb") as handle:
        handle.write(registry_bytes)
    try:
        with tarfile.open(out_path, "w:gz") as tar:
            tar.add(recommendations, arcname=EXPORT_NAME)
            for sibling in export_siblings(recommendations):
                tar.add(sibling, arcname=os.path.basename(sibling))
            if artifacts:
                tar.add(artifacts, arcname=ARTIFACTS_DIR)
            tar.add(registry_path, arcname=REGISTRY_NAME)
    finally:
        os.remove(registry_path)
    return out_path
