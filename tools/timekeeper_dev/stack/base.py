"""What every stack driver shares: its settings, the wait until ready, the URLs."""

from __future__ import annotations

import os
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from timekeeper_dev.net import free_port

ROOT = Path(__file__).resolve().parents[3]

#: the services a driver can stop and start; Postgres is restarted with restart_postgres()
SERVICES = ("user", "hours", "docs", "traefik")

#: what a driver can freeze (every process stopped, not ended) and thaw
FREEZABLE = (*SERVICES, "postgres")

#: what every probe of the stack waits for, through the gateway
READY_PATHS = ("/api/users/health/ready", "/api/hours/health/ready", "/docs/health/ready")


class Stack(ABC):
    """A running Timekeeper stack, reached through its gateway only."""

    def __init__(
        self,
        gateway_port: int | None = None,
        auth_cache_seconds: int | None = None,
        cors_allowed_origins: str | None = None,
        admin_password: str | None = None,
    ) -> None:
        """Settings both drivers share, each from its argument, else the environment."""
        env_port = os.environ.get("GATEWAY_PORT")
        self.gateway_port = gateway_port or (int(env_port) if env_port else free_port())
        self.base_url = f"http://127.0.0.1:{self.gateway_port}"
        if auth_cache_seconds is None:
            auth_cache_seconds = int(os.environ.get("AUTH_CACHE_SECONDS", "30"))
        self.auth_cache_seconds = auth_cache_seconds
        self.cors_allowed_origins = cors_allowed_origins or os.environ.get(
            "CORS_ALLOWED_ORIGINS",
            f"http://localhost:{self.gateway_port},http://127.0.0.1:{self.gateway_port}",
        )
        self.admin_username = os.environ.get("ADMIN_USERNAME", "admin")
        self.admin_password = os.environ.get("ADMIN_PASSWORD") or admin_password

    @abstractmethod
    def start(self) -> Stack: ...

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def stop_service(self, name: str) -> None: ...

    @abstractmethod
    def start_service(self, name: str) -> None: ...

    @abstractmethod
    def restart_postgres(self) -> None: ...

    @abstractmethod
    def freeze(self, name: str) -> None:
        """Stop every process of ``name`` (one of :data:`FREEZABLE`) without ending it, as a
        hung machine or a paused container is: its ports still accept connections, nothing
        answers, and no timeout of its own can fire. Returns once every one is stopped."""

    @abstractmethod
    def thaw(self, name: str) -> None:
        """Let the processes :meth:`freeze` stopped run on."""

    @contextmanager
    def frozen(self, name: str) -> Iterator[None]:
        """``name`` frozen within the block, thawed when it ends, however it ends."""
        self.freeze(name)
        try:
            yield
        finally:
            self.thaw(name)

    @abstractmethod
    def logs(self, name: str, tail: int = 200) -> str: ...

    def __enter__(self) -> Stack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_ready(self, timeout: float = 60.0, paths: tuple[str, ...] = READY_PATHS) -> None:
        """Block until every ``paths`` answers 200 through the gateway."""
        deadline = time.monotonic() + timeout
        pending = list(paths)
        last = ""
        while pending:
            path = pending[0]
            try:
                response = requests.get(self.base_url + path, timeout=2)
                if response.status_code == 200:
                    pending.pop(0)
                    continue
                last = f"{path} answered {response.status_code}: {response.text[:200]}"
            except requests.RequestException as exc:
                last = f"{path}: {exc}"
            if time.monotonic() > deadline:
                raise TimeoutError(f"stack not ready after {timeout:.0f}s; last: {last}")
            time.sleep(0.2)

    def urls(self) -> dict[str, str]:
        return {
            "API explorer": f"{self.base_url}/docs",
            "user service API": f"{self.base_url}/api/users/v1/",
            "hours service API": f"{self.base_url}/api/hours/v1/",
            "merged OpenAPI": f"{self.base_url}/docs/openapi.json",
        }
