"""A throwaway PostgreSQL cluster from the system's server binaries.

``initdb`` and ``pg_ctl`` refuse to run as root, so when we are root the cluster
directory is handed to the ``postgres`` system user and both commands run through
``runuser``. As any other user they run directly. The cluster listens on
127.0.0.1 (and a Unix socket inside its own directory), trusts local connections,
and runs with ``fsync=off``: it is for tests and the local stack, never for data
that matters.

    with PostgresCluster() as pg:
        pg.create_database("users", owner="users", password="secret")
        print(pg.url("users", user="users", password="secret"))
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from timekeeper_dev.net import free_port


class PostgresNotInstalled(RuntimeError):
    pass


def find_bindir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl`` (``PG_BINDIR`` wins)."""
    if env := os.environ.get("PG_BINDIR"):
        candidates = [env]
    else:
        candidates = sorted(
            glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
        )
        if pg_config := shutil.which("pg_config"):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
            candidates.append(out.stdout.strip())
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    raise PostgresNotInstalled(
        "PostgreSQL server binaries (initdb, pg_ctl) not found; run `make bootstrap` "
        "(Debian: apt-get install postgresql) or set PG_BINDIR"
    )


class PostgresCluster:
    """A PostgreSQL cluster in a temporary directory, on a free loopback port."""

    superuser = "postgres"
    host = "127.0.0.1"

    def __init__(self, port: int | None = None, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.port = port or free_port()
        self.dir: Path | None = None
        self._as_root = os.geteuid() == 0

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> PostgresCluster:
        if self.dir is None:
            self.dir = Path(tempfile.mkdtemp(prefix="timekeeper-pg-"))
            if self._as_root:
                pw = pwd.getpwnam("postgres")
                os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                self.superuser,
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.logfile),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses={self.host} -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200",
            "start",
        )
        return self

    def stop(self) -> None:
        if self.dir is not None and self.running():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def running(self) -> bool:
        if self.dir is None:
            return False
        result = self._run("pg_ctl", "-D", str(self.data), "status", check=False)
        return result.returncode == 0

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.destroy()

    # -- helpers ---------------------------------------------------------------------
    @property
    def data(self) -> Path:
        assert self.dir is not None, "cluster not started"
        return self.dir / "data"

    @property
    def logfile(self) -> Path:
        assert self.dir is not None, "cluster not started"
        return self.dir / "postgres.log"

    def url(self, dbname: str = "postgres", user: str | None = None, password: str | None = None) -> str:
        user = user or self.superuser
        auth = f"{user}:{password}" if password else user
        return f"postgresql://{auth}@{self.host}:{self.port}/{dbname}"

    def create_database(self, name: str, owner: str | None = None, password: str | None = None) -> None:
        """Create a role (when ``owner`` is given) and a database it owns; idempotent."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            if owner:
                exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (owner,)).fetchone()
                if not exists:
                    conn.execute(
                        sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                            sql.Identifier(owner), sql.Literal(password)
                        )
                    )
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(name), sql.Identifier(owner or self.superuser)
                    )
                )

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / tool), *args]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd="/")
        if check and result.returncode != 0:
            log = self.logfile.read_text() if self.dir and self.logfile.exists() else ""
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr.strip()}\n{log[-2000:]}")
        return result
