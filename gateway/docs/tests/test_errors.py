"""Every error is application/problem+json."""

from __future__ import annotations

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
