"""The throwaway Postgres cluster every suite builds on."""

from __future__ import annotations

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
