"""A small real HTTP server that speaks the user service's side of the contract.

``POST /internal/v1/introspect`` (HTTP Basic service credentials, form field ``token``)
answers what :attr:`UserServiceStub.answers` holds for the token, ``{"active": false}``
for any other; ``GET /api/users/health/live`` answers 200. :attr:`UserServiceStub.mode`
makes it misbehave: ``slow`` (sleeps past the read timeout), ``error`` (500),
``garbage`` (200 with an answer that breaks the contract).
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

CLIENT_ID = "hours-test"
CLIENT_SECRET = "hours-test-secret"
SLOW_SECONDS = 1.5
SHORT_READ_TIMEOUT = 0.5  # what the timeout tests set: well below SLOW_SECONDS
GARBAGE = {"active": True, "sub": "u1", "username": "ada", "roles": ["root"], "exp": "soon"}


@dataclass
class Call:
    path: str
    token: str | None
    headers: dict[str, str]


@dataclass
class UserServiceStub:
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    mode: str = "normal"
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def introspections(self) -> list[Call]:
        return [call for call in self.calls if call.path.startswith("/internal/")]

    def reset(self) -> None:
        self.answers.clear()
        self.calls.clear()
        self.mode = "normal"

    def start(self) -> UserServiceStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)  # the client may have given up (the timeout tests)

            def do_GET(self) -> None:
                stub.calls.append(Call(self.path, None, dict(self.headers)))
                if self.path == "/api/users/health/live" and stub.mode != "error":
                    self._send(200, {"status": "ok"})
                else:
                    self._send(500 if stub.mode == "error" else 404, {"status": "no"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(length).decode())
                token = form.get("token", [None])[0]
                stub.calls.append(Call(self.path, token, dict(self.headers)))
                expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                if self.path != "/internal/v1/introspect":
                    return self._send(404, {"detail": "not found"})
                if self.headers.get("Authorization") != expected:
                    return self._send(401, {"error": "invalid_client"})
                if stub.mode == "slow":
                    time.sleep(SLOW_SECONDS)
                if stub.mode == "error":
                    return self._send(500, {"detail": "boom"})
                if stub.mode == "garbage":
                    return self._send(200, GARBAGE)
                self._send(200, stub.answers.get(token or "", {"active": False}))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
