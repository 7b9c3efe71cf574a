"""A database that stops answering costs a request a few seconds and a 503, never the whole
outage, and the service recovers by itself once it answers again.

A frozen server (its processes stopped, :meth:`PostgresCluster.frozen`) is the hard case: the
kernel still accepts connections and acknowledges what is sent, so the client sees no error,
only no answer. Each test freezes a cluster of its own, never the suite's.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
import requests
from django.db import OperationalError, connections
from timekeeper_dev.net import free_port, wait_for_port
from timekeeper_dev.postgres import PostgresCluster
from timekeeper_dev.process import command_running, run_command

from tests.helpers import SERVICE_DIR, service_env

#: Long enough that a request which waits for the freeze to end fails the test, instead of
#: passing once the cluster is let go; well above what an answer may take (a few seconds).
PATIENCE_SECONDS = 20.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    with PostgresCluster() as cluster:
        cluster.create_database("hours")
        yield cluster


def _in_time(call, seconds: float = PATIENCE_SECONDS):
    """``call()``'s result, or a test failure if it has not returned after ``seconds`` (the
    thread is left to finish once the cluster goes on)."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(("value", call()))
        except Exception as exc:  # handed to the test below, which asserts on it
            outcome.append(("error", exc))
        finally:
            connections.close_all()  # this thread's own: a test database is dropped at the end

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=seconds)
    assert outcome, f"no answer after {seconds:.0f} s: it waits for the database"
    return outcome[0]


# -- the database layer: every wait on the server is bounded -------------------------------------


@pytest.fixture
def database(cluster, django_db_blocker) -> Iterator:
    """A Django connection to ``cluster``, set up as the service's (the settings' OPTIONS), under
    an alias of its own (``connection_created`` handlers look connections up by alias), shared
    with the threads of :func:`_in_time`."""
    settings_dict = {**connections["default"].settings_dict, "HOST": cluster.host, "PORT": cluster.port}
    settings_dict.update(NAME="hours", USER=cluster.superuser, PASSWORD="", CONN_MAX_AGE=0)
    connections.settings["faults"] = settings_dict
    try:
        wrapper = connections["faults"]
        wrapper.inc_thread_sharing()
        with django_db_blocker.unblock():
            yield wrapper
            wrapper.close()
        wrapper.dec_thread_sharing()
    finally:
        del connections["faults"]
        del connections.settings["faults"]


def _select(wrapper, sql: str = "SELECT 1"):
    with wrapper.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def test_a_statement_on_a_frozen_database_fails_in_time(cluster, database):
    assert _select(database) == (1,)
    with cluster.frozen():
        kind, error = _in_time(lambda: _select(database))
        assert kind == "error" and isinstance(error, OperationalError), error
        kind, error = _in_time(lambda: _select(database))  # the next one reconnects, in time too
        assert kind == "error" and isinstance(error, OperationalError), error
    database.close()
    assert _select(database) == (1,)


def test_the_health_check_of_a_kept_connection_does_not_wait_for_the_server(cluster, database):
    """The check before a request reuses a connection asks the server nothing: on a frozen
    server it passes at once, and the request's own statement meets the answer bound."""
    database.settings_dict["CONN_HEALTH_CHECKS"] = True
    database.connect()
    with cluster.frozen():
        assert _in_time(database.is_usable) == ("value", True)
        kind, error = _in_time(lambda: _select(database))
        assert kind == "error" and isinstance(error, OperationalError), error
        assert not database.is_usable()  # given up on: closed
    database.close()
    assert _select(database) == (1,)


