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
from serve_support import ROOT, ServerProcess, fixture_rows, publish, reorder_rows, running_server

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
    path = publish(tmp_path, fixture_rows(), reorders=reorder_rows())
    with running_server({"IPRE_RECOMMENDATIONS_URI": str(path)}) as srv:
        srv.wait_ready()
        check_answers(srv)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return SPEC["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def documented_only(value: Any, schema: dict[str, Any], where: str = "$") -> None:
    """Every field the server sends is in the schema (the validator allows extra fields;
    External Services would drop them silently), and every documented item field is sent."""
    schema = _resolve(schema)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        assert set(value) <= set(props), f"{where}: undocumented {set(value) - set(props)}"
        for name, item in value.items():
            documented_only(item, props[name], f"{where}.{name}")
    elif isinstance(value, list):
        item_schema = _resolve(schema["items"])
        for n, item in enumerate(value):
            if "properties" in item_schema:
                assert set(item) == set(item_schema["properties"]), f"{where}[{n}]"
            documented_only(item, item_schema, f"{where}[{n}]")


def check_answers(srv: ServerProcess) -> None:
    ok, error = response_validator("RecommendationResponse"), response_validator("ErrorResponse")
    request = response_validator("RecommendationRequest")
    reorders_seen = 0
    for payload in ({"customer_id": "C00001"}, {"customer_id": "X"},
                    {"customer_ids": ["C00002", "X", "C00003"]}):  # fmt: skip
        request.validate(payload)
        status, body = srv.invoke(payload)
        assert status == 200
        ok.validate(body)
        documented_only(body, {"$ref": "#/components/schemas/RecommendationResponse"})
        for answer in body.get("results", [body]):
            reorders_seen += len(answer["reorders"])
    assert reorders_seen == 4  # C00001 and C00003 have two each
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
    for name in ("RecommendationResponse", "CustomerRecommendations"):
        reorders = SPEC["components"]["schemas"][name]["properties"]["reorders"]
        assert reorders["items"] == {"$ref": "#/components/schemas/ReorderReminder"}


@pytest.mark.parametrize("payload", [{"customer_id": 5}, {"customer_ids": []}])
def test_schema_rejects_what_the_server_rejects(payload: dict[str, Any]) -> None:
    assert not response_validator("RecommendationRequest").is_valid(payload)
