"""Nothing under /internal/ reaches a service through the gateway, however it is spelled.

Each spelling goes through byte for byte. The gateway must answer 400 (encoded slash,
backslash, percent...) or 404 problem+json, and no stub may ever see a request whose
path, decoded and normalized the way a lenient server might, is under /internal.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote

import pytest
from conftest import Gateway
from stubs import INTERNAL_SECRET, StubUpstream

TRICKS = [
    "/internal/v1/introspect",
    "/internal",
    "/internal/",
    "//internal/v1/introspect",
    "///internal//v1/introspect",
    "/./internal/v1/introspect",
    "/api/users/../../internal/v1/introspect",
    "/api/users/v1/../../../internal/v1/introspect",
    "/api/hours/../../internal/v1/introspect",
    "/api/users/%2e%2e/%2e%2e/internal/v1/introspect",
    "/api/users/%2E%2E/%2E%2E/internal/v1/introspect",
    "/api/users/.%2e/.%2e/internal/v1/introspect",
    "/api/users/..%2F..%2Finternal/v1/introspect",
    "/api/users/..%2f..%2finternal/v1/introspect",
    "/api/users%2F..%2F..%2Finternal%2Fv1%2Fintrospect",
    "/internal%2Fv1%2Fintrospect",
    "/api/users/..%5C..%5Cinternal/v1/introspect",
    "/api/users/..%252F..%252Finternal/v1/introspect",
    "/api/users/%252e%252e/%252e%252e/internal/v1/introspect",
    "/api/users/..;/..;/internal/v1/introspect",
    "/api/users/v1/token%00/../../../internal/v1/introspect",
    "/%69nternal/v1/introspect",
    "/%2Finternal/v1/introspect",
    "/api/users/..%3B/..%3B/internal/v1/introspect",
    "/internal/v1/introspect?next=/api/users/v1/token",
    "/internal/v1/introspect%23/api/users/",
]


def _as_a_lenient_server_might_see_it(raw_path: str) -> str:
    path = raw_path.split("?", 1)[0]
    for _ in range(3):  # decode repeatedly: %252F -> %2F -> /
        path = unquote(path)
    path = path.replace("\\", "/").replace(";", "").replace("\x00", "")
    return posixpath.normpath(path)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", TRICKS)
def test_internal_paths_never_reach_a_service(
    gateway: Gateway, users_stub: StubUpstream, hours_stub: StubUpstream, path: str, method: str
) -> None:
    seen_before = len(users_stub.seen), len(hours_stub.seen)
    response = gateway.raw(method, path, headers={"Origin": "http://app.example.test"})
    assert response.status in (400, 404), (path, response.status, response.body)
    assert INTERNAL_SECRET not in response.body
    if response.status == 404:
        assert response.headers["Content-Type"] == "application/problem+json"
    reached = users_stub.seen[seen_before[0] :] + hours_stub.seen[seen_before[1] :]
    for raw_path, _ in reached:
        normalized = _as_a_lenient_server_might_see_it(raw_path)
        assert not normalized.startswith("/internal"), (path, raw_path)
