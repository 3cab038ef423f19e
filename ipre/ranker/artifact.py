"""The learned ranker as an artifact outside the warehouse (docs/ranking.md, "The artifact").

``intermediate.int_ranker_model`` holds the fitted model of a build with ``ranking_method:
learned``. ``ipre export-artifacts`` packs it into model.tar.gz beside the clustering models
(``ranker.json``: status, reason, features, parameters, training cutoffs and validation;
``ranker_model.txt``: the model in LightGBM's text format, when trained), and ``ipre export``
lists its status and the model's sha256 in the export manifest, so a reader can tell which
model ranked an export. Warehouses built with another method have no such table: both stay
as they were.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    from ipre.ranker.model import FittedRanker

TABLE = "int_ranker_model"
SCHEMA = "intermediate"
META_FILE = "ranker.json"
MODEL_FILE = "ranker_model.txt"
# int_ranker_model's columns (ipre.ranker.training writes them)
MODEL_COLUMNS = (
    "status", "status_reason", "training_cutoffs", "training_customers", "training_rows",
    "validation_cutoff", "validation_customers", "validation_ndcg", "validation_similarity_ndcg",
    "features", "params", "model_text",
)  # fmt: skip
# those that describe the model as facts (the lists and the model text travel on their own)
FACTS = tuple(name for name in MODEL_COLUMNS if name not in ("features", "params", "model_text"))


def read_ranker_row(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The warehouse's int_ranker_model row, or None when it was built without the ranker."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [SCHEMA, TABLE],
    ).fetchone()
    if not found or not found[0]:
        return None
    cursor = con.execute(f"select * from {SCHEMA}.{TABLE}")
    names = [column[0] for column in cursor.description]
    rows = cursor.fetchall()
    return dict(zip(names, rows[0], strict=True)) if rows else None


def model_sha256(row: dict[str, Any]) -> str | None:
    text = row.get("model_text")
    return hashlib.sha256(text.encode()).hexdigest() if text else None


def plain(value: Any) -> Any:
    """A warehouse cell as JSON: numbers stay numbers, dates become ISO text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def ranker_summary(row: dict[str, Any]) -> dict[str, Any]:
    """What the export manifest and the artifact registry say of the ranker."""
    facts = {name: plain(row.get(name)) for name in FACTS}
    features = row.get("features") or ""
    return {
        **facts,
        "features": [name for name in features.split(",") if name],
        "params": json.loads(row["params"]) if row.get("params") else None,
        "model_sha256": model_sha256(row),
    }


def ranker_members(row: dict[str, Any]) -> tuple[dict[str, bytes], dict[str, Any]]:
    """model.tar.gz members and the registry entry for the ranker row."""
    summary = ranker_summary(row)
    members = {META_FILE: json.dumps(summary, indent=2, sort_keys=True).encode()}
    files = {"meta": META_FILE}
    if row.get("model_text"):
        members[MODEL_FILE] = row["model_text"].encode()
        files["model"] = MODEL_FILE
    return members, {**summary, "files": files}


def load_ranker(read: dict[str, bytes], entry: dict[str, Any] | None) -> FittedRanker | None:
    """The fitted ranker from model.tar.gz's members, or None when none was packed."""
    if not entry or "model" not in entry.get("files", {}):
        return None
    from ipre.ranker.model import FittedRanker  # LightGBM only when a model is read

    return FittedRanker.from_artifact(
        {
            "model": read[entry["files"]["model"]].decode(),
            "features": entry["features"],
            "training_customers": entry["training_customers"],
            "training_rows": entry["training_rows"],
        }
    )
