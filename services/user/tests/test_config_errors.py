"""A wrong configuration value ends every entry point (prestart, create-admin, gunicorn) with
one line, ``user_service: configuration error: ...``, and exit status 2: no traceback, never a
secret's value. The hours service says it alike (its tests/test_config_errors.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from timekeeper_dev.net import free_port
from timekeeper_dev.process import one_stderr_line, run_command

PREFIX = "user_service: configuration error: "
SECRET = "hunter2-5e0a"
NOWHERE = "postgresql://nobody@127.0.0.1:1/users"  # never reached: the configuration comes first
PRODUCTION = {
    "APP_ENV": "production",
    "JWT_SIGNING_KEY": "k" * 48,
    "INTROSPECTION_CLIENT_SECRET": "a-real-secret-3d9f",
}
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def run(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "APP_ENV": "test", "LOG_FORMAT": "json", "DATABASE_URL": NOWHERE, **env}
    return run_command(argv, env=env, timeout=60)


def the_line(result: subprocess.CompletedProcess[str]) -> str:
    """Exit status 2, nothing on stdout and exactly one line on stderr, no traceback, never the
    secret; returns what the line says after the prefix."""
    return one_stderr_line(result, status=2, prefix=PREFIX, hidden=[SECRET])


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"PRESTART_DB_ATTEMPTS": "0"}, "PRESTART_DB_ATTEMPTS must be at least 1, not '0'"),
        ({"APP_ENV": "prod"}, "APP_ENV must be one of development, test, production, not 'prod'"),
        (PRODUCTION | {"JWT_SIGNING_KEY": SECRET}, "JWT_SIGNING_KEY must be at least 32 bytes when APP_ENV=production"),
        ({"DATABASE_URL": f"postgresql://users:{SECRET}@db:port/users"}, "DATABASE_URL is not a valid URL"),
    ],
)  # fmt: skip
def test_prestart_says_what_is_wrong_in_one_line(env, problem):
    said = the_line(run([sys.executable, "-m", "user_service", "prestart"], **env))
    assert said.startswith(problem)


def test_every_wrong_variable_is_named_in_the_one_line():
    argv = [sys.executable, "-m", "user_service", "prestart"]
    said = the_line(run(argv, APP_ENV="prod", ACCESS_TOKEN_TTL_SECONDS="soon", PORT="x"))
    assert said.split("; ") == [
        "APP_ENV must be one of development, test, production, not 'prod'",
        "PORT must be a whole number, not 'x'",
        "ACCESS_TOKEN_TTL_SECONDS must be a whole number, not 'soon'",
    ]


def test_create_admin_says_it_alike():
    argv = [
        sys.executable,
        "-m",
        "user_service",
        "create-admin",
        "--username",
        "root",
        "--email",
        "r@example.com",
    ]
    assert the_line(run(argv, LOG_FORMAT="xml")) == "LOG_FORMAT must be one of json, console, not 'xml'"


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"APP_ENV": "prod"}, "APP_ENV must be one of development, test, production, not 'prod'"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY must be at least 1, not '0'"),
        ({"GUNICORN_THREADS": "x"}, "GUNICORN_THREADS must be a whole number, not 'x'"),
        (
            {"GUNICORN_THREADS": "1"},
            "PASSWORD_HASH_CONCURRENCY must be less than GUNICORN_THREADS, so that a thread is always "
            "free for introspection",
        ),
    ],
)
def test_gunicorn_stops_at_once_with_the_line(env, problem):
    """The master checks the configuration before it binds or starts a worker (a worker that
    failed on it would only be started again)."""
    argv = [GUNICORN, "-c", "python:user_service.gunicorn_conf", "user_service.wsgi:app"]
    assert the_line(run(argv, PORT=str(free_port()), **env)) == problem


def test_a_secret_and_its_file_together_are_one_line(tmp_path):
    key_file = tmp_path / "jwt_signing_key"
    key_file.write_text(SECRET + "\n")
    argv = [sys.executable, "-m", "user_service", "prestart"]
    said = the_line(run(argv, JWT_SIGNING_KEY=SECRET, JWT_SIGNING_KEY_FILE=str(key_file)))
    assert said == "JWT_SIGNING_KEY and JWT_SIGNING_KEY_FILE are both set (set one of them)"


def test_gunicorn_says_an_unreadable_secret_file_in_one_line(tmp_path):
    missing = tmp_path / "introspection_client_secret"
    argv = [GUNICORN, "-c", "python:user_service.gunicorn_conf", "user_service.wsgi:app"]
    result = run(argv, PORT=str(free_port()), INTROSPECTION_CLIENT_SECRET_FILE=str(missing))
    assert the_line(result) == (
        f"INTROSPECTION_CLIENT_SECRET_FILE names a file that cannot be read ({missing}: No such file or directory)"
    )
