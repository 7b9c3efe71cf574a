"""The two stack drivers the e2e suite (and ``make dev``) run Timekeeper with.

- :class:`~timekeeper_stack.local.LocalStack`: plain processes on loopback (a throwaway
  Postgres cluster, both services under gunicorn, the docs service, a Traefik binary).
- :class:`~timekeeper_stack.compose.ComposeStack`: testcontainers' ``DockerCompose`` on
  docker-compose.yml.

Both expose the same small surface (:class:`~timekeeper_stack.base.Stack`): the gateway
URL, stopping and starting one service, restarting Postgres, and the services' logs.
"""

from timekeeper_stack.base import SERVICES, Stack, pick_driver

__all__ = ["SERVICES", "Stack", "pick_driver"]
