"""Test accounts made through the user service's public API: register, then log in.

The contract tests reach the user service directly and the e2e tests through the gateway;
both pass the base URL they use (the user service serves under its gateway prefix, so the
paths are the same), and may pass the ``requests.Session`` to send with.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import requests


@dataclass(frozen=True)
class Account:
    """A registered user, logged in once: its credentials and that login's tokens."""

    id: str
    username: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def login(
    base_url: str, username: str, password: str, session: requests.Session | None = None
) -> dict[str, Any]:
    """The token endpoint's answer to a password grant, which must be a 200."""
    response = (session or requests).post(
        f"{base_url}/api/users/v1/token",
        data={"grant_type": "password", "username": username, "password": password},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def sign_up(
    base_url: str, username: str, email: str, password: str, session: requests.Session | None = None
) -> requests.Response:
    """The registration endpoint's answer, whatever it is (201, or 409 when the name is taken)."""
    return (session or requests).post(
        f"{base_url}/api/users/v1/users",
        json={"username": username, "email": email, "password": password},
        timeout=10,
    )


def register(base_url: str, prefix: str, session: requests.Session | None = None) -> Account:
    """A new user named ``<prefix>-<10 hex digits>`` (prefix at most 21 characters), logged in."""
    username = f"{prefix}-{uuid.uuid4().hex[:10]}"
    email = f"{username}@example.com"
    password = secrets.token_urlsafe(18)
    created = sign_up(base_url, username, email, password, session)
    assert created.status_code == 201, created.text
    tokens = login(base_url, username, password, session)
    return Account(
        id=str(created.json()["id"]),
        username=username,
        email=email,
        password=password,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )
