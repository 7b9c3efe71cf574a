"""/docs/health/live and /docs/health/ready."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient


def test_live(client: FlaskClient) -> None:
    response = client.get("/docs/health/live")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_ready_when_both_specs_answer(client: FlaskClient) -> None:
    response = client.get("/docs/health/ready")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"users": "ok", "hours": "ok"}}


def test_ready_but_degraded_with_one_spec_missing(
    client_for: Callable[..., FlaskClient], dead_url: str
) -> None:
    response = client_for(users_openapi_url=f"{dead_url}/u.json").get("/docs/health/ready")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["hours"] == "ok"
    assert "unreachable" in body["checks"]["users"]


def test_not_ready_without_any_spec(client_for: Callable[..., FlaskClient], dead_url: str) -> None:
    client = client_for(users_openapi_url=f"{dead_url}/u.json", hours_openapi_url=f"{dead_url}/h.json")
    response = client.get("/docs/health/ready")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()["checks"]) == {"users", "hours"}
