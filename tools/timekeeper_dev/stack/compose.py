"""The compose driver: testcontainers' ``DockerCompose`` on docker-compose.yml.

``docker compose up --build --wait`` (the healthchecks decide when it is up); the stack
is reached only through the gateway's published port. ``down --volumes`` on stop.
"""

from __future__ import annotations

import os
import subprocess
import time

from testcontainers.compose import DockerCompose

from timekeeper_dev.stack.base import FREEZABLE, ROOT, SERVICES, Stack

#: how often freeze() asks docker to pause a container before it gives up
PAUSE_ATTEMPTS = 5


class ComposeStack(Stack):
    def __init__(self, gateway_port: int | None = None, auth_cache_seconds: int | None = None) -> None:
        # the admin the compose file's dev defaults create (see .env.example)
        super().__init__(gateway_port, auth_cache_seconds, admin_password="admin-dev-only-password")  # noqa: S106
        # docker compose reads these from the environment for ${...} substitution
        os.environ["GATEWAY_PORT"] = str(self.gateway_port)
        os.environ["AUTH_CACHE_SECONDS"] = str(self.auth_cache_seconds)
        os.environ["CORS_ALLOWED_ORIGINS"] = self.cors_allowed_origins
        os.environ["ADMIN_USERNAME"] = self.admin_username
        os.environ["ADMIN_PASSWORD"] = self.admin_password
        os.environ.setdefault("COMPOSE_PROJECT_NAME", f"timekeeper-e2e-{self.gateway_port}")
        self.compose = DockerCompose(
            context=str(ROOT), compose_file_name="docker-compose.yml", build=True, wait=True
        )
        self._up = False

    def start(self) -> ComposeStack:
        self._up = True  # a half-started stack is taken down too
        self.compose.start()
        self.wait_ready()
        return self

    def stop(self) -> None:
        if self._up:
            self.compose.stop(down=True)  # down --volumes
            self._up = False

    def _compose(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [*self.compose.compose_command_property, *args]
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            # what docker says is the only clue to why (a container restarting, a cgroup...)
            raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    def stop_service(self, name: str) -> None:
        self._check(name)
        self._compose("stop", name)

    def start_service(self, name: str) -> None:
        self._check(name)
        self._compose("start", name)

    def restart_postgres(self) -> None:
        self._compose("restart", "postgres")

    def freeze(self, name: str) -> None:
        # the freezer cgroup stops every process of the container; the network stays up
        self._check(name, FREEZABLE)
        # runc gives up ("unable to freeze") when a busy process does not reach the frozen
        # state within its own short wait; a few more tries get it there
        for attempt in range(1, PAUSE_ATTEMPTS + 1):
            try:
                self._compose("pause", name)
                return
            except RuntimeError:
                if attempt == PAUSE_ATTEMPTS:
                    raise
                time.sleep(0.5)

    def thaw(self, name: str) -> None:
        self._check(name, FREEZABLE)
        self._compose("unpause", name)

    def logs(self, name: str, tail: int = 200) -> str:
        result = subprocess.run(
            [*self.compose.compose_command_property, "logs", "--no-color", "--tail", str(tail), name],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return result.stdout + result.stderr

    @staticmethod
    def _check(name: str, known: tuple[str, ...] = SERVICES) -> None:
        if name not in known:
            raise ValueError(f"unknown service {name!r}; one of {', '.join(known)}")
