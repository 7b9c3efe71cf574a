"""The one HTTP client to the user service: a pooled session with timeouts and retries.

One module-level :class:`requests.Session` per process (gunicorn imports the app after
forking, so each worker has its own pool). Connection errors are retried a bounded number
of times (the request never reached the user service, so a retry is safe even for POST),
and so is a connection the user service closed without answering: a pooled keep-alive
connection it let go of, or a replica that is stopping, at the moment a request was sent
on it. Introspection and the health check change nothing, so sending one again is safe.
Read timeouts and 5xx answers are not retried: the caller gets 503 at once.
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from hours_service.observability import REQUEST_ID_HEADER, current_request_id

INTROSPECT_PATH = "/internal/v1/introspect"
LIVE_PATH = "/api/users/health/live"
CONNECT_RETRIES = 2
POOL_SIZE = 16


class UserServiceError(Exception):
    """The user service could not be asked, or its answer is unusable."""


class _Retry(Retry):
    """urllib3 counts a connection closed without an answer as a read error, with a read
    timeout; here only the timeout is one (never retried), the closed connection an
    "other" error, retried as often as a refused connection."""

    def _is_read_error(self, err: Exception) -> bool:
        return isinstance(err, ReadTimeoutError)


def build_session() -> requests.Session:
    retry = _Retry(
        total=CONNECT_RETRIES,
        connect=CONNECT_RETRIES,
        read=0,
        status=0,
        redirect=0,
        other=CONNECT_RETRIES,
        backoff_factor=0.05,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_connections=2, pool_maxsize=POOL_SIZE)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = "timekeeper-hours"
    session.trust_env = False
    return session


session = build_session()


def _timeout() -> tuple[float, float]:
    return (settings.USER_SERVICE_CONNECT_TIMEOUT, settings.USER_SERVICE_READ_TIMEOUT)


def _headers() -> dict[str, str]:
    request_id = current_request_id()
    return {REQUEST_ID_HEADER: request_id} if request_id else {}


def introspect(token: str) -> dict[str, Any]:
    """POST the token to ``/internal/v1/introspect``; the parsed JSON answer.

    Raises :class:`UserServiceError` on connection errors, timeouts, any non-200 answer
    and a body that is not a JSON object. Checking the answer's shape is the caller's.
    """
    try:
        response = session.post(
            settings.USER_SERVICE_URL + INTROSPECT_PATH,
            data={"token": token},
            auth=(settings.INTROSPECTION_CLIENT_ID, settings.INTROSPECTION_CLIENT_SECRET),
            headers=_headers(),
            timeout=_timeout(),
        )
    except requests.RequestException as exc:
        raise UserServiceError(f"introspection failed: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise UserServiceError(f"introspection answered {response.status_code}")
    try:
        payload = response.json()
    except ValueError as exc:
        raise UserServiceError("introspection answered no JSON") from exc
    if not isinstance(payload, dict):
        raise UserServiceError("introspection answered no JSON object")
    return payload


def ping(timeout: float | None = None) -> None:
    """Raise :class:`UserServiceError` unless the user service's live endpoint answers 200
    (within ``timeout`` seconds to connect and to read, when given)."""
    try:
        response = session.get(
            settings.USER_SERVICE_URL + LIVE_PATH,
            headers=_headers(),
            timeout=_timeout() if timeout is None else (timeout, timeout),
        )
    except requests.RequestException as exc:
        raise UserServiceError(f"user service unreachable: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise UserServiceError(f"user service answered {response.status_code}")
