"""/docs (Swagger UI page and assets) and /docs/openapi.json (the merged document)."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask.testing import FlaskClient
from openapi_spec_validator import validate
from stubs import StubUpstream


def _page_config(html: str) -> dict:
    start = html.index('<script id="explorer-config" type="application/json">') + len(
        '<script id="explorer-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_page_lists_both_specs_as_the_gateway_serves_them(client: FlaskClient) -> None:
    for path in ("/docs", "/docs/"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.mimetype == "text/html"
        config = _page_config(response.get_data(as_text=True))
        assert config["specs"] == [
            {"name": "Users API", "url": "/api/users/openapi.json"},
            {"name": "Hours API", "url": "/api/hours/openapi.json"},
        ]
        assert config["mergedUrl"] == "/docs/openapi.json"


def test_page_runs_no_inline_script_and_loads_nothing_from_elsewhere(client: FlaskClient) -> None:
    response = client.get("/docs")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "connect-src 'self'" in csp
    html = response.get_data(as_text=True)
    assert "https://" not in html and "http://" not in html
    assert html.count("<script src=") == 3


def test_swagger_ui_5_is_served_from_the_package(client: FlaskClient) -> None:
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert bundle.mimetype == "text/javascript"
    assert b'PACKAGE_VERSION:"5.' in bundle.data
    assert "max-age=86400" in bundle.headers["Cache-Control"]
    for name in ("swagger-ui.css", "swagger-ui-standalone-preset.js", "explorer.js", "explorer.css"):
        assert client.get(f"/docs/assets/{name}").status_code == 200, name


def test_only_listed_assets_are_served(client: FlaskClient) -> None:
    for name in ("swagger-editor-bundle.js", "..%2Fconfig.py", "index.html"):
        response = client.get(f"/docs/assets/{name}")
        assert response.status_code == 404, name
        assert response.mimetype == "application/problem+json"


def test_merged_document_is_valid_and_complete(client: FlaskClient) -> None:
    response = client.get("/docs/openapi.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    document = response.get_json()
    validate(document)
    assert "x-timekeeper-unavailable" not in document
    assert {"Users_User", "Hours_User"} <= set(document["components"]["schemas"])
    assert "Incomplete" not in document["info"]["description"]


def test_merged_document_with_one_service_down_has_the_other_and_says_so(
    client_for: Callable[..., FlaskClient], dead_url: str
) -> None:
    response = client_for(hours_openapi_url=f"{dead_url}/h.json").get("/docs/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert all(path.startswith("/api/users/") for path in document["paths"])
    assert list(document["x-timekeeper-unavailable"]) == ["hours"]
    assert "unreachable" in document["x-timekeeper-unavailable"]["hours"]
    assert "**Incomplete:** the Hours API document is unavailable" in document["info"]["description"]


def test_merged_document_with_every_service_down_is_503_problem(
    client_for: Callable[..., FlaskClient], dead_url: str
) -> None:
    client = client_for(users_openapi_url=f"{dead_url}/u.json", hours_openapi_url=f"{dead_url}/h.json")
    response = client.get("/docs/openapi.json")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "10"
    problem = response.get_json()
    assert problem["type"] == "urn:timekeeper:problem:specs-unavailable"
    assert set(problem["unavailable"]) == {"users", "hours"}


def test_an_error_answer_or_a_non_3_1_document_counts_as_unavailable(
    client_for: Callable[..., FlaskClient], users_stub: StubUpstream
) -> None:
    # the stub answers 503 problem+json on .../status/503, and JSON that is no spec elsewhere
    client = client_for(
        users_openapi_url=f"{users_stub.url}/api/users/status/503",
        hours_openapi_url=f"{users_stub.url}/api/users/v1/anything",
    )
    response = client.get("/docs/openapi.json")
    assert response.status_code == 503
    unavailable = response.get_json()["unavailable"]
    assert unavailable["users"].endswith("answered HTTP 503")
    assert unavailable["hours"].endswith("did not send an OpenAPI 3.1 document")


def test_spec_fetches_carry_the_request_id(client: FlaskClient, hours_stub: StubUpstream) -> None:
    client.get("/docs/openapi.json", headers={"X-Request-Id": "merge-req-1"})
    fetches = [headers for path, headers in hours_stub.seen if path == hours_stub.spec_path]
    assert fetches[-1]["x-request-id"] == "merge-req-1"
