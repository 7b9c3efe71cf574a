"""The OpenAPI 3.1 document, generated from the code, as the gateway's Swagger UI needs it."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

SPEC = "/api/users/openapi.json"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@pytest.fixture(scope="module")
def spec(app):
    response = app.test_client().get(SPEC)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_is_valid_openapi_3_1(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_servers_and_paths(spec):
    assert spec["servers"] == [{"url": "/"}]
    assert set(spec["paths"]) == {
        "/api/users/v1/users",
        "/api/users/v1/users/me",
        "/api/users/v1/users/{user_id}",
        "/api/users/v1/token",
        "/api/users/v1/token/revoke",
        "/api/users/health/live",
        "/api/users/health/ready",
    }


def test_internal_endpoints_are_not_published(spec):
    assert not [path for path in spec["paths"] if path.startswith("/internal")]


def _operations(spec):
    return {
        (method.upper(), path): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def test_declares_only_the_security_schemes_its_operations_use(spec):
    """Swagger UI's Authorize offers every declared scheme: an unused one is a dead login.

    The introspection client's HTTP Basic scheme belongs to an internal endpoint.
    """
    requirements = [
        *spec.get("security", []),
        *(r for op in _operations(spec).values() for r in op.get("security", [])),
    ]
    used = {name for requirement in requirements for name in requirement}
    assert set(spec["components"]["securitySchemes"]) == used == {"OAuth2PasswordBearer"}


def test_every_operation_has_a_stable_operation_id(spec):
    """Explicit snake_case ids, named like the hours service's (``<resource>_<action>``),
    so generated clients get stable method names; renaming one breaks those clients."""
    ids = {key: operation.get("operationId") for key, operation in _operations(spec).items()}
    assert ids == {
        ("GET", "/api/users/health/live"): "health_live",
        ("GET", "/api/users/health/ready"): "health_ready",
        ("POST", "/api/users/v1/token"): "token_create",
        ("POST", "/api/users/v1/token/revoke"): "token_revoke",
        ("POST", "/api/users/v1/users"): "users_register",
        ("GET", "/api/users/v1/users"): "users_list",
        ("GET", "/api/users/v1/users/{user_id}"): "users_retrieve",
        ("PATCH", "/api/users/v1/users/{user_id}"): "users_partial_update",
        ("GET", "/api/users/v1/users/me"): "users_me_retrieve",
        ("PATCH", "/api/users/v1/users/me"): "users_me_partial_update",
    }
    assert len(set(ids.values())) == len(ids)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", operation_id) for operation_id in ids.values())


def test_oauth2_password_flow(spec):
    scheme = spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["type"] == "oauth2"
    assert scheme["flows"] == {"password": {"tokenUrl": "/api/users/v1/token", "scopes": {}}}
    me = spec["paths"]["/api/users/v1/users/me"]
    for operation in (me["get"], me["patch"], spec["paths"]["/api/users/v1/users"]["get"]):
        assert operation["security"] == [{"OAuth2PasswordBearer": []}]
    assert "security" not in spec["paths"]["/api/users/v1/users"]["post"]


def test_token_endpoint_is_form_encoded_with_rfc6749_errors(spec):
    operation = spec["paths"]["/api/users/v1/token"]["post"]
    assert list(operation["requestBody"]["content"]) == ["application/x-www-form-urlencoded"]
    for status in ("400", "401"):
        assert list(operation["responses"][status]["content"]) == ["application/json"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TokenOut"
    }


def test_other_errors_are_problem_json(spec):
    register = spec["paths"]["/api/users/v1/users"]["post"]["responses"]
    for status in ("400", "409"):
        assert list(register[status]["content"]) == ["application/problem+json"]
    assert spec["components"]["schemas"]["HTTPError"]["required"] == ["type", "title", "status"]


def test_operations_that_take_json_document_their_415(spec):
    takes_json = {
        key
        for key, operation in _operations(spec).items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    assert takes_json == {
        ("POST", "/api/users/v1/users"),
        ("PATCH", "/api/users/v1/users/me"),
        ("PATCH", "/api/users/v1/users/{user_id}"),
    }
    for key, operation in _operations(spec).items():
        if key in takes_json:
            assert list(operation["responses"]["415"]["content"]) == ["application/problem+json"]
        else:
            assert "415" not in operation["responses"], key


def test_revocation_answers_no_body_and_says_so(spec, client):
    """RFC 7009: the 200 of a revocation has no body, and the document promises none."""
    assert "content" not in spec["paths"]["/api/users/v1/token/revoke"]["post"]["responses"]["200"]
    response = client.post("/api/users/v1/token/revoke", data={"token": "not-a-token"})
    assert response.status_code == 200
    assert response.data == b""
    # no body, so no media type: not text/html, which a client would try to render
    assert "Content-Type" not in response.headers
    assert response.headers["Content-Length"] == "0"
    assert response.headers["Cache-Control"] == "no-store"


def _responses(spec, status):
    return {
        key: operation["responses"][status]
        for key, operation in _operations(spec).items()
        if status in operation["responses"]
    }


def test_every_401_documents_its_challenge(spec):
    """Bearer operations say RFC 6750's challenge, the OAuth2 endpoints HTTP Basic's."""
    unauthorized = _responses(spec, "401")
    assert len(unauthorized) >= 5
    for (_method, path), response in unauthorized.items():
        header = response["headers"]["WWW-Authenticate"]
        assert header["required"] is True
        scheme = "Basic" if path.startswith("/api/users/v1/token") else "Bearer"
        assert f'`{scheme} realm="timekeeper"' in header["description"], path
