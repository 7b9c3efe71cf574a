"""Settings come from the environment and refuse values the service cannot run with."""

from __future__ import annotations

import pytest
from docs_service.config import ConfigError, Settings


def test_defaults_point_at_the_compose_services() -> None:
    settings = Settings.from_env({})
    assert [spec.fetch_url for spec in settings.specs] == [
        "http://user:8000/api/users/openapi.json",
        "http://hours:8000/api/hours/openapi.json",
    ]
    assert [spec.browser_url for spec in settings.specs] == [
        "/api/users/openapi.json",
        "/api/hours/openapi.json",
    ]
    assert [spec.prefix for spec in settings.specs] == ["Users", "Hours"]


def test_values_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "USERS_OPENAPI_URL": "http://127.0.0.1:9001/api/users/openapi.json",
            "HOURS_OPENAPI_URL": "https://hours.internal/api/hours/openapi.json",
            "SPEC_FETCH_TIMEOUT": "1.5",
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "console",
        }
    )
    assert settings.specs[0].fetch_url == "http://127.0.0.1:9001/api/users/openapi.json"
    assert settings.spec_fetch_timeout == 1.5
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    "env",
    [
        {"USERS_OPENAPI_URL": "file:///etc/passwd"},
        {"HOURS_OPENAPI_URL": "/api/hours/openapi.json"},
        {"SPEC_FETCH_TIMEOUT": "soon"},
        {"SPEC_FETCH_TIMEOUT": "0"},
        {"LOG_FORMAT": "xml"},
        {"APP_ENV": "staging"},
    ],
)
def test_unusable_values_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env(env)
