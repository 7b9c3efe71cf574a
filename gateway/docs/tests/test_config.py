"""Settings come from the environment, read as in every service, and refuse values the
service cannot run with: every wrong variable named at once."""

from __future__ import annotations

import pytest
from docs_service.config import ConfigError, load


def test_defaults_point_at_the_compose_services() -> None:
    settings = load({})
    assert [spec.fetch_url for spec in settings.specs] == [
        "http://user:8000/api/users/openapi.json",
        "http://hours:8000/api/hours/openapi.json",
    ]
    assert [spec.browser_url for spec in settings.specs] == [
        "/api/users/openapi.json",
        "/api/hours/openapi.json",
    ]
    assert [spec.prefix for spec in settings.specs] == ["Users", "Hours"]
    assert (settings.port, settings.web_concurrency, settings.gunicorn_threads) == (8000, 2, 4)


def test_values_from_the_environment() -> None:
    settings = load(
        {
            "USERS_OPENAPI_URL": "http://127.0.0.1:9001/api/users/openapi.json",
            "HOURS_OPENAPI_URL": "https://hours.internal/api/hours/openapi.json",
            "SPEC_FETCH_TIMEOUT": "1.5",
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "console",
            "PORT": "9000",
            "GUNICORN_THREADS": "8",
        }
    )
    assert settings.specs[0].fetch_url == "http://127.0.0.1:9001/api/users/openapi.json"
    assert settings.spec_fetch_timeout == 1.5
    assert settings.log_level == "DEBUG"
    assert (settings.port, settings.gunicorn_threads) == (9000, 8)


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"USERS_OPENAPI_URL": "file:///etc/passwd"}, "USERS_OPENAPI_URL must be an http:// or https:// URL with a host"),
        ({"HOURS_OPENAPI_URL": "/api/hours/openapi.json"}, "HOURS_OPENAPI_URL must be an http:// or https:// URL with a host"),
        ({"SPEC_FETCH_TIMEOUT": "soon"}, "SPEC_FETCH_TIMEOUT must be a number, not 'soon'"),
        ({"SPEC_FETCH_TIMEOUT": "0"}, "SPEC_FETCH_TIMEOUT must be greater than 0, not '0'"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of json, console, not 'xml'"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'loud'"),
        ({"APP_ENV": "staging"}, "APP_ENV must be one of development, test, production, not 'staging'"),
        ({"PORT": "70000"}, "PORT must be at most 65535, not '70000'"),
        ({"GUNICORN_THREADS": "0"}, "GUNICORN_THREADS must be at least 1, not '0'"),
    ],
)  # fmt: skip
def test_unusable_values_are_refused(env: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load(env)
    assert raised.value.problems == (problem,)


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        load({"APP_ENV": "staging", "PORT": "x", "SPEC_FETCH_TIMEOUT": "0"})
    assert [problem.split()[0] for problem in raised.value.problems] == [
        "APP_ENV",
        "PORT",
        "SPEC_FETCH_TIMEOUT",
    ]
