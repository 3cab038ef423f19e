"""Request bodies -> customer ids, or a client error with a message safe to show the caller."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_ID_LENGTH = 128
# Error messages quote at most this much of what the client sent.
MAX_ECHO = 200
JSON_TYPE = "application/json"
CSV_TYPE = "text/csv"


class RequestError(Exception):
    """A 4xx answer: the HTTP status, a stable machine code and a human message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ParsedRequest:
    customer_ids: tuple[str, ...]
    batch: bool


def clip(text: str, limit: int = MAX_ECHO) -> str:
    """At most ``limit`` characters of client input, for an error message or a log line."""
    return text if len(text) <= limit else text[:limit] + "..."


def media_type(content_type: str | None) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _bad(message: str) -> RequestError:
    return RequestError(400, "invalid_request", message)


def _customer_id(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _bad(f"{where} must be a string, got {type(value).__name__}")
    stripped = value.strip()
    if not stripped or len(stripped) > MAX_ID_LENGTH:
        raise _bad(f"{where} must be 1 to {MAX_ID_LENGTH} non-blank characters")
    return stripped


def _check_batch_size(count: int, max_batch: int) -> None:
    if count == 0:
        raise _bad("customer_ids must hold at least one id")
    if count > max_batch:
        raise RequestError(
            413, "batch_too_large", f"customer_ids holds {count} ids; the maximum is {max_batch}"
        )


def _from_json(text: str, max_batch: int) -> ParsedRequest:
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise _bad(f"body is not valid JSON: {err}") from None
    if not isinstance(payload, dict):
        raise _bad('body must be a JSON object: {"customer_id": ...} or {"customer_ids": [...]}')
    has_one, has_many = "customer_id" in payload, "customer_ids" in payload
    if has_one == has_many:
        raise _bad("send exactly one of customer_id (string) or customer_ids (array of strings)")
    if has_one:
        return ParsedRequest((_customer_id(payload["customer_id"], "customer_id"),), batch=False)
    ids = payload["customer_ids"]
    if not isinstance(ids, list):
        raise _bad(f"customer_ids must be an array, got {type(ids).__name__}")
    _check_batch_size(len(ids), max_batch)
    return ParsedRequest(
        tuple(_customer_id(v, f"customer_ids[{i}]") for i, v in enumerate(ids)), batch=True
    )


def _from_csv(text: str, max_batch: int) -> ParsedRequest:
    lines = [line.strip().strip('"').strip() for line in text.splitlines()]
    ids = [line for line in lines if line]
    if ids and ids[0].lower() == "customer_id":  # tolerate a header row
        ids = ids[1:]
    _check_batch_size(len(ids), max_batch)
    return ParsedRequest(tuple(_customer_id(v, f"line {i + 1}") for i, v in enumerate(ids)), True)


def parse(content_type: str | None, body: bytes, max_batch: int) -> ParsedRequest:
    """Customer ids asked for by a POST /invocations body; raises ``RequestError`` otherwise."""
    kind = media_type(content_type)
    if kind not in (JSON_TYPE, CSV_TYPE):
        raise RequestError(
            415,
            "unsupported_media_type",
            f"Content-Type {clip(kind) or '(none)'!r} is not supported; "
            f"use {JSON_TYPE} or {CSV_TYPE}",
        )
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad("body is not valid UTF-8") from None
    return _from_json(text, max_batch) if kind == JSON_TYPE else _from_csv(text, max_batch)
