"""Fixtures: the services the contract tests talk to, over real HTTP on loopback.

One throwaway Postgres cluster (the ``postgresql_cluster`` fixture of the timekeeper pytest
plugin) with a database per service; each service gets its prestart step and gunicorn,
exactly as the stack runs it, on a free port. The hours service asks the real user service
about tokens; a second hours instance (``contract_hours``) asks the introspection stub of
timekeeper_dev, which serves whatever introspection answer a test puts in it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from timekeeper_dev.introspection_stub import IntrospectionStub
from timekeeper_dev.postgres import PostgresCluster

from tests.helpers import CLIENT_ID, PASSWORD, Server, Stack, prestart


@pytest.fixture(scope="session")
def prepared(postgresql_cluster: PostgresCluster) -> Iterator[Stack]:
    """Both databases made and migrated (each service's prestart), nothing serving yet."""
    work = Path(tempfile.mkdtemp(prefix="timekeeper-contracts-"))
    db_password = {name: secrets.token_urlsafe(12) for name in ("users", "hours")}
    for name, password in db_password.items():
        postgresql_cluster.create_database(name, owner=name, password=password)
    common = {
        **os.environ,
        "APP_ENV": "test",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "WEB_CONCURRENCY": "2",
        "INTROSPECTION_CLIENT_ID": CLIENT_ID,
        "INTROSPECTION_CLIENT_SECRET": secrets.token_urlsafe(24),
        "PYTHONUNBUFFERED": "1",
    }
    user_env = {
        **common,
        "DATABASE_URL": postgresql_cluster.url("users", user="users", password=db_password["users"]),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        "ACCESS_TOKEN_TTL_SECONDS": "3600",
        "ADMIN_USERNAME": "contract-admin",
        "ADMIN_EMAIL": "contract-admin@example.com",
        "ADMIN_PASSWORD": PASSWORD,
    }
    user = Server("user", "user_service.wsgi:app", user_env, work / "user.log")
    hours_env = {
        **common,
        "DATABASE_URL": postgresql_cluster.url("hours", user="hours", password=db_password["hours"]),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "USER_SERVICE_URL": user.url,
        "AUTH_CACHE_SECONDS": "30",
    }
    hours = Server("hours", "hours_service.wsgi:application", hours_env, work / "hours.log")
    prestart("user_service", user_env, user.log)
    prestart("hours_service", hours_env, hours.log)
    prepared = Stack(
        postgres=postgresql_cluster,
        dir=work,
        user=user,
        hours=hours,
        jwt_signing_key=user_env["JWT_SIGNING_KEY"],
        client_secret=common["INTROSPECTION_CLIENT_SECRET"],
        admin_username=user_env["ADMIN_USERNAME"],
        admin_password=PASSWORD,
        hours_env=hours_env,
    )
    try:
        yield prepared
    finally:
        prepared.stop()
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def stack(prepared: Stack) -> Stack:
    """The user service and the hours service serving, the hours service asking the user service."""
    prepared.user.start("/api/users/health/live")
    prepared.hours.start("/api/hours/health/live")
    return prepared


# -- accounts and tokens -----------------------------------------------------------------
@pytest.fixture(scope="session")
def fake_introspection(prepared: Stack) -> Iterator[IntrospectionStub]:
    with IntrospectionStub(CLIENT_ID, prepared.client_secret) as stub:
        yield stub


@pytest.fixture(scope="session")
def contract_hours(prepared: Stack, fake_introspection: IntrospectionStub) -> Server:
    """An hours instance that asks the stub, with no cache: every request is one introspection."""
    return prepared.start_hours(
        "hours-contract", USER_SERVICE_URL=fake_introspection.url, AUTH_CACHE_SECONDS="0"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failing test that talked to the services shows the end of their logs."""
    report = yield
    funcargs = getattr(item, "funcargs", {})
    servers = [s for s in funcargs.values() if isinstance(s, Server)]
    for running in (funcargs.get("stack"), funcargs.get("prepared")):
        if isinstance(running, Stack):
            servers += [running.user, running.hours, *running.extra]
    if report.failed and call.when == "call":
        for server in {id(s): s for s in servers}.values():
            if server.popen is not None:
                errors = [line for line in server.tail(400).splitlines() if '"level": "INFO"' not in line]
                report.sections.append((f"{server.name} log (not INFO, last 40)", "\n".join(errors[-40:])))
    return report
