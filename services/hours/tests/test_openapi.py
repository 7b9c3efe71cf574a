from __future__ import annotations

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def spec(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/hours/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_servers_and_bearer_security(spec):
    assert spec["servers"] == [{"url": "/"}]
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert spec["paths"]["/api/hours/v1/entries"]["get"]["security"] == [{"bearerAuth": []}]


def test_every_operation_is_documented(spec):
    operations = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert {
        ("/api/hours/v1/projects", "get"),
        ("/api/hours/v1/projects", "post"),
        ("/api/hours/v1/projects/{project_id}", "patch"),
        ("/api/hours/v1/entries", "get"),
        ("/api/hours/v1/entries", "post"),
        ("/api/hours/v1/entries/{entry_id}", "delete"),
        ("/api/hours/v1/entries/export", "get"),
        ("/api/hours/v1/timer/start", "post"),
        ("/api/hours/v1/timer/stop", "post"),
        ("/api/hours/v1/timer/current", "get"),
        ("/api/hours/v1/reports", "get"),
        ("/api/hours/health/live", "get"),
        ("/api/hours/health/ready", "get"),
    } <= operations
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_errors_are_documented_as_problems(spec):
    conflict = spec["paths"]["/api/hours/v1/entries"]["post"]["responses"]["409"]
    assert conflict["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    entry_params = {p["name"] for p in spec["paths"]["/api/hours/v1/entries"]["get"]["parameters"]}
    assert {"from", "to", "project", "billable", "running", "tag", "ordering", "page", "user"} <= entry_params


@pytest.mark.parametrize(
    ("path", "filterset"),
    [
        ("/api/hours/v1/projects", "ProjectFilter"),
        ("/api/hours/v1/entries", "EntryListFilter"),
        ("/api/hours/v1/entries/export", "EntryListFilter"),
        ("/api/hours/v1/reports", "EntryFilter"),
    ],
)
def test_each_filter_is_documented_from_its_filterset(spec, path, filterset):
    """The FilterSet is the one definition: what it filters by is what the operation documents."""
    from hours_service.timesheets import filters

    filterset_class = getattr(filters, filterset)
    documented = {p["name"]: p for p in spec["paths"][path]["get"]["parameters"] if p["in"] == "query"}
    assert set(filterset_class.base_filters) <= set(documented)
    if "ordering" in filterset_class.base_filters:
        choices = [value for value, _ in filterset_class.base_filters["ordering"].extra["choices"]]
        assert sorted(documented["ordering"]["schema"]["items"]["enum"]) == sorted(choices)


def _responses(spec, status):
    return {
        (method, path): operation["responses"][status]
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if status in operation["responses"]
    }


def test_every_401_documents_its_challenge(spec):
    unauthorized = _responses(spec, "401")
    assert len(unauthorized) >= 10
    for response in unauthorized.values():
        header = response["headers"]["WWW-Authenticate"]
        assert header["required"] is True
        assert '`Bearer realm="timekeeper"' in header["description"]
