"""A wrong configuration value ends every entry point (prestart, any other command, gunicorn)
with one line, ``hours_service: configuration error: ...``, and exit status 2: no traceback,
never a secret's value. The user service says it alike (its tests/test_config_errors.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from timekeeper_dev.net import free_port
from timekeeper_dev.process import one_stderr_line, run_command

from tests.helpers import SERVICE_DIR, service_env

PREFIX = "hours_service: configuration error: "
SECRET = "hunter2-7c1e"
NOWHERE = "postgresql://nobody@127.0.0.1:1/hours"  # never reached: the configuration comes first
PRODUCTION = {
    "APP_ENV": "production",
    "DJANGO_SECRET_KEY": "s" * 50,
    "USER_SERVICE_URL": "http://user:8000",
    "INTROSPECTION_CLIENT_SECRET": "a-real-secret-3d9f",
}


def run(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return run_command(
        [sys.executable, *argv], env={**service_env(NOWHERE), **env}, cwd=SERVICE_DIR, timeout=60
    )


def the_line(result: subprocess.CompletedProcess[str]) -> str:
    """Exit status 2, nothing on stdout and exactly one line on stderr, no traceback, never the
    secret; returns what the line says after the prefix."""
    return one_stderr_line(result, status=2, prefix=PREFIX, hidden=[SECRET])


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"PRESTART_DB_ATTEMPTS": "0"}, "PRESTART_DB_ATTEMPTS must be at least 1, not '0'"),
        ({"AUTH_CACHE_SECONDS": "soon"}, "AUTH_CACHE_SECONDS must be a whole number, not 'soon'"),
        ({"APP_ENV": "prod"}, "APP_ENV must be one of development, test, production, not 'prod'"),
        (PRODUCTION | {"DJANGO_SECRET_KEY": SECRET}, "DJANGO_SECRET_KEY must be at least 32 characters when APP_ENV=production"),
        ({"DATABASE_URL": f"postgresql://hours:{SECRET}@db:port/hours"}, "DATABASE_URL is not a valid URL"),
    ],
)  # fmt: skip
def test_prestart_says_what_is_wrong_in_one_line(env, problem):
    said = the_line(run(["-m", "hours_service", "prestart"], **env))
    assert said.startswith(problem)


def test_every_wrong_variable_is_named_in_the_one_line():
    argv = ["-m", "hours_service", "prestart"]
    said = the_line(run(argv, APP_ENV="prod", AUTH_CACHE_SECONDS="soon", PORT="x"))
    assert said.split("; ") == [
        "APP_ENV must be one of development, test, production, not 'prod'",
        "PORT must be a whole number, not 'x'",
        "AUTH_CACHE_SECONDS must be a whole number, not 'soon'",
    ]


def test_any_other_command_says_it_alike():
    said = the_line(run(["-m", "hours_service", "check"], LOG_FORMAT="xml"))
    assert said == "LOG_FORMAT must be one of json, console, not 'xml'"
    assert the_line(run(["manage.py", "migrate"], LOG_FORMAT="xml")) == said


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"APP_ENV": "prod"}, "APP_ENV must be one of development, test, production, not 'prod'"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY must be at least 1, not '0'"),
    ],
)
def test_gunicorn_stops_at_once_with_the_line(env, problem):
    """The master checks the configuration before it binds or starts a worker."""
    argv = ["-m", "gunicorn", "-c", "python:hours_service.gunicorn_conf", "hours_service.wsgi:application"]
    result = run(argv, PORT=str(free_port()), **env)
    assert the_line(result) == problem


def test_a_secret_and_its_file_together_are_one_line(tmp_path):
    key_file = tmp_path / "django_secret_key"
    key_file.write_text(SECRET + "\n")
    said = the_line(
        run(
            ["-m", "hours_service", "prestart"],
            DJANGO_SECRET_KEY=SECRET,
            DJANGO_SECRET_KEY_FILE=str(key_file),
        )
    )
    assert said == "DJANGO_SECRET_KEY and DJANGO_SECRET_KEY_FILE are both set (set one of them)"


def test_gunicorn_says_an_unreadable_secret_file_in_one_line(tmp_path):
    missing = tmp_path / "introspection_client_secret"
    argv = ["-m", "gunicorn", "-c", "python:hours_service.gunicorn_conf", "hours_service.wsgi:application"]
    env = {"INTROSPECTION_CLIENT_SECRET": "", "INTROSPECTION_CLIENT_SECRET_FILE": str(missing)}  # "": unset
    result = run(argv, PORT=str(free_port()), **env)
    assert the_line(result) == (
        f"INTROSPECTION_CLIENT_SECRET_FILE names a file that cannot be read ({missing}: No such file or directory)"
    )
