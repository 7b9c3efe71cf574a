"""Every error a client can get through the gateway is problem+json with CORS headers.

The services write their own problems, and the gateway leaves those alone. What the
gateway answers itself (a refused encoding, a body above the limit, the rate limit, a
service that is down or does not answer) and what gunicorn answers before an app sees
the request (a request line or header too long) becomes problem+json too: the docs
service serves those pages (``/docs/errors/<status>``) for Traefik's ``errors``
middleware.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path

import pytest
import requests
from conftest import ALLOWED_ORIGIN, Gateway, gateway_env, running_gateway
from stubs import StubUpstream
from timekeeper_dev.net import free_port, wait_for_port

PROBLEM_JSON = "application/problem+json"
ORIGIN = {"Origin": ALLOWED_ORIGIN}


def assert_problem(response: requests.Response, status: int) -> dict:
    """A problem+json answer with ``status``, CORS headers for ALLOWED_ORIGIN, never cached."""
    assert response.status_code == status, (response.status_code, response.headers, response.text[:300])
    assert response.headers["Content-Type"] == PROBLEM_JSON, response.text[:300]
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "Origin" in response.headers["Vary"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


# -- refused encodings ---------------------------------------------------------------

REFUSED = ["%2F", "%2f", "%5C", "%5c", "%00", "%3B", "%3b", "%25", "%3F", "%3f", "%23"]


@pytest.mark.parametrize("encoded", REFUSED)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_a_refused_encoding_is_a_400_problem_with_cors(
    gateway: Gateway, users_stub: StubUpstream, encoded: str, method: str
) -> None:
    seen_before = len(users_stub.seen)
    path = f"/api/users/v1/a{encoded}b"
    response = gateway.request(method, path, headers=ORIGIN)
    body = assert_problem(response, 400)
    assert body["instance"] == path.replace(encoded, encoded.upper())  # as Traefik normalized it
    assert encoded.upper() in body["detail"]
    assert len(users_stub.seen) == seen_before  # refused by the gateway, as before


def test_an_encoded_character_the_gateway_accepts_still_reaches_the_service(gateway: Gateway) -> None:
    response = gateway.get("/api/users/v1/caf%C3%A9%20au%20lait", headers=ORIGIN)
    assert response.status_code == 200
    assert response.json()["path"] == "/api/users/v1/caf%C3%A9%20au%20lait"


# -- limits ---------------------------------------------------------------------------

LIMITS = {
    "AUTH_RATE_LIMIT_AVERAGE": "1",
    "AUTH_RATE_LIMIT_PERIOD": "1m",
    "AUTH_RATE_LIMIT_BURST": "1",
    "MAX_REQUEST_BODY_BYTES": "2048",
}


@pytest.fixture
def limited(
    start_gateway: Callable[[dict[str, str]], Gateway],
    users_stub: StubUpstream,
    hours_stub: StubUpstream,
    docs_url: str,
) -> Gateway:
    return start_gateway(gateway_env(users_stub.url, hours_stub.url, docs_url, **LIMITS))


@pytest.mark.parametrize(
    "path", ["/api/hours/v1/entries", "/api/users/v1/users/me", "/api/users/v1/token", "/nowhere"]
)
def test_a_body_above_the_limit_is_a_413_problem(limited: Gateway, path: str) -> None:
    response = limited.request("POST", path, data=b"x" * 2049, headers=ORIGIN)
    body = assert_problem(response, 413)
    assert body["detail"] == "The request body is too large."  # the words of the services' own 413


def test_the_rate_limit_is_a_429_problem_with_retry_after(limited: Gateway) -> None:
    form = {"grant_type": "password", "username": "demo", "password": "wrong"}
    assert limited.request("POST", "/api/users/v1/token", data=form, headers=ORIGIN).status_code == 400
    response = limited.request("POST", "/api/users/v1/token", data=form, headers=ORIGIN)
    assert_problem(response, 429)
    # one request per minute: the bucket holds a token again within 60 s
    assert int(response.headers["Retry-After"]) == 60
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


# -- a service down or not answering -------------------------------------------------


def test_a_service_that_is_down_is_a_503_problem_with_retry_after(hours_down: Gateway) -> None:
    for method in ("GET", "POST"):
        response = hours_down.request(method, "/api/hours/v1/entries", headers=ORIGIN)
        body = assert_problem(response, 503)
        assert int(response.headers["Retry-After"]) > 0
        assert body["type"] == "urn:timekeeper:problem:service-unavailable"
        assert "hours service" in body["detail"]


@pytest.fixture
def frozen_upstream() -> Iterator[str]:
    """A port that accepts connections and never answers, as a stopped (SIGSTOP) process."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)  # the kernel completes handshakes; nobody ever reads
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_a_service_that_does_not_answer_is_a_503_problem_in_bounded_time(
    start_gateway: Callable[[dict[str, str]], Gateway],
    hours_stub: StubUpstream,
    docs_url: str,
    frozen_upstream: str,
) -> None:
    gw = start_gateway(gateway_env(frozen_upstream, hours_stub.url, docs_url, UPSTREAM_RESPONSE_TIMEOUT="2s"))
    for method, path in (("GET", "/api/users/v1/users/me"), ("POST", "/api/users/v1/token")):
        started = time.monotonic()
        response = gw.request(method, path, headers=ORIGIN, data=b"grant_type=password", timeout=15)
        elapsed = time.monotonic() - started
        body = assert_problem(response, 503)
        assert 1.5 < elapsed < 6, elapsed  # the gateway's bound, not the client's patience
        assert int(response.headers["Retry-After"]) > 0
        assert "user service" in body["detail"]
    # the other service is not affected
    assert gw.get("/api/hours/v1/entries/1").status_code == 200


