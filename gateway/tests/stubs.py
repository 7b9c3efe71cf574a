"""Stub upstreams for the gateway tests: small HTTP servers that stand in for the services.

Each serves a plausible OpenAPI 3.1 document at its DESIGN.md URL and echoes every other
request as JSON. Both documents define clashing names on purpose (``Problem``, ``User``,
the ``health`` tag, the ``health_live`` operationId), as two independent services would.

Conventions, on either stub:
- ``.../status/<code>`` answers that status as problem+json (401 with WWW-Authenticate,
  429 and 503 with Retry-After), like the services' error responses;
- ``/internal/...`` answers ``INTERNAL_SECRET`` (the user service's introspection must
  never be reachable through the gateway);
- users: ``POST /api/users/v1/token`` is an OAuth2 password grant for ``DEMO_USER``;
- hours: ``GET /api/hours/v1/entries`` wants ``Authorization: Bearer <STUB_TOKEN>``.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from docs_service.config import Settings

STUB_TOKEN = "stub-access-token-0123456789"
DEMO_USER = ("demo", "demo-password")
INTERNAL_SECRET = "introspection-answer-that-must-never-leak"
STATUS_PATH = re.compile(r"/status/(\d{3})$")


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "format": "uri-reference", "default": "about:blank"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
        },
    }


def _health_path(service: str) -> dict[str, Any]:
    return {
        "get": {
            "operationId": "health_live",
            "tags": ["health"],
            "summary": f"The {service} process is up",
            "security": [],
            "responses": {"200": {"description": "Up"}},
        }
    }


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


USERS_SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Timekeeper users", "version": "1.0.0"},
    "tags": [{"name": "users", "description": "Accounts"}, {"name": "auth"}, {"name": "health"}],
    "security": [{"OAuth2PasswordBearer": []}],
    "paths": {
        "/api/users/v1/users": {
            "post": {
                "operationId": "user_register",
                "tags": ["users"],
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UserIn"}}},
                },
                "responses": {
                    "201": {
                        "description": "Registered",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}},
                    },
                    "422": _problem_response("Invalid input"),
                },
            }
        },
        "/api/users/v1/users/me": {
            "get": {
                "operationId": "user_me",
                "tags": ["users"],
                "responses": {
                    "200": {
                        "description": "The caller",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}},
                        "links": {"self": {"operationId": "user_me"}},
                    },
                    "401": _problem_response("Not logged in"),
                },
            }
        },
        "/api/users/v1/token": {
            "post": {
                "operationId": "token_issue",
                "tags": ["auth"],
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["grant_type"],
                                "properties": {
                                    "grant_type": {"type": "string", "enum": ["password", "refresh_token"]},
                                    "username": {"type": "string"},
                                    "password": {"type": "string", "format": "password"},
                                    "refresh_token": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "Tokens",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Token"}}},
                    }
                },
            }
        },
        "/api/users/health/live": _health_path("user service"),
    },
    "components": {
        "schemas": {
            "Problem": _problem_schema(),
            "UserIn": {
                "type": "object",
                "required": ["username", "email", "password"],
                "properties": {
                    "username": {"type": "string"},
                    "email": {"type": "string", "format": "email"},
                    "password": {"type": "string", "format": "password", "minLength": 8},
                },
            },
            "User": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "username": {"type": "string"},
                    "roles": {"type": "array", "items": {"$ref": "#/components/schemas/Role"}},
                },
            },
            "Role": {"type": "string", "enum": ["user", "admin"]},
            "Token": {
                "type": "object",
                "required": ["access_token", "token_type"],
                "properties": {
                    "access_token": {"type": "string"},
                    "token_type": {"type": "string", "const": "bearer"},
                    "expires_in": {"type": "integer"},
                    "refresh_token": {"type": "string"},
                },
            },
        },
        "securitySchemes": {
            "OAuth2PasswordBearer": {
                "type": "oauth2",
                "flows": {"password": {"tokenUrl": "/api/users/v1/token", "scopes": {}}},
            }
        },
    },
}

HOURS_SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Timekeeper hours", "version": "0.3.0"},
    "tags": [{"name": "entries"}, {"name": "health"}],
    "paths": {
        "/api/hours/v1/entries": {
            "get": {
                "operationId": "entry_list",
                "tags": ["entries"],
                "security": [{"BearerAuth": []}],
                "responses": {
                    "200": {
                        "description": "The caller's entries",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/EntryList"}}
                        },
                    },
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                },
            }
        },
        "/api/hours/v1/entries/{entry_id}": {
            "parameters": [{"$ref": "#/components/parameters/EntryId"}],
            "get": {
                "operationId": "entry_detail",
                "tags": ["entries"],
                "security": [{"BearerAuth": []}],
                "responses": {
                    "200": {
                        "description": "One entry",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Entry"}}},
                    },
                    "404": _problem_response("No such entry"),
                },
            },
        },
        "/api/hours/health/live": _health_path("hours service"),
    },
    "components": {
        "schemas": {
            "Problem": _problem_schema(),
            "User": {"type": "object", "properties": {"id": {"type": "string"}}},
            "Entry": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "user": {"$ref": "#/components/schemas/User"},
                    "kind": {"type": "string"},
                    "started_at": {"type": "string", "format": "date-time"},
                },
                "discriminator": {
                    "propertyName": "kind",
                    "mapping": {"work": "Entry", "leave": "#/components/schemas/Entry"},
                },
            },
            "EntryList": {
                "type": "object",
                "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Entry"}}},
                "example": {"items": [{"$ref": "#/components/schemas/NotARef", "id": 1}]},
            },
        },
        "parameters": {
            "EntryId": {"name": "entry_id", "in": "path", "required": True, "schema": {"type": "integer"}},
        },
        "responses": {"Unauthorized": _problem_response("Missing or invalid token")},
        "securitySchemes": {"BearerAuth": {"type": "http", "scheme": "bearer"}},
    },
}


@dataclass
class StubUpstream:
    """A threaded HTTP server on loopback standing in for one service."""

    name: str  # "users" or "hours"
    spec: dict[str, Any]
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (raw path, headers)
    # GET .../v1/entries/export streams a first chunk, then waits for this before the rest
    stream_gate: threading.Event = field(default_factory=threading.Event)
    _server: http.server.ThreadingHTTPServer | None = None

    @property
    def seen_paths(self) -> list[str]:
        return [path for path, _ in self.seen]

    @property
    def spec_path(self) -> str:
        return f"/api/{self.name}/openapi.json"

    @property
    def port(self) -> int:
        assert self._server is not None, "stub not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> StubUpstream:
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def answer(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        """(status, headers, JSON body) for one request."""
        self.seen.append((path, headers))
        route = path.split("?", 1)[0]
        if route.startswith("/internal"):
            return 200, {}, {"active": True, "secret": INTERNAL_SECRET}
        if method == "GET" and route == self.spec_path:
            return 200, {}, self.spec
        if match := STATUS_PATH.search(route):
            return _problem(int(match.group(1)), route)
        if self.name == "users" and method == "POST" and route == "/api/users/v1/token":
            return _token_grant(body)
        if self.name == "hours" and method == "GET" and route == "/api/hours/v1/entries":
            if headers.get("authorization") != f"Bearer {STUB_TOKEN}":
                return _problem(401, route)
            return 200, {}, {"items": [], "authorization": headers["authorization"]}
        echo = {
            "service": self.name,
            "method": method,
            "path": path,
            "headers": headers,
            "body_bytes": len(body),
        }
        return 200, {}, echo


def _problem(status: int, instance: str) -> tuple[int, dict[str, str], Any]:
    headers = {"Content-Type": "application/problem+json"}
    if status in (429, 503):
        headers["Retry-After"] = "7"
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="timekeeper", error="invalid_token"'
    title = http.HTTPStatus(status).phrase
    return status, headers, {"type": "about:blank", "title": title, "status": status, "instance": instance}


def _token_grant(body: bytes) -> tuple[int, dict[str, str], Any]:
    form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
    if form.get("grant_type") != "password" or (form.get("username"), form.get("password")) != DEMO_USER:
        return 400, {}, {"error": "invalid_grant", "error_description": "Wrong username or password."}
    token = {
        "access_token": STUB_TOKEN,
        "token_type": "bearer",
        "expires_in": 900,
        "refresh_token": "stub-refresh",
    }
    return 200, {"Cache-Control": "no-store"}, token


def _handler_for(stub: StubUpstream) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _stream(self) -> None:
            """Chunked: one chunk now, the last one when the test opens ``stream_gate``."""
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in (b"id,description\r\n", b"1,first\r\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                stub.stream_gate.wait(timeout=10)
            self.wfile.write(b"0\r\n\r\n")

        def _serve(self) -> None:
            if self.command == "GET" and self.path.split("?", 1)[0].endswith("/v1/entries/export"):
                self._stream()
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, extra, payload = stub.answer(self.command, self.path, headers, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", extra.pop("Content-Type", "application/json"))
            self.send_header("Content-Length", str(len(data)))
            if request_id := self.headers.get("X-Request-Id"):
                self.send_header("X-Request-Id", request_id)
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def spec_settings(users_base: str, hours_base: str) -> Settings:
    """Docs service settings that fetch the documents from these base URLs."""
    return Settings(
        app_env="test",
        users_openapi_url=f"{users_base}/api/users/openapi.json",
        hours_openapi_url=f"{hours_base}/api/hours/openapi.json",
        spec_fetch_timeout=2.0,
    )
