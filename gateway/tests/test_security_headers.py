"""Security headers on every kind of response, and nothing that gives the stack away."""

from __future__ import annotations

import pytest
from conftest import Gateway

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.parametrize(
    "path",
    [
        "/api/users/v1/users/me",
        "/api/hours/v1/status/503",
        "/docs",
        "/docs/openapi.json",
        "/",
        "/nowhere",
        "/internal",
    ],
)
def test_security_headers(gateway: Gateway, path: str) -> None:
    response = gateway.get(path)
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (path, name)
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Server" not in response.headers  # the stubs send one (BaseHTTP/...); Traefik drops it
    assert "X-Powered-By" not in response.headers
    # HSTS only over HTTPS (TLS ends before or at Traefik, never on this plain entrypoint).
    assert "Strict-Transport-Security" not in response.headers


def test_docs_page_has_a_content_security_policy(gateway: Gateway) -> None:
    assert "script-src 'self'" in gateway.get("/docs").headers["Content-Security-Policy"]
