"""Fixtures shared by the docs service's tests and the gateway's: stub upstreams."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from stubs import HOURS_SPEC, USERS_SPEC, StubUpstream


@pytest.fixture(scope="session")
def users_stub() -> Iterator[StubUpstream]:
    stub = StubUpstream("users", USERS_SPEC).start()
    yield stub
    stub.stop()


@pytest.fixture(scope="session")
def hours_stub() -> Iterator[StubUpstream]:
    stub = StubUpstream("hours", HOURS_SPEC).start()
    yield stub
    stub.stop()


@pytest.fixture
def dead_url() -> str:
    """A loopback URL on which nothing listens."""
    from timekeeper_dev.net import free_port

    return f"http://127.0.0.1:{free_port()}"
