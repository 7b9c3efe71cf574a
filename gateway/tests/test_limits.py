"""The rate limit on token and register, and the request body limit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import ALLOWED_ORIGIN, Gateway, gateway_env
from stubs import StubUpstream

LIMITS = {
    "AUTH_RATE_LIMIT_AVERAGE": "1",
    "AUTH_RATE_LIMIT_PERIOD": "1m",
    "AUTH_RATE_LIMIT_BURST": "3",
    "MAX_REQUEST_BODY_BYTES": "2048",
}


@pytest.fixture
def limited(
    start_gateway: Callable[[dict[str, str]], Gateway],
    users_stub: StubUpstream,
    hours_stub: StubUpstream,
    docs_url: str,
) -> Gateway:
    """A gateway of its own: the rate limiter's buckets live in its process."""
    return start_gateway(gateway_env(users_stub.url, hours_stub.url, docs_url, **LIMITS))


def _login(gw: Gateway) -> int:
    form = {"grant_type": "password", "username": "demo", "password": "wrong"}
    return gw.request(
        "POST", "/api/users/v1/token", data=form, headers={"Origin": ALLOWED_ORIGIN}
    ).status_code


def test_token_endpoint_is_rate_limited_with_retry_after(limited: Gateway) -> None:
    assert [_login(limited) for _ in range(3)] == [400, 400, 400]  # the burst reaches the service
    response = limited.request(
        "POST", "/api/users/v1/token", data={"grant_type": "password"}, headers={"Origin": ALLOWED_ORIGIN}
    )
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60  # whole seconds until the bucket holds a token again
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


def test_register_shares_the_limit_and_other_routes_do_not(limited: Gateway) -> None:
    register = [
        limited.request("POST", "/api/users/v1/users", json={"username": "u"}).status_code for _ in range(4)
    ]
    assert register == [200, 200, 200, 429]
    assert _login(limited) == 429
    # Reads, other users endpoints and the hours API are not limited.
    assert limited.get("/api/users/v1/users/me").status_code == 200
    assert limited.request("PATCH", "/api/users/v1/users/me", json={}).status_code == 200
    assert limited.request("POST", "/api/hours/v1/entries", json={}).status_code == 200
    assert limited.request("POST", "/api/users/v1/token/revoke", data={"token": "t"}).status_code == 200


def test_request_body_limit(limited: Gateway) -> None:
    assert limited.request("POST", "/api/hours/v1/entries", data=b"x" * 2048).json()["body_bytes"] == 2048
    response = limited.request(
        "POST", "/api/hours/v1/entries", data=b"x" * 2049, headers={"Origin": ALLOWED_ORIGIN}
    )
    assert response.status_code == 413
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_default_body_limit_is_one_mebibyte(gateway: Gateway) -> None:
    assert gateway.request("PUT", "/api/users/v1/users/me", data=b"x" * 1024 * 1024).status_code == 200
    assert gateway.request("PUT", "/api/users/v1/users/me", data=b"x" * (1024 * 1024 + 1)).status_code == 413


def test_other_spellings_of_the_token_path_share_the_limit(limited: Gateway) -> None:
    assert [_login(limited) for _ in range(3)] == [400, 400, 400]
    # Traefik cleans paths before routing, so these are the same rate-limited route.
    for path in (
        "/api/users/v1//token",
        "/api/users/v1/./token",
        "/api/users/v1/%74oken",
        "/api/users/x/../v1/token",
    ):
        assert limited.raw("POST", path).status == 429, path


def test_reads_stream_through_the_gateway_unbuffered(gateway: Gateway, hours_stub: StubUpstream) -> None:
    """The body limit buffers; reads skip it, so a CSV export reaches the client as it is made."""
    hours_stub.stream_gate.clear()
    try:
        with gateway.request("GET", "/api/hours/v1/entries/export", stream=True, timeout=5) as response:
            assert response.status_code == 200
            # The stub holds its last chunk until the gate opens: a buffering gateway
            # would deliver nothing before the read timeout.
            chunks = response.iter_content(chunk_size=None)
            first = next(chunks)
            assert first.startswith(b"id,description")
            hours_stub.stream_gate.set()
            assert first + b"".join(chunks) == b"id,description\r\n1,first\r\n"
    finally:
        hours_stub.stream_gate.set()
