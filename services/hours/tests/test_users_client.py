"""The one HTTP client to the user service: pooled, bounded retries on connection errors only
(refused, or closed without an answer)."""

from __future__ import annotations

import socket
import threading

import pytest
import requests
from hours_service import users_client as client
from timekeeper_dev.introspection_stub import SHORT_READ_TIMEOUT
from timekeeper_dev.net import free_port


def test_one_pooled_session_per_process():
    assert isinstance(client.session, requests.Session)
    adapter = client.session.get_adapter("http://user:8000")
    assert adapter._pool_maxsize == client.POOL_SIZE
    assert client.session.trust_env is False  # no proxy from the environment


def test_retries_connection_errors_only():
    retry = client.session.get_adapter("http://user:8000").max_retries
    assert (retry.total, retry.connect) == (client.CONNECT_RETRIES, client.CONNECT_RETRIES)
    # a connection closed unanswered is an "other" error; read timeouts and 5xx never retried
    assert retry.other == client.CONNECT_RETRIES
    assert (retry.read, retry.status, retry.redirect) == (0, 0, 0)


def test_refused_connection_is_a_user_service_error(settings):
    settings.USER_SERVICE_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(client.UserServiceError):
        client.introspect("token")
    with pytest.raises(client.UserServiceError):
        client.ping()


@pytest.mark.parametrize("mode", ["error", "slow"])
def test_5xx_and_timeouts_are_user_service_errors(user_service, settings, mode):
    user_service.mode = mode
    settings.USER_SERVICE_READ_TIMEOUT = SHORT_READ_TIMEOUT
    with pytest.raises(client.UserServiceError):
        client.introspect("token")


class DroppingUserService:
    """A user service that closes the first ``drops`` connections once it has read a
    request, without answering (as a server lets go of a keep-alive connection, or a
    stopping replica does, at the moment a request is sent on it), then answers
    ``{"active": false}``."""

    def __init__(self, drops: int) -> None:
        self.drops = drops
        self.requests = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            with connection:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += connection.recv(65536)
                self.requests += 1
                if self.requests > self.drops:
                    body = b'{"active": false}'
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                        + f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def dropping(settings):
    services: list[DroppingUserService] = []

    def start(drops: int) -> DroppingUserService:
        services.append(DroppingUserService(drops))
        settings.USER_SERVICE_URL = services[-1].url
        return services[-1]

    yield start
    for service in services:
        service.close()


def test_an_introspection_dropped_unanswered_is_sent_again(dropping):
    # introspection changes nothing, so a request the user service may have read but never
    # answered is safe to send again; it reaches the next connection
    user_service = dropping(drops=client.CONNECT_RETRIES)
    assert client.introspect("token") == {"active": False}
    assert user_service.requests == client.CONNECT_RETRIES + 1


def test_an_introspection_dropped_every_time_is_a_user_service_error(dropping):
    user_service = dropping(drops=100)
    with pytest.raises(client.UserServiceError):
        client.introspect("token")
    assert user_service.requests == client.CONNECT_RETRIES + 1
