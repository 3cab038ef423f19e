"""The real inference server process: lifecycle, each request shape and each error case."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from serve_support import (
    ServerProcess,
    expected_items,
    expected_reorders,
    fixture_rows,
    free_port,
    read_response,
    running_server,
    write_fixture,
)

ROWS = fixture_rows()
MAX_BODY = 6_291_456


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    path = write_fixture(tmp_path_factory.mktemp("export") / "recommendations.parquet", ROWS)
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), "IPRE_MAX_BATCH": "50"}) as srv:
        srv.wait_ready()
        yield srv


def test_ping_is_503_until_loaded_then_200(tmp_path: Path) -> None:
    path = tmp_path / "later" / "recommendations.parquet"
    # one worker: with two, each loads on its own, and a ping after the first is ready may
    # reach the second still loading (seen under load)
    env = {
        "IPRE_RECOMMENDATIONS_URI": str(path), "IPRE_LOAD_RETRY_SECONDS": "0.05",
        "MODEL_SERVER_WORKERS": "1",
    }  # fmt: skip
    with running_server(env) as srv:
        status, body = srv.request("GET", "/ping")
        assert status == 503 and body["error"]["code"] == "loading"
        assert srv.invoke({"customer_id": "C00000"})[0] == 503
        write_fixture(path, ROWS)  # the export appears after the server started
        try:
            srv.wait_ready(timeout=10)
        except OSError:  # the server went away: its log says why (once seen under load)
            print("server log:", srv.log())
            raise
        assert srv.request("GET", "/ping") == (200, {"status": "ok"})
        assert srv.stop() == 0


def test_single_customer(server: ServerProcess) -> None:
    status, body = server.invoke({"customer_id": "C00002"})
    assert status == 200
    assert body == {
        "customer_id": "C00002",
        "known_customer": True,
        "status": "ok",
        "recommendations": expected_items(ROWS, "C00002"),
        "reorders": [],  # an export without a manifest lists no reminders
    }
    assert [item["rank"] for item in body["recommendations"]] == [1, 2, 3, 4, 5]


def test_missing_measures_are_null_not_nan(server: ServerProcess) -> None:
    fallback = server.invoke({"customer_id": "C00001"})[1]["recommendations"][-1]
    assert fallback["trigger_product"] == "fallback"
    assert fallback["confidence"] is None and fallback["lift"] is None


def test_unknown_customer_is_200_and_flagged(server: ServerProcess) -> None:
    status, body = server.invoke({"customer_id": "NOPE"})
    assert status == 200
    assert body == {"customer_id": "NOPE", "known_customer": False,
                    "status": "unknown_customer", "recommendations": [],
                    "reorders": []}  # fmt: skip


def test_batch_keeps_request_order(server: ServerProcess) -> None:
    ids = ["C00003", "unknown", "C00000", "C00003"]
    status, body = server.invoke({"customer_ids": ids})
    assert status == 200 and body["count"] == 4
    assert [r["customer_id"] for r in body["results"]] == ids
    assert [r["known_customer"] for r in body["results"]] == [True, False, True, True]
    assert body["results"][2]["recommendations"] == expected_items(ROWS, "C00000")


def test_csv_one_id_per_line(server: ServerProcess) -> None:
    body = b'customer_id\r\nC00001\n\n"C00004"\nX1\n'
    status, answer = server.invoke(body, "text/csv; charset=utf-8")
    assert status == 200
    assert [r["customer_id"] for r in answer["results"]] == ["C00001", "C00004", "X1"]
    assert answer["results"][1]["recommendations"] == expected_items(ROWS, "C00004")


def test_json_with_charset_and_extra_fields(server: ServerProcess) -> None:
    status, body = server.invoke({"customer_id": " C00000 ", "source": "flow"},
                                 "application/json; charset=UTF-8")  # fmt: skip
    assert status == 200 and body["known_customer"] is True


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"\xff\xfe\x00", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b"{}", "application/json", 400),
        (b'{"customer_id": 52}', "application/json", 400),
        (b'{"customer_id": ""}', "application/json", 400),
        (b'{"customer_id": null}', "application/json", 400),
        (b'{"customer_ids": "C00001"}', "application/json", 400),
        (b'{"customer_ids": []}', "application/json", 400),
        (b'{"customer_ids": ["C1", 2]}', "application/json", 400),
        (b'{"customer_id": "C1", "customer_ids": ["C2"]}', "application/json", 400),
        (b"[" * 100_000, "application/json", 400),
        (b"", "text/csv", 400),
        (b'{"customer_id": "C00001"}', "application/xml", 415),
        (b'{"customer_id": "C00001"}', "", 415),
        (json.dumps({"customer_ids": ["C"] * 51}).encode(), "application/json", 413),
        ("\n".join(["C"] * 51).encode(), "text/csv", 413),
    ],
)
def test_bad_requests_get_4xx_json(
    server: ServerProcess, body: bytes, content_type: str, status: int
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    got, answer = server.request("POST", "/invocations", body, headers)
    assert got == status
    assert isinstance(answer["error"]["message"], str) and answer["error"]["code"]


def test_body_over_6mb_is_413_without_reading_it(server: ServerProcess) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": str(MAX_BODY + 1)}
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(f"POST /invocations HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode())
        status, _, body = read_response(sock)  # answered before any body byte is sent
    assert status == 413
    assert json.loads(body)["error"]["code"] == "body_too_large"


def test_body_of_exactly_6mb_is_accepted(server: ServerProcess) -> None:
    payload = b'{"customer_id": "C00001"}'
    body = payload + b" " * (MAX_BODY - len(payload))
    status, answer = server.invoke(body)
    assert status == 200 and answer["known_customer"] is True


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/invocations", 405), ("POST", "/ping", 405), ("PUT", "/invocations", 405),
     ("DELETE", "/ping", 405), ("BREW", "/ping", 405), ("GET", "/nowhere", 404)],
)  # fmt: skip
def test_wrong_route_or_method(server: ServerProcess, method: str, path: str, status: int) -> None:
    got, answer = server.request(method, path, b"{}", {"Content-Type": "application/json"})
    assert got == status and "error" in answer


def test_garbage_and_half_requests_do_not_hurt(server: ServerProcess) -> None:
    junk_requests = (
        b"\x00\x01garbage\r\n\r\n", b"GET /ping HTTP/9.9\r\n\r\n", b"POST /invo",
        b"GET /ping\r\n",  # HTTP/0.9
        b"GET /ping HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n",  # too many headers
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",  # request line too long
        b"POST /invocations HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
    )  # fmt: skip
    for junk in junk_requests:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(junk)
            sock.shutdown(socket.SHUT_WR)
            answer = sock.recv(4096)
        assert not answer.startswith(b"HTTP/1.1 5") and not answer.startswith(b"HTTP/1.0 5")
    assert server.request("GET", "/ping")[0] == 200


def test_missing_content_length_is_411(server: ServerProcess) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /invocations HTTP/1.1\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")  # fmt: skip
        assert sock.recv(4096).startswith(b"HTTP/1.1 411")


def test_keep_alive_serves_many_requests_on_one_socket(server: ServerProcess) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    for n in range(20):
        conn.request("POST", "/invocations", json.dumps({"customer_id": f"C{n % 6:05d}"}),
                     {"Content-Type": "application/json"})  # fmt: skip
        response = conn.getresponse()
        assert response.status == 200 and json.loads(response.read())["known_customer"]
    conn.close()


def test_sagemaker_port_variable_and_model_dir(tmp_path: Path) -> None:
    write_fixture(tmp_path / "model" / "recommendations.parquet", ROWS)
    port = free_port()
    env = {"SAGEMAKER_BIND_TO_PORT": str(port), "IPRE_MODEL_DIR": str(tmp_path / "model"),
           "IPRE_RECOMMENDATIONS_URI": ""}  # fmt: skip
    with running_server(env) as srv:
        assert srv.port == port
        srv.wait_ready()
        assert srv.invoke({"customer_id": "C00005"})[1]["known_customer"] is True
        started = time.monotonic()
        assert srv.stop() == 0  # SIGTERM: clean exit, well inside SageMaker's 30 s
        assert time.monotonic() - started < 5


def test_unusable_export_exits_nonzero(tmp_path: Path) -> None:
    bad = tmp_path / "recommendations.parquet"
    bad.write_bytes(b"not parquet")
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(bad)}) as srv:
        assert srv.proc.wait(timeout=20) == 1
        assert "cannot load recommendations" in srv.log()


def test_runs_from_any_working_directory(tmp_path: Path) -> None:
    path = write_fixture(tmp_path / "recs.parquet", ROWS)
    with running_server({"IPRE_RECOMMENDATIONS_URI": "recs.parquet"}, cwd=tmp_path) as srv:
        srv.wait_ready()
        assert srv.invoke({"customer_id": "C00000"})[1]["known_customer"] is True
    assert path.exists()


def test_matches_pipeline_export_row_for_row(published_sample: tuple[Path, Path]) -> None:
    """The export of the session's `ipre build` of the sample (conftest.published_sample), as
    `make run` publishes it, served back row for row."""
    export = published_sample[1] / "recommendations.parquet"
    rows = pq.read_table(export).to_pylist()
    reminders_path = export.with_name("reorder_reminders.parquet")
    reminders = pq.read_table(reminders_path).to_pylist() if reminders_path.exists() else []
    customers = sorted({row["customer_id"] for row in rows + reminders})
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(export)}) as srv:
        srv.wait_ready(timeout=60)
        for customer_id in customers:
            status, body = srv.invoke({"customer_id": customer_id})
            assert status == 200 and body["known_customer"] is True
            assert body["recommendations"] == expected_items(rows, customer_id), customer_id
            assert body["reorders"] == expected_reorders(reminders, customer_id), customer_id
    assert reminders, "the sample's export has reorder reminders"
