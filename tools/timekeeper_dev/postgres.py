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

Three states a test of a client may need, on a running cluster: one role that must give its
password while every other is still trusted (:meth:`PostgresCluster.require_password`), a
server that runs but admits no connection, as while it starts or recovers
(:meth:`PostgresCluster.hold_in_recovery`, until :meth:`PostgresCluster.end_recovery`), and a
server that answers nothing at all, as one that hangs (:meth:`PostgresCluster.frozen`).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
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


def _stopped_or_gone(process: psutil.Process) -> bool:
    """Stopped, or ended while being stopped (a backend whose client had just left)."""
    try:
        return process.status() in (psutil.STATUS_STOPPED, psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


class PostgresCluster:
    """A PostgreSQL cluster in a temporary directory, on a free loopback port."""

    superuser = "postgres"
    host = "127.0.0.1"

    def __init__(self, port: int | None = None, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.port = port or free_port()
        self.dir: Path | None = None
        self._conf_before_recovery: str | None = None
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

    # -- states a client test needs --------------------------------------------------
    @contextlib.contextmanager
    def require_password(self, role: str, timeout: float = 10.0) -> Iterator[str]:
        """Within the block, ``role`` (an existing login role) must give its password over TCP
        (``scram-sha-256``); every other role is trusted as before. ``pg_hba.conf`` gets one
        rule in front, and is put back as it was when the block ends. Both changes take effect
        on a reload, which is asynchronous: each waits until a connection as ``role`` without
        a password is refused for want of one, and then accepted again, and raises
        ``TimeoutError`` when that does not happen within ``timeout`` seconds. A role that does
        not exist or may not log in is a ``ValueError``, before anything changes (a server
        that asks for a password does not say whether the role exists)."""
        with psycopg.connect(self.url()) as conn:
            can_log_in = conn.execute(
                "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (role,)
            ).fetchone()
        if can_log_in != (True,):
            raise ValueError(f"no login role {role!r} in the cluster")
        hba = self.data / "pg_hba.conf"
        original = hba.read_text()
        hba.write_text(f"host all {role} all scram-sha-256\n{original}")
        try:
            self._reload()
            self._until_password_asked(role, asked=True, timeout=timeout)
            yield role
        finally:
            hba.write_text(original)
            self._reload()
            self._until_password_asked(role, asked=False, timeout=timeout)

    @contextlib.contextmanager
    def frozen(self, timeout: float = 10.0) -> Iterator[list[psutil.Process]]:
        """Within the block every process of the server is stopped (SIGSTOP), as a server that
        hangs (a stalled disk, a paused machine) is: the kernel still accepts connections and
        acknowledges what is sent, but nothing answers, and no server-side timeout
        (``statement_timeout``, ``lock_timeout``) can fire. Only a client's own timeouts end its
        wait. Every process is continued (SIGCONT) when the block ends, however it ends.

        Yields the stopped processes: the postmaster first, so that it starts no new one, then
        its children; each is waited for until it is stopped (``TimeoutError`` after
        ``timeout`` seconds)."""
        postmaster = psutil.Process(int((self.data / "postmaster.pid").read_text().split()[0]))
        stopped: list[psutil.Process] = []
        deadline = time.monotonic() + timeout

        def suspend(processes: list[psutil.Process]) -> None:
            for process in processes:
                with contextlib.suppress(psutil.NoSuchProcess):  # a backend that just ended
                    process.suspend()
                    stopped.append(process)
            while not all(map(_stopped_or_gone, stopped)):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the server's processes not stopped after {timeout:.0f}s")
                time.sleep(0.01)

        try:
            # Its children are listed only once the postmaster is stopped: a backend it forked
            # in between would otherwise serve on through the freeze.
            suspend([postmaster])
            suspend(postmaster.children(recursive=True))
            yield stopped
        finally:
            for process in reversed(stopped):
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.resume()

    def hold_in_recovery(self) -> None:
        """Restart the cluster as a standby with ``hot_standby = off``: it runs, and answers
        every connection with SQLSTATE 57P03, "the database system is not accepting
        connections", as a server that is starting or recovering does. It stays so, across
        restarts, until :meth:`end_recovery`."""
        if self._recovery_signal.exists():
            raise RuntimeError("the cluster is held in recovery already")
        self.stop()
        self._conf_before_recovery = self._conf.read_text()
        self._recovery_signal.touch()
        self._conf.write_text(f"{self._conf_before_recovery}\nhot_standby = off\n")
        self.start()

    def end_recovery(self) -> None:
        """Restart a cluster held in recovery as a normal server (a primary) with the data it
        had and its configuration as before. Between the two it refuses connections for a
        moment, as a restarting server does."""
        if not self._recovery_signal.exists():
            raise RuntimeError("the cluster is not held in recovery")
        assert self._conf_before_recovery is not None
        self.stop()
        self._recovery_signal.unlink()
        self._conf.write_text(self._conf_before_recovery)
        self._conf_before_recovery = None
        self.start()

    @property
    def _conf(self) -> Path:
        return self.data / "postgresql.conf"

    @property
    def _recovery_signal(self) -> Path:
        return self.data / "standby.signal"

    def _reload(self) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")

    def _until_password_asked(self, role: str, *, asked: bool, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url(user=role), connect_timeout=2).close()
                now = False
            except psycopg.OperationalError as exc:
                if not (exc.pgconn and exc.pgconn.needs_password):
                    raise
                now = True
            if now is asked:
                return
            if time.monotonic() > deadline:
                still = "trusted" if asked else "asked for a password"
                raise TimeoutError(f"pg_hba.conf not reloaded after {timeout:.0f}s: {role} is still {still}")
            time.sleep(0.05)

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / tool), *args]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd="/")
        if check and result.returncode != 0:
            log = self.logfile.read_text() if self.dir and self.logfile.exists() else ""
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr.strip()}\n{log[-2000:]}")
        return result
