"""Whole-stack fixtures: one stack per session, reached through the gateway only.

``E2E_DRIVER=compose|local|swarm`` picks the driver (default: compose where a Docker
engine answers). A failing test gets the services' recent logs attached to its report.

``scaled/`` holds the tests only a replicated deployment can fail (traffic spread over
the replicas, rolling updates under load, a killed replica, per-replica caches): they
are collected on the swarm driver only, and a swarm run that collects none of them
fails. Elsewhere they are not collected at all, so they are never reported as skipped.
Figures they measure are listed at the end of the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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

SCALED = Path(__file__).parent / "scaled"
#: (test, figure) lines the scaled tests report, printed at the end of the run
FIGURES: list[str] = []


def _driver() -> str:
    return os.environ.get("E2E_DRIVER") or "default"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path == SCALED and _driver() != "swarm":
        return True
    return None


def pytest_report_header(config: pytest.Config) -> str:
    if _driver() == "swarm":
        return "e2e: swarm driver, scaled/ collected"
    return f"e2e: {_driver()} driver; scaled/ is collected on the swarm driver only"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # last: they roll and kill replicas, which the rest of the suite should not run into
    items.sort(key=lambda item: SCALED in Path(item.path).parents)


def pytest_collection_finish(session: pytest.Session) -> None:
    # a whole-suite swarm run (no paths, no -k/-m) must have collected scaled/
    config = session.config
    whole_suite = (
        config.args == config.getini("testpaths") and not config.option.keyword and not config.option.markexpr
    )
    if (
        _driver() == "swarm"
        and whole_suite
        and not any(SCALED in Path(item.path).parents for item in session.items)
    ):
        raise pytest.UsageError("E2E_DRIVER=swarm collected no test of scaled/")


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if FIGURES:
        terminalreporter.write_sep("=", "figures measured by the scaled-deployment tests")
        for line in FIGURES:
            terminalreporter.write_line(line)


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
