"""What Traefik does with an upstream that cannot take a request, and the Swarm upstreams.

A request is retried only when no server got it (the connection could not be opened),
whatever its method; one a server may have received is never sent twice. With
UPSTREAM_PROVIDER=swarm the same routers send to the swarm provider's services, and a
service with no healthy task answers 503 with Retry-After.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import ALLOWED_ORIGIN, Gateway, gateway_env
from stubs import StubUpstream
from timekeeper_dev.net import free_port


def _entry(gateway: Gateway, request_id: str, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        entries = [e for e in gateway.access_entries() if e.get("request_X-Request-Id") == request_id]
        if entries or time.monotonic() > deadline:
            assert len(entries) == 1, entries
            return entries[0]
        time.sleep(0.05)


class DroppingUpstream:
    """Reads each request whole, then closes the connection without answering."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                if head:
                    self.requests.append(head + b"\r\n\r\n" + body)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


@pytest.fixture
def dropping() -> Iterator[DroppingUpstream]:
    upstream = DroppingUpstream()
    yield upstream
    upstream.close()


@pytest.fixture
def refused_gateway(start_gateway, users_stub: StubUpstream, docs_url: str) -> Gateway:
    """A gateway whose hours upstream refuses every connection (nothing listens there).
    Traefik v3 counts retries nowhere but its debug log (the access log's RetryAttempts
    stays 0: no listener is wired to the retry middleware)."""
    env = gateway_env(users_stub.url, f"http://127.0.0.1:{free_port()}", docs_url)
    return start_gateway(env, log_level="DEBUG")


def _attempts(gateway: Gateway, path: str) -> int:
    """How many times Traefik sent ``path`` on: 1 + its "New attempt" debug lines."""
    retried = [
        e
        for e in gateway.log_entries()
        if e.get("middlewareType") == "Retry" and e["message"].endswith(f" {path}")
    ]
    return 1 + len(retried)


@pytest.mark.parametrize(
    ("method", "router"),
    [("GET", "hours-read@file"), ("POST", "hours@file"), ("PATCH", "hours@file"), ("DELETE", "hours@file")],
)
def test_a_request_no_server_received_is_retried_whatever_its_method(
    refused_gateway: Gateway, method: str, router: str
) -> None:
    request_id = uuid.uuid4().hex
    path = f"/api/hours/v1/entries/{request_id}"
    response = refused_gateway.request(method, path, json={"x": 1}, headers={"X-Request-Id": request_id})
    assert response.status_code == 503  # the gateway's problem for a 502 (hours-errors)
    assert _entry(refused_gateway, request_id)["RouterName"] == router
    assert _attempts(refused_gateway, path) == 3  # upstream-retry in dynamic.yml


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "GET"])
def test_a_request_a_server_received_is_never_sent_again(
    start_gateway, users_stub: StubUpstream, docs_url: str, dropping: DroppingUpstream, method: str
) -> None:
    gateway = start_gateway(gateway_env(users_stub.url, dropping.url, docs_url), log_level="DEBUG")
    request_id = uuid.uuid4().hex
    path = f"/api/hours/v1/entries/{request_id}"
    response = gateway.request(
        method, path, json={"description": "once"}, headers={"X-Request-Id": request_id}
    )
    assert response.status_code == 503  # the gateway's problem for a 502 (hours-errors)
    assert len(dropping.requests) == 1
    if method != "GET":
        assert dropping.requests[0].endswith(b'{"description": "once"}')  # the body, whole
    _entry(gateway, request_id)  # logged, so Traefik is done with it
    assert _attempts(gateway, path) == 1


# -- Swarm: the routers send to the swarm provider's services --------------------------------
class KeepAliveUpstream:
    """An HTTP/1.1 upstream that keeps connections open and counts those it accepted; each
    answer waits ``delay`` seconds, so that requests sent together are in flight together."""

    def __init__(self, delay: float) -> None:
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with upstream._lock:
                    upstream.connections += 1

            def do_GET(self) -> None:
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.connections = 0
        self._lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def keep_alive() -> Iterator[KeepAliveUpstream]:
    upstream = KeepAliveUpstream(delay=0.3)
    yield upstream
    upstream.close()


