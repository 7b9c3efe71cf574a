"""Every error is application/problem+json."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient


def test_unknown_path_is_404_problem(client: FlaskClient) -> None:
    response = client.get("/internal/v1/introspect")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "instance": "/internal/v1/introspect",
    }


def test_wrong_method_is_405_problem_with_allow(client: FlaskClient) -> None:
    response = client.post("/docs/openapi.json")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_unexpected_error_is_500_problem_without_internals(app: Flask) -> None:
    @app.get("/docs/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/docs/boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "secret" not in response.get_data(as_text=True)


# -- the gateway's error pages ---------------------------------------------------------


def _problem(response) -> dict:
    assert response.mimetype == "application/problem+json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == response.status_code
    return body


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_a_refused_path_names_the_encoding_for_any_method(client: FlaskClient, method: str) -> None:
    response = client.open(
        "/docs/errors/400", method=method, headers={"X-Replaced-Path": "/api/users/..%2F..%2Finternal"}
    )
    assert response.status_code == 400
    if method != "HEAD":
        body = _problem(response)
        assert body["type"] == "urn:timekeeper:problem:refused-path"
        assert body["detail"].startswith("The path holds %2F, an encoding the gateway refuses")
        assert body["instance"] == "/api/users/..%2F..%2Finternal"


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("from=502&service=users", "The user service cannot be reached; try again shortly."),
        ("from=504&service=hours", "The hours service did not answer in time; try again shortly."),
        ("from=504", "The service did not answer in time; try again shortly."),
    ],
)
def test_a_service_unavailable_names_the_service(client: FlaskClient, query: str, detail: str) -> None:
    response = client.get(f"/docs/errors/503?{query}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = _problem(response)
    assert body == {
        "type": "urn:timekeeper:problem:service-unavailable",
        "title": "Service Unavailable",
        "status": 503,
        "detail": detail,
    }


@pytest.mark.parametrize(
    ("query", "retry_after"),
    [
        ("period=1m&average=10", "6"),
        ("period=1m&average=1", "60"),
        ("period=1h30m&average=7", "772"),
        ("period=500ms&average=1", "1"),
        ("period=30&average=4", "8"),
        ("period=forever&average=1", "5"),
        ("period=1m&average=0", "5"),
        ("", "5"),
    ],
)
def test_the_rate_limit_says_when_one_more_request_is_allowed(
    client: FlaskClient, query: str, retry_after: str
) -> None:
    response = client.get(f"/docs/errors/429?{query}")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == retry_after
    assert "instance" not in _problem(response)


@pytest.mark.parametrize("status", [413, 414, 431])
def test_the_limits_read_as_plain_http_problems(client: FlaskClient, status: int) -> None:
    body = _problem(client.get(f"/docs/errors/{status}"))
    assert body["type"] == "about:blank"
    assert body["title"] == HTTPStatus(status).phrase
    assert body["detail"]


@pytest.mark.parametrize("status", [200, 302, 399, 600, 999])
def test_only_error_statuses_have_a_page(client: FlaskClient, status: int) -> None:
    response = client.get(f"/docs/errors/{status}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_every_503_says_when_to_retry(app: Flask) -> None:
    """Whatever raised it (CONTRIBUTING.md, "Retry-After"): here werkzeug's own 503."""
    from werkzeug.exceptions import ServiceUnavailable

    @app.get("/docs/busy")
    def busy() -> None:
        raise ServiceUnavailable()

    response = app.test_client().get("/docs/busy")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
