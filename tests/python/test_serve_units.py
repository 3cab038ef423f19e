"""In-process unit tests of the serve package: settings, request parsing, the index."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from serve_support import ROOT, SCHEMA, expected_items, fixture_rows, write_fixture

sys.path.insert(0, str(ROOT / "serve"))  # the server package ships beside serve/serve

from ipre_serve import config, loader  # noqa: E402
from ipre_serve.index import build_index  # noqa: E402
from ipre_serve.parsing import RequestError, parse  # noqa: E402


def test_settings_follow_sagemaker_rules() -> None:
    assert config.from_env({}).port == 8080
    assert config.from_env({}).source == "/opt/ml/model"
    env = {"SAGEMAKER_BIND_TO_PORT": "9090", "IPRE_PORT": "7000",
           "IPRE_RECOMMENDATIONS_URI": "s3://b/k.parquet"}  # fmt: skip
    settings = config.from_env(env)
    assert (settings.port, settings.source) == (9090, "s3://b/k.parquet")
    assert settings.max_body_bytes == 6_291_456 and settings.max_batch is None


@pytest.mark.parametrize(
    ("content_type", "body", "ids", "batch"),
    [
        ("application/json", b'{"customer_id": "C1"}', ("C1",), False),
        ("application/json", b'{"customer_ids": ["C1", "C2"]}', ("C1", "C2"), True),
        ("text/csv", b"\xef\xbb\xbfC1\r\nC2\r\n", ("C1", "C2"), True),
        ("Text/CSV; header=absent", b"customer_id\nC3", ("C3",), True),
    ],
)
def test_parse_accepts(content_type: str, body: bytes, ids: tuple[str, ...], batch: bool) -> None:
    parsed = parse(content_type, body, max_batch=10)
    assert (parsed.customer_ids, parsed.batch) == (ids, batch)


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [("application/json", b"1e999999", 400), ("application/json", b'"C1"', 400),
     ("application/json", b'{"customer_ids": ["x", "y", "z"]}', 413),
     ("application/json", b'{"customer_id": "' + b"x" * 129 + b'"}', 400),
     ("text/html", b"C1", 415), (None, b"C1", 415)],
)  # fmt: skip
def test_parse_rejects(content_type: str | None, body: bytes, status: int) -> None:
    with pytest.raises(RequestError) as err:
        parse(content_type, body, max_batch=2)
    assert err.value.status == status and err.value.message


def test_index_serialises_each_customer_once(tmp_path: Path) -> None:
    rows = fixture_rows(customers=3)
    shuffled = list(reversed(rows))  # rank order must come from `rank`, not file order
    index = build_index(pa.Table.from_pylist(shuffled, schema=SCHEMA))
    assert len(index) == 3 and index.known("C00001") and not index.known("C9")
    single = json.loads(index.single("C00001"))
    assert single["recommendations"] == expected_items(rows, "C00001")
    batch = json.loads(index.batch(["C9", "C00000"]))
    assert batch["count"] == 2 and batch["results"][0]["known_customer"] is False


def test_loader_rejects_exports_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "recommendations.parquet"
    write_fixture(path)
    assert loader.read_table(str(tmp_path)).num_rows == len(fixture_rows())
    pq.write_table(pa.table({"customer_id": ["C1"]}), path)
    with pytest.raises(loader.BadExport, match="missing columns"):
        loader.read_table(str(path))
    with pytest.raises(loader.SourceMissing):
        loader.read_table(str(tmp_path / "absent.parquet"))


@pytest.mark.parametrize(("top_k", "reason"), [(1, "r"), (5, "long reason " * 40),
                                               (20, "long reason " * 40), (100, "r")])
def test_batch_limit_keeps_the_answer_under_6mb(top_k: int, reason: str) -> None:
    rows = fixture_rows(customers=40, per_customer=top_k)
    for row in rows:
        row["reason"] = reason
    index = build_index(pa.Table.from_pylist(rows, schema=SCHEMA))
    limit = index.batch_limit(config.MAX_RESPONSE_BYTES, 128)
    known = sorted({row["customer_id"] for row in rows})
    worst = [known[n % len(known)] for n in range(limit)]
    assert len(index.batch(worst)) <= config.MAX_RESPONSE_BYTES
    assert len(index.batch(["\U0001f600" * 128] * limit)) <= config.MAX_RESPONSE_BYTES
    # and not needlessly small: one more id of the longest answer would not fit
    per_id = max(index.largest_answer, 1643) + 1  # 1,643 bytes: the longest unknown-id answer
    assert (limit + 1) * per_id > config.MAX_RESPONSE_BYTES - 64


def test_load_export_verifies_before_parsing(tmp_path: Path) -> None:
    from serve_support import publish

    path = publish(tmp_path, fixture_rows(customers=2))
    export = loader.load_export(str(tmp_path))
    assert export.manifest is not None and export.sha256 == export.manifest["sha256"]
    assert export.table.num_rows == 10 and export.size == path.stat().st_size
    publish(tmp_path, fixture_rows(customers=2), flip=True)
    with pytest.raises(loader.IntegrityError, match="does not match the manifest"):
        loader.load_export(str(path))
    publish(tmp_path, [])
    with pytest.raises(loader.IntegrityError, match="no rows"):
        loader.load_export(str(path))
    assert loader.load_export(str(path), allow_empty=True).table.num_rows == 0


def test_fingerprint_changes_with_each_publish(tmp_path: Path) -> None:
    from serve_support import publish

    path = publish(tmp_path, fixture_rows(customers=2))
    first = loader.fingerprint(str(path))
    assert first == loader.fingerprint(str(tmp_path)) and first is not None
    publish(tmp_path, fixture_rows(customers=3))
    assert loader.fingerprint(str(path)) != first
    assert loader.fingerprint("s3://bucket/key.parquet") is None


def test_settings_for_gunicorn() -> None:
    settings = config.from_env({"MODEL_SERVER_WORKERS": "3", "MODEL_SERVER_TIMEOUT": "30",
                                "IPRE_ALLOW_EMPTY": "1", "IPRE_ACCESS_LOG": "0"})  # fmt: skip
    assert (settings.workers, settings.timeout_s, settings.allow_empty) == (3, 30, True)
    assert settings.access_log is False
    assert config.from_env({}).workers == config.cores()


def test_model_registry_checksum_is_checked_without_a_manifest(tmp_path: Path) -> None:
    import hashlib

    path = write_fixture(tmp_path / "recommendations.parquet")
    registry = {"recommendations": {"file": "recommendations.parquet", "rows": 30,
                                    "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}}
    (tmp_path / "model_registry.json").write_text(json.dumps(registry))
    export = loader.load_export(str(tmp_path))
    assert export.manifest is not None and export.manifest["from"] == "model_registry.json"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(loader.IntegrityError, match="does not match"):
        loader.load_export(str(tmp_path))


def test_access_log_lines_are_json_and_none_is_lost_while_flushing() -> None:
    import io
    import threading

    from ipre_serve.accesslog import AccessLog

    stream = io.StringIO()
    access = AccessLog(stream)
    access.record("BREW", "/x\n" + "y" * 500, 418, 0, 1.5)

    def many(n: int) -> None:
        for _ in range(2000):
            access.record("POST", "/invocations", 200, n, 0.25)

    threads = [threading.Thread(target=many, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        access.flush()  # flushing while others append
    for thread in threads:
        thread.join()
    access.flush()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 + 4 * 2000
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
    assert re.fullmatch(stamp + r" INFO ipre_serve\.access: \{.*\}", lines[0])
    first = json.loads(lines[0].split("ipre_serve.access: ", 1)[1])
    assert first == {"method": "BREW", "path": "/x\n" + "y" * 197 + "...", "status": 418,
                     "ids": 0, "ms": 1.5}  # fmt: skip
    assert {json.loads(x.split(": ", 1)[1])["ids"] for x in lines[1:]} == {0, 1, 2, 3}


def test_reorder_reminders_shrink_the_batch_limit() -> None:
    """The limit follows the longest answer, reminders included (top_k and reorder_top_k)."""
    from serve_support import REORDER_SCHEMA, reorder_rows

    table = pa.Table.from_pylist(fixture_rows(customers=3), schema=SCHEMA)
    plain = build_index(table)
    reminders = pa.Table.from_pylist(reorder_rows(("C00001",), per_customer=20),
                                     schema=REORDER_SCHEMA)  # fmt: skip
    with_reorders = build_index(table, reorders=reminders)
    assert with_reorders.largest_answer > plain.largest_answer
    limit = with_reorders.batch_limit(6_291_456, 128)
    assert limit < plain.batch_limit(6_291_456, 128)
    body = with_reorders.batch(["C00001"] * limit)
    assert len(body) <= 6_291_456 and json.loads(body)["count"] == limit
    ranks = [r["rank"] for r in json.loads(with_reorders.single("C00001"))["reorders"]]
    assert ranks == list(range(1, 21))


def test_reorder_rows_must_match_the_manifest(tmp_path: Path) -> None:
    from serve_support import publish, reorder_rows

    path = publish(tmp_path, fixture_rows(customers=2), reorders=reorder_rows())
    assert loader.load_export(str(path)).reorders.num_rows == 4
    manifest_file = tmp_path / "recommendations.manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["reorder_reminders"]["rows"] = 5
    manifest_file.write_text(json.dumps(manifest))
    with pytest.raises(loader.IntegrityError, match="reorder_reminders.parquet has 4 rows"):
        loader.load_export(str(path))


def test_a_publish_finishing_during_a_failed_first_load_is_picked_up(tmp_path: Path) -> None:
    """The first load reads a half-published export (integrity error); the publish completes
    before the watcher starts: the watcher still sees it as new and loads it."""
    import threading

    from ipre_serve import model
    from serve_support import publish

    path = publish(tmp_path, fixture_rows(customers=2), flip=True)  # caught half-way
    settings = config.Settings(source=str(path), watch_s=0.02)
    state = model.ModelState()
    assert model.first_attempt(settings, state) and state.loaded is None
    assert state.problem_code == "integrity_error"
    publish(tmp_path, fixture_rows(customers=3))  # the publish completes
    stop = threading.Event()
    watcher = threading.Thread(target=model.watch, args=(settings, state, stop))
    watcher.start()
    try:
        for _ in range(200):
            if state.loaded is not None:
                break
            threading.Event().wait(0.02)
    finally:
        stop.set()
        watcher.join()
    assert state.loaded is not None and len(state.loaded.index) == 3
