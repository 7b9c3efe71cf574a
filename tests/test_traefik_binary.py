"""The Traefik binary that `make bootstrap` built: right version, and it really routes."""

from __future__ import annotations

import http.server
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from timekeeper_dev.net import free_port, wait_for_port
from timekeeper_dev.traefik import traefik_bin


def test_version_is_pinned_v3_6() -> None:
    out = subprocess.run([traefik_bin(), "version"], capture_output=True, text=True, check=True).stdout
    version = re.search(r"^Version:\s+(\S+)", out, re.M)
    assert version, out
    assert re.fullmatch(r"3\.6\.\d+", version.group(1)), out


class _Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"upstream saw {self.path} host={self.headers['Host']}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def traefik(tmp_path: Path, upstream: int) -> Iterator[dict[str, int]]:
    web, internal = free_port(), free_port()
    (tmp_path / "dynamic.yml").write_text(
        f"""
http:
  routers:
    app:
      rule: PathPrefix(`/app`)
      entryPoints: [web]
      service: app
  services:
    app:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:{upstream}
"""
    )
    (tmp_path / "traefik.yml").write_text(
        f"""
entryPoints:
  web:
    address: 127.0.0.1:{web}
  internal:
    address: 127.0.0.1:{internal}
ping:
  entryPoint: internal
providers:
  file:
    filename: {tmp_path / "dynamic.yml"}
log:
  level: INFO
"""
    )
    proc = subprocess.Popen(
        [traefik_bin(), f"--configFile={tmp_path / 'traefik.yml'}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(web, timeout=20)
        wait_for_port(internal, timeout=20)
        yield {"web": web, "internal": internal}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _get_until_ok(url: str, timeout: float = 10.0) -> requests.Response:
    """The file provider loads routes a moment after the entrypoints open."""
    deadline = time.monotonic() + timeout
    while True:
        response = requests.get(url, timeout=2)
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


def test_ping_answers_on_the_internal_entrypoint(traefik: dict[str, int]) -> None:
    response = _get_until_ok(f"http://127.0.0.1:{traefik['internal']}/ping")
    assert response.status_code == 200
    assert response.text == "OK"


def test_routes_a_request_to_the_upstream(traefik: dict[str, int]) -> None:
    response = _get_until_ok(f"http://127.0.0.1:{traefik['web']}/app/hello?x=1")
    assert response.status_code == 200
    assert response.text.startswith("upstream saw /app/hello?x=1")


def test_unrouted_path_is_404(traefik: dict[str, int]) -> None:
    _get_until_ok(f"http://127.0.0.1:{traefik['web']}/app/ready")
    assert requests.get(f"http://127.0.0.1:{traefik['web']}/elsewhere", timeout=5).status_code == 404
