"""Accounts and tokens across the stack: the user service issues, the hours service obeys."""

from __future__ import annotations

import time

from conftest import login, register


def _poll_until(predicate, timeout: float) -> float:
    """Seconds until ``predicate()`` held; fails after ``timeout``."""
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, f"not within {timeout:.1f}s"
        time.sleep(0.25)
    return time.monotonic() - start


def test_register_login_and_me(api, account) -> None:
    me = api.get("/api/users/v1/users/me", headers=account.headers)
    assert me.status_code == 200
    assert me.json()["username"] == account.username
    assert api.get("/api/hours/v1/projects", headers=account.headers).status_code == 200


def test_refresh_rotates_and_reuse_revokes_the_family(api, account) -> None:
    first = api.post(
        "/api/users/v1/token", data={"grant_type": "refresh_token", "refresh_token": account.refresh_token}
    )
    assert first.status_code == 200, first.text
    rotated = first.json()["refresh_token"]
    assert rotated != account.refresh_token

    reuse = api.post(
        "/api/users/v1/token", data={"grant_type": "refresh_token", "refresh_token": account.refresh_token}
    )
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"

    # the reuse revoked the whole family, the rotated token with it
    after = api.post("/api/users/v1/token", data={"grant_type": "refresh_token", "refresh_token": rotated})
    assert after.status_code == 400
    assert after.json()["error"] == "invalid_grant"


def test_logout_stops_the_token_at_the_hours_service_within_the_cache_bound(api, stack, account) -> None:
    assert api.get("/api/hours/v1/projects", headers=account.headers).status_code == 200  # now cached
    revoked = api.post("/api/users/v1/token/revoke", data={"token": account.access_token})
    assert revoked.status_code == 200
    # RFC 7009: no body, and (through the gateway too) no Content-Type naming one
    assert revoked.content == b""
    assert "Content-Type" not in revoked.headers
    revoked_at = time.monotonic()

    def rejected() -> bool:
        response = api.get("/api/hours/v1/projects", headers=account.headers)
        assert response.status_code in (200, 401), response.text
        return response.status_code == 401

    _poll_until(rejected, timeout=stack.auth_cache_seconds + 2)
    # Each hours replica has a cache of its own: past the bound, every one refuses.
    time.sleep(max(0.0, revoked_at + stack.auth_cache_seconds - time.monotonic()))
    for _ in range(4):
        response = api.get("/api/hours/v1/projects", headers=account.headers)
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_admin_lists_and_deactivates_a_user(api, stack, admin_headers) -> None:
    victim = register(api, prefix="victim")
    listed = api.get("/api/users/v1/users", params={"q": victim.username}, headers=admin_headers)
    assert listed.status_code == 200, listed.text
    assert victim.username in listed.text

    assert api.get("/api/users/v1/users", headers=victim.headers).status_code == 403

    deactivated = api.patch(
        f"/api/users/v1/users/{victim.id}", json={"is_active": False}, headers=admin_headers
    )
    assert deactivated.status_code == 200, deactivated.text

    def rejected() -> bool:
        return api.get("/api/hours/v1/projects", headers=victim.headers).status_code == 401

    _poll_until(rejected, timeout=stack.auth_cache_seconds + 2)
    refused = api.post(
        "/api/users/v1/token",
        data={"grant_type": "password", "username": victim.username, "password": victim.password},
    )
    assert refused.status_code == 400

    api.patch(f"/api/users/v1/users/{victim.id}", json={"is_active": True}, headers=admin_headers)
    assert login(api, victim.username, victim.password)["access_token"]
