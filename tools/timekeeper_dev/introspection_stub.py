"""A stand-in for the user service's introspection endpoint, for the tests of its consumer.

:class:`IntrospectionStub` is a small threaded HTTP server on a free loopback port. It
answers ``POST /internal/v1/introspect`` (HTTP Basic service credentials, form field
``token``) with the :class:`Answer` a test set for that token, ``{"active": false}`` for
any other, 401 ``invalid_client`` with ``WWW-Authenticate`` to other credentials, and
``GET /api/users/health/live`` with 200. It records every request it gets
(:attr:`IntrospectionStub.calls`).

Every answer is checked against contracts/introspection.schema.json when a test sets it:
a test cannot pass against an answer the real user service would never give, unless it
says so (``breaks_contract=True``), and then the answer must really break the contract.

:attr:`IntrospectionStub.mode` makes the stub misbehave: ``slow`` (answers after
:data:`SLOW_SECONDS`), ``error`` (500 to everything, health included), ``garbage`` (200
with an answer that breaks the contract).

Tests only: no service imports this at runtime.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import threading
import time
from collections import UserDict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jsonschema_rs

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "contracts" / "introspection.schema.json"
# jsonschema-rs, as the hours service: it reads the schema's patterns as JSON Schema says (ECMA-262)
VALIDATOR = jsonschema_rs.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))
INTROSPECT_PATH = "/internal/v1/introspect"
LIVE_PATH = "/api/users/health/live"
# the service credentials the stub expects unless it is told others (a test's, never deployed)
CLIENT_ID = "introspection-stub"
CLIENT_SECRET = "introspection-stub-secret"  # noqa: S105
SLOW_SECONDS = 1.5
SHORT_READ_TIMEOUT = 0.5  # a client read timeout that gives up on ``slow``: well below SLOW_SECONDS
MODES = ("normal", "slow", "error", "garbage")


def contract_error(status: int, raw: bytes) -> str | None:
    """Why a response is not an answer the introspection contract allows (None when it is one)."""
    if status != 200:
        return f"status {status}, not 200"
    try:
        body = json.loads(raw)
    except ValueError:
        return "not JSON"
    # the answer is oneOf active/inactive: name what each branch refused
    errors = [
        cause
        for error in VALIDATOR.iter_errors(body)
        for cause in ([e for branch in getattr(error.kind, "context", None) or [] for e in branch] or [error])
    ]
    return "; ".join(f"/{'/'.join(map(str, e.instance_path))}: {e.message}" for e in errors) or None


@dataclass(frozen=True)
class Answer:
    """What the stub sends for one token: a status and a body (JSON, or raw bytes).

    A contract answer is a 200 whose body validates. ``breaks_contract=True`` declares one
    that does not (a body the schema refuses, bytes that are not JSON, another status).
    The body is encoded and checked once, here: what is sent is what was checked.
    """

    body: Any
    status: int = 200
    breaks_contract: bool = False
    raw: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        raw = self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()
        object.__setattr__(self, "raw", raw)
        error = contract_error(self.status, raw)
        if error is None and self.breaks_contract:
            raise ValueError(f"said to break the introspection contract, but it conforms: {raw[:500]!r}")
        if error is not None and not self.breaks_contract:
            raise ValueError(f"breaks the introspection contract ({error}): {raw[:500]!r}")


INACTIVE = Answer({"active": False})
ERROR = Answer({"detail": "the stub is in error mode"}, status=500, breaks_contract=True)
GARBAGE = Answer(
    {"active": True, "sub": "u1", "username": "ada", "roles": ["root"], "exp": "soon"}, breaks_contract=True
)


class Answers(UserDict[str, Answer]):
    """Token -> :class:`Answer`; a plain JSON body set here becomes a contract answer (checked now)."""

    def __setitem__(self, token: str, answer: Answer | Any) -> None:
        super().__setitem__(token, answer if isinstance(answer, Answer) else Answer(answer))


@dataclass(frozen=True)
class Call:
    """One request the stub got."""

    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]
    authorized: bool  # sent the service credentials the stub expects

    @property
    def token(self) -> str | None:
        return self.form.get("token", [None])[0]


class IntrospectionStub:
    """The user service's side of the introspection contract, with the answers a test chose."""

    def __init__(self, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET) -> None:
        credentials = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self.authorization = f"Basic {credentials}"
        self.answers = Answers()
        self.calls: list[Call] = []
        self.mode = "normal"
        self._server: _Server | None = None

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode {mode!r} is not one of {MODES}")
        self._mode = mode

    @property
    def url(self) -> str:
        assert self._server is not None, "start the stub first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def token_for(self, body: Any, *, status: int = 200, breaks_contract: bool = False) -> str:
        """A fresh token whose introspection answer is ``body`` (see :class:`Answer`)."""
        token = secrets.token_urlsafe(24)
        self.answers[token] = Answer(body, status, breaks_contract)
        return token

    def introspections(self) -> list[Call]:
        return [call for call in self.calls if call.path == INTROSPECT_PATH]

    def reset(self) -> None:
        """No answers, no calls, ``normal`` mode: as just started."""
        self.answers.clear()
        self.calls.clear()
        self.mode = "normal"

    def answer_for(self, token: str | None) -> Answer:
        if self.mode == "slow":
            time.sleep(SLOW_SECONDS)
        if self.mode == "error":
            return ERROR
        if self.mode == "garbage":
            return GARBAGE
        return self.answers.get(token or "", INACTIVE)

    def start(self) -> IntrospectionStub:
        self._server = _Server(self)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> IntrospectionStub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, stub: IntrospectionStub) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stub = stub


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the consumer's pooled session expects
    server: _Server

    def do_GET(self) -> None:
        stub = self.server.stub
        stub.calls.append(self._call({}))
        if stub.mode == "error":
            self._send(ERROR.status, ERROR.raw)
        elif self.path == LIVE_PATH:
            self._send(200, b'{"status": "ok", "checks": {}}')
        else:
            self._send(404, b'{"detail": "not found"}')

    def do_POST(self) -> None:
        stub = self.server.stub
        length = int(self.headers.get("Content-Length") or 0)
        call = self._call(parse_qs(self.rfile.read(length).decode()))
        stub.calls.append(call)
        if self.path != INTROSPECT_PATH:
            self._send(404, b'{"detail": "not found"}')
        elif not call.authorized:  # as the user service answers (RFC 6749 section 5.2)
            self._send(401, b'{"error": "invalid_client"}', {"WWW-Authenticate": 'Basic realm="timekeeper"'})
        else:
            answer = stub.answer_for(call.token)
            self._send(answer.status, answer.raw)

    def _call(self, form: dict[str, list[str]]) -> Call:
        authorized = self.headers.get("Authorization") == self.server.stub.authorization
        return Call(self.command, self.path, dict(self.headers), form, authorized)

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)  # the client may have given up (a read timeout on ``slow``)

    def log_message(self, *args: Any) -> None:
        pass
