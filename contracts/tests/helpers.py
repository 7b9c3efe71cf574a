"""The running services the contract tests talk to, and how to talk to them.

:class:`Server` runs one service under gunicorn with its own config, as the stack does;
:class:`Stack` is Postgres plus both services; :class:`FakeIntrospection` is a small real
HTTP server that speaks the introspection contract with whatever answer a test chose.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import requests
from timekeeper_dev.net import free_port
from timekeeper_dev.postgres import PostgresCluster
from timekeeper_dev.process import stop_process_group, tail_file

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
CLIENT_ID = "hours-contract-tests"
PASSWORD = "correct horse battery staple"  # a throwaway test account


def load_contract(name: str) -> dict[str, Any]:
    return json.loads((CONTRACTS / name).read_text())


@dataclass
class Server:
    """One service under gunicorn, in its own process group, logging to a file."""

    name: str
    app: str
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, live_path: str) -> Server:
        package = self.app.split(".", 1)[0]
        argv = [GUNICORN, "-c", f"python:{package}.gunicorn_conf", "-b", f"127.0.0.1:{self.port}", self.app]
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                argv,
                env={**self.env, "PORT": str(self.port)},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=ROOT,
            )
        try:
            self._wait_live(live_path, timeout=60)
        except Exception as exc:
            self.stop()
            raise RuntimeError(f"{self.name} did not start ({exc}); its log:\n{self.tail()}") from exc
        return self

    def _wait_live(self, live_path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.popen is not None and self.popen.poll() is not None:
                raise RuntimeError(f"exited with {self.popen.returncode}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url + live_path, timeout=5).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{live_path} did not answer 200 within {timeout:.0f} s")
            time.sleep(0.1)

    def stop(self) -> None:
        stop_process_group(self.popen)

    def tail(self, lines: int = 80) -> str:
        return tail_file(self.log, lines)


@dataclass
class Stack:
    """Postgres, the user service and the hours service, wired as in production."""

    postgres: PostgresCluster
    dir: Path
    user: Server
    hours: Server
    jwt_signing_key: str
    client_secret: str
    admin_username: str
    admin_password: str
    hours_env: dict[str, str]
    extra: list[Server] = field(default_factory=list)

    def start_hours(self, name: str, **env: str) -> Server:
        """Another hours instance on the same database, with ``env`` on top (already migrated)."""
        server = Server(
            name, "hours_service.wsgi:application", {**self.hours_env, **env}, self.dir / f"{name}.log"
        )
        self.extra.append(server)
        return server.start("/api/hours/health/live")

    def stop(self) -> None:
        for server in [*self.extra, self.hours, self.user]:
            server.stop()


def prestart(package: str, env: dict[str, str], log: Path) -> None:
    with log.open("ab") as out:
        result = subprocess.run(
            [PYTHON, "-m", package, "prestart"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"{package} prestart failed ({result.returncode}):\n{log.read_text()[-4000:]}")


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def login(stack: Stack, username: str, password: str) -> dict[str, Any]:
    response = requests.post(
        f"{stack.user.url}/api/users/v1/token",
        data={"grant_type": "password", "username": username, "password": password},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def register(stack: Stack, prefix: str = "contract") -> Account:
    """A new user, registered and logged in through the user service's public API."""
    username = f"{prefix}-{uuid.uuid4().hex[:8]}"
    response = requests.post(
        f"{stack.user.url}/api/users/v1/users",
        json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    tokens = login(stack, username, PASSWORD)
    return Account(response.json()["id"], username, PASSWORD, tokens["access_token"], tokens["refresh_token"])


def admin(stack: Stack) -> Account:
    tokens = login(stack, stack.admin_username, stack.admin_password)
    me = requests.get(
        f"{stack.user.url}/api/users/v1/users/me",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert me.status_code == 200, me.text
    return Account(
        me.json()["id"],
        stack.admin_username,
        stack.admin_password,
        tokens["access_token"],
        tokens["refresh_token"],
    )


def introspect(stack: Stack, token: str) -> requests.Response:
    return requests.post(
        f"{stack.user.url}/internal/v1/introspect",
        data={"token": token},
        auth=(CLIENT_ID, stack.client_secret),
        timeout=10,
    )


# -- a fake user service that speaks the introspection contract ----------------------------
@dataclass
class FakeIntrospection:
    """``POST /internal/v1/introspect`` answering, for each token, the body a test chose."""

    client_id: str
    client_secret: str
    answers: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def token_for(self, body: Any, status: int = 200) -> str:
        """A fresh token whose introspection answer is ``body`` (JSON, or raw bytes)."""
        token = secrets.token_urlsafe(16)
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answers[token] = (status, raw)
        return token

    def start(self) -> FakeIntrospection:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                auth = self.headers.get("Authorization", "")
                expected = base64.b64encode(f"{fake.client_id}:{fake.client_secret}".encode()).decode()
                fake.calls.append(
                    {
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type"),
                        "request_id": self.headers.get("X-Request-Id"),
                        "authorized": auth == f"Basic {expected}",
                        "form": form,
                    }
                )
                token = (form.get("token") or [""])[0]
                if self.path != "/internal/v1/introspect" or auth != f"Basic {expected}":
                    self._send(401, b'{"error": "invalid_client"}')
                else:
                    self._send(*fake.answers.get(token, (200, b'{"active": false}')))

            def do_GET(self) -> None:  # the hours service's readiness probe
                self._send(200, b'{"status": "ok"}')

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
