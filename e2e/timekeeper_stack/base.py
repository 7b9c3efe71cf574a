from __future__ import annotations

import os
import shutil
import subprocess
import time
from abc import ABC, abstractmethod
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]

#: the services a driver can stop and start; Postgres is restarted with restart_postgres()
SERVICES = ("user", "hours", "docs", "traefik")

#: what every probe of the stack waits for, through the gateway
READY_PATHS = ("/api/users/health/ready", "/api/hours/health/ready", "/docs/health/ready")


class Stack(ABC):
    """A running Timekeeper stack, reached through its gateway only."""

    base_url: str
    gateway_port: int
    auth_cache_seconds: int
    cors_allowed_origins: str
    admin_username: str
    admin_password: str

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


def docker_answers() -> bool:
    docker = shutil.which("docker")
    if not docker:
        return False
    try:
        return subprocess.run([docker, "info"], capture_output=True, timeout=10, check=False).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def pick_driver(name: str | None = None) -> Stack:
    """``E2E_DRIVER`` (compose|local) picks; default compose where a Docker engine answers."""
    name = name or os.environ.get("E2E_DRIVER") or ("compose" if docker_answers() else "local")
    if name == "local":
        from timekeeper_stack.local import LocalStack

        return LocalStack()
    if name == "compose":
        from timekeeper_stack.compose import ComposeStack

        return ComposeStack()
    raise ValueError(f"E2E_DRIVER must be 'compose' or 'local', not {name!r}")
