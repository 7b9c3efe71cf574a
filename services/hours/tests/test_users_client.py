"""The one HTTP client to the user service: pooled, bounded retries on connection errors only."""

from __future__ import annotations

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
    assert (retry.read, retry.status, retry.redirect, retry.other) == (0, 0, 0, 0)


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