def test_a_connection_the_server_closed_is_not_reused(cluster, database):
    database.settings_dict["CONN_HEALTH_CHECKS"] = True
    database.connect()
    pid = database.connection.info.backend_pid
    with psycopg.connect(cluster.url("hours"), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + PATIENCE_SECONDS
    while database.is_usable():  # the server's goodbye reaches the socket a moment later
        assert time.monotonic() < deadline, "a connection the server closed still looks usable"
        time.sleep(0.05)
    database.close()
    assert _select(database) == (1,)


def test_statements_and_lock_waits_are_bounded_by_the_server_too(database):
    """A live server cancels a statement, or a wait for a lock, that takes longer: the
    connection stays usable (the client-side bound is only for a server that does not answer)."""
    assert _select(database, "SHOW statement_timeout") == ("2s",)
    assert _select(database, "SHOW lock_timeout") == ("1s",)
    kind, error = _in_time(lambda: _select(database, "SELECT pg_sleep(10)"))
    assert kind == "error" and isinstance(error, OperationalError)
    assert "statement timeout" in str(error)
    assert _select(database) == (1,)


def test_prestart_lifts_the_bounds_for_migrations(database):
    database.connect()
    database.without_bounds()
    assert _select(database, "SHOW statement_timeout") == ("0",)
    assert _select(database, "SHOW lock_timeout") == ("0",)
    assert database.connection.answer_timeout is None


# -- the service: 503 problem+json with Retry-After, then back by itself ---------------------------


@pytest.fixture(scope="module")
def service(cluster, user_service) -> Iterator[str]:
    """gunicorn with the service's configuration on ``cluster`` (migrated by prestart)."""
    env = service_env(
        cluster.url("hours"), PORT=str(free_port()), WEB_CONCURRENCY="1", USER_SERVICE_URL=user_service.url
    )
    prestart = run_command([sys.executable, "-m", "hours_service", "prestart"], env=env, cwd=SERVICE_DIR)
    assert prestart.returncode == 0, prestart.stderr
    argv = [sys.executable, "-m", "gunicorn", "-c", "python:hours_service.gunicorn_conf", "hours_service.wsgi:application"]  # fmt: skip
    with command_running(argv, env=env, cwd=SERVICE_DIR) as process:
        wait_for_port(int(env["PORT"]), timeout=60)
        assert process.poll() is None
        yield f"http://127.0.0.1:{env['PORT']}"


def _get(url: str, headers: dict[str, str]) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.get(url, headers=headers, timeout=PATIENCE_SECONDS)
    return response, time.monotonic() - started


@pytest.mark.django_db
def test_a_frozen_database_is_a_prompt_503_then_the_service_recovers(
    cluster, service, user_service, token_for, user
):
    headers = {"Authorization": f"Bearer {token_for(user)}"}
    paths = ["/api/hours/v1/entries", "/api/hours/v1/projects", "/api/hours/health/ready"]
    for path in paths:  # connections made and kept, tokens cached
        assert requests.get(service + path, headers=headers, timeout=10).status_code == 200, path
    with cluster.frozen():
        for path in paths * 2:  # first on kept connections, then on new ones
            try:
                response, elapsed = _get(service + path, headers)
            except requests.Timeout:
                pytest.fail(
                    f"GET {path}: no answer after {PATIENCE_SECONDS:.0f} s while the database is frozen"
                )
            assert response.status_code == 503, (path, response.text)
            assert response.headers["Content-Type"] == "application/problem+json"
            assert int(response.headers["Retry-After"]) > 0
            print(f"frozen: GET {path} {response.status_code} in {elapsed:.2f} s")  # the figures, with -s
    deadline = time.monotonic() + 30
    for path in paths:
        while (status := requests.get(service + path, headers=headers, timeout=10).status_code) != 200:
            assert time.monotonic() < deadline, f"GET {path} still {status} after the database came back"
            time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_a_write_that_waits_for_a_lock_is_a_503(api, user):
    """Another transaction holds the running entry's row: the timer's stop gives up waiting."""
    from django.conf import settings

    started = api.post("/api/hours/v1/timer/start", {}, format="json")
    assert started.status_code == 201
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=connections["default"].settings_dict["NAME"]
    ) as holder:
        holder.execute("SELECT 1 FROM timesheets_entry WHERE id = %s FOR UPDATE", [started.json()["id"]])
        kind, response = _in_time(lambda: api.post("/api/hours/v1/timer/stop", {}, format="json"))
    assert kind == "value"
    assert response.status_code == 503, response.content
    assert response["Retry-After"]
    assert api.post("/api/hours/v1/timer/stop", {}, format="json").status_code == 200
