"""The gateway in front of the real services: routing, CORS, the explorer."""

from __future__ import annotations

from collections import Counter

import pytest


@pytest.fixture
def allowed_origin(stack) -> str:
    return stack.cors_allowed_origins.split(",")[0]


def test_root_redirects_to_the_explorer(api) -> None:
    response = api.get("/", allow_redirects=False)
    assert response.status_code in (301, 302, 307, 308)
    assert response.headers["Location"].endswith("/docs")


def test_explorer_serves_both_specs_and_the_merged_one(api) -> None:
    page = api.get("/docs")
    assert page.status_code == 200
    assert "/api/users/openapi.json" in page.text and "/api/hours/openapi.json" in page.text
    users = api.get("/api/users/openapi.json").json()
    hours = api.get("/api/hours/openapi.json").json()
    assert users["openapi"].startswith("3.1") and hours["openapi"].startswith("3.1")
    assert "/api/users/v1/token" in users["paths"]
    merged = api.get("/docs/openapi.json")
    assert merged.status_code == 200
    paths = merged.json()["paths"]
    assert set(users["paths"]) | set(hours["paths"]) <= set(paths)


@pytest.mark.parametrize(
    "path", ["/internal/v1/introspect", "/api/users/../../internal/v1/introspect", "//internal/v1/introspect"]
)
def test_internal_endpoints_are_not_routed(api, path: str) -> None:
    response = api.post(path, data={"token": "x"})
    assert response.status_code == 404


def test_preflight_from_an_allowed_origin_is_answered(api, allowed_origin: str) -> None:
    response = api.options(
        "/api/hours/v1/projects",
        headers={
            "Origin": allowed_origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == allowed_origin
    allowed_headers = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_preflight_from_a_foreign_origin_gets_no_allow_origin(api) -> None:
    response = api.options(
        "/api/hours/v1/projects",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_headers_on_an_error_response(api, allowed_origin: str) -> None:
    response = api.get("/api/hours/v1/projects", headers={"Origin": allowed_origin})
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.headers["Access-Control-Allow-Origin"] == allowed_origin


def test_request_id_is_kept_end_to_end(api, account) -> None:
    response = api.get("/api/hours/v1/projects", headers={**account.headers, "X-Request-Id": "e2e-trace-1"})
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == "e2e-trace-1"


#: each target answers a big body before reading it: no token, a method the path does not
#: serve (each service, and the docs service behind the not-found route)
EARLY_ANSWERS = [
    ("POST", "/api/hours/v1/projects", 401),
    ("PUT", "/api/hours/v1/projects", 405),
    ("POST", "/api/users/v1/users/me", 405),
    ("PUT", "/api/users/v1/users", 405),
    ("POST", "/docs/openapi.json", 405),
]


def test_big_bodies_answered_early_get_the_services_own_answer(api) -> None:
    """A body of a few hundred KB answered before it is read: each service reads the rest
    before it closes the connection, so the gateway, still writing it, gets the answer
    and never a reset (which it would report as 502, and answer 503)."""
    body = b'{"x": "' + b"x" * 600_000 + b'"}'
    statuses: dict[tuple[str, str], Counter[int]] = {}
    for _ in range(30):
        for method, path, _status in EARLY_ANSWERS:
            response = api.request(method, path, data=body, headers={"Content-Type": "application/json"})
            statuses.setdefault((method, path), Counter())[response.status_code] += 1
            assert response.headers["Content-Type"] == "application/problem+json"
    assert statuses == {(m, p): Counter({status: 30}) for m, p, status in EARLY_ANSWERS}
