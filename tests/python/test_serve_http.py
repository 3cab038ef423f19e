"""HTTP conformance of the gunicorn server, with raw sockets on loopback: each finding of
issue 14's "Why" about http.server, and the right answer now."""

from __future__ import annotations

import json
import os
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_support import ServerProcess, fixture_rows, running_server, write_fixture

ROWS = fixture_rows()
ENV = {
    "MODEL_SERVER_WORKERS": "1",
    "MODEL_SERVER_THREADS": "4",
    "IPRE_MAX_CONNECTIONS": "64",
    "IPRE_KEEPALIVE_SECONDS": "1",
    "IPRE_READ_TIMEOUT_SECONDS": "1",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    path = write_fixture(tmp_path_factory.mktemp("http") / "recommendations.parquet", ROWS)
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **ENV}) as srv:
        srv.wait_ready()
        yield srv


def exchange(port: int, raw: bytes, timeout: float = 5.0) -> bytes:
    """Send ``raw``, half-close, read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def split(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1."), lines[0]
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def post(body: bytes, extra: bytes = b"") -> bytes:
    return (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + extra + b"Connection: close\r\n\r\n" + body)  # fmt: skip


GOOD = b'{"customer_id": "C00001"}'


@pytest.mark.parametrize(
    "content_length",
    [b"Content-Length: 2\xc3\xa9\r\n", b"Content-Length: abc\r\n", b"Content-Length: -5\r\n",
     b"Content-Length: 1 2\r\n", b"Content-Length: +25\r\n"],
)  # fmt: skip
def test_bad_content_length_is_400(server: ServerProcess, content_length: bytes) -> None:
    status, _, _ = split(exchange(server.port, post(GOOD, content_length)))
    assert status == 400


def test_duplicate_content_length_is_400(server: ServerProcess) -> None:
    length = f"Content-Length: {len(GOOD)}\r\n".encode()
    assert split(exchange(server.port, post(GOOD, length + length)))[0] == 400
    other = f"Content-Length: {len(GOOD) - 1}\r\n".encode()
    assert split(exchange(server.port, post(GOOD, length + other)))[0] == 400


def test_head_ping_is_200_without_body(server: ServerProcess) -> None:
    answer = exchange(server.port, b"HEAD /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    status, headers, body = split(answer)
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(len(b'{"status":"ok"}'))


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [("PUT", "/invocations", "POST"), ("GET", "/invocations", "POST"),
     ("DELETE", "/ping", "GET, HEAD"), ("POST", "/info", "GET, HEAD")],
)  # fmt: skip
def test_405_carries_allow(server: ServerProcess, method: str, path: str, allow: str) -> None:
    raw = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    status, headers, body = split(exchange(server.port, raw.encode()))
    assert (status, headers["allow"]) == (405, allow)
    assert json.loads(body)["error"]["code"] == "method_not_allowed"


TLS_CLIENT_HELLO = bytes.fromhex("16030100a5010000a10303") + os.urandom(32) + b"\x00" * 60


@pytest.mark.parametrize(
    "junk",
    [b"GET /ping HTTP/2.0\r\nHost: x\r\n\r\n", b"GET /ping HTTP/9.9\r\n\r\n",
     b"\x00\x01garbage\r\n\r\n", b"GET  /ping  HTTP/1.1\r\n\r\n",
     TLS_CLIENT_HELLO[:5] + b"\r\n\r\n",
     b"GET /ping HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n",
     b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n"],
)  # fmt: skip
def test_malformed_requests_get_400_with_a_status_line(server: ServerProcess, junk: bytes) -> None:
    answer = exchange(server.port, junk)
    assert answer.startswith((b"HTTP/1.1 400", b"HTTP/1.0 400", b"HTTP/1.1 414",
                              b"HTTP/1.1 431")), answer[:80]  # fmt: skip


def test_tls_hello_gets_no_json_without_a_status_line(server: ServerProcess) -> None:
    # A ClientHello has no line end: it is an unfinished request line, closed without an answer
    # at the client's EOF (or after the read timeout), never answered by a bare body.
    answer = exchange(server.port, TLS_CLIENT_HELLO)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400")
    assert server.request("GET", "/ping")[0] == 200


def test_error_bodies_echo_at_most_200_characters(server: ServerProcess) -> None:
    long_type = "application/" + "x" * 3000
    raw = post(GOOD, f"Content-Length: {len(GOOD)}\r\n".encode()).replace(
        b"application/json", long_type.encode())  # fmt: skip
    status, _, body = split(exchange(server.port, raw))
    assert status == 415 and len(json.loads(body)["error"]["message"]) < 300
    path = "/" + "p" * 3000
    answer = exchange(server.port, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                      .encode())  # fmt: skip
    status, _, body = split(answer)
    assert status == 404 and len(json.loads(body)["error"]["message"]) < 300


def test_idle_keep_alive_connection_is_closed(server: ServerProcess) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while not answer.endswith(b'{"status":"ok"}'):
            answer += sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        assert sock.recv(4096) == b""  # closed by the server after the 1 s keep-alive
        assert time.monotonic() - started < 5


def test_silent_connection_is_closed(server: ServerProcess) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        started = time.monotonic()
        assert sock.recv(4096) == b""
        assert time.monotonic() - started < 12


def test_slow_client_is_dropped(server: ServerProcess) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(b"GET /ping HTTP/1.1\r\n")
        started = time.monotonic()
        try:
            for byte in b"Host: x\r\n\r\n":
                time.sleep(2.5)  # one byte per 2.5 s: past the 1 s read timeout
                sock.sendall(bytes([byte]))
            answer = sock.recv(4096)
        except OSError:
            answer = b""
        assert answer == b"" and time.monotonic() - started < 12
    assert "sent nothing for 1s" in server.log()
    assert server.request("GET", "/ping")[0] == 200


def _threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def _workers(server: ServerProcess) -> list[int]:
    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text()
    return [int(pid) for pid in children.split()]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_idle_connections_do_not_grow_threads(server: ServerProcess) -> None:
    (worker,) = _workers(server)
    before = _threads(worker)
    sockets = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(300)]
    try:
        time.sleep(1.0)
        # at most the 4 request threads are added, whatever the number of connections
        assert _threads(worker) <= before + 4
    finally:
        for sock in sockets:
            sock.close()
    time.sleep(0.5)
    assert server.request("GET", "/ping")[0] == 200


def test_client_resets_are_not_tracebacks(server: ServerProcess) -> None:
    linger = struct.pack("ii", 1, 0)  # close() sends RST
    for n in range(100):
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        body = json.dumps({"customer_ids": [f"C{n % 6:05d}"] * 20}).encode()
        sock.sendall(post(body, f"Content-Length: {len(body)}\r\n".encode())[: 40 + n])
        sock.close()
    time.sleep(0.5)
    assert server.request("GET", "/ping")[0] == 200
    assert "Traceback" not in server.log()


def test_one_structured_access_line_per_request(server: ServerProcess) -> None:
    marker = f"/nowhere-{time.monotonic_ns()}"
    server.request("GET", marker)
    server.invoke({"customer_ids": ["C00001", "C00002", "X"]})
    deadline = time.monotonic() + 10  # lines are written in batches (accesslog.py)
    while True:
        lines = [json.loads(line.split("ipre_serve.access: ", 1)[1])
                 for line in server.log().splitlines()
                 if "ipre_serve.access: " in line]  # fmt: skip
        if any(line["ids"] == 3 for line in lines) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    mine = [line for line in lines if line["path"] == marker]
    assert len(mine) == 1 and mine[0]["status"] == 404 and mine[0]["method"] == "GET"
    batch = [line for line in lines if line["ids"] == 3]
    assert batch and batch[-1]["path"] == "/invocations" and batch[-1]["ms"] >= 0


def test_sigterm_finishes_in_flight_requests(tmp_path: Path) -> None:
    path = write_fixture(tmp_path / "recommendations.parquet", ROWS)
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), **ENV}) as srv:
        srv.wait_ready()
        sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")  # accepted, kept alive
        answer = b""
        while not answer.endswith(b'{"status":"ok"}'):
            answer += sock.recv(4096)
        body = json.dumps({"customer_id": "C00003"}).encode()
        request = post(body, f"Content-Length: {len(body)}\r\n".encode())
        sock.sendall(request[:-5])  # the request is in flight when SIGTERM arrives
        time.sleep(0.2)
        srv.proc.send_signal(15)
        time.sleep(0.3)
        sock.sendall(request[-5:])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        sock.close()
        status, _, reply = split(answer)
        assert status == 200 and json.loads(reply)["customer_id"] == "C00003"
        assert srv.proc.wait(timeout=25) == 0


def test_client_that_stops_reading_is_dropped(server: ServerProcess) -> None:
    body = json.dumps({"customer_ids": [f"C{n % 6:05d}" for n in range(1500)]}).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(post(body, f"Content-Length: {len(body)}\r\n".encode()))
        time.sleep(3.0)  # a ~4 MB answer, never read: buffered or timed out, never a traceback
    time.sleep(0.5)
    assert server.request("GET", "/ping")[0] == 200
    assert "Traceback" not in server.log()
