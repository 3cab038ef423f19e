"""serve/openapi.yaml: valid OpenAPI 3.0, within Salesforce External Services' subset, and true
to what the server answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from serve_support import ROOT, ServerProcess, fixture_rows, running_server, write_fixture

SPEC: dict[str, Any] = yaml.safe_load((ROOT / "serve" / "openapi.yaml").read_text())
# Apex identifiers: a letter first, then letters/digits/underscores, no "__", no trailing "_".
APEX_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$")
# A few Apex reserved words that look like plausible field names.
APEX_RESERVED = {"case", "default", "from", "group", "limit", "number", "object", "order",
                 "select", "trigger", "type", "when", "where", "rank_", "date", "end"}  # fmt: skip
FORBIDDEN = {"oneOf", "anyOf", "allOf", "discriminator", "not"}


def schemas(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema object under ``components.schemas``, nested ones included."""
    if isinstance(node, dict):
        if "type" in node or "$ref" in node or "properties" in node:
            yield node
        for value in node.values():
            yield from schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from schemas(value)


def response_validator(name: str) -> OAS30Validator:
    return OAS30Validator({"$ref": f"#/components/schemas/{name}", **SPEC})


def test_spec_is_valid_openapi_3_0() -> None:
    validate(SPEC)
    assert SPEC["openapi"].startswith("3.0")


def test_every_operation_has_an_operation_id() -> None:
    ops = [op for path in SPEC["paths"].values() for op in path.values()]
    assert ops and all(re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", op["operationId"]) for op in ops)


def test_external_services_subset() -> None:
    for schema in schemas(SPEC["components"]["schemas"]):
        assert not FORBIDDEN & schema.keys(), schema
        for name, prop in schema.get("properties", {}).items():
            assert "type" in prop or "$ref" in prop, f"untyped property {name}"
            assert APEX_NAME.match(name) and name.lower() not in APEX_RESERVED, name


def test_server_answers_match_the_schemas(tmp_path: Path) -> None:
    path = write_fixture(tmp_path / "recommendations.parquet", fixture_rows())
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path)}) as srv:
        srv.wait_ready()
        check_answers(srv)


def check_answers(srv: ServerProcess) -> None:
    ok, error = response_validator("RecommendationResponse"), response_validator("ErrorResponse")
    request = response_validator("RecommendationRequest")
    for payload in ({"customer_id": "C00001"}, {"customer_id": "X"},
                    {"customer_ids": ["C00002", "X"]}):  # fmt: skip
        request.validate(payload)
        status, body = srv.invoke(payload)
        assert status == 200
        ok.validate(body)
    status, body = srv.invoke(b"{", "application/json")
    assert status == 400
    error.validate(body)


def test_spec_states_the_exactly_one_field_rule_and_status_values() -> None:
    request = SPEC["components"]["schemas"]["RecommendationRequest"]
    assert "Exactly one of" in request["description"]
    status = SPEC["components"]["schemas"]["RecommendationResponse"]["properties"]["status"]
    for value in ("ok", "no_recent_purchases", "unknown_customer"):
        assert value in status["description"]
    assert "product_name" in SPEC["components"]["schemas"]["Recommendation"]["properties"]


@pytest.mark.parametrize("payload", [{"customer_id": 5}, {"customer_ids": []}])
def test_schema_rejects_what_the_server_rejects(payload: dict[str, Any]) -> None:
    assert not response_validator("RecommendationRequest").is_valid(payload)
