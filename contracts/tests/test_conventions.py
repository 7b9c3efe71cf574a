"""Both committed specs document the public conventions alike (CONTRIBUTING.md, "The public
API"): a client that learned one service's lists, health, challenges and 503s knows the
other's. What the services serve is held to their specs by test_drift and test_fuzz."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contract_tools import export

SERVICES = ("users", "hours")
METHODS = {"get", "put", "post", "patch", "delete"}


def _spec(service: str) -> dict[str, Any]:
    return json.loads(export.spec_path(service).read_text())


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _shape(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """What a client relies on: the members, their types, which are required."""
    schema = _resolve(spec, schema)
    return {
        "type": schema.get("type"),
        "required": sorted(schema.get("required", [])),
        "properties": {
            name: _resolve(spec, prop).get("type") for name, prop in schema.get("properties", {}).items()
        },
    }


def _operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def _lists(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        key: operation
        for key, operation in _operations(spec).items()
        if any(p["name"] == "page" and p["in"] == "query" for p in operation.get("parameters", []))
    }


@pytest.fixture(scope="module")
def specs() -> dict[str, dict[str, Any]]:
    return {service: _spec(service) for service in SERVICES}


def test_every_list_takes_the_same_page_parameters(specs) -> None:
    found = {}
    for service, spec in specs.items():
        lists = _lists(spec)
        assert lists, f"{service} has no paginated list"
        for key, operation in lists.items():
            params = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
            assert "page_size" not in params and "per_page" in params, key
            found[(service, *key)] = {
                name: {k: params[name]["schema"].get(k) for k in ("type", "minimum", "maximum")}
                for name in ("page", "per_page")
            }
    assert len({json.dumps(value, sort_keys=True) for value in found.values()}) == 1, found


def test_every_list_answers_the_same_envelope_with_a_link_header(specs) -> None:
    shapes = set()
    for service, spec in specs.items():
        for key, operation in _lists(spec).items():
            ok = operation["responses"]["200"]
            shape = _shape(spec, ok["content"]["application/json"]["schema"])
            assert shape["properties"].pop("items") == "array", (service, key)
            shapes.add(json.dumps(shape, sort_keys=True))
            assert ok["headers"]["Link"]["required"] is True, (service, key)
    assert shapes == {
        json.dumps(
            {
                "type": "object",
                "required": ["items", "page", "pages", "per_page", "total"],
                "properties": {
                    "page": "integer",
                    "per_page": "integer",
                    "total": "integer",
                    "pages": "integer",
                },
            },
            sort_keys=True,
        )
    }


def test_health_has_one_shape(specs) -> None:
    shapes = {}
    for service, spec in specs.items():
        prefix = f"/api/{service}/health"
        live = spec["paths"][f"{prefix}/live"]["get"]["responses"]
        ready = spec["paths"][f"{prefix}/ready"]["get"]["responses"]
        body = live["200"]["content"]["application/json"]["schema"]
        assert ready["200"]["content"]["application/json"]["schema"] == body
        not_ready = ready["503"]["content"]["application/problem+json"]["schema"]
        shapes[service] = (_shape(spec, body), _shape(spec, not_ready))
    assert shapes["users"] == shapes["hours"]
    health, not_ready = shapes["users"]
    assert health["required"] == ["checks", "status"]
    assert {"checks", "status", "title", "type"} <= set(not_ready["required"])


def test_every_401_names_the_same_bearer_challenge(specs) -> None:
    descriptions = set()
    for spec in specs.values():
        for operation in _operations(spec).values():
            unauthorized = operation["responses"].get("401")
            if unauthorized and "application/problem+json" in unauthorized.get("content", {}):
                descriptions.add(unauthorized["headers"]["WWW-Authenticate"]["description"])
    assert len(descriptions) == 1, descriptions


def test_every_503_says_when_to_retry(specs) -> None:
    """Every operation that needs a database or another service documents its 503 with
    Retry-After; only the liveness probes never answer one."""
    for service, spec in specs.items():
        for (method, path), operation in _operations(spec).items():
            unavailable = operation["responses"].get("503")
            if path.endswith("/health/live"):
                assert unavailable is None, (service, method, path)
                continue
            assert unavailable is not None, (service, method, path)
            assert "application/problem+json" in unavailable["content"], (service, method, path)
            assert unavailable["headers"]["Retry-After"]["schema"] == {"type": "integer"}, (
                service,
                method,
                path,
            )


def _single_resources(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        key: operation
        for key, operation in _operations(spec).items()
        if key[1].endswith(("}", "/me")) and key[0] in {"GET", "PATCH", "DELETE"}
    }


def _header_parameters(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


def test_every_single_resource_is_conditional(specs) -> None:
    """ETag on its reads and changes, If-None-Match -> 304, If-Match -> 412."""
    seen = set()
    for service, spec in specs.items():
        for (method, path), operation in _single_resources(spec).items():
            seen.add((service, method))
            responses, where = operation["responses"], (service, method, path)
            if method == "GET":
                assert "If-None-Match" in _header_parameters(operation), where
                assert "ETag" in responses["304"]["headers"], where
                assert "content" not in responses["304"], where
            else:
                assert "If-Match" in _header_parameters(operation), where
                assert "application/problem+json" in responses["412"]["content"], where
            if method != "DELETE":
                assert responses["200"]["headers"]["ETag"]["required"] is True, where
    assert seen == {
        ("users", "GET"),
        ("users", "PATCH"),
        ("hours", "GET"),
        ("hours", "PATCH"),
        ("hours", "DELETE"),
    }


def test_every_creating_post_takes_an_idempotency_key(specs) -> None:
    """A retry of a 201 is safe: Idempotency-Key in, 422 for a reused key, a replay marked."""
    seen = set()
    patterns = set()
    for service, spec in specs.items():
        for (method, path), operation in _operations(spec).items():
            if method != "POST" or "201" not in operation["responses"]:
                continue
            seen.add((service, path))
            where = (service, path)
            key = next(
                p for p in operation["parameters"] if p["in"] == "header" and p["name"] == "Idempotency-Key"
            )
            patterns.add(key["schema"]["pattern"])
            assert "application/problem+json" in operation["responses"]["422"]["content"], where
            assert "Idempotent-Replayed" in operation["responses"]["201"]["headers"], where
    assert seen == {
        ("users", "/api/users/v1/users"),
        ("hours", "/api/hours/v1/projects"),
        ("hours", "/api/hours/v1/entries"),
        ("hours", "/api/hours/v1/timer/start"),
    }
    assert patterns == {"^[\\x21-\\x7e]{1,255}$"}