def test_connections_to_a_service_are_kept_for_the_next_burst(
    start_gateway, users_stub: StubUpstream, docs_url: str, keep_alive: KeepAliveUpstream
) -> None:
    # Go's transport keeps 2 idle connections per server unless told otherwise: after a burst
    # of concurrent requests Traefik would close the rest and open them again for the next,
    # a TCP handshake and a new connection for the service to take, over and over under load.
    gateway = start_gateway(gateway_env(users_stub.url, keep_alive.url, docs_url))
    concurrent = 8
    with ThreadPoolExecutor(max_workers=concurrent) as pool:
        for _ in range(3):
            codes = list(
                pool.map(lambda _: gateway.get("/api/hours/v1/projects").status_code, range(concurrent))
            )
            assert codes == [200] * concurrent
    assert keep_alive.connections <= concurrent


@pytest.fixture(scope="module")
def swarm_gateway(tmp_path_factory: pytest.TempPathFactory, docs_url: str) -> Iterator[Gateway]:
    """UPSTREAM_PROVIDER=swarm and no swarm provider: as a stack neither of whose user
    and hours services has a healthy task."""
    from conftest import running_gateway

    env = {
        "UPSTREAM_PROVIDER": "swarm",
        "DOCS_UPSTREAM_URL": docs_url,
        "CORS_ALLOWED_ORIGINS": ALLOWED_ORIGIN,
    }
    with running_gateway(tmp_path_factory.mktemp("swarm"), env) as gateway:
        yield gateway


def test_under_swarm_users_and_hours_come_from_the_swarm_provider(swarm_gateway: Gateway) -> None:
    routers = requests.get(f"{swarm_gateway.internal_url}/api/http/routers", timeout=5).json()
    sends_to = {r["name"]: r["service"] for r in routers if r["name"].endswith("@file")}
    assert sends_to == {
        "users@file": "users@swarm",
        "users-token-register@file": "users@swarm",
        "users-read@file": "users@swarm",
        "hours@file": "hours@swarm",
        "hours-read@file": "hours@swarm",
        "users-unavailable@file": "no-server",
        "hours-unavailable@file": "no-server",
        # the docs service stays a file service: the gateway's problems and the routers
        # that keep paths away from the services must not vanish with its tasks
        "docs@file": "docs",
        "never-routed@file": "docs",
        "refused-encoding@file": "docs",
        "not-found@file": "docs",
        "root@file": "noop@internal",
        "preflight@file": "noop@internal",
        "traefik-api@file": "api@internal",
    }
    services = requests.get(f"{swarm_gateway.internal_url}/api/http/services", timeout=5).json()
    assert {s["name"] for s in services if s["name"].endswith("@file")} == {"docs@file", "no-server@file"}


@pytest.mark.parametrize(
    ("path", "service"),
    [("/api/users/v1/users/me", "user"), ("/api/users/v1/token", "user"), ("/api/hours/v1/entries", "hours")],
)
def test_under_swarm_a_service_without_a_healthy_task_is_the_503_problem(
    swarm_gateway: Gateway, path: str, service: str
) -> None:
    for method in ("GET", "POST"):
        response = swarm_gateway.request(method, path, headers={"Origin": ALLOWED_ORIGIN})
        assert response.status_code == 503
        assert response.headers["Content-Type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"] == "urn:timekeeper:problem:service-unavailable"
        assert f"{service} service" in problem["detail"]
        assert int(response.headers["Retry-After"]) > 0
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


@pytest.mark.parametrize("path", ["/internal/v1/introspect", "/api/users/..;/internal/v1/introspect"])
def test_under_swarm_never_routed_paths_stay_404(swarm_gateway: Gateway, path: str) -> None:
    assert swarm_gateway.raw("POST", path).status == 404
