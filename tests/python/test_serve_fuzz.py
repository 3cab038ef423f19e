"""Fuzz the real server with hypothesis: whatever arrives, no 5xx, always a JSON answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serve_support import ServerProcess, fixture_rows, publish, reorder_rows, running_server
from test_serve_openapi import response_validator

ROWS = fixture_rows()
KNOWN = sorted({row["customer_id"] for row in ROWS})
# database=None: no .hypothesis/ folder in the work tree; the examples are cheap to regenerate.
FUZZ = settings(
    max_examples=150, deadline=2000, database=None, suppress_health_check=[HealthCheck.too_slow]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)  # fmt: skip
content_types = st.sampled_from(
    ["application/json", "text/csv", "application/json; charset=utf-8", "text/plain",
     "application/octet-stream", "", "application/jsonlines", "TEXT/CSV"]
)  # fmt: skip
ids = st.one_of(st.sampled_from(KNOWN), st.text(min_size=1, max_size=140))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    path = publish(tmp_path_factory.mktemp("fuzz"), ROWS, reorders=reorder_rows())
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path), "IPRE_MAX_BATCH": "20"}) as srv:
        srv.wait_ready()
        yield srv


def _post(server: ServerProcess, body: bytes, content_type: str) -> tuple[int, Any]:
    headers = {"Content-Type": content_type} if content_type else {}
    status, answer = server.request("POST", "/invocations", body, headers)
    assert status < 500, (status, answer, body[:200])
    assert isinstance(answer, dict)
    return status, answer


@FUZZ
@given(body=st.binary(max_size=300), content_type=content_types)
def test_random_bytes(server: ServerProcess, body: bytes, content_type: str) -> None:
    _post(server, body, content_type)


@FUZZ
@given(payload=json_values, key=st.sampled_from(["customer_id", "customer_ids", "other"]))
def test_random_json_shapes(server: ServerProcess, payload: Any, key: str) -> None:
    for document in (payload, {key: payload}):
        body = json.dumps(document).encode()
        status, answer = _post(server, body, "application/json")
        validator = response_validator("RecommendationResponse" if status == 200 else
                                       "ErrorResponse")  # fmt: skip
        validator.validate(answer)


@FUZZ
@given(batch=st.lists(ids, min_size=1, max_size=25))
def test_valid_looking_batches(server: ServerProcess, batch: list[str]) -> None:
    status, answer = _post(server, json.dumps({"customer_ids": batch}).encode(),
                           "application/json")  # fmt: skip
    stripped = [value.strip() for value in batch]
    if len(batch) > 20 or any(not v or len(v) > 128 for v in stripped):
        assert status in (400, 413)
        return
    assert status == 200
    response_validator("RecommendationResponse").validate(answer)
    assert [r["customer_id"] for r in answer["results"]] == stripped
    assert [r["known_customer"] for r in answer["results"]] == [v in KNOWN for v in stripped]
    assert [r["status"] for r in answer["results"]] == [
        "ok" if v in KNOWN else "unknown_customer" for v in stripped
    ]
    assert [len(r["reorders"]) for r in answer["results"]] == [
        2 if v in ("C00001", "C00003") else 0 for v in stripped
    ]
