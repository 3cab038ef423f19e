"""Reload without downtime: a new export published under load is picked up by every worker,
with no failed request; a broken publish keeps the previous export serving."""

from __future__ import annotations

import http.client
import json
import threading
import time
from pathlib import Path

from serve_support import expected_reorders, fixture_rows, publish, reorder_rows, running_server

OLD = fixture_rows()
OLD_FIRST = next(r["recommended_product"] for r in OLD
                 if r["customer_id"] == "C00002" and r["rank"] == 1)  # fmt: skip
NEW = [{**row, "recommended_product": f"NEW{row['rank']}"} for row in fixture_rows()]
WATCH = {"IPRE_WATCH_SECONDS": "0.1", "MODEL_SERVER_WORKERS": "2"}
OLD_REORDERS = reorder_rows(("C00002",), tag="OLD")
NEW_REORDERS = reorder_rows(("C00002", "C00004"), per_customer=3, tag="NEW")


def _reorders(port: int, customer_id: str) -> list[dict]:  # type: ignore[type-arg]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("POST", "/invocations", json.dumps({"customer_id": customer_id}),
                     {"Content-Type": "application/json"})  # fmt: skip
        return json.loads(conn.getresponse().read())["reorders"]
    finally:
        conn.close()


def _first_product(conn: http.client.HTTPConnection) -> tuple[int, str]:
    conn.request("POST", "/invocations", json.dumps({"customer_id": "C00002"}),
                 {"Content-Type": "application/json"})  # fmt: skip
    response = conn.getresponse()
    body = json.loads(response.read())
    if response.status != 200:
        return response.status, str(body)
    return response.status, body["recommendations"][0]["product_id"]


def test_publish_under_load_no_errors_then_new_data(tmp_path: Path) -> None:
    path = publish(tmp_path, OLD, reorders=OLD_REORDERS)
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **WATCH}) as srv:
        srv.wait_ready()
        deadline = time.monotonic() + 20  # both workers serving before the publish
        while time.monotonic() < deadline and srv.log().count("ipre_serve: loaded ") < 2:
            time.sleep(0.05)
        stop, errors, seen = threading.Event(), [], []

        def client() -> None:
            # A fresh connection now and then, so both workers are exercised.
            while not stop.is_set():
                conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
                try:
                    for _ in range(20):
                        status, product = _first_product(conn)
                        (seen if status == 200 else errors).append((status, product))
                except OSError as err:
                    errors.append((0, repr(err)))
                finally:
                    conn.close()

        threads = [threading.Thread(target=client) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        before = len(seen)
        assert _reorders(srv.port, "C00002") == expected_reorders(OLD_REORDERS, "C00002")
        publish(tmp_path, NEW, reorders=NEW_REORDERS)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and "reloaded" not in srv.log():
            time.sleep(0.1)
        time.sleep(1.0)  # both workers' watchers have polled several times by now
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
        assert srv.log().count("reloaded ") == 2, srv.log()  # each worker, once
        after = [_first_product(http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5))
                 for _ in range(20)]  # fmt: skip
        for _ in range(4):  # fresh connections: both workers swapped the reminders too
            assert _reorders(srv.port, "C00002") == expected_reorders(NEW_REORDERS, "C00002")
            assert _reorders(srv.port, "C00004") == expected_reorders(NEW_REORDERS, "C00004")
    assert not errors, errors[:5]
    assert before > 0 and {product for _, product in seen[:before]} == {OLD_FIRST}
    assert {product for _, product in seen} <= {OLD_FIRST, "NEW1"}
    assert set(after) == {(200, "NEW1")}


def test_broken_publish_keeps_the_previous_export(tmp_path: Path) -> None:
    path = publish(tmp_path, OLD)
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **WATCH}) as srv:
        srv.wait_ready()
        sha = srv.request("GET", "/info")[1]["sha256"]
        publish(tmp_path, NEW, flip=True)
        deadline = time.monotonic() + 10
        kept = "still serving the previous export"
        while time.monotonic() < deadline and srv.log().count(kept) < 2:
            time.sleep(0.1)
        assert srv.log().count(kept) >= 2, srv.log()  # each worker refused it
        for _ in range(10):
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
            assert _first_product(conn) == (200, OLD_FIRST)
            conn.close()
        assert srv.request("GET", "/ping")[0] == 200
        assert srv.request("GET", "/info")[1]["sha256"] == sha
        (tmp_path / "recommendations.parquet").write_bytes(b"not parquet")  # no manifest change
        publish(tmp_path, NEW)  # and then a good one
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and srv.log().count("reloaded ") < 2:
            time.sleep(0.1)
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        assert _first_product(conn) == (200, "NEW1")


def test_replacement_worker_with_a_broken_export_does_not_stop_the_server(tmp_path: Path) -> None:
    import os
    import signal

    path = publish(tmp_path, OLD)
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **WATCH}) as srv:
        srv.wait_ready()
        (tmp_path / "recommendations.manifest.json").unlink()
        path.write_bytes(b"not parquet")  # a broken file on disk; the workers keep the old one
        time.sleep(0.5)
        children = Path(f"/proc/{srv.proc.pid}/task/{srv.proc.pid}/children").read_text().split()
        os.kill(int(children[0]), signal.SIGKILL)  # gunicorn replaces it; it cannot load
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "cannot load the new export" not in srv.log():
            time.sleep(0.1)
        assert "cannot load the new export" in srv.log()
        time.sleep(0.5)
        assert srv.proc.poll() is None, srv.log()  # still serving through the other worker
        publish(tmp_path, NEW)  # the replacement heals with the next good export
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and srv.log().count("reloaded ") < 2:
            time.sleep(0.1)
        answers = {_first_product(http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5))
                   for _ in range(20)}  # fmt: skip
        assert answers == {(200, "NEW1")}
