"""The swarm driver: deploy/swarm/stack.yml on a single-node Docker Swarm, replicated.

``make swarm-up``'s script deploys it (a swarm made if there is none, the images built
as Compose builds them, secrets created from generated values) under a stack of its own,
``timekeeper-e2e-<gateway port>``, with ``REPLICAS`` (2) replicas of the user and hours
services; ``make swarm-down --volumes``'s script removes all of it on stop, the swarm
included when it made it. The stack is reached through the gateway's host-mode port only.

The faults act on Swarm services: stopping one scales it to zero, starting it scales it
back and waits until every replica is healthy; restarting Postgres replaces its task;
freezing one pauses every replica's container.
The scaled-deployment tests also look at single replicas: :meth:`tasks`,
:meth:`replica_logs`, :meth:`roll` (a rolling update) and :meth:`kill_replica`.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from dataclasses import dataclass

from timekeeper_dev.stack.base import FREEZABLE, ROOT, SERVICES, Stack

SCRIPTS = ROOT / "scripts"
#: how often freeze() asks docker to pause a container before it gives up (as compose's)
PAUSE_ATTEMPTS = 5
#: seconds make swarm-up's script waits for every replica to be healthy: it then prints
#: why not and fails, well before the e2e suite's own 300 s timeout ends the setup
CONVERGE_TIMEOUT = 180
#: bound on any of the scripts (build, deploy, wait; or removal)
SCRIPT_TIMEOUT = 280


@dataclass(frozen=True)
class Task:
    """One running replica of a service."""

    id: str
    slot: int
    container: str
    address: str  # on the stack's network


class SwarmStack(Stack):
    def __init__(
        self,
        gateway_port: int | None = None,
        auth_cache_seconds: int | None = None,
        replicas: int | None = None,
    ) -> None:
        super().__init__(gateway_port, auth_cache_seconds, admin_password=secrets.token_urlsafe(16))
        self.replicas = replicas or int(os.environ.get("REPLICAS", "2"))
        self.name = os.environ.get("SWARM_STACK") or f"timekeeper-e2e-{self.gateway_port}"
        self.env = {
            **os.environ,
            "SWARM_STACK": self.name,
            "GATEWAY_PORT": str(self.gateway_port),
            "REPLICAS": str(self.replicas),
            "SWARM_WAIT_TIMEOUT": str(CONVERGE_TIMEOUT),
            "AUTH_CACHE_SECONDS": str(self.auth_cache_seconds),
            "CORS_ALLOWED_ORIGINS": self.cors_allowed_origins,
            "ADMIN_USERNAME": self.admin_username,
            "ADMIN_PASSWORD": self.admin_password,
            # the images built for this run under names of its own: a build of the same
            # tags elsewhere on the engine (a compose run) cannot change them under it
            **{f"{svc.upper()}_IMAGE": f"timekeeper/{svc}:{self.name}" for svc in ("user", "hours", "docs")},
        }
        self._up = False
        self._frozen: dict[str, list[str]] = {}

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> SwarmStack:
        self._up = True  # a half-started stack is taken down too
        self._script("swarm-up.sh")
        self.wait_ready()
        return self

    def stop(self) -> None:
        if self._up:
            self._script("swarm-down.sh", "--volumes")
            images = [self.env[f"{svc.upper()}_IMAGE"] for svc in ("user", "hours", "docs")]
            subprocess.run(["docker", "rmi", *images], capture_output=True, check=False)
            self._up = False

    # -- faults ----------------------------------------------------------------------
    def stop_service(self, name: str) -> None:
        self._docker("service", "scale", "--detach=false", f"{self.service(name)}=0")

    def start_service(self, name: str) -> None:
        count = self.replicas if name in ("user", "hours") else 1
        self._docker("service", "scale", "--detach=false", f"{self.service(name)}={count}")
        self.wait_converged(name)

    def restart_postgres(self) -> None:
        self._docker("service", "update", "--detach=false", "--force", self.service("postgres"))

    def freeze(self, name: str) -> None:
        # Every replica's container paused (the freezer cgroup stops its processes; the
        # network stays up). Docker stops a paused container's healthcheck, so Swarm does
        # not replace it meanwhile.
        self._check_freezable(name)
        self._frozen[name] = [task.container for task in self.tasks(name)]
        for container in self._frozen[name]:
            # runc gives up ("unable to freeze") when a busy process does not reach the
            # frozen state within its own short wait; a few more tries get it there
            for attempt in range(1, PAUSE_ATTEMPTS + 1):
                try:
                    self._docker("pause", container)
                    break
                except RuntimeError:
                    if attempt == PAUSE_ATTEMPTS:
                        raise
                    time.sleep(0.5)

    def thaw(self, name: str) -> None:
        self._check_freezable(name)
        for container in self._frozen.pop(name, []):
            self._docker("unpause", container)

    def logs(self, name: str, tail: int = 200) -> str:
        """The service's tasks (state, error: why Swarm replaced one), then its logs."""
        service = self.service(name)
        out = []
        for argv in (
            [
                "service",
                "ps",
                "--no-trunc",
                "--format",
                "{{.Name}} {{.ID}} {{.CurrentState}} {{.Error}}",
                service,
            ],
            ["service", "logs", "--no-task-ids", "--tail", str(tail), service],
        ):
            try:
                result = subprocess.run(
                    ["docker", *argv], capture_output=True, text=True, check=False, timeout=30
                )
                out.append(result.stdout + result.stderr)
            except subprocess.TimeoutExpired:
                out.append(f"docker {' '.join(argv)}: no answer within 30 s\n")
        return "".join(out)

    # -- single replicas -------------------------------------------------------------
    def service(self, name: str) -> str:
        if name not in (*SERVICES, "postgres"):
            raise ValueError(f"unknown service {name!r}; one of {', '.join((*SERVICES, 'postgres'))}")
        return f"{self.name}_{name}"

    def tasks(self, name: str) -> list[Task]:
        """The service's running tasks (healthy ones: a task is running once its
        healthcheck passes), by slot."""
        ids = self._docker(
            "service", "ps", "-q", "--filter", "desired-state=running", self.service(name)
        ).stdout.split()
        if not ids:
            return []
        found = []
        for task in json.loads(self._docker("inspect", *ids).stdout):
            if task["Status"]["State"] != "running":
                continue
            addresses = [
                address.split("/")[0]
                for attachment in task.get("NetworksAttachments") or []
                if attachment["Network"]["Spec"]["Name"] == f"{self.name}_backend"
                for address in attachment["Addresses"]
            ]
            found.append(
                Task(
                    id=task["ID"],
                    slot=task["Slot"],
                    container=task["Status"]["ContainerStatus"]["ContainerID"],
                    address=addresses[0] if addresses else "",
                )
            )
        return sorted(found, key=lambda t: t.slot)

    def replica_logs(self, name: str) -> dict[str, list[dict]]:
        """Each running task's own JSON log lines (its container's), by task id."""
        logs = {}
        for task in self.tasks(name):
            result = self._docker("logs", task.container)
            lines = (result.stdout + result.stderr).splitlines()
            logs[task.id] = [json.loads(line) for line in lines if line.startswith("{")]
        return logs

    def roll(self, name: str) -> subprocess.CompletedProcess[str]:
        """A rolling update of every replica (new image or not), as make swarm-roll does;
        returns when Swarm says it is complete (or raises when it was rolled back)."""
        result = self._docker("service", "update", "--detach=false", "--force", self.service(name))
        # The command returns once the new tasks are stable; Swarm calls the update
        # completed a moment later, when the last old task has stopped.
        deadline = time.monotonic() + 120
        while (state := self.update_state(name)) in ("updating", "rollback_started"):
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        if state != "completed":
            raise RuntimeError(f"rolling {name}: update {state}\n{result.stdout}{result.stderr}")
        return result

    def update_state(self, name: str) -> str:
        return self._docker(
            "service",
            "inspect",
            "--format",
            "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}",
            self.service(name),
        ).stdout.strip()

    def log_lines_about(self, needles: set[str]) -> list[str]:
        """Every log line of the Traefik, hours and user containers (old tasks' included,
        while Swarm keeps them) that mentions one of ``needles``: what happened to a request."""
        found = []
        for name in ("traefik", "hours", "user"):
            containers = self._docker(
                "ps", "-aq", "--filter", f"label=com.docker.swarm.service.name={self.service(name)}"
            ).stdout.split()
            for container in containers:
                try:
                    result = subprocess.run(
                        ["docker", "logs", container], capture_output=True, text=True, check=False, timeout=30
                    )
                except subprocess.TimeoutExpired:
                    found.append(f"{name} {container}: docker logs gave no answer within 30 s")
                    continue
                lines = (result.stdout + result.stderr).splitlines()
                found += [f"{name} {container}: {line}" for line in lines if any(n in line for n in needles)]
        return found

    def kill_replica(self, task: Task) -> None:
        """SIGKILL one replica's container: no drain, the requests on it are cut."""
        self._docker("kill", task.container)

    def wait_converged(self, name: str, timeout: float = 180.0) -> float:
        """Until the service has all its replicas running; seconds it took."""
        expected = self.replicas if name in ("user", "hours") else 1
        started = time.monotonic()
        while len(self.tasks(name)) != expected:
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"{name}: not {expected} running replicas after {timeout:.0f}s")
            time.sleep(0.5)
        return time.monotonic() - started

    # -- helpers ---------------------------------------------------------------------
    @staticmethod
    def _check_freezable(name: str) -> None:
        if name not in FREEZABLE:
            raise ValueError(f"unknown service {name!r}; one of {', '.join(FREEZABLE)}")

    def _docker(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"docker {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}"
            )
        return result

    def _script(self, script: str, *args: str) -> None:
        # Its progress and, when it gives up, its diagnosis (each troubled service's tasks
        # and logs) are not captured here: a test's report carries them, even when the
        # test's own timeout ends the wait first.
        result = subprocess.run(
            [str(SCRIPTS / script), *args],
            cwd=ROOT,
            env=self.env,
            check=False,
            timeout=SCRIPT_TIMEOUT,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{script} failed ({result.returncode}); its output is above")
