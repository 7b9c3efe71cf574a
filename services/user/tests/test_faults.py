"""A database that hangs: every request that needs it is a prompt 503, and the service recovers
by itself once the database answers again. On real gunicorn and a real, frozen Postgres
(every server process stopped, so no server-side timeout can fire either)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import requests
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from timekeeper_dev.postgres import PostgresCluster

from tests.factories import PASSWORD, user_create
from tests.helpers import SERVICE_ID, SERVICE_SECRET, assert_problem, gunicorn_serving, make_app
from user_service import db
from user_service.config import Settings

#: how long a request may take while the database hangs: generous, to fail only on a hang; the
#: service's own bounds answer within about 5 s (README, "Behaviour worth knowing")
ANSWER_BOUND = 10.0


@dataclass
class Call:
    name: str
    method: str
    path: str
    kwargs: dict[str, Any]


def calls(base: str, tokens: dict[str, Any], admin_access: str) -> list[Call]:
    """One request of each kind that needs the database."""
    me = {"Authorization": f"Bearer {tokens['access_token']}"}
    admin = {"Authorization": f"Bearer {admin_access}"}
    login = {"grant_type": "password", "username": "ada", "password": PASSWORD}
    return [
        Call("ready", "GET", "/api/users/health/ready", {}),
        Call("register", "POST", "/api/users/v1/users", {"json": {"username": "bob", "email": "bob@example.com", "password": PASSWORD}}),
        Call("login", "POST", "/api/users/v1/token", {"data": login}),
        Call("refresh", "POST", "/api/users/v1/token", {"data": {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}}),
        Call("revoke", "POST", "/api/users/v1/token/revoke", {"data": {"token": "not-a-live-token"}}),
        Call("me", "GET", "/api/users/v1/users/me", {"headers": me}),
        Call("me update", "PATCH", "/api/users/v1/users/me", {"headers": me, "json": {"display_name": "Ada"}}),
        Call("user list", "GET", "/api/users/v1/users", {"headers": admin}),
        Call("introspect", "POST", "/internal/v1/introspect", {"data": {"token": tokens["access_token"]}, "auth": (SERVICE_ID, SERVICE_SECRET)}),
    ]  # fmt: skip


def send(base: str, call: Call) -> tuple[requests.Response | None, float]:
    """The answer (``None`` when there was none within :data:`ANSWER_BOUND`) and how long it took."""
    started = time.monotonic()
    try:
        response = requests.request(call.method, base + call.path, timeout=ANSWER_BOUND, **call.kwargs)
    except requests.Timeout:
        response = None
    return response, time.monotonic() - started


def until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_a_frozen_database_is_a_prompt_503_and_the_service_recovers(tmp_path) -> None:
    with PostgresCluster() as cluster:
        cluster.create_database("users_faults")
        url = cluster.url("users_faults")
        db.migrate(db.make_engine(Settings(database_url=url)))
        app = make_app(Settings(app_env="test", database_url=url))
        user_create(app, username="ada", email="ada@example.com")
        user_create(app, username="root", email="root@example.com", roles=("user", "admin"))

        with gunicorn_serving(url, tmp_path / "gunicorn.log") as base:
            tokens = _login(base, "ada")
            admin_access = _login(base, "root")["access_token"]
            for call in calls(
                base, tokens, admin_access
            ):  # each answered well first: the pools hold connections
                response, _ = send(base, call)
                assert response is not None and response.status_code < 500, (call.name, response)

            with cluster.frozen():
                frozen = {call.name: send(base, call) for call in calls(base, tokens, admin_access)}
            took = {name: round(elapsed, 1) for name, (_, elapsed) in frozen.items()}
            for name, (response, _) in frozen.items():
                assert response is not None, f"{name}: no answer within {ANSWER_BOUND} s (took {took})"
                assert response.status_code == 503, (name, response.status_code, response.text)
                assert response.headers["Content-Type"] == "application/problem+json", name
                assert response.headers["Retry-After"].isdigit(), name

            # by itself: no restart, no request of ours in between
            assert until(lambda: send(base, calls(base, tokens, admin_access)[0])[0].status_code == 200, 15)
            for call in calls(base, tokens, admin_access)[1:]:
                response, _ = send(base, call)
                assert response is not None and response.status_code < 500, (call.name, response.text)


def _login(base: str, username: str) -> dict[str, Any]:
    form = {"grant_type": "password", "username": username, "password": PASSWORD}
    response = requests.post(f"{base}/api/users/v1/token", data=form, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


# -- a database that answers, slowly ------------------------------------------------------
def test_the_service_s_connections_carry_the_server_side_bounds(app):
    with app.app_context(), db.get_engine().connect() as connection:
        assert connection.scalar(text("SHOW statement_timeout")) == "2s"
        assert connection.scalar(text("SHOW lock_timeout")) == "1s"


def test_migrations_are_not_bounded(settings):
    """A migration may run, and wait for another replica's prestart, as long as it needs."""
    engine = db.make_engine(settings, bounded=False)
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("SHOW statement_timeout")) == "0"
            assert connection.scalar(text("SHOW lock_timeout")) == "0"
            assert type(connection.connection.dbapi_connection) is psycopg.Connection
    finally:
        engine.dispose()


