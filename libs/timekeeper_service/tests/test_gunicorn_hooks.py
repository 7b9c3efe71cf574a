"""drain_unread_body: what it reads of a request body, and when it leaves one alone.

Through the gateway, the whole-stack suite sends big bodies that each service answers early
(e2e/tests/test_gateway.py); these tests pin the hook's own rules on stand-ins for gunicorn's
request, response and socket.
"""

from __future__ import annotations

import io

import pytest

from timekeeper_service import gunicorn_hooks
from timekeeper_service.gunicorn_hooks import DRAIN_MAX_BYTES, drain_unread_body


class Socket:
    def __init__(self) -> None:
        self.timeouts: list[float | None] = []
        self.timeout: float | None = None

    def gettimeout(self) -> float | None:
        return self.timeout

    def settimeout(self, value: float | None) -> None:
        self.timeouts.append(value)
        self.timeout = value


class Body:
    """A body of ``size`` bytes, read as gunicorn's is: ``read(n)`` until ``b""``."""

    def __init__(self, size: int, fail_after: int | None = None) -> None:
        self.stream = io.BytesIO(b"x" * size)
        self.fail_after = fail_after
        self.reads = 0

    def read(self, size: int) -> bytes:
        self.reads += 1
        if self.fail_after is not None and self.stream.tell() >= self.fail_after:
            raise ConnectionResetError("the client left")
        return self.stream.read(size)


class Request:
    def __init__(self, body: Body) -> None:
        self.body = body


#: gunicorn's response: the hook only needs there to be one
RESPONSE = object()


def test_the_rest_of_a_body_is_read() -> None:
    """Kept alive or closing, gunicorn would read 64 KiB of it and close the connection."""
    body, sock = Body(600_000), Socket()
    body.stream.read(1000)  # what the application read
    drain_unread_body(None, Request(body), {"gunicorn.socket": sock}, RESPONSE)
    assert body.stream.tell() == 600_000
    assert sock.timeout is None  # as it was: blocking
    assert all(0 < t <= gunicorn_hooks.DRAIN_SECONDS for t in sock.timeouts[:-1])


def test_no_more_than_the_bound_is_read() -> None:
    body = Body(DRAIN_MAX_BYTES + 1_000_000)
    drain_unread_body(None, Request(body), {"gunicorn.socket": Socket()}, RESPONSE)
    assert body.stream.tell() == DRAIN_MAX_BYTES


def test_no_longer_than_the_bound_is_waited(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(range(100))  # each look at the clock is one second later
    monkeypatch.setattr(gunicorn_hooks.time, "monotonic", lambda: float(next(clock)))
    body = Body(600_000)
    drain_unread_body(None, Request(body), {"gunicorn.socket": Socket()}, RESPONSE)
    assert body.reads == int(gunicorn_hooks.DRAIN_SECONDS) - 1


def test_a_client_that_leaves_ends_the_drain_quietly() -> None:
    body, sock = Body(600_000, fail_after=100_000), Socket()
    sock.timeout = 30.0
    drain_unread_body(None, Request(body), {"gunicorn.socket": sock}, RESPONSE)
    assert sock.timeout == 30.0


@pytest.mark.parametrize(
    ("req", "environ", "resp"),
    [
        (None, {"gunicorn.socket": Socket()}, RESPONSE),  # gunicorn refused the request
        (Request(Body(10)), {}, RESPONSE),  # not gunicorn
        (Request(Body(10)), {"gunicorn.socket": Socket()}, None),  # no response was made
    ],
)
def test_nothing_to_drain_is_no_error(req, environ, resp) -> None:
    drain_unread_body(None, req, environ, resp)
