"""Whole-stack fixtures: one stack per session, reached through the gateway only.

``E2E_DRIVER=compose|local`` picks the driver (default: compose where a Docker engine
answers). A failing test gets the services' recent logs attached to its report.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import requests
from timekeeper_dev import accounts
from timekeeper_dev.accounts import Account
from timekeeper_dev.stack import SERVICES, Stack, pick_driver

# Short enough that "revoked tokens stop working within AUTH_CACHE_SECONDS" is quick to
# observe, long enough that the cache is really exercised.
os.environ.setdefault("AUTH_CACHE_SECONDS", "5")
# The suite registers and logs in far more often than a person; the gateway's rate
# limit on those endpoints has tests of its own (gateway/tests).
os.environ.setdefault("AUTH_RATE_LIMIT_AVERAGE", "10000")
os.environ.setdefault("AUTH_RATE_LIMIT_BURST", "10000")

_stack: Stack | None = None


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    global _stack
    with pick_driver() as running:
        _stack = running
        yield running
        _stack = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.failed and _stack is not None:
        for name in (*SERVICES, "postgres"):
            try:
                report.sections.append((f"{name} log (tail)", _stack.logs(name, tail=60)))
            except Exception as exc:
                report.sections.append((f"{name} log", f"unavailable: {exc}"))
    return report


class Api(requests.Session):
    """A requests session whose relative URLs go to the gateway."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def request(self, method: str, url: str, *args, **kwargs):
        kwargs.setdefault("timeout", 10)
        return super().request(method, self.base_url + url if url.startswith("/") else url, *args, **kwargs)


@pytest.fixture
def api(stack: Stack) -> Iterator[Api]:
    with Api(stack.base_url) as session:
        yield session


def login(api: Api, username: str, password: str) -> dict:
    return accounts.login(api.base_url, username, password, api)


def register(api: Api, prefix: str = "e2e") -> Account:
    """A new user, registered and logged in through the gateway."""
    return accounts.register(api.base_url, prefix, api)


@pytest.fixture
def account(api: Api) -> Account:
    return register(api)


@pytest.fixture
def admin_headers(api: Api, stack: Stack) -> dict[str, str]:
    tokens = login(api, stack.admin_username, stack.admin_password)
    return {"Authorization": f"Bearer {tokens['access_token']}"}