def test_every_service_has_the_bounded_transport(gateway: Gateway) -> None:
    """The bounds themselves are in dynamic.yml (Traefik's API does not list transports);
    the e2e freeze tests observe the default one, 10 s."""
    services = requests.get(f"{gateway.internal_url}/api/http/services", timeout=5).json()
    ours = [service for service in services if service["provider"] == "file"]
    assert {service["name"] for service in ours} == {"users@file", "hours@file", "docs@file"}
    for service in ours:
        assert service["loadBalancer"]["serversTransport"] == "upstreams@file", service


# -- the services' own problems are left alone -----------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 413, 422, 429, 503])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_services_own_problem_is_passed_on_untouched(gateway: Gateway, status: int, method: str) -> None:
    response = gateway.request(method, f"/api/hours/v1/status/{status}", headers=ORIGIN)
    if status == 413:  # the gateway's 413 reads alike: one body for every "too large"
        assert_problem(response, 413)
        return
    body = assert_problem(response, status)
    assert body == {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "instance": f"/api/hours/v1/status/{status}",
    }
    if status in (429, 503):
        assert response.headers["Retry-After"] == "7"


# -- gunicorn's own answers ----------------------------------------------------------


@contextmanager
def _docs_under_gunicorn(log: Path, *options: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "1"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    argv = [str(gunicorn), "-c", "python:docs_service.gunicorn_conf", *options, "docs_service.wsgi:app"]
    with log.open("w") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.fixture(scope="module")
def gateway_to_gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """A gateway whose services are a gunicorn with gunicorn's default limits, as the user
    and hours services have them (the docs app stands in), and whose docs service is the
    docs service under its own gunicorn settings, as in production."""
    logs = tmp_path_factory.mktemp("gunicorn")
    defaults = ("--limit-request-line=4094", "--limit-request-fields=100", "--limit-request-field_size=8190")
    with (
        _docs_under_gunicorn(logs / "service.log", *defaults) as service,
        _docs_under_gunicorn(logs / "docs.log") as docs,
        running_gateway(logs / "gateway", gateway_env(service, service, docs)) as gw,
    ):
        yield gw


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_request_line_too_long_for_gunicorn_is_a_414_problem(
    gateway_to_gunicorn: Gateway, method: str
) -> None:
    path = "/api/users/v1/users/" + "a" * 5000
    assert_problem(gateway_to_gunicorn.request(method, path, headers=ORIGIN), 414)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Big": "b" * 9000},  # one field above gunicorn's limit_request_field_size
        {f"X-Many-{n}": "m" for n in range(120)},  # more fields than limit_request_fields
    ],
    ids=["long-field", "many-fields"],
)
def test_headers_too_large_for_gunicorn_are_a_431_problem(
    gateway_to_gunicorn: Gateway, headers: dict[str, str]
) -> None:
    response = gateway_to_gunicorn.get("/api/hours/v1/entries", headers={**ORIGIN, **headers})
    assert_problem(response, 431)


def test_gunicorn_answers_within_its_limits(gateway_to_gunicorn: Gateway) -> None:
    response = gateway_to_gunicorn.get("/api/hours/v1/entries", headers={**ORIGIN, "X-Big": "b" * 4000})
    assert_problem(response, 404)  # the docs service's own 404: nothing refused the request
