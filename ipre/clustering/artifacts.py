"""model.tar.gz (spec §4.2 "Model Artifacts", §4.3, §8 bug 8): write, load and predict.

Layout, flat as the spec draws it:
    {segment}_kmeans.pkl  {segment}_scaler.pkl  {segment}_columns.json   (one set per segment)
    model_registry.json   manifest: per-segment metadata, parameters, data date, code version
    customer_clusters.csv the assignment table, inside the tar so consumers need one file (bug 8)
    ranker.json, ranker_model.txt   the learned ranker, when the warehouse was built with it
                                    (ipre/ranker/artifact.py; the registry's "ranker" entry)

``{segment}`` is the segment made file-name safe; the registry maps each segment to its files.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ipre.clustering.fit import SegmentFit

REGISTRY = "model_registry.json"
CLUSTERS_CSV = "customer_clusters.csv"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class SegmentModel:
    columns: list[str]
    scaler: object
    kmeans: object


@dataclass(frozen=True)
class LoadedArtifacts:
    registry: dict
    models: dict[str, SegmentModel]
    customer_clusters: pd.DataFrame
    # the learned ranker (ipre.ranker.model.FittedRanker), when one was trained and packed
    ranker: object | None = None


@dataclass(frozen=True)
class ExtraArtifact:
    """Members packed beside the clustering models, and their entry in the registry."""

    key: str
    members: dict[str, bytes]
    entry: dict


def file_prefixes(segments: list[str]) -> dict[str, str]:
    """Segment -> unique file-name-safe prefix (suffixed with a counter only on collision)."""
    prefixes: dict[str, str] = {}
    for segment in sorted(segments):
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", segment).strip("._") or "segment"
        prefix, n = base, 1
        while prefix in prefixes.values():
            n += 1
            prefix = f"{base}~{n}"
        prefixes[segment] = prefix
    return prefixes


def segment_entry(fit: SegmentFit, prefix: str, feature_groups: list[str]) -> dict:
    return {
        "files": {
            "kmeans": f"{prefix}_kmeans.pkl",
            "scaler": f"{prefix}_scaler.pkl",
            "columns": f"{prefix}_columns.json",
        },
        "n_customers": len(fit.features),
        "k": fit.k,
        "k_rule": fit.k_rule,
        "silhouette": fit.silhouette,
        "quality": fit.quality,
        "inertia_by_k": {str(k): v for k, v in sorted(fit.inertias.items())},
        "feature_groups": feature_groups,
        "n_features": fit.features.shape[1],
    }


def segment_members(fit: SegmentFit, prefix: str) -> dict[str, bytes]:
    columns = json.dumps(list(fit.features.columns), indent=1).encode()
    return {
        f"{prefix}_kmeans.pkl": pickle.dumps(fit.kmeans, protocol=pickle.HIGHEST_PROTOCOL),
        f"{prefix}_scaler.pkl": pickle.dumps(fit.scaler, protocol=pickle.HIGHEST_PROTOCOL),
        f"{prefix}_columns.json": columns,
    }


def build_registry(fits: list[SegmentFit], header: dict, prefixes: dict[str, str]) -> dict:
    """``header`` carries run-level facts: parameters, data reference date, code version."""
    groups = header["parameters"]["feature_groups"].split(",")
    segments = {fit.segment: segment_entry(fit, prefixes[fit.segment], groups) for fit in fits}
    return {"format_version": FORMAT_VERSION, **header, "segments": segments}


def write_tar(members: dict[str, bytes], out: Path) -> None:
    """Write atomically: a reader never sees a half-written model.tar.gz."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with tarfile.open(partial, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    os.replace(partial, out)


def write_artifacts(
    fits: list[SegmentFit],
    table: pd.DataFrame,
    header: dict,
    out: Path,
    extras: tuple[ExtraArtifact, ...] = (),
) -> dict:
    """Write model.tar.gz and return the registry written into it."""
    prefixes = file_prefixes([fit.segment for fit in fits])
    registry = build_registry(fits, header, prefixes)
    members: dict[str, bytes] = {}
    for fit in fits:
        members |= segment_members(fit, prefixes[fit.segment])
    for extra in extras:
        members |= extra.members
        registry[extra.key] = extra.entry
    members[REGISTRY] = json.dumps(registry, indent=2, sort_keys=True, default=str).encode()
    members[CLUSTERS_CSV] = table.to_csv(index=False).encode()
    write_tar(members, out)
    return registry


def load_artifacts(path: Path) -> LoadedArtifacts:
    """Read model.tar.gz back. Pickles are trusted: only load artifacts you produced."""
    with tarfile.open(path, "r:gz") as tar:
        read = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    registry = json.loads(read[REGISTRY])
    models = {
        segment: SegmentModel(
            columns=json.loads(read[entry["files"]["columns"]]),
            scaler=pickle.loads(read[entry["files"]["scaler"]]),
            kmeans=pickle.loads(read[entry["files"]["kmeans"]]),
        )
        for segment, entry in registry["segments"].items()
    }
    table = pd.read_csv(
        io.BytesIO(read[CLUSTERS_CSV]),
        dtype={"customer_id": "string", "segment": "string", "cluster_id": "string"},
        keep_default_na=False,
        na_values={"silhouette": [""], "quality": [""]},
    )
    ranker = None
    if "ranker" in registry:
        from ipre.ranker.artifact import load_ranker  # LightGBM only when a ranker was packed

        ranker = load_ranker(read, registry["ranker"])
    return LoadedArtifacts(registry, models, table, ranker)


def predict_clusters(artifacts: LoadedArtifacts, features: pd.DataFrame) -> pd.Series:
    """cluster_id for each row of ``features`` (needs segment + the segment's feature columns)."""
    result = pd.Series(pd.NA, index=features.index, dtype="string")
    for segment, rows in features.groupby("segment", sort=True):
        model = artifacts.models[str(segment)]
        x = model.scaler.transform(rows[model.columns].to_numpy(dtype="float64"))
        result.loc[rows.index] = [f"{segment}_{n}" for n in model.kmeans.predict(x)]
    return result
