"""HTTP front: SageMaker's GET /ping and POST /invocations over a threaded stdlib server.

The stdlib server is enough here: each answer is a dict lookup on pre-serialised bytes, so
the HTTP parsing dominates, and bench/serve_bench.py shows it meets the latency target.
"""

from __future__ import annotations

import json
import logging
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import config, loader
from .index import RecommendationIndex, build_index
from .parsing import RequestError, parse

log = logging.getLogger("ipre_serve")
JSON_TYPE = "application/json"


class ModelState:
    """The loaded index, published once by the loader thread (a single reference swap)."""

    def __init__(self) -> None:
        self.index: RecommendationIndex | None = None
        self.failed: str | None = None


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


class Handler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive so SageMaker and benchmarks reuse sockets."""

    protocol_version = "HTTP/1.1"
    server_version = "ipre-serve"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 65  # idle keep-alive sockets are closed, so threads do not pile up
    server: IpreServer

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        return  # per-request access logs would cost more than the answer itself

    def _send(self, status: int, body: bytes, close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        # One write for head and body: with two small writes Nagle's algorithm meets the
        # client's delayed ACK and every keep-alive answer waits ~40 ms.
        if hasattr(self, "_headers_buffer"):  # absent for HTTP/0.9, which has no headers
            self._headers_buffer.append(b"\r\n")
            self._headers_buffer.append(body)
            self.flush_headers()
        else:
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # The stdlib answers protocol errors with HTML and 501/505: answer JSON and a 4xx.
        status = {501: 405, 505: 400}.get(code, code)
        reason = message or HTTPStatus(status).phrase
        self._send(status, error_body("http_error", reason), close=True)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != "/ping":
            self._send(404, error_body("not_found", f"no route GET {self.path}"))
        elif self.server.state.index is None:
            self._send(503, error_body("loading", "recommendations are not loaded yet"))
        else:
            self._send(200, b'{"status":"ok"}')

    def do_POST(self) -> None:
        if self.path.split("?", 1)[0] != "/invocations":
            self._send(404, error_body("not_found", f"no route POST {self.path}"), close=True)
            return
        try:
            body = self._read_body()
            self._send(200, self._answer(body))
        except RequestError as err:
            self._send(
                err.status, error_body(err.code, err.message), close=err.status in {411, 413}
            )

    def _method_not_allowed(self) -> None:
        self._send(405, error_body("method_not_allowed", f"{self.command} is not supported"), True)

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _method_not_allowed

    def _read_body(self) -> bytes:
        limit = self.server.settings.max_body_bytes
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise RequestError(
                411, "length_required", "send a Content-Length; chunked is not accepted"
            )
        raw = self.headers.get("Content-Length")
        if raw is None or not raw.strip().isdigit():
            raise RequestError(411, "length_required", "a valid Content-Length header is required")
        length = int(raw)
        if length > limit:
            raise RequestError(413, "body_too_large", f"body of {length} bytes exceeds {limit}")
        return self.rfile.read(length)

    def _answer(self, body: bytes) -> bytes:
        request = parse(self.headers.get("Content-Type"), body, self.server.settings.max_batch)
        index = self.server.state.index
        if index is None:
            raise RequestError(503, "loading", "recommendations are not loaded yet")
        if request.batch:
            return index.batch(request.customer_ids)
        return index.single(request.customer_ids[0])


class IpreServer(ThreadingHTTPServer):
    """Threaded server carrying the settings and the model state to its handlers."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, settings: config.Settings, state: ModelState) -> None:
        self.settings = settings
        self.state = state
        super().__init__((settings.host, settings.port), Handler)


def load_with_retry(settings: config.Settings, state: ModelState) -> None:
    """Load the export into ``state``, retrying while it is missing, until the deadline."""
    deadline = time.monotonic() + settings.load_timeout_s
    while True:
        try:
            started = time.perf_counter()
            index = build_index(loader.read_table(settings.source))
            state.index = index
            log.info(
                "loaded %d customers from %s in %.2fs",
                len(index),
                settings.source,
                time.perf_counter() - started,
            )
            return
        except loader.SourceMissing as err:
            if time.monotonic() >= deadline:
                state.failed = str(err)
                return
            log.warning("recommendations not available yet (%s); retrying", err)
            time.sleep(settings.load_retry_s)
        except Exception as err:  # noqa: BLE001 - any load failure must stop the server cleanly
            state.failed = f"{type(err).__name__}: {err}"
            return
