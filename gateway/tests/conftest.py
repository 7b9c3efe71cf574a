"""The real Traefik binary on loopback, in front of the stub upstreams and the docs service.

``gateway`` (session) is the gateway as configured by default; ``start_gateway`` starts
extra ones with other upstreams or limits. Traefik runs as the local stack runs it:
traefik.yml rendered by render_static.py, dynamic.yml used in place, upstreams in env.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from docs_service import create_app
from docs_service.config import Settings
from stubs import StubUpstream, spec_settings
from timekeeper_dev.net import free_port, wait_for_port
from timekeeper_dev.traefik import traefik_bin
from werkzeug.serving import make_server

TRAEFIK_DIR = Path(__file__).resolve().parents[1] / "traefik"
ALLOWED_ORIGIN = "http://app.example.test"
OTHER_ALLOWED_ORIGIN = "http://localhost:5173"
FOREIGN_ORIGIN = "http://evil.example.test"


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: http.client.HTTPMessage
    body: str


@dataclass
class Gateway:
    web_port: int
    internal_port: int
    access_log: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def internal_url(self) -> str:
        return f"http://127.0.0.1:{self.internal_port}"

    def request(self, method: str, path: str, *, timeout: float = 10, **kwargs: object) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return requests.request(method, f"{self.url}{path}", timeout=timeout, **kwargs)  # type: ignore[arg-type]

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def raw(self, method: str, path: str, headers: dict[str, str] | None = None) -> RawResponse:
        """Send ``path`` byte for byte (requests/urllib3 would remove dot segments)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=10)
        try:
            conn.request(method, path, headers=headers or {})
            response = conn.getresponse()
            return RawResponse(response.status, response.headers, response.read().decode(errors="replace"))
        finally:
            conn.close()

    def log_entries(self) -> list[dict]:
        """Traefik's own log (JSON lines)."""
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]

    def access_entries(self) -> list[dict]:
        return [json.loads(line) for line in self.access_log.read_text().splitlines() if line.strip()]


@contextmanager
def running_gateway(workdir: Path, env: dict[str, str], log_level: str | None = None) -> Iterator[Gateway]:
    workdir.mkdir(parents=True, exist_ok=True)
    web_port, internal_port = free_port(), free_port()
    gateway = Gateway(web_port, internal_port, workdir / "access.log", workdir / "traefik.log")
    static = workdir / "traefik.yml"
    subprocess.run(
        [
            sys.executable,
            str(TRAEFIK_DIR / "render_static.py"),
            f"--web-address=127.0.0.1:{web_port}",
            f"--internal-address=127.0.0.1:{internal_port}",
            f"--access-log={gateway.access_log}",
            *([f"--log-level={log_level}"] if log_level else []),
            f"--out={static}",
        ],
        check=True,
    )
    with gateway.log.open("w") as log:
        proc = subprocess.Popen(
            [traefik_bin(), f"--configFile={static}"],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    try:
        wait_for_port(web_port, timeout=30)
        wait_for_port(internal_port, timeout=30)
        _wait_for_routers(gateway)
        yield gateway
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _wait_for_routers(gateway: Gateway, timeout: float = 30.0) -> None:
    """The file provider loads dynamic.yml a moment after the entrypoints open."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # The API itself is routed by dynamic.yml: until it loads, this is a 404.
        response = requests.get(f"{gateway.internal_url}/api/http/routers", timeout=5)
        names = {router["name"] for router in response.json()} if response.ok else set()
        if {"users@file", "hours@file", "docs@file", "not-found@file"} <= names:
            return
        time.sleep(0.1)
    raise TimeoutError(f"Traefik did not load dynamic.yml:\n{gateway.log.read_text()[-3000:]}")


@contextmanager
def running_docs_service(settings: Settings) -> Iterator[str]:
    """The docs service (werkzeug, threaded) on a free loopback port; yields its URL."""
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def gateway_env(users_url: str, hours_url: str, docs_url: str, **extra: str) -> dict[str, str]:
    return {
        "USERS_UPSTREAM_URL": users_url,
        "HOURS_UPSTREAM_URL": hours_url,
        "DOCS_UPSTREAM_URL": docs_url,
        # "*" must be ignored: credentials are allowed, so only listed origins get CORS.
        "CORS_ALLOWED_ORIGINS": f"{ALLOWED_ORIGIN}, {OTHER_ALLOWED_ORIGIN},*",
        **extra,
    }


@pytest.fixture(scope="session")
def docs_url(users_stub: StubUpstream, hours_stub: StubUpstream) -> Iterator[str]:
    with running_docs_service(spec_settings(users_stub.url, hours_stub.url)) as url:
        yield url


@pytest.fixture(scope="session")
def gateway(
    tmp_path_factory: pytest.TempPathFactory,
    users_stub: StubUpstream,
    hours_stub: StubUpstream,
    docs_url: str,
) -> Iterator[Gateway]:
    env = gateway_env(users_stub.url, hours_stub.url, docs_url)
    with running_gateway(tmp_path_factory.mktemp("gateway"), env) as gw:
        yield gw


@pytest.fixture
def start_gateway(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Gateway]]:
    """Start another gateway: ``start_gateway(env, log_level=None)``; stopped after the test."""
    numbers = itertools.count()
    with ExitStack() as stack:
        yield lambda env, log_level=None: stack.enter_context(
            running_gateway(tmp_path / f"gateway-{next(numbers)}", env, log_level)
        )


@pytest.fixture(scope="session")
def hours_down(tmp_path_factory: pytest.TempPathFactory, users_stub: StubUpstream) -> Iterator[Gateway]:
    """A gateway (and docs service) for which the hours service is down."""
    dead = f"http://127.0.0.1:{free_port()}"
    with (
        running_docs_service(spec_settings(users_stub.url, dead)) as docs,
        running_gateway(tmp_path_factory.mktemp("hours-down"), gateway_env(users_stub.url, dead, docs)) as gw,
    ):
        yield gw
