"""/live and /ready, in the shape every Timekeeper service answers (CONTRIBUTING.md, "Health")."""

from __future__ import annotations

from tests.helpers import assert_problem, make_app


def test_live(client):
    response = client.get("/api/users/health/live")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {}}


def test_ready_checks_the_database(client):
    response = client.get("/api/users/health/ready")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_not_ready_without_database(settings):
    nowhere = settings.model_copy(update={"database_url": "postgresql://postgres@127.0.0.1:1/users"})
    response = make_app(nowhere).test_client().get("/api/users/health/ready")
    body = assert_problem(response, 503, "not-ready")
    assert response.headers["Retry-After"] == "5"
    assert body["checks"] == {"database": "unavailable"}
    assert body["detail"] == "Not ready: database."
