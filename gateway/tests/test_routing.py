"""Routers per DESIGN.md: each prefix to its service, / to /docs, the rest 404."""

from __future__ import annotations

import pytest
import requests
from conftest import Gateway
from openapi_spec_validator import validate


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/users/v1/users/me?x=1&y=2", "users"),
        ("/api/users/health/live", "users"),
        ("/api/hours/v1/entries/42", "hours"),
        ("/api/hours/v1/reports/week?from=2026-01-05", "hours"),
    ],
)
def test_each_prefix_goes_to_its_service_unchanged(gateway: Gateway, path: str, service: str) -> None:
    response = gateway.get(path)
    assert response.status_code == 200
    echo = response.json()
    assert echo["service"] == service
    assert echo["path"] == path  # no stripPrefix: the services serve under their prefix


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_method_is_routed(gateway: Gateway, method: str) -> None:
    response = gateway.request(method, "/api/hours/v1/entries/7", json={"note": "x"})
    assert response.status_code == 200
    assert response.json()["method"] == method


def test_service_specs_are_served_by_the_services(gateway: Gateway) -> None:
    for service in ("users", "hours"):
        response = gateway.get(f"/api/{service}/openapi.json")
        assert response.status_code == 200
        assert response.json()["openapi"] == "3.1.0"


def test_request_id_travels_to_the_service_and_back(gateway: Gateway) -> None:
    response = gateway.get("/api/users/v1/users/me", headers={"X-Request-Id": "route-req-1"})
    assert response.json()["headers"]["x-request-id"] == "route-req-1"
    assert response.headers["X-Request-Id"] == "route-req-1"


def test_docs_page_and_merged_spec(gateway: Gateway) -> None:
    for path in ("/docs", "/docs/"):
        page = gateway.get(path)
        assert page.status_code == 200
        assert "Timekeeper API explorer" in page.text
    assert gateway.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    merged = gateway.get("/docs/openapi.json")
    assert merged.status_code == 200
    validate(merged.json())


def test_root_redirects_to_docs(gateway: Gateway) -> None:
    response = gateway.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/docs"
    assert gateway.get("/", allow_redirects=True).url == f"{gateway.url}/docs"


@pytest.mark.parametrize("path", ["/nowhere", "/api/users", "/api/usersX/v1", "/api/billing/v1/x", "/docsX"])
def test_anything_else_is_404_problem(gateway: Gateway, path: str) -> None:
    response = gateway.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_ping_metrics_and_api_answer_on_the_internal_entrypoint_only(gateway: Gateway) -> None:
    ping = gateway.get("/ping")
    assert ping.status_code == 404
    assert gateway.get("/metrics").status_code == 404
    assert gateway.get("/api/rawdata").status_code == 404
    assert requests.get(f"{gateway.internal_url}/ping", timeout=5).text == "OK"
    metrics = requests.get(f"{gateway.internal_url}/metrics", timeout=5)
    assert metrics.status_code == 200
    assert "traefik_entrypoint_requests_total" in metrics.text
    assert 'router="users@file"' in metrics.text
    rawdata = requests.get(f"{gateway.internal_url}/api/rawdata", timeout=5).json()
    assert "users@file" in rawdata["routers"]
