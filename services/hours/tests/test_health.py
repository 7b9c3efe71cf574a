from __future__ import annotations

import pytest
from timekeeper_dev.net import free_port

pytestmark = pytest.mark.django_db


def test_live_needs_no_token(client):
    response = client.get("/api/hours/health/live")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_ready_checks_database_and_user_service(client, user_service):
    response = client.get("/api/hours/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "user_service": "ok"}
    assert any(call.path == "/api/users/health/live" for call in user_service.calls)


def test_not_ready_without_the_user_service(client, settings):
    settings.USER_SERVICE_URL = f"http://127.0.0.1:{free_port()}"
    response = client.get("/api/hours/health/ready")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"]
    assert response.json()["checks"] == {"database": "ok", "user_service": "unavailable"}


def test_not_ready_when_the_user_service_fails(client, user_service):
    user_service.mode = "error"
    assert client.get("/api/hours/health/ready").status_code == 503


def test_not_ready_without_the_database(client, monkeypatch):
    from django.db import OperationalError
    from hours_service import health

    def down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "_check_database", down)
    response = client.get("/api/hours/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"


def test_health_ignores_a_bad_token(client, user_service):
    response = client.get("/api/hours/health/live", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 200
    assert user_service.introspections() == []
