"""The local driver: the whole stack as plain processes on loopback.

A throwaway Postgres cluster (one database and role per service), both services under
gunicorn after their prestart step, the docs service, and the Traefik binary with the
very same dynamic config Compose uses, every one on a free port (the gateway on
``GATEWAY_PORT`` when set). Everything lives in one temporary directory, logs
included, and is torn down on ``stop()``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from timekeeper_dev.net import free_port, wait_for_port
from timekeeper_dev.postgres import PostgresCluster
from timekeeper_dev.process import freeze_process_group, stop_process_group, tail_file, thaw_process_group
from timekeeper_dev.stack.base import FREEZABLE, ROOT, SERVICES, Stack
from timekeeper_dev.traefik import traefik_bin

GATEWAY_DIR = ROOT / "gateway" / "traefik"


@dataclass
class _Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    log: Path
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        if self.popen and self.popen.poll() is None:
            return
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: gunicorn workers stop with it
                cwd=ROOT,
            )
        deadline = time.monotonic() + 60
        while True:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.popen.returncode}); its log:\n{self.tail()}")
            try:
                wait_for_port(self.port, timeout=0.5)
                return
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not start; its log:\n{self.tail()}") from None

    def stop(self, timeout: float = 15.0) -> None:
        stop_process_group(self.popen, timeout)

    def freeze(self) -> None:
        freeze_process_group(self.popen)

    def thaw(self) -> None:
        thaw_process_group(self.popen)

    def tail(self, lines: int = 200) -> str:
        return tail_file(self.log, lines)


class LocalStack(Stack):
    def __init__(
        self,
        gateway_port: int | None = None,
        auth_cache_seconds: int | None = None,
        cors_allowed_origins: str | None = None,
        workers: int = 2,
    ) -> None:
        super().__init__(
            gateway_port, auth_cache_seconds, cors_allowed_origins, admin_password=secrets.token_urlsafe(16)
        )
        self.workers = workers
        self.dir: Path | None = None
        self.postgres: PostgresCluster | None = None
        self.processes: dict[str, _Process] = {}
        self._frozen: dict[str, ExitStack] = {}

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> LocalStack:
        self.dir = Path(tempfile.mkdtemp(prefix="timekeeper-stack-"))
        self.postgres = PostgresCluster().start()
        secret = {
            "users_db": secrets.token_urlsafe(12),
            "hours_db": secrets.token_urlsafe(12),
            "client": secrets.token_urlsafe(24),
        }
        self.postgres.create_database("users", owner="users", password=secret["users_db"])
        self.postgres.create_database("hours", owner="hours", password=secret["hours_db"])
        ports = {name: free_port() for name in ("user", "hours", "docs", "internal")}
        python = sys.executable
        gunicorn = str(Path(python).with_name("gunicorn"))

        common = {
            **os.environ,
            "APP_ENV": "development",
            "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json"),
            "WEB_CONCURRENCY": str(self.workers),
            "INTROSPECTION_CLIENT_ID": "hours-service",
            "INTROSPECTION_CLIENT_SECRET": secret["client"],
            "PYTHONUNBUFFERED": "1",
        }
        user_env = {
            **common,
            "PORT": str(ports["user"]),
            "DATABASE_URL": self.postgres.url("users", user="users", password=secret["users_db"]),
            "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
            "ADMIN_USERNAME": self.admin_username,
            "ADMIN_EMAIL": os.environ.get("ADMIN_EMAIL", f"{self.admin_username}@example.com"),
            "ADMIN_PASSWORD": self.admin_password,
        }
        hours_env = {
            **common,
            "PORT": str(ports["hours"]),
            "DATABASE_URL": self.postgres.url("hours", user="hours", password=secret["hours_db"]),
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
            "USER_SERVICE_URL": f"http://127.0.0.1:{ports['user']}",
            "AUTH_CACHE_SECONDS": str(self.auth_cache_seconds),
        }
        docs_env = {
            **common,
            "PORT": str(ports["docs"]),
            "USERS_OPENAPI_URL": f"http://127.0.0.1:{ports['user']}/api/users/openapi.json",
            "HOURS_OPENAPI_URL": f"http://127.0.0.1:{ports['hours']}/api/hours/openapi.json",
        }
        traefik_env = {
            **os.environ,
            "USERS_UPSTREAM_URL": f"http://127.0.0.1:{ports['user']}",
            "HOURS_UPSTREAM_URL": f"http://127.0.0.1:{ports['hours']}",
            "DOCS_UPSTREAM_URL": f"http://127.0.0.1:{ports['docs']}",
            "CORS_ALLOWED_ORIGINS": self.cors_allowed_origins,
        }

        self._prestart("user", [python, "-m", "user_service", "prestart"], user_env)
        self._prestart("hours", [python, "-m", "hours_service", "prestart"], hours_env)

        def served(name: str, app: str, env: dict[str, str]) -> _Process:
            package = app.split(".", 1)[0]
            return _Process(
                name,
                # --bind overrides the config's 0.0.0.0: the /internal endpoints are
                # never routed by the gateway and must not face the network either.
                [
                    gunicorn,
                    "-c",
                    f"python:{package}.gunicorn_conf",
                    "--bind",
                    f"127.0.0.1:{ports[name]}",
                    app,
                ],
                env,
                ports[name],
                self.dir / f"{name}.log",
            )

        self.processes = {
            "user": served("user", "user_service.wsgi:app", user_env),
            "hours": served("hours", "hours_service.wsgi:application", hours_env),
            "docs": served("docs", "docs_service.wsgi:app", docs_env),
            "traefik": _Process(
                "traefik",
                [traefik_bin(), f"--configFile={self._traefik_static(ports['internal'])}"],
                traefik_env,
                self.gateway_port,
                self.dir / "traefik.log",
            ),
        }
        for process in self.processes.values():
            process.start()
        self.internal_url = f"http://127.0.0.1:{ports['internal']}"
        self.wait_ready()
        return self

    def stop(self) -> None:
        for name in list(self._frozen):
            self.thaw(name)
        for process in reversed(list(self.processes.values())):
            process.stop()
        if self.postgres is not None:
            self.postgres.destroy()
            self.postgres = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    # -- faults ----------------------------------------------------------------------
    def stop_service(self, name: str) -> None:
        self._process(name).stop()

    def start_service(self, name: str) -> None:
        self._process(name).start()

    def restart_postgres(self) -> None:
        assert self.postgres is not None
        self.postgres.restart()

    def freeze(self, name: str) -> None:
        """SIGSTOP: a service's whole process group (gunicorn's arbiter and workers, or
        Traefik), or every process of the Postgres server (each backend is a session of its
        own, so the cluster stops them one by one)."""
        if name not in FREEZABLE:
            raise ValueError(f"unknown service {name!r}; one of {', '.join(FREEZABLE)}")
        if name in self._frozen:
            return
        with ExitStack() as frozen:
            if name == "postgres":
                assert self.postgres is not None
                frozen.enter_context(self.postgres.frozen())
            else:
                process = self._process(name)
                process.freeze()
                frozen.callback(process.thaw)
            self._frozen[name] = frozen.pop_all()

    def thaw(self, name: str) -> None:
        frozen = self._frozen.pop(name, None)
        if frozen is not None:
            frozen.close()

    def logs(self, name: str, tail: int = 200) -> str:
        if name == "postgres":
            log = self.postgres.logfile if self.postgres else None
            return "\n".join(log.read_text().splitlines()[-tail:]) if log and log.exists() else ""
        return self._process(name).tail(tail)

    # -- helpers ---------------------------------------------------------------------
    def _process(self, name: str) -> _Process:
        if name not in SERVICES:
            raise ValueError(f"unknown service {name!r}; one of {', '.join(SERVICES)}")
        return self.processes[name]

    def _prestart(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        assert self.dir is not None
        log = self.dir / f"{name}.log"
        with log.open("ab") as out:
            result = subprocess.run(
                argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, check=False
            )
        if result.returncode != 0:
            raise RuntimeError(f"{name} prestart failed ({result.returncode}):\n{log.read_text()[-4000:]}")

    def _traefik_static(self, internal_port: int) -> Path:
        """gateway/traefik/traefik.yml rendered with this run's ports (the gateway's own renderer)."""
        assert self.dir is not None
        path = self.dir / "traefik.yml"
        subprocess.run(
            [
                sys.executable,
                str(GATEWAY_DIR / "render_static.py"),
                f"--web-address=127.0.0.1:{self.gateway_port}",
                f"--internal-address=127.0.0.1:{internal_port}",
                f"--out={path}",
            ],
            check=True,
        )
        return path
