"""The explorer through the gateway while the hours service is down."""

from __future__ import annotations

from conftest import Gateway
from openapi_spec_validator import validate


def test_page_still_loads_and_the_missing_spec_is_visible(hours_down: Gateway) -> None:
    assert hours_down.get("/docs").status_code == 200
    assert hours_down.get("/api/users/openapi.json").status_code == 200
    assert hours_down.get("/api/hours/openapi.json").status_code == 503  # what the browser's probe sees


def test_merged_spec_has_the_users_api_and_names_the_missing_one(hours_down: Gateway) -> None:
    response = hours_down.get("/docs/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert set(document["x-timekeeper-unavailable"]) == {"hours"}
    assert document["paths"] and all(path.startswith("/api/users/") for path in document["paths"])


def test_ready_reports_degraded(hours_down: Gateway) -> None:
    body = hours_down.get("/docs/health/ready").json()
    assert body["status"] == "degraded"
    assert body["checks"]["users"] == "ok"
