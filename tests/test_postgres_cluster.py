"""The throwaway Postgres cluster every suite builds on."""

from __future__ import annotations

import contextlib
import threading
import time

import psutil
import psycopg
import pytest
from timekeeper_dev.postgres import PostgresCluster


def test_session_cluster_accepts_connections(postgresql_server) -> None:
    with psycopg.connect(
        host=postgresql_server.host,
        port=postgresql_server.port,
        user=postgresql_server.user,
        dbname="postgres",
    ) as conn:
        assert conn.execute("SELECT current_setting('server_encoding')").fetchone() == ("UTF8",)


def test_btree_gist_is_available(postgresql_cluster: PostgresCluster) -> None:
    postgresql_cluster.create_database("gist_check")
    with psycopg.connect(postgresql_cluster.url("gist_check"), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        assert conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'btree_gist'").fetchone()


def test_create_database_with_owner_is_idempotent(postgresql_cluster: PostgresCluster) -> None:
    for _ in range(2):
        postgresql_cluster.create_database("owned", owner="owner_role", password="pw")
    with psycopg.connect(postgresql_cluster.url("owned", user="owner_role", password="pw")) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("owner_role",)


def test_restart_keeps_data_and_destroy_removes_everything() -> None:
    cluster = PostgresCluster().start()
    try:
        cluster.create_database("kept")
        cluster.restart()
        with psycopg.connect(cluster.url("kept")) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("kept",)
    finally:
        directory = cluster.dir
        cluster.destroy()
    assert directory is not None and not directory.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(cluster.url(), connect_timeout=2)


def test_require_password_asks_one_role_for_its_password_for_the_block(
    postgresql_cluster: PostgresCluster,
) -> None:
    cluster = postgresql_cluster
    cluster.create_database("pw_role", owner="pw_role", password="the-right-one")
    hba = cluster.data / "pg_hba.conf"
    before = hba.read_text()
    with cluster.require_password("pw_role") as role:
        assert role == "pw_role"
        # in force at once: require_password waited for the reload
        with pytest.raises(psycopg.OperationalError, match="no password supplied"):
            psycopg.connect(cluster.url("pw_role", user="pw_role"), connect_timeout=5)
        with pytest.raises(
            psycopg.OperationalError, match='password authentication failed for user "pw_role"'
        ):
            psycopg.connect(cluster.url("pw_role", user="pw_role", password="a-wrong-one"), connect_timeout=5)
        with psycopg.connect(cluster.url("pw_role", user="pw_role", password="the-right-one")) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("pw_role",)
        with psycopg.connect(cluster.url()) as conn:  # every other role is trusted still
            assert conn.execute("SELECT current_user").fetchone() == (cluster.superuser,)
    assert hba.read_text() == before
    # trusted again at once: the block's end waited for that reload too
    with psycopg.connect(cluster.url("pw_role", user="pw_role"), connect_timeout=5) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("pw_role",)

    with pytest.raises(KeyError), cluster.require_password("pw_role"):
        raise KeyError("the block failed")
    assert hba.read_text() == before  # put back all the same
    psycopg.connect(cluster.url("pw_role", user="pw_role"), connect_timeout=5).close()


def test_require_password_refuses_a_role_that_cannot_log_in(postgresql_cluster: PostgresCluster) -> None:
    hba = postgresql_cluster.data / "pg_hba.conf"
    before = hba.read_text()
    with psycopg.connect(postgresql_cluster.url(), autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS no_login")
        conn.execute("CREATE ROLE no_login NOLOGIN")
    for role in ("no_such_role", "no_login"):
        with (
            pytest.raises(ValueError, match=f"no login role '{role}'"),
            postgresql_cluster.require_password(role),
        ):
            pytest.fail(f"the block ran for {role}")
    assert hba.read_text() == before


NOT_ACCEPTING = "the database system is not accepting connections"


def test_held_in_recovery_admits_no_connection_until_end_recovery() -> None:
    with PostgresCluster() as cluster:
        cluster.create_database("kept")
        with psycopg.connect(cluster.url("kept"), autocommit=True) as conn:
            conn.execute("CREATE TABLE t (n int)")
            conn.execute("INSERT INTO t VALUES (1)")
        conf = (cluster.data / "postgresql.conf").read_text()

        cluster.hold_in_recovery()
        assert cluster.running()
        with pytest.raises(psycopg.OperationalError, match=NOT_ACCEPTING):
            psycopg.connect(cluster.url("kept"), connect_timeout=5)
        cluster.restart()  # held across a restart
        with pytest.raises(psycopg.OperationalError, match=NOT_ACCEPTING):
            psycopg.connect(cluster.url("kept"), connect_timeout=5)
        with pytest.raises(RuntimeError, match="held in recovery already"):
            cluster.hold_in_recovery()

        cluster.end_recovery()
        with psycopg.connect(cluster.url("kept"), autocommit=True) as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (False,)
            conn.execute("INSERT INTO t VALUES (2)")  # a primary: it takes writes
            assert conn.execute("SELECT n FROM t ORDER BY n").fetchall() == [(1,), (2,)]
        assert (cluster.data / "postgresql.conf").read_text() == conf
        with pytest.raises(RuntimeError, match="not held in recovery"):
            cluster.end_recovery()


def test_frozen_answers_nothing_until_the_block_ends() -> None:
    """Every process of the server stopped: a connection open before the freeze gets no answer,
    a new one is not even greeted; both work again once the block ends."""
    with PostgresCluster() as cluster:
        with psycopg.connect(cluster.url(), autocommit=True) as before:
            with cluster.frozen() as stopped:
                assert len(stopped) >= 2  # the postmaster and its background processes at least
                assert postmaster_of(cluster) in stopped
                assert all(process.status() == psutil.STATUS_STOPPED for process in stopped)
                with pytest.raises(psycopg.OperationalError, match="timeout expired"):
                    psycopg.connect(cluster.url(), connect_timeout=2)
                # libpq has no query timeout: an open connection waits, here for 1 s
                assert not _answers_within(before, seconds=1.0)
            assert not [process for process in stopped if process.status() == psutil.STATUS_STOPPED]
            assert before.execute("SELECT 1").fetchone() == (1,)
        with psycopg.connect(cluster.url(), connect_timeout=5) as after:
            assert after.execute("SELECT 1").fetchone() == (1,)

        with pytest.raises(KeyError), cluster.frozen() as stopped:
            raise KeyError("the block failed")
        assert postmaster_of(cluster).status() != psutil.STATUS_STOPPED  # continued all the same
        with psycopg.connect(cluster.url(), connect_timeout=5) as after:
            assert after.execute("SELECT 1").fetchone() == (1,)


def test_frozen_stops_the_backends_forked_while_it_freezes() -> None:
    """Clients keep connecting while the server is frozen, ten times over: inside the block
    no process of the server runs, however late the postmaster forked it."""
    with PostgresCluster() as cluster:
        done = threading.Event()

        def connect_again_and_again() -> None:
            while not done.is_set():
                with contextlib.suppress(psycopg.OperationalError):
                    psycopg.connect(cluster.url(), connect_timeout=1).close()

        clients = [threading.Thread(target=connect_again_and_again) for _ in range(4)]
        for client in clients:
            client.start()
        try:
            for _ in range(10):
                time.sleep(0.05)
                with cluster.frozen():
                    running = [
                        process
                        for process in (
                            postmaster_of(cluster),
                            *postmaster_of(cluster).children(recursive=True),
                        )
                        if process.status() not in (psutil.STATUS_STOPPED, psutil.STATUS_ZOMBIE)
                    ]
                    assert not running
        finally:
            done.set()
            for client in clients:
                client.join(timeout=10)


def postmaster_of(cluster: PostgresCluster) -> psutil.Process:
    return psutil.Process(int((cluster.data / "postmaster.pid").read_text().split()[0]))


def _answers_within(connection: psycopg.Connection, seconds: float) -> bool:
    """Whether ``SELECT 1`` is answered within ``seconds``; the query is left to finish in a thread."""
    answered = threading.Event()

    def ask() -> None:
        connection.execute("SELECT 1")
        answered.set()

    threading.Thread(target=ask, daemon=True).start()
    return answered.wait(seconds)
