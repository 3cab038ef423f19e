"""The WSGI application gunicorn serves: SageMaker's GET /ping and POST /invocations, and
GET /info (which export is being served). HTTP framing (request lines, headers,
Content-Length, keep-alive, timeouts) is gunicorn's; this only routes and answers."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from . import config
from .accesslog import AccessLog
from .model import ModelState
from .parsing import RequestError, clip, parse

log = logging.getLogger("ipre_serve")
JSON_TYPE = "application/json"
ROUTES: dict[str, tuple[str, ...]] = {
    "/ping": ("GET", "HEAD"),
    "/info": ("GET", "HEAD"),
    "/invocations": ("POST",),
}
StartResponse = Callable[..., Any]


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


class Answer:
    """Status, body, extra headers and how many customer ids were asked for (for the log)."""

    __slots__ = ("status", "body", "headers", "ids")

    def __init__(self, status: int, body: bytes, headers: tuple[tuple[str, str], ...] = (),
                 ids: int = 0) -> None:  # fmt: skip
        self.status, self.body, self.headers, self.ids = status, body, headers, ids


def _error(err: RequestError, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    return Answer(err.status, error_body(err.code, err.message), headers)


class App:
    """One per worker process; ``state`` is filled by that worker's loader thread; ``access``
    (None: no access log) gets one line per request."""

    def __init__(self, settings: config.Settings, state: ModelState | None = None,
                 access: AccessLog | None = None) -> None:  # fmt: skip
        self.settings = settings
        self.state = state or ModelState()
        self.access = access

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        try:
            answer = self.route(environ, method, path)
        except Exception:  # noqa: BLE001 - a bug answers 500 JSON, logged once with its traceback
            log.exception("error answering %s %s", method, clip(path))
            answer = Answer(500, error_body("internal_error", "internal server error"))
        phrase = HTTPStatus(answer.status).phrase
        headers = [("Content-Type", JSON_TYPE), ("Content-Length", str(len(answer.body)))]
        start_response(f"{answer.status} {phrase}", headers + list(answer.headers))
        if self.access is not None:
            elapsed_ms = (time.perf_counter() - started) * 1000
            self.access.record(method, path, answer.status, answer.ids, elapsed_ms)
        # HEAD: the headers GET would carry (Content-Length included), no body (RFC 9110).
        return [] if method == "HEAD" else [answer.body]

    def route(self, environ: dict[str, Any], method: str, path: str) -> Answer:
        allowed = ROUTES.get(path)
        if allowed is None:
            return _error(RequestError(404, "not_found", f"no route {clip(path)}"))
        if method not in allowed:
            message = f"{clip(method, 16)} is not allowed on {path}; use {', '.join(allowed)}"
            return _error(RequestError(405, "method_not_allowed", message),
                          (("Allow", ", ".join(allowed)),))  # fmt: skip
        if path == "/invocations":
            try:
                return self.invoke(environ)
            except RequestError as err:
                return _error(err)
        loaded = self.state.loaded
        if loaded is None:
            return _error(RequestError(503, self.state.problem_code, self.state.problem))
        return Answer(200, b'{"status":"ok"}' if path == "/ping" else loaded.info)

    def invoke(self, environ: dict[str, Any]) -> Answer:
        body = self.read_body(environ)
        loaded = self.state.loaded
        if loaded is None:
            raise RequestError(503, self.state.problem_code, self.state.problem)
        request = parse(environ.get("CONTENT_TYPE"), body, loaded.max_batch)
        ids = request.customer_ids
        if request.batch:
            return Answer(200, loaded.index.batch(ids), ids=len(ids))
        return Answer(200, loaded.index.single(ids[0]), ids=1)

    def read_body(self, environ: dict[str, Any]) -> bytes:
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            raise RequestError(
                411, "length_required", "send a Content-Length; chunked is not accepted"
            )
        raw = environ.get("CONTENT_LENGTH", "")
        if not raw:
            raise RequestError(411, "length_required", "a Content-Length header is required")
        length, limit = int(raw), self.settings.max_body_bytes  # gunicorn validated it
        if length > limit:
            raise RequestError(413, "body_too_large", f"body of {length} bytes exceeds {limit}")
        try:
            body: bytes = environ["wsgi.input"].read(length)
        except Exception:  # noqa: BLE001 - client went away or stalled mid-body
            raise RequestError(400, "incomplete_body", "the body did not arrive in time") from None
        if len(body) != length:
            raise RequestError(400, "incomplete_body", f"got {len(body)} of {length} bytes")
        return body
