"""The local stack (``make dev``): what it exposes to the network."""

from __future__ import annotations

import socket
from pathlib import Path

import psycopg
import pytest
import requests
from timekeeper_dev.stack.local import LocalStack

# /proc/net/tcp{,6}: "sl local_address rem_address st ..."; state 0A is LISTEN
LISTEN = "0A"
LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1 (kernel byte order)


def listening_addresses(port: int) -> set[str]:
    """The local addresses (kernel hex) a socket listens on for ``port``, over IPv4 and IPv6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == LISTEN and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_listening_addresses_tells_loopback_from_every_interface() -> None:
    with socket.socket() as lo, socket.socket() as anywhere:
        lo.bind(("127.0.0.1", 0))
        lo.listen()
        anywhere.bind(("0.0.0.0", 0))  # noqa: S104 -- the case to recognise
        anywhere.listen()
        assert listening_addresses(lo.getsockname()[1]) == {"0100007F"}
        assert listening_addresses(anywhere.getsockname()[1]) == {"00000000"}


@pytest.fixture(scope="module")
def local_stack():
    with LocalStack() as stack:
        yield stack


def test_every_process_of_the_local_stack_listens_on_loopback_only(local_stack: LocalStack) -> None:
    # The services' /internal endpoints are never routed by the gateway; on 0.0.0.0 they
    # would be reachable from the network around a developer's machine.
    ports = {name: process.port for name, process in local_stack.processes.items()}
    ports["traefik internal"] = int(local_stack.internal_url.rsplit(":", 1)[1])
    ports["postgres"] = local_stack.postgres.port
    for name, port in ports.items():
        addresses = listening_addresses(port)
        assert addresses, f"{name}: nothing listens on {port}"
        assert addresses <= LOOPBACK, f"{name} listens on {addresses} (port {port})"


def _answers_within(url: str, seconds: float) -> bool:
    try:
        requests.get(url, timeout=seconds)
    except requests.Timeout:
        return False
    return True


def _connects_within(url: str, seconds: int) -> bool:
    try:
        psycopg.connect(url, connect_timeout=seconds).close()
    except psycopg.OperationalError:
        return False
    return True


def test_a_frozen_service_answers_nothing_until_thawed(local_stack: LocalStack) -> None:
    live = f"http://127.0.0.1:{local_stack.processes['user'].port}/api/users/health/live"
    assert _answers_within(live, 5)
    with local_stack.frozen("user"):
        assert not _answers_within(live, 1.5)
        local_stack.freeze("user")  # freezing again changes nothing
    assert requests.get(live, timeout=10).status_code == 200


def test_a_frozen_database_accepts_no_connection_until_thawed(local_stack: LocalStack) -> None:
    url = local_stack.postgres.url()
    assert _connects_within(url, 5)
    with local_stack.frozen("postgres"):
        assert not _connects_within(url, 2)
    assert _connects_within(url, 5)


def test_freezing_something_unknown_is_refused(local_stack: LocalStack) -> None:
    with pytest.raises(ValueError, match="one of user, hours, docs, traefik, postgres"):
        local_stack.freeze("redis")
