"""The committed specs are what the code generates, and valid OpenAPI 3.1."""

from __future__ import annotations

import difflib
import json

import pytest
import requests

from contract_tools import export

SERVICES = sorted(export.SPECS)


@pytest.fixture(scope="module", params=SERVICES)
def service(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def generated(service: str) -> dict:
    return export.generate(service)


def test_committed_spec_is_what_the_code_generates(service: str, generated: dict) -> None:
    path = export.spec_path(service)
    assert path.exists(), f"contracts/{path.name} is missing: run `{export.REGENERATE}` and commit it"
    committed, fresh = path.read_text(), export.canonical(generated)
    if committed != fresh:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                fresh.splitlines(keepends=True),
                f"committed contracts/{path.name}",
                "generated from the code",
                n=2,
            )
        )
        pytest.fail(
            f"contracts/{path.name} is out of date with the {service} service's code.\n"
            f"Run `{export.REGENERATE}` and commit the result "
            f"(check it with `make contracts-breaking`).\n{diff[:6000]}",
            pytrace=False,
        )


def test_committed_spec_is_valid_openapi_31(service: str) -> None:
    export.validate(json.loads(export.spec_path(service).read_text()))


def test_committed_spec_is_canonical(service: str) -> None:
    """Sorted keys and one layout, so that a diff of the file is a diff of the contract."""
    text = export.spec_path(service).read_text()
    assert text == export.canonical(json.loads(text)), f"run `{export.REGENERATE}`"


def test_validate_refuses_anything_but_openapi_31() -> None:
    document = json.loads(export.spec_path("users").read_text())
    with pytest.raises(ValueError, match=r"OpenAPI 3\.1"):
        export.validate({**document, "openapi": "3.0.3"})
    broken = {**document, "paths": {"/x": {"get": {"responses": {"200": {"description": 1}}}}}}
    with pytest.raises(Exception):  # noqa: B017 - the validator's own error type
        export.validate(broken)


@pytest.mark.parametrize(
    ("service", "path"), [("users", "/api/users/openapi.json"), ("hours", "/api/hours/openapi.json")]
)
def test_running_service_serves_the_committed_spec(stack, service: str, path: str) -> None:
    """What Swagger UI and the gateway's docs read is the committed contract, not a variant of it."""
    server = stack.user if service == "users" else stack.hours
    response = requests.get(server.url + path, timeout=10)
    assert response.status_code == 200, response.text[:300]
    committed = json.loads(export.spec_path(service).read_text())
    assert export.canonical(response.json()) == export.canonical(committed), (
        f"{path} differs from contracts/{export.SPECS[service]}: run `{export.REGENERATE}`, "
        "or make the served document request-independent"
    )


def test_the_hours_service_ships_the_introspection_schema() -> None:
    """The hours service validates each introspection answer against its packaged copy of the
    schema (the Docker image has no contracts/ directory): the copy is the committed one."""
    original = export.CONTRACTS / "introspection.schema.json"
    copy = export.CONTRACTS.parent / "services/hours/hours_service/introspection.schema.json"
    assert copy.exists(), f"{copy.relative_to(export.CONTRACTS.parent)} is missing: run `{export.REGENERATE}`"
    if copy.read_text() != original.read_text():
        pytest.fail(
            f"services/hours/hours_service/{copy.name} differs from contracts/{original.name}.\n"
            f"Run `{export.REGENERATE}` (it copies the schema into the package) and commit the result.",
            pytrace=False,
        )
