from __future__ import annotations

import socket
import threading

import pytest
from timekeeper_dev.net import free_port

pytestmark = pytest.mark.django_db


def test_live_needs_no_token(client):
    response = client.get("/api/hours/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {}}


def test_ready_checks_database_and_user_service(client, user_service):
    response = client.get("/api/hours/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "user_service": "ok"}}
    assert any(call.path == "/api/users/health/live" for call in user_service.calls)


def test_ready_without_the_user_service(client, settings):
    """Cached tokens still work without the user service: the replica stays in rotation, and
    says what it cannot reach."""
    settings.USER_SERVICE_URL = f"http://127.0.0.1:{free_port()}"
    response = client.get("/api/hours/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "user_service": "unavailable"},
    }


def test_ready_when_the_user_service_fails(client, user_service):
    user_service.mode = "error"
    response = client.get("/api/hours/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "user_service": "unavailable"}


@pytest.fixture
def silent_user_service():
    """A user service that takes connections and never answers (its processes stopped)."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as server:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def test_ready_does_not_wait_on_a_silent_user_service(client, settings, silent_user_service):
    # A probe gives up after a second or so; waiting for the read timeout would fail it.
    settings.USER_SERVICE_URL = silent_user_service
    settings.USER_SERVICE_CONNECT_TIMEOUT = settings.USER_SERVICE_READ_TIMEOUT = 60.0
    answers = []
    probe = threading.Thread(
        target=lambda: answers.append(client.get("/api/hours/health/ready")), daemon=True
    )
    probe.start()
    probe.join(timeout=10)
    assert answers, "/ready waited on the user service"
    assert answers[0].status_code == 200
    assert answers[0].json()["checks"]["user_service"] == "unavailable"


def test_not_ready_without_the_database(client, monkeypatch):
    from django.db import OperationalError
    from hours_service import health

    def down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "_check_database", down)
    response = client.get("/api/hours/health/ready")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["checks"] == {"database": "unavailable", "user_service": "ok"}
    assert body["type"] == "urn:timekeeper:problem:not-ready"
    assert body["detail"] == "Not ready: database."


def test_health_ignores_a_bad_token(client, user_service):
    response = client.get("/api/hours/health/live", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 200
    assert user_service.introspections() == []


def test_the_spec_says_what_ready_answers():
    from drf_spectacular.settings import spectacular_settings

    spec = spectacular_settings.DEFAULT_GENERATOR_CLASS().get_schema(request=None, public=True)
    responses = spec["paths"]["/api/hours/health/ready"]["get"]["responses"]
    assert "user service" in responses["200"]["description"]
    assert list(responses["503"]["content"]) == ["application/problem+json"]
    assert "database" in responses["503"]["description"]
