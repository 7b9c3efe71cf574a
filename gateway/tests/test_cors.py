"""CORS from CORS_ALLOWED_ORIGINS, answered by Traefik, on every response."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from conftest import ALLOWED_ORIGIN, FOREIGN_ORIGIN, OTHER_ALLOWED_ORIGIN, Gateway, gateway_env
from stubs import StubUpstream


def _assert_cors_for(response: requests.Response, origin: str) -> None:
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response.headers["Vary"]
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    # what a browser client needs of the public conventions (CONTRIBUTING.md, "The public API")
    assert exposed == {
        "X-Request-Id",
        "Retry-After",
        "Content-Disposition",
        "Link",
        "ETag",
        "WWW-Authenticate",
        "Idempotent-Replayed",
    }


@pytest.mark.parametrize("origin", [ALLOWED_ORIGIN, OTHER_ALLOWED_ORIGIN])
def test_allowed_origin_gets_cors_headers(gateway: Gateway, origin: str) -> None:
    response = gateway.get("/api/hours/v1/entries/1", headers={"Origin": origin})
    assert response.status_code == 200
    _assert_cors_for(response, origin)


@pytest.mark.parametrize(
    "origin", [FOREIGN_ORIGIN, "null", f"{ALLOWED_ORIGIN}.evil.test", "http://app.example.test:8080"]
)
def test_foreign_origin_gets_no_allow_origin(gateway: Gateway, origin: str) -> None:
    response = gateway.get("/api/hours/v1/entries/1", headers={"Origin": origin})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_wildcard_is_never_sent(gateway: Gateway) -> None:
    # CORS_ALLOWED_ORIGINS holds "*" in these tests: it is ignored.
    for path in ("/api/users/v1/users/me", "/docs", "/nowhere"):
        response = gateway.get(path, headers={"Origin": FOREIGN_ORIGIN})
        assert response.headers.get("Access-Control-Allow-Origin") != "*"


def test_preflight_is_answered_by_traefik(gateway: Gateway, hours_stub: StubUpstream) -> None:
    seen_before = len(hours_stub.seen)
    response = gateway.request(
        "OPTIONS",
        "/api/hours/v1/entries",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": (
                "authorization, content-type, x-request-id, if-match, if-none-match, idempotency-key"
            ),
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} <= methods
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {
        "authorization",
        "content-type",
        "x-request-id",
        "if-match",
        "if-none-match",
        "idempotency-key",
    }
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert len(hours_stub.seen) == seen_before  # the service never saw it


def test_preflight_from_a_foreign_origin_is_not_allowed(gateway: Gateway) -> None:
    response = gateway.request(
        "OPTIONS",
        "/api/users/v1/token",
        headers={"Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("status", [401, 404, 429, 503])
def test_service_errors_carry_cors_headers(gateway: Gateway, status: int) -> None:
    response = gateway.get(f"/api/hours/v1/status/{status}", headers={"Origin": ALLOWED_ORIGIN})
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    _assert_cors_for(response, ALLOWED_ORIGIN)
    if status in (429, 503):
        assert response.headers["Retry-After"] == "7"
    if status == 401:
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="timekeeper", error="invalid_token"'


@pytest.mark.parametrize("path", ["/nowhere", "/internal/v1/introspect", "/docs/assets/nope"])
def test_gateway_404s_carry_cors_headers(gateway: Gateway, path: str) -> None:
    response = gateway.get(path, headers={"Origin": ALLOWED_ORIGIN})
    assert response.status_code == 404
    _assert_cors_for(response, ALLOWED_ORIGIN)


def test_docs_and_redirect_carry_cors_headers(gateway: Gateway) -> None:
    for path in ("/docs/openapi.json", "/"):
        _assert_cors_for(gateway.get(path, headers={"Origin": ALLOWED_ORIGIN}), ALLOWED_ORIGIN)


def test_a_service_down_carries_cors_headers(hours_down: Gateway) -> None:
    response = hours_down.get("/api/hours/v1/entries", headers={"Origin": ALLOWED_ORIGIN})
    assert response.status_code == 503
    _assert_cors_for(response, ALLOWED_ORIGIN)


def test_without_an_allow_list_no_origin_is_allowed(
    start_gateway: Callable[[dict[str, str]], Gateway],
    users_stub: StubUpstream,
    hours_stub: StubUpstream,
    docs_url: str,
) -> None:
    env = gateway_env(users_stub.url, hours_stub.url, docs_url, CORS_ALLOWED_ORIGINS="")
    closed = start_gateway(env)
    response = closed.get("/api/users/v1/users/me", headers={"Origin": ALLOWED_ORIGIN})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    "path", ["/api/hours/v1/entries", "/api/users/v1/token", "/docs", "/nowhere", "/internal/v1/introspect"]
)
def test_a_preflight_varies_on_origin(gateway: Gateway, path: str) -> None:
    response = gateway.request(
        "OPTIONS", path, headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    vary = {v.strip() for v in response.headers["Vary"].split(",")}
    assert {"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"} <= vary


def test_a_preflight_from_a_foreign_origin_varies_too(gateway: Gateway) -> None:
    response = gateway.request(
        "OPTIONS",
        "/api/hours/v1/entries",
        headers={"Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]


def test_a_plain_response_varies_on_origin_once(gateway: Gateway) -> None:
    response = gateway.get("/api/hours/v1/entries/1", headers={"Origin": ALLOWED_ORIGIN})
    assert [v.strip() for v in response.headers["Vary"].split(",")].count("Origin") == 1
