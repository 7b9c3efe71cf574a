"""The stack drivers: Timekeeper whole, for the e2e suite and ``make dev``.

- :class:`~timekeeper_dev.stack.local.LocalStack`: plain processes on loopback (a
  throwaway Postgres cluster, both services under gunicorn, the docs service, a Traefik
  binary).
- :class:`~timekeeper_dev.stack.compose.ComposeStack`: testcontainers' ``DockerCompose``
  on docker-compose.yml.
- :class:`~timekeeper_dev.stack.swarm.SwarmStack`: deploy/swarm/stack.yml on a
  single-node Docker Swarm, two replicas of the user and hours services.

All expose the same small surface (:class:`~timekeeper_dev.stack.base.Stack`): the
gateway URL, stopping and starting one service, freezing and thawing a service or
Postgres, restarting Postgres, and the services' logs. :func:`pick_driver` chooses one;
each driver module is imported only when picked (the compose driver needs testcontainers,
the local one a Traefik binary). The swarm driver is never the default:
``E2E_DRIVER=swarm`` asks for it.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from timekeeper_dev.stack.base import FREEZABLE, SERVICES, Stack

__all__ = ["DRIVERS", "FREEZABLE", "SERVICES", "Stack", "docker_answers", "pick_driver"]

DRIVERS = ("compose", "local", "swarm")


def docker_answers() -> bool:
    docker = shutil.which("docker")
    if not docker:
        return False
    try:
        return subprocess.run([docker, "info"], capture_output=True, timeout=10, check=False).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def pick_driver(name: str | None = None) -> Stack:
    """``E2E_DRIVER`` picks (one of :data:`DRIVERS`); default compose where Docker answers."""
    name = name or os.environ.get("E2E_DRIVER") or ("compose" if docker_answers() else "local")
    if name == "local":
        from timekeeper_dev.stack.local import LocalStack

        return LocalStack()
    if name == "compose":
        from timekeeper_dev.stack.compose import ComposeStack

        return ComposeStack()
    if name == "swarm":
        from timekeeper_dev.stack.swarm import SwarmStack

        return SwarmStack()
    raise ValueError(f"E2E_DRIVER must be one of {', '.join(DRIVERS)}, not {name!r}")
