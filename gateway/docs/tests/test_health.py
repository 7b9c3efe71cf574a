"""/docs/health/live and /docs/health/ready."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient


def test_live(client: FlaskClient) -> None:
    response = client.get("/docs/health/live")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {}}


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
    # the shape and words of every Timekeeper service (CONTRIBUTING.md, "Health"): the
    # reason is logged, not published
    assert body["checks"] == {"users": "unavailable", "hours": "ok"}


def test_not_ready_without_any_spec(client_for: Callable[..., FlaskClient], dead_url: str) -> None:
    client = client_for(users_openapi_url=f"{dead_url}/u.json", hours_openapi_url=f"{dead_url}/h.json")
    response = client.get("/docs/health/ready")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    body = response.get_json()
    assert body["type"] == "urn:timekeeper:problem:not-ready"
    assert body["checks"] == {"users": "unavailable", "hours": "unavailable"}
