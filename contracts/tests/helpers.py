"""The running services the contract tests talk to, and how to talk to them.

:class:`Server` runs one service under gunicorn with its own config, as the stack does;
:class:`Stack` is Postgres plus both services. Accounts come from
:mod:`timekeeper_dev.accounts`; the stand-in for the user service that answers what a
test chose is :class:`timekeeper_dev.introspection_stub.IntrospectionStub`.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from timekeeper_dev import accounts
from timekeeper_dev.accounts import Account
from timekeeper_dev.net import free_port
from timekeeper_dev.postgres import PostgresCluster
from timekeeper_dev.process import stop_process_group, tail_file

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
CLIENT_ID = "hours-contract-tests"
PASSWORD = "correct horse battery staple"  # the throwaway admin's


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


def register(stack: Stack, prefix: str = "contract") -> Account:
    """A new user, registered and logged in through the user service's public API."""
    return accounts.register(stack.user.url, prefix)


def admin(stack: Stack) -> Account:
    tokens = accounts.login(stack.user.url, stack.admin_username, stack.admin_password)
    me = requests.get(
        f"{stack.user.url}/api/users/v1/users/me",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert me.status_code == 200, me.text
    user = me.json()
    return Account(
        id=user["id"],
        username=stack.admin_username,
        email=user["email"],
        password=stack.admin_password,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )


def introspect(stack: Stack, token: str) -> requests.Response:
    return requests.post(
        f"{stack.user.url}/internal/v1/introspect",
        data={"token": token},
        auth=(CLIENT_ID, stack.client_secret),
        timeout=10,
    )