def _probe(settings: Settings, statement: str):
    """An app with one more route, which runs ``statement`` on the request's session."""
    app = make_app(settings)

    @app.get("/api/users/v1/probe")
    def probe() -> dict:
        db.get_session().execute(text(statement))
        return {}

    return app


def test_a_statement_that_runs_too_long_is_503(settings):
    response = _probe(settings, "SELECT pg_sleep(30)").test_client().get("/api/users/v1/probe")
    assert_problem(response, 503, "database-unavailable")
    assert response.headers["Retry-After"] == "5"


def test_a_lock_held_too_long_is_503(settings, client, user, auth_headers):
    """Another transaction holds the user's row: the change gives up instead of queueing."""
    other = db.make_engine(settings, bounded=False)
    try:
        with other.begin() as holding:
            holding.execute(text("SELECT 1 FROM users WHERE id = :id FOR UPDATE"), {"id": user.id})
            response = client.patch(
                "/api/users/v1/users/me", json={"display_name": "Waits"}, headers=auth_headers
            )
        assert_problem(response, 503, "database-unavailable")
        assert (
            client.get("/api/users/v1/users/me", headers=auth_headers).get_json()["display_name"] != "Waits"
        )
    finally:
        other.dispose()


def test_no_free_pooled_connection_is_503(settings):
    """Every pooled connection busy for longer than the checkout timeout (here, with a pool of
    one held by the test): 503, where SQLAlchemy's TimeoutError used to be a 500."""
    app = make_app(settings)
    with app.app_context():
        engine = db.get_engine()
        app.extensions[db.EXTENSION].kw["bind"] = db.make_engine(settings, pool_size=1, max_overflow=0)
        engine.dispose()
        with db.get_engine().connect():
            response = app.test_client().get("/api/users/health/ready")
            assert_problem(response, 503, "not-ready")
            body = {"username": "ada", "email": "ada@example.com", "password": PASSWORD}
            response = app.test_client().post("/api/users/v1/users", json=body)
            assert_problem(response, 503, "database-unavailable")
            assert response.headers["Retry-After"] == "5"


def test_a_database_that_stops_answering_while_a_request_ends_leaves_its_answer(
    client, auth_headers, monkeypatch, caplog
):
    """The rollback that ends every request can meet a database that has just stopped
    answering (AnswerTimeout, 3 s): the answer already made stands (it was a 500 in
    gunicorn's HTML), and the connection given up on is not used again."""
    real_close = Session.close

    def close_on_a_frozen_database(session: Session) -> None:
        # the connection goes back to the pool, as SQLAlchemy returns one it takes for lost; a
        # connection left checked out would hold its locks into the next tests
        real_close(session)
        raise OperationalError("ROLLBACK", {}, db.AnswerTimeout("the database did not answer within 3 s"))

    monkeypatch.setattr(Session, "close", close_on_a_frozen_database)
    response = client.get("/api/users/v1/users/me", headers=auth_headers)
    assert response.status_code == 200
    assert response.get_json()["username"]
    assert any(r.levelname == "WARNING" and "as the request ended" in r.getMessage() for r in caplog.records)
    monkeypatch.setattr(Session, "close", real_close)
    assert client.get("/api/users/v1/users/me", headers=auth_headers).status_code == 200


# -- a pooled connection is checked without a round trip -----------------------------------------


def test_taking_a_pooled_connection_asks_the_server_nothing(settings, monkeypatch) -> None:
    engine = db.make_engine(settings)
    try:
        db.ping(engine)

        def no_ping(*_: Any) -> bool:
            raise AssertionError("the pool pinged the server before handing out a connection")

        monkeypatch.setattr(engine.dialect, "do_ping", no_ping)
        db.ping(engine)  # the same connection, taken again
    finally:
        engine.dispose()


def test_a_pooled_connection_the_server_closed_is_replaced(settings) -> None:
    engine = db.make_engine(settings, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with psycopg.connect(str(settings.database_url), autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + ANSWER_BOUND
        while True:  # the server's goodbye reaches the pooled connection's socket a moment later
            with engine.connect() as connection:
                now = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            if now != pid:
                break
            assert time.monotonic() < deadline, "the pool still hands out the closed connection"
            time.sleep(0.05)
        db.ping(engine)
    finally:
        engine.dispose()
