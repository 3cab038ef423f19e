"""The manifest ``ipre export`` writes: verified at load, refused on mismatch or emptiness,
shown on GET /info."""

from __future__ import annotations

import json
from pathlib import Path

from serve_support import (
    MANIFEST,
    expected_items,
    expected_reorders,
    fixture_rows,
    publish,
    reorder_rows,
    running_server,
    write_fixture,
)

ROWS = fixture_rows()
ONE_WORKER = {"MODEL_SERVER_WORKERS": "1"}


def _refused(srv, code: str = "integrity_error") -> dict:  # type: ignore[no-untyped-def]
    status, body = srv.request("GET", "/ping")
    assert status == 503 and body["error"]["code"] == code, body
    assert srv.invoke({"customer_id": "C00001"})[0] == 503
    return body


def test_verified_export_is_served_and_described(tmp_path: Path) -> None:
    path = publish(tmp_path, ROWS)
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **ONE_WORKER}) as srv:
        srv.wait_ready()
        status, info = srv.request("GET", "/info")
        manifest = json.loads((tmp_path / MANIFEST).read_text())
        assert "build 20260201T100000.000000" in srv.log()
    assert status == 200 and info["verified"] is True and info["manifest"] == manifest
    assert info["sha256"] == manifest["sha256"] and info["rows"] == len(ROWS)
    assert info["customers"] == 6 and info["max_batch"] > 1000


def test_flipped_bytes_are_refused(tmp_path: Path) -> None:
    path = publish(tmp_path, ROWS, flip=True)
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **ONE_WORKER}) as srv:
        body = _refused(srv)
        assert "does not match the manifest" in body["error"]["message"]
        assert srv.request("GET", "/info")[0] == 503
        assert "refusing to serve" in srv.log()
        assert srv.proc.poll() is None  # unhealthy, not gone: a correct publish heals it


def test_row_count_mismatch_is_refused(tmp_path: Path) -> None:
    path = publish(tmp_path, ROWS)
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    (tmp_path / MANIFEST).write_text(json.dumps({**manifest, "rows": 29}))
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **ONE_WORKER}) as srv:
        assert "the manifest says 29" in _refused(srv)["error"]["message"]


def test_empty_export_is_refused_unless_allowed(tmp_path: Path) -> None:
    path = publish(tmp_path, [])
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **ONE_WORKER}) as srv:
        assert "no rows" in _refused(srv)["error"]["message"]
    env = {"IPRE_RECOMMENDATIONS_URI": str(path), "IPRE_ALLOW_EMPTY": "1", **ONE_WORKER}
    with running_server(env) as srv:
        srv.wait_ready()
        status, body = srv.invoke({"customer_id": "C00001"})
        assert status == 200 and body["status"] == "unknown_customer"


def test_empty_export_without_manifest_is_refused(tmp_path: Path) -> None:
    path = write_fixture(tmp_path / "recommendations.parquet", [])
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **ONE_WORKER}) as srv:
        _refused(srv)


def test_export_without_manifest_is_served_unverified(tmp_path: Path) -> None:
    path = write_fixture(tmp_path / "recommendations.parquet", ROWS)
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **ONE_WORKER}) as srv:
        srv.wait_ready()
        info = srv.request("GET", "/info")[1]
        assert "integrity not verified" in srv.log()
    assert info["verified"] is False and info["manifest"] is None


def test_refused_server_becomes_healthy_when_a_good_export_is_published(tmp_path: Path) -> None:
    path = publish(tmp_path, ROWS, flip=True)
    env = {"IPRE_RECOMMENDATIONS_URI": str(path), "IPRE_WATCH_SECONDS": "0.1", **ONE_WORKER}
    with running_server(env) as srv:
        _refused(srv)
        publish(tmp_path, ROWS)
        srv.wait_ready(timeout=10)
        assert srv.invoke({"customer_id": "C00001"})[1]["status"] == "ok"


def test_batch_limit_comes_from_the_data(tmp_path: Path) -> None:
    rows = fixture_rows(customers=6, per_customer=20)  # top_k 20: a smaller limit than top_k 5
    path = publish(tmp_path, rows)
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **ONE_WORKER}) as srv:
        srv.wait_ready()
        limit = srv.request("GET", "/info")[1]["max_batch"]
        ids = [f"C{n % 6:05d}" for n in range(limit)]
        status, body = srv.invoke({"customer_ids": ids})
        assert status == 200 and body["count"] == limit
        assert len(json.dumps(body, separators=(",", ":"))) <= 6_291_456
        status, body = srv.invoke({"customer_ids": ids + ["C00000"]})
        assert status == 413 and body["error"]["code"] == "batch_too_large"


def test_status_tells_unknown_from_no_recent_purchases(tmp_path: Path) -> None:
    path = publish(tmp_path, ROWS, no_recent=["M00001", "C00001"])  # C00001 has recommendations
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **ONE_WORKER}) as srv:
        srv.wait_ready()
        assert srv.request("GET", "/info")[1]["no_recent_purchases"] == 2
        status, body = srv.invoke({"customer_id": "M00001"})
        assert (status, body) == (200, {"customer_id": "M00001", "known_customer": False,
                                        "status": "no_recent_purchases", "recommendations": [],
                                        "reorders": []})  # fmt: skip
        results = srv.invoke({"customer_ids": ["C00001", "M00001", "NOPE"]})[1]["results"]
        assert [r["status"] for r in results] == ["ok", "no_recent_purchases", "unknown_customer"]
        assert [r["known_customer"] for r in results] == [True, False, False]


def test_tampered_customer_list_is_refused(tmp_path: Path) -> None:
    path = publish(tmp_path, ROWS, no_recent=["M00001"])
    (tmp_path / "no_recent_purchases.parquet").write_bytes(b"PAR1 tampered")
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **ONE_WORKER}) as srv:
        assert "no_recent_purchases.parquet" in _refused(srv)["error"]["message"]


def test_reorder_reminders_are_served_beside_the_recommendations(tmp_path: Path) -> None:
    reminders = reorder_rows(("C00001", "C00003", "R00009"), per_customer=3)  # R00009: no recs
    path = publish(tmp_path, ROWS, reorders=reminders)
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **ONE_WORKER}) as srv:
        srv.wait_ready()
        assert srv.request("GET", "/info")[1]["reorder_reminders"] == 9
        body = srv.invoke({"customer_id": "C00003"})[1]
        assert body["recommendations"] == expected_items(ROWS, "C00003")
        assert body["reorders"] == expected_reorders(reminders, "C00003")
        assert [r["rank"] for r in body["reorders"]] == [1, 2, 3]
        assert body["reorders"][0]["expected_next_date"] == "2026-02-03"
        only = srv.invoke({"customer_id": "R00009"})[1]
        assert (only["status"], only["known_customer"], only["recommendations"]) == ("ok", True, [])
        assert only["reorders"] == expected_reorders(reminders, "R00009")
        results = srv.invoke({"customer_ids": ["C00000", "C00001", "NOPE"]})[1]["results"]
    assert [len(r["reorders"]) for r in results] == [0, 3, 0]
    assert results[1]["reorders"] == expected_reorders(reminders, "C00001")


def test_tampered_reorder_reminders_are_refused(tmp_path: Path) -> None:
    path = publish(tmp_path, ROWS, reorders=reorder_rows())
    (tmp_path / "reorder_reminders.parquet").write_bytes(b"PAR1 tampered")
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **ONE_WORKER}) as srv:
        assert "reorder_reminders.parquet" in _refused(srv)["error"]["message"]
